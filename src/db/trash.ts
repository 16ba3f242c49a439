/**
 * The trash's rows: where an original went (its file in the trash) and when, and which moves a
 * recorded change made. The file moves themselves are the library's (src/library/trash.ts).
 */
import type { Kernel } from './kernel.js';

export interface TrashRow {
  id: number;
  /** Relative to the library root. */
  path: string;
  trash_file: string | null;
}

/** One image's trash state before and after a recorded change (null: not in the trash). */
export interface TrashMove {
  image_id: number;
  before: string | null;
  after: string | null;
}

export class TrashRows {
  private readonly s;

  constructor(kernel: Kernel) {
    this.s = {
      row: kernel.prepare<[number], TrashRow>('SELECT id, path, trash_file FROM images WHERE id = ?'),
      trashed: kernel.prepare('UPDATE images SET trash_file = ?, trashed_at = ?, missing = 1, updated_at = ? WHERE id = ?'),
      restored: kernel.prepare('UPDATE images SET trash_file = NULL, trashed_at = NULL, missing = 0, updated_at = ? WHERE id = ?'),
      present: kernel.prepare('UPDATE images SET missing = ?, updated_at = ? WHERE id = ?'),
      rejectedIds: kernel.prepare<[], { id: number }>('SELECT id FROM images WHERE rejected = 1 AND trash_file IS NULL AND missing = 0 ORDER BY id'),
      // Rows the journal trigger (migration 12) wrote for trash_file, oldest first.
      moves: kernel.prepare<[number], TrashMove>(
        `SELECT image_id, json_extract(old, '$.trash_file') AS before, json_extract(new, '$.trash_file') AS after
         FROM change_rows WHERE change_id = ? AND entity = 'image' AND json_type(new, '$.trash_file') IS NOT NULL ORDER BY seq`,
      ),
    };
  }

  row(id: number): TrashRow | null {
    return this.s.row.get(id) ?? null;
  }

  /** The original is in the trash at `trashFile` (the row stays, marked missing). */
  markTrashed(id: number, trashFile: string, at: string): void {
    this.s.trashed.run(trashFile, at, at, id);
  }

  /** The original is back at its path. */
  markRestored(id: number, at: string): void {
    this.s.restored.run(at, id);
  }

  /** After an undo wrote the trash columns back: whether the file is in the library now. */
  setPresent(id: number, present: boolean, at: string): void {
    this.s.present.run(present ? 0 : 1, at, id);
  }

  /** Present images marked as rejects. */
  rejectedIds(): number[] {
    return this.s.rejectedIds.all().map((r) => r.id);
  }

  /** Each image's trash state before and after a change, in the order the change wrote them. */
  movesOf(changeId: number): TrashMove[] {
    return this.s.moves.all(changeId);
  }
}
