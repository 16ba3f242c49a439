/**
 * Problem files: what the scan could not fully read, kept in the database and current across scans
 * (`vv problems`, `GET /api/problems`, the gallery's Problems view). Part of the store: SQL stays
 * in src/db/.
 */
import type { Kernel } from './kernel.js';
import type { NewProblem, Problem, ProblemKind } from '../core/problems.js';

export { PROBLEM_KINDS, type NewProblem, type Problem, type ProblemKind } from '../core/problems.js';

/** Problems found while reading a file's bytes: replaced whenever the file is read again. */
const READ_KINDS: ProblemKind[] = ['unreadable', 'metadata_error', 'timeout'];
/** Problems the walk finds (no image row): confirmed by every full scan, dropped when not seen. */
const WALK_KINDS: ProblemKind[] = ['not_utf8_name', 'folder_unreadable', 'outside_library'];

const inList = (kinds: ProblemKind[]) => kinds.map((k) => `'${k}'`).join(',');

function encodeCursor(p: { path: string; kind: string }): string {
  return Buffer.from(JSON.stringify([p.path, p.kind])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] | null {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') return [v[0], v[1]];
  } catch {
    // fall through
  }
  return null;
}

export class ProblemStore {
  private readonly s;

  constructor(private readonly kernel: Kernel) {
    this.s = {
      upsert: kernel.prepare(
        `INSERT INTO problems(path, kind, message, size, mtime_ms, first_seen, last_seen) VALUES (@path, @kind, @message, @size, @mtime, @now, @now)
         ON CONFLICT(path, kind) DO UPDATE SET message = excluded.message, size = excluded.size, mtime_ms = excluded.mtime_ms, last_seen = excluded.last_seen`,
      ),
      clearRead: kernel.prepare(`DELETE FROM problems WHERE path = ? AND kind IN (${inList(READ_KINDS)})`),
      clearKind: kernel.prepare('DELETE FROM problems WHERE path = ? AND kind = ?'),
      moveKind: kernel.prepare('UPDATE OR REPLACE problems SET path = ? WHERE path = ? AND kind = ?'),
      pruneFiles: kernel.prepare(
        `DELETE FROM problems WHERE kind NOT IN (${inList(WALK_KINDS)}) AND NOT EXISTS (SELECT 1 FROM images i WHERE i.path = problems.path AND i.missing = 0)`,
      ),
      pruneWalk: kernel.prepare(`DELETE FROM problems WHERE kind IN (${inList(WALK_KINDS)}) AND last_seen < ?`),
      count: kernel.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM problems'),
      countByKind: kernel.prepare<[], { kind: ProblemKind; n: number }>('SELECT kind, COUNT(*) AS n FROM problems GROUP BY kind ORDER BY kind'),
      first: kernel.prepare<[number], Problem>('SELECT path, kind, message, size, mtime_ms, first_seen, last_seen FROM problems ORDER BY path, kind LIMIT ?'),
      after: kernel.prepare<[string, string, number], Problem>(
        'SELECT path, kind, message, size, mtime_ms, first_seen, last_seen FROM problems WHERE (path, kind) > (?, ?) ORDER BY path, kind LIMIT ?',
      ),
      all: kernel.prepare<[], Problem>('SELECT path, kind, message, size, mtime_ms, first_seen, last_seen FROM problems ORDER BY path, kind'),
    };
  }

  record(p: NewProblem): void {
    this.kernel.write(() => this.s.upsert.run({ path: p.path, kind: p.kind, message: p.message, size: p.size ?? null, mtime: p.mtimeMs === undefined || p.mtimeMs === null ? null : Math.round(p.mtimeMs), now: new Date().toISOString() }));
  }

  /**
   * A file was read again: its earlier read problems are replaced by `problem` (or none); a decode
   * problem goes with the content it was about (`contentChanged`: the pixel pass decodes it anew).
   */
  fileRead(path: string, problem: NewProblem | null, contentChanged: boolean): void {
    this.kernel.write(() => {
      this.s.clearRead.run(path);
      if (contentChanged) this.s.clearKind.run(path, 'decode_error');
      if (problem) this.record(problem);
    });
  }

  /** A decode problem follows its image to a new path (the pixels are not decoded again). */
  moveDecodeProblem(from: string, to: string): void {
    this.kernel.write(() => this.s.moveKind.run(to, from, 'decode_error'));
  }

  /** Clears a fixed decode problem. */
  clear(path: string, kind: ProblemKind): void {
    this.kernel.write(() => this.s.clearKind.run(path, kind));
  }

  /**
   * Drops problems of files that are no longer there (no present image at the path); after a
   * complete full scan (`walkedSince`: its start), also walk problems it did not see again.
   */
  prune(walkedSince: string | null): void {
    this.kernel.write(() => {
      this.s.pruneFiles.run();
      if (walkedSince) this.s.pruneWalk.run(walkedSince);
    });
  }

  count(): number {
    return this.s.count.get()!.n;
  }

  countByKind(): Partial<Record<ProblemKind, number>> {
    return Object.fromEntries(this.s.countByKind.all().map((r) => [r.kind, r.n]));
  }

  /** One page in path order; `cursor` from the previous page. Null: the cursor is not one this store issued. */
  page(limit: number, cursor: string | null): { items: Problem[]; next_cursor: string | null; total: number } | null {
    let rows: Problem[];
    if (cursor) {
      const key = decodeCursor(cursor);
      if (!key) return null;
      rows = this.s.after.all(key[0], key[1], limit + 1);
    } else {
      rows = this.s.first.all(limit + 1);
    }
    const more = rows.length > limit;
    const items = more ? rows.slice(0, limit) : rows;
    return { items, next_cursor: more ? encodeCursor(items[items.length - 1]) : null, total: this.count() };
  }

  /** Every problem, streamed (no limit). */
  iterate(): IterableIterator<Problem> {
    return this.s.all.iterate();
  }
}
