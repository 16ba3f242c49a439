/**
 * The journal of organizing changes: what `vv history` lists and `vv undo` reverses.
 *
 * Rows are written by triggers (migration 8) while a change is open, so every edit the store makes
 * — whichever adapter asked for it — is recorded in the same transaction as the edit itself. This
 * module opens and closes changes, lists them, and applies a change's rows in reverse.
 */
import type { ImagePatch } from '../core/types.js';
import type { Kernel, Statement } from './kernel.js';

export type ChangeOrigin = 'api' | 'batch' | 'fuse' | 'cli' | 'xmp' | 'undo';
export const CHANGE_ORIGINS: readonly ChangeOrigin[] = ['api', 'batch', 'fuse', 'cli', 'xmp', 'undo'];

/** Who asked for an edit, and how to describe it (the store describes it when not given). */
export interface ChangeContext {
  origin: ChangeOrigin;
  description?: string;
}

export interface ChangeSummary {
  id: number;
  at: string;
  origin: ChangeOrigin;
  description: string;
  /** Distinct images the change touched. */
  images: number;
  /** The undo change that reversed this one, if any. */
  undone_by: number | null;
  /** For an undo change: the changes it reversed, newest first. */
  reverts: number[] | null;
}

export interface UndoResult {
  /** The undo change itself (undo it to redo), or null when nothing had to be written. */
  change: number | null;
  reversed: ChangeSummary[];
}

interface ChangeRow {
  id: number;
  at: string;
  origin: ChangeOrigin;
  description: string;
  images: number;
  undone_by: number | null;
  reverts: string | null;
}

interface JournalRow {
  seq: number;
  entity: 'image_tag' | 'suppression' | 'category' | 'image_category' | 'tag_folder' | 'image';
  op: 'insert' | 'delete' | 'update';
  image_id: number | null;
  old: string | null;
  new: string | null;
}

/** Image columns an edit may change, each restored by its own statement. */
const IMAGE_FIELDS = ['favorite', 'rating', 'notes', 'user_prompt', 'rejected', 'trash_file', 'trashed_at'] as const;
type ImageField = (typeof IMAGE_FIELDS)[number];

const DESCRIPTION_MAX = 300;

/**
 * Creates a category under an id no category ever had (above the highest id deleted, kept by a
 * trigger): journal rows name categories by id, so an id must never come to mean another one.
 */
export const INSERT_CATEGORY_SQL = `INSERT INTO categories(id, name, created_at) VALUES (
    MAX(COALESCE((SELECT MAX(id) FROM categories), 0), COALESCE((SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'category_id_floor'), 0)) + 1, ?, ?)
  ON CONFLICT(name) DO NOTHING`;

/** `image 12: tags +cat −dog, favorite` — what an edit did, for `vv history`. */
export function describeEdit(subject: string, patch: ImagePatch): string {
  const parts: string[] = [];
  const signed = (add: string[] = [], remove: string[] = []) => [...add.map((n) => `+${n}`), ...remove.map((n) => `−${n}`)].join(' ');
  if (patch.tags && (patch.tags.add?.length || patch.tags.remove?.length)) parts.push(`tags ${signed(patch.tags.add, patch.tags.remove)}`);
  if (patch.favorite !== undefined) parts.push(patch.favorite ? 'favorite' : 'unfavorite');
  if (patch.rating !== undefined) parts.push(`rating ${patch.rating}`);
  if (patch.rejected !== undefined) parts.push(patch.rejected ? 'reject' : 'unreject');
  if (patch.categories && (patch.categories.add?.length || patch.categories.remove?.length)) parts.push(`categories ${signed(patch.categories.add, patch.categories.remove)}`);
  if (patch.prompt !== undefined) parts.push(patch.prompt === null ? 'prompt reset' : 'prompt');
  if (patch.notes !== undefined) parts.push('notes');
  return `${subject}: ${parts.join(', ') || 'no change'}`;
}

function summary(r: ChangeRow): ChangeSummary {
  return { ...r, reverts: r.reverts ? (JSON.parse(r.reverts) as number[]) : null };
}

/** What the journal needs from the store while reversing rows. */
export interface UndoHooks {
  /** A tag id for a journal row: the recorded id when the tag still exists, else the tag by name (created). */
  tagId(recordedId: number, name: string): number;
}

export class Journal {
  private readonly s;

