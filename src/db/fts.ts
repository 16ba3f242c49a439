/** The full-text index's upkeep: one row per image, rebuilt from the image's text whenever it changes. */
import type { Kernel } from './kernel.js';

/**
 * The shortest last word matched as a prefix (what the user is still typing). A shorter one would
 * merge the documents of a large part of the vocabulary (`a*`: ~300 ms at 100k images); three
 * characters are served by the index's own prefix entries (migration 17).
 */
export const MIN_PREFIX_CHARS = 3;

/** User query → FTS5 expression: every word must match, the last one (of 3+ characters) as a prefix; `-word` excludes. */
export function ftsQuery(query: string): string | null {
  const terms = query.match(/-?"[^"]*"|\S+/g) ?? [];
  const include: string[] = [];
  const exclude: string[] = [];
  for (const raw of terms) {
    const negative = raw.startsWith('-') && raw.length > 1;
    const body = (negative ? raw.slice(1) : raw).replace(/^"|"$/g, '').replace(/"/g, '""').trim();
    if (!body || !/[\p{L}\p{N}]/u.test(body)) continue;
    (negative ? exclude : include).push(`"${body}"`);
  }
  if (include.length === 0) return null;
  // The star applies to the phrase's last token as the index splits it (at '-', "'", '.'…), so
  // that token, not the whole word, must be long enough: `ukiyo-e*` is `e*`.
  const last = include[include.length - 1];
  const tokens = last.match(/[\p{L}\p{N}\p{M}\p{Co}]+/gu) ?? [];
  const lastToken = tokens[tokens.length - 1] ?? '';
  if (!/\s/.test(last) && [...lastToken].length >= MIN_PREFIX_CHARS) include[include.length - 1] += '*';
  return include.join(' ') + exclude.map((t) => ` NOT ${t}`).join('');
}

/**
 * Writes the full-text rows of the images the caller's WHERE clause selects (alias i): the one
 * definition of what is searched (migration 17 rebuilds the whole index with it).
 */
export const INSERT_ROWS = `INSERT INTO images_fts(rowid, prompt, negative_prompt, tags, path, raw)
  SELECT i.id,
    concat_ws(char(10), NULLIF(i.prompt, ''), NULLIF(i.user_prompt, ''), NULLIF(i.caption, '')),
    ifnull(i.negative_prompt, ''),
    replace(ifnull((SELECT group_concat(DISTINCT t.name) FROM image_tags it JOIN tags t ON t.id = it.tag_id WHERE it.image_id = i.id), ''), ',', ' , '),
    i.path,
    ifnull(m.search_text, '')
  FROM images i LEFT JOIN image_meta m ON m.image_id = i.id`;

/**
 * The full-text index's rows, gathered through a write transaction and written when it ends: one
 * DELETE and one INSERT … SELECT for every image it touched. FTS5 writes its pending terms to a
 * new segment at every statement savepoint, and SQLite opens one for each statement that writes
 * a virtual table inside a transaction: written row by row, each image made a segment of its own,
 * merged again and again (a scan at 600k images: 10 % of its main thread in those flushes, 5 % in
 * the merges).
 */
export class FullTextIndex {
  private readonly s;
  /** Images whose row is rebuilt when the transaction ends; of them, those with no row to remove (new in it). */
  private readonly touched = new Set<number>();
  private readonly fresh = new Set<number>();

  constructor(private readonly kernel: Kernel) {
    this.s = {
      remove: kernel.prepare<[string]>('DELETE FROM images_fts WHERE rowid IN (SELECT value FROM json_each(?))'),
      insert: kernel.prepare<[string]>(`${INSERT_ROWS} WHERE i.id IN (SELECT value FROM json_each(?))`),
    };
    kernel.onBeforeCommit(() => this.flush());
    kernel.onRollback(() => this.forget());
  }

  /**
   * Rebuilds an image's row from its text as it is when the write ends (call inside the write that
   * changed it; outside one, at once). `isNew`: its row was never written, nothing to remove.
   */
  refresh(id: number, isNew = false): void {
    if (isNew && !this.touched.has(id)) this.fresh.add(id);
    this.touched.add(id);
    if (!this.kernel.inTransaction) this.kernel.write(() => undefined);
  }

  private flush(): void {
    if (this.touched.size === 0) return;
    const stale = [...this.touched].filter((id) => !this.fresh.has(id));
    const all = JSON.stringify([...this.touched]);
    this.forget();
    if (stale.length) this.s.remove.run(JSON.stringify(stale));
    this.s.insert.run(all);
  }

  private forget(): void {
    this.touched.clear();
    this.fresh.clear();
  }
}
