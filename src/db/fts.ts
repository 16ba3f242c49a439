/** The full-text index's upkeep: one row per image, rebuilt from the image's text whenever it changes. */
import type { Kernel } from './kernel.js';

interface FtsSource {
  prompt: string | null;
  negative_prompt: string | null;
  user_prompt: string | null;
  caption: string | null;
  path: string;
  tags: string | null;
  search_text: string | null;
}

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
  const last = include[include.length - 1];
  if (!/\s/.test(last) && [...last.slice(1, -1)].length >= MIN_PREFIX_CHARS) include[include.length - 1] += '*';
  return include.join(' ') + exclude.map((t) => ` NOT ${t}`).join('');
}

export class FullTextIndex {
  private readonly s;

  constructor(kernel: Kernel) {
    this.s = {
      source: kernel.prepare<[number], FtsSource>(
        `SELECT i.prompt, i.negative_prompt, i.user_prompt, i.caption, i.path,
           (SELECT group_concat(DISTINCT t.name) FROM image_tags it JOIN tags t ON t.id = it.tag_id WHERE it.image_id = i.id) AS tags,
           m.search_text
         FROM images i LEFT JOIN image_meta m ON m.image_id = i.id WHERE i.id = ?`,
      ),
      remove: kernel.prepare('DELETE FROM images_fts WHERE rowid = ?'),
      insert: kernel.prepare('INSERT INTO images_fts(rowid, prompt, negative_prompt, tags, path, raw) VALUES (?, ?, ?, ?, ?, ?)'),
    };
  }

  /** Rebuilds an image's row (call inside the write that changed its text; `isNew`: no row to remove yet). */
  refresh(id: number, isNew = false): void {
    const row = this.s.source.get(id);
    if (!isNew) this.s.remove.run(id);
    if (!row) return;
    const prompt = [row.prompt, row.user_prompt, row.caption].filter(Boolean).join('\n');
    this.s.insert.run(id, prompt, row.negative_prompt ?? '', (row.tags ?? '').replace(/,/g, ' , '), row.path, row.search_text ?? '');
  }
}