  constructor(db: Kernel) {
    this.s = {
      insertChange: db.prepare("INSERT INTO changes(at, origin, description) VALUES (?, ?, '')"),
      open: db.prepare('INSERT INTO journal_open(change_id) VALUES (?)'),
      close: db.prepare('DELETE FROM journal_open'),
      rowCount: db.prepare<[number], { rows: number; images: number }>(
        'SELECT COUNT(*) AS rows, COUNT(DISTINCT image_id) AS images FROM change_rows WHERE change_id = ?',
      ),
      finish: db.prepare('UPDATE changes SET description = ?, images = ? WHERE id = ?'),
      drop: db.prepare('DELETE FROM changes WHERE id = ?'),
      list: db.prepare<[number, number], ChangeRow>('SELECT * FROM changes WHERE id < ? ORDER BY id DESC LIMIT ?'),
      get: db.prepare<[number], ChangeRow>('SELECT * FROM changes WHERE id = ?'),
      latestUndoable: db.prepare<[], ChangeRow>("SELECT * FROM changes WHERE undone_by IS NULL AND origin <> 'undo' ORDER BY id DESC LIMIT 1"),
      since: db.prepare<[string], ChangeRow>('SELECT * FROM changes WHERE at >= ? ORDER BY id DESC'),
      rows: db.prepare<[number], JournalRow>('SELECT seq, entity, op, image_id, old, new FROM change_rows WHERE change_id = ? ORDER BY seq DESC'),
      rowsAscending: db.prepare<[number], JournalRow>('SELECT seq, entity, op, image_id, old, new FROM change_rows WHERE change_id = ? ORDER BY seq'),
      deleteRow: db.prepare('DELETE FROM change_rows WHERE seq = ?'),
      markUndone: db.prepare('UPDATE changes SET undone_by = ? WHERE id = ?'),
      clearUndone: db.prepare('UPDATE changes SET undone_by = NULL WHERE id = ? AND undone_by = ?'),
      forgetUndo: db.prepare('UPDATE changes SET undone_by = NULL WHERE undone_by = ?'),
      setReverts: db.prepare('UPDATE changes SET reverts = ? WHERE id = ?'),
      imageExists: db.prepare<[number], { id: number }>('SELECT id FROM images WHERE id = ?'),
      // The inverse of each recorded write.
      tagInsert: db.prepare(
        'INSERT INTO image_tags(image_id, tag_id, source, confidence) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET confidence = excluded.confidence',
      ),
      tagDelete: db.prepare('DELETE FROM image_tags WHERE image_id = ? AND tag_id = ? AND source = ?'),
      suppressionInsert: db.prepare('INSERT INTO tag_suppressions(image_id, tag_id) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      suppressionDelete: db.prepare('DELETE FROM tag_suppressions WHERE image_id = ? AND tag_id = ?'),
      categoryById: db.prepare<[number], { name: string }>('SELECT name FROM categories WHERE id = ?'),
      categoryByName: db.prepare<[string], { id: number }>('SELECT id FROM categories WHERE name = ?'),
      categoryInsert: db.prepare('INSERT INTO categories(id, name, created_at) VALUES (?, ?, ?)'),
      categoryInsertNew: db.prepare(INSERT_CATEGORY_SQL),
      categoryDelete: db.prepare('DELETE FROM categories WHERE id = ?'),
      categoryRename: db.prepare('UPDATE categories SET name = ? WHERE id = ?'),
      membershipInsert: db.prepare('INSERT INTO image_categories(image_id, category_id, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      membershipDelete: db.prepare('DELETE FROM image_categories WHERE image_id = ? AND category_id = ?'),
      folderInsert: db.prepare('INSERT INTO tag_folders(tag_id, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      folderDelete: db.prepare('DELETE FROM tag_folders WHERE tag_id = ?'),
      setField: Object.fromEntries(
        IMAGE_FIELDS.map((f) => [f, db.prepare(`UPDATE images SET ${f} = ?, updated_at = ? WHERE id = ?`)]),
      ) as Record<ImageField, Statement>,
    };
  }

  /** Opens a change; the triggers record into it until close(). Call inside the edit's transaction. */
  open(context: ChangeContext, at: string): number {
    const id = Number(this.s.insertChange.run(at, context.origin).lastInsertRowid);
    this.s.open.run(id);
    return id;
  }

  /**
   * Stops recording. A change that wrote nothing is dropped (null); `compact` first removes row
   * pairs that cancel out (a sidecar re-imported unchanged deletes and re-adds the same tags).
   */
  close(id: number, description: string, compact = false): number | null {
    this.s.close.run();
    if (compact) this.compact(id);
    const { rows, images } = this.s.rowCount.get(id)!;
    if (rows === 0) {
      this.s.forgetUndo.run(id);
      this.s.drop.run(id);
      return null;
    }
    const text = description.length > DESCRIPTION_MAX ? `${description.slice(0, DESCRIPTION_MAX - 1)}…` : description;
    this.s.finish.run(text, images, id);
    return id;
  }

  /** Stops recording without keeping anything (the edit failed; its transaction rolls back anyway). */
  abandon(id: number): void {
    this.s.close.run();
    this.s.drop.run(id);
  }

  private compact(id: number): void {
    const pending = new Map<string, JournalRow>();
    for (const row of this.s.rowsAscending.all(id)) {
      if (row.op === 'update') continue;
      const data = row.op === 'insert' ? row.new : row.old;
      const key = `${row.entity}\0${row.image_id}\0${data}`;
      const earlier = pending.get(key);
      if (earlier && earlier.op !== row.op) {
        this.s.deleteRow.run(earlier.seq);
        this.s.deleteRow.run(row.seq);
        pending.delete(key);
      } else {
        pending.set(key, row);
      }
    }
  }

  list(limit: number, beforeId = Number.MAX_SAFE_INTEGER): ChangeSummary[] {
    return this.s.list.all(beforeId, limit).map(summary);
  }

  get(id: number): ChangeSummary | null {
    const row = this.s.get.get(id);
    return row ? summary(row) : null;
  }

  /** The latest change not yet undone that is not itself an undo (`vv undo` with no argument). */
  latestUndoable(): ChangeSummary | null {
    const row = this.s.latestUndoable.get();
    return row ? summary(row) : null;
  }

  /**
   * The changes to reverse to get back to the state at `time`: every change since, newest first,
   * undo changes and undone changes included (an undo and the change it reversed cancel out when
   * both are reversed; an undo of a change from before `time` is reversed, redoing that change).
   */
  since(time: string): ChangeSummary[] {
    return this.s.since.all(time).map(summary);
  }

  /** Applies the inverse of a change's rows, newest first. Returns the images it touched. */
  reverse(changeId: number, hooks: UndoHooks, at: string): Set<number> {
    const touched = new Set<number>();
    // A category restored under another id (its name was taken again meanwhile): later rows follow it.
    const categoryIds = new Map<number, number>();
    const category = (id: number) => categoryIds.get(id) ?? id;
    for (const row of this.s.rows.all(changeId)) {
      const before = row.old ? (JSON.parse(row.old) as Record<string, unknown>) : null;
      const after = row.new ? (JSON.parse(row.new) as Record<string, unknown>) : null;
      const image = row.image_id;
      if (image !== null) {
        if (!this.s.imageExists.get(image)) continue; // the image row is gone: nothing to restore on it
        touched.add(image);
      }
      switch (row.entity) {
        case 'image_tag': {
          const r = (before ?? after)!;
          const tag = hooks.tagId(r.tag_id as number, r.tag as string);
          if (row.op === 'insert') this.s.tagDelete.run(image, tag, r.source);
          else this.s.tagInsert.run(image, tag, r.source, r.confidence ?? null);
          break;
        }
        case 'suppression': {
          const r = (before ?? after)!;
          const tag = hooks.tagId(r.tag_id as number, r.tag as string);
          if (row.op === 'insert') this.s.suppressionDelete.run(image, tag);
          else this.s.suppressionInsert.run(image, tag);
          break;
        }
        case 'category': {
          if (row.op === 'insert') this.s.categoryDelete.run(category(after!.id as number));
          else if (row.op === 'delete') categoryIds.set(before!.id as number, this.restoreCategory(before!.id as number, before!.name as string, before!.created_at as string));
          else {
            const id = category(before!.id as number);
            const taken = this.s.categoryByName.get(before!.name as string);
            if (taken && taken.id !== id) throw new JournalConflictError(`cannot rename category back to ${String(before!.name)}: that name is taken`);
            this.s.categoryRename.run(before!.name, id);
          }
          break;
        }
        case 'image_category': {
          const r = (before ?? after)!;
          const id = category(r.category_id as number);
          if (row.op === 'insert') this.s.membershipDelete.run(image, id);
          else if (this.s.categoryById.get(id)) this.s.membershipInsert.run(image, id, r.added_at);
          break;
        }
        case 'tag_folder': {
          const r = (before ?? after)!;
          const tag = hooks.tagId(r.tag_id as number, r.tag as string);
          if (row.op === 'insert') this.s.folderDelete.run(tag);
          else this.s.folderInsert.run(tag, r.created_at);
          break;
        }
        case 'image': {
          for (const [field, value] of Object.entries(before!)) {
            if ((IMAGE_FIELDS as readonly string[]).includes(field)) this.s.setField[field as ImageField].run(value, at, image);
          }
          break;
        }
      }
    }
    return touched;
  }

  /** Re-creates a deleted category under its old id, or joins the category that has its name now. */
  private restoreCategory(id: number, name: string, createdAt: string): number {
    const existing = this.s.categoryByName.get(name);
    if (existing) return existing.id;
    if (this.s.categoryById.get(id)) return Number(this.s.categoryInsertNew.run(name, createdAt).lastInsertRowid);
    this.s.categoryInsert.run(id, name, createdAt);
    return id;
  }

  /** Records that `undoId` reversed a change; reversing an undo makes the changes it had reversed current again. */
  markUndone(change: ChangeSummary, undoId: number): void {
    this.s.markUndone.run(undoId, change.id);
    for (const redone of change.reverts ?? []) this.s.clearUndone.run(redone, change.id);
  }

  setReverts(undoId: number, reverted: number[]): void {
    this.s.setReverts.run(JSON.stringify(reverted), undoId);
  }
}

/** An undo that cannot be applied as recorded (a name it would restore is taken). */
export class JournalConflictError extends Error {}
