/**
 * What a full scan compares the disk with, folder by folder: each folder's rows (path, size, mtime,
 * missing, hash) and the digest of its files that the last scan found matching them (migration 20:
 * a row written in a folder forgets its digest). An unchanged folder is recognised by its digest
 * alone; only changed folders read their rows. Part of the store: SQL stays in src/db/.
 */
import type { ScanIndexEntry } from '../core/types.js';
import type { Kernel } from './kernel.js';

type EntryRow = { id: number; path: string; size: number; mtime_ms: number; missing: number; hash: string | null };

export class ScanIndex {
  private readonly s;

  constructor(private readonly kernel: Kernel) {
    this.s = {
      rowsIn: kernel.prepare<[string], EntryRow>('SELECT id, path, size, mtime_ms, missing, hash FROM images INDEXED BY images_by_dir WHERE dir = ?'),
      presentIn: kernel.prepare<[string], { id: number }>('SELECT id FROM images INDEXED BY images_by_dir WHERE dir = ? AND missing = 0'),
      firstDir: kernel.prepare<[], { dir: string }>('SELECT dir FROM images INDEXED BY images_by_dir ORDER BY dir LIMIT 1'),
      dirAfter: kernel.prepare<[string], { dir: string }>('SELECT dir FROM images INDEXED BY images_by_dir WHERE dir > ? ORDER BY dir LIMIT 1'),
      digests: kernel.prepare<[], { dir: string; digest: string }>('SELECT dir, digest FROM scan_folders'),
      record: kernel.prepare<[string, string]>('INSERT OR REPLACE INTO scan_folders(dir, digest) VALUES (?, ?)'),
      forgetOthers: kernel.prepare<[string]>('DELETE FROM scan_folders WHERE dir NOT IN (SELECT value FROM json_each(?))'),
    };
  }

  /** Every row in one folder (not below it), by path. */
  rowsIn(dir: string): Map<string, ScanIndexEntry> {
    const rows = new Map<string, ScanIndexEntry>();
    for (const r of this.s.rowsIn.iterate(dir)) rows.set(r.path, { id: r.id, size: r.size, mtimeMs: r.mtime_ms, missing: r.missing === 1, hash: r.hash });
    return rows;
  }

  /** Ids of the present rows in one folder. */
  presentIn(dir: string): number[] {
    return this.s.presentIn.all(dir).map((r) => r.id);
  }

  /** Every folder that has rows, present or not: one index seek per folder, not a read of every row. */
  dirsWithRows(): string[] {
    const dirs: string[] = [];
    for (let row = this.s.firstDir.get(); row; row = this.s.dirAfter.get(row.dir)) dirs.push(row.dir);
    return dirs;
  }

  /** The digests recorded by earlier scans and not forgotten since, by folder. */
  digests(): Map<string, string> {
    return new Map(this.s.digests.all().map((r) => [r.dir, r.digest]));
  }

  /** Folders whose files this scan found matching their rows, with the digest of those files. */
  record(folders: { dir: string; digest: string }[]): void {
    this.kernel.write(() => {
      for (const f of folders) this.s.record.run(f.dir, f.digest);
    });
  }

  /** Forgets the digests of folders a complete walk no longer found. */
  forgetAllBut(dirs: string[]): void {
    this.kernel.write(() => this.s.forgetOthers.run(JSON.stringify(dirs)));
  }
}
