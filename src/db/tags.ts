/**
 * Tags: names (one tag per `tagKey`), the tags of each image by source, counts (kept by triggers in
 * `tag_counts`), suppressions (a derived tag the user removed stays removed) and tag folders (a tag
 * made empty on purpose: mkdir /tags/x).
 */
import { tagKey, tagNameProblem } from '../core/tag-names.js';
import { InvalidInputError } from '../core/errors.js';
import type { DerivedTag, TagCount, TagDetail, TagSource } from '../core/types.js';
import { escapeLike } from './filters.js';
import type { Kernel } from './kernel.js';

/** Tag sources a re-index replaces (user and ai tags are never touched by a scan). */
const DERIVED_SOURCES = ['prompt', 'model', 'xmp'] as const;

const now = () => new Date().toISOString();

export class Tags {
  private readonly ids = new Map<string, number>();
  private readonly s;

  constructor(private readonly kernel: Kernel) {
    // A rolled-back transaction may have created tags this cache remembers.
    kernel.onRollback(() => this.ids.clear());
    this.s = {
      insertName: kernel.prepare('INSERT INTO tags(name, key) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      idByKey: kernel.prepare<[string], { id: number }>('SELECT id FROM tags WHERE key = ?'),
      keyById: kernel.prepare<[number], { key: string | null }>('SELECT key FROM tags WHERE id = ?'),
      deleteDerived: kernel.prepare(`DELETE FROM image_tags WHERE image_id = ? AND source IN (${DERIVED_SOURCES.map((s) => `'${s}'`).join(',')})`),
      deleteComputed: kernel.prepare("DELETE FROM image_tags WHERE image_id = ? AND source IN ('prompt', 'model')"),
      deleteOfSource: kernel.prepare('DELETE FROM image_tags WHERE image_id = ? AND source = ?'),
      insert: kernel.prepare(
        'INSERT INTO image_tags(image_id, tag_id, source, confidence) SELECT @image, @tag, @source, @confidence WHERE NOT EXISTS (SELECT 1 FROM tag_suppressions WHERE image_id = @image AND tag_id = @tag) ON CONFLICT DO NOTHING',
      ),
      insertNew: kernel.prepare('INSERT INTO image_tags(image_id, tag_id, source, confidence) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING'),
      insertUser: kernel.prepare("INSERT INTO image_tags(image_id, tag_id, source, confidence) VALUES (?, ?, 'user', NULL) ON CONFLICT DO NOTHING"),
      remove: kernel.prepare('DELETE FROM image_tags WHERE image_id = ? AND tag_id = ?'),
      sourcesOf: kernel.prepare<[number, number], { source: string }>('SELECT source FROM image_tags WHERE image_id = ? AND tag_id = ?'),
      suppress: kernel.prepare('INSERT INTO tag_suppressions(image_id, tag_id) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      unsuppress: kernel.prepare('DELETE FROM tag_suppressions WHERE image_id = ? AND tag_id = ?'),
      detailsOf: kernel.prepare<[number], TagDetail>(
        'SELECT t.name, it.source, it.confidence FROM image_tags it JOIN tags t ON t.id = it.tag_id WHERE it.image_id = ? ORDER BY it.source, t.name',
      ),
      // One row per image with its names as a JSON array: half the cost of a row per tag (~12 per
      // image, sorted and de-duplicated across sources) for a page of 100.
      namesOfMany: kernel.prepare<[string], { image_id: number; names: string }>(
        `SELECT j.value AS image_id, (SELECT json_group_array(DISTINCT t.name ORDER BY t.name)
           FROM image_tags it JOIN tags t ON t.id = it.tag_id WHERE it.image_id = j.value) AS names
         FROM json_each(?) j`,
      ),
      imagesWith: kernel.prepare<[number], { image_id: number }>('SELECT DISTINCT image_id FROM image_tags WHERE tag_id = ?'),
      count: kernel.prepare<[string], { n: number }>('SELECT c.n FROM tag_counts c JOIN tags t ON t.id = c.tag_id WHERE t.key = ?'),
      largest: kernel.prepare<[number, number], { tag_id: number }>('SELECT tag_id FROM tag_counts WHERE n >= ? ORDER BY n DESC LIMIT ?'),
      top: kernel.prepare<[number], TagCount>('SELECT t.name, c.n AS count FROM tag_counts c JOIN tags t ON t.id = c.tag_id WHERE c.n > 0 ORDER BY c.n DESC, t.name LIMIT ?'),
      topWithPrefix: kernel.prepare<[string, number], TagCount>(
        `SELECT t.name, c.n AS count FROM tags t JOIN tag_counts c ON c.tag_id = t.id
         WHERE t.key LIKE ? ESCAPE '\\' AND c.n > 0 ORDER BY c.n DESC, t.name LIMIT ?`,
      ),
      bySource: kernel.prepare<[string, string, number], TagCount>(
        `SELECT t.name, COUNT(*) AS count FROM image_tags it JOIN tags t ON t.id = it.tag_id JOIN images i ON i.id = it.image_id
         WHERE it.source = ? AND i.missing = 0 AND t.key LIKE ? ESCAPE '\\' GROUP BY it.tag_id ORDER BY count DESC, t.name LIMIT ?`,
      ),
      folderNames: kernel.prepare<[], { name: string }>(
        'SELECT t.name FROM tags t JOIN tag_counts c ON c.tag_id = t.id WHERE c.n > 0 UNION SELECT t.name FROM tags t JOIN tag_folders f ON f.tag_id = t.id',
      ),
      insertFolder: kernel.prepare('INSERT INTO tag_folders(tag_id, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      hasFolder: kernel.prepare('SELECT 1 FROM tag_folders WHERE tag_id = ?'),
      deleteFolder: kernel.prepare('DELETE FROM tag_folders WHERE tag_id = ?'),
    };
  }

  /** The tag a name stands for (one per `tagKey`), made on first use with this spelling. Inside a write. */
  id(name: string): number {
    const key = tagKey(name);
    const cached = this.ids.get(key);
    if (cached !== undefined) return cached;
    this.s.insertName.run(name, key);
    const id = this.s.idByKey.get(key)!.id;
    this.ids.set(key, id);
    return id;
  }

  /** An existing tag's id, or undefined. */
  existingId(name: string): number | undefined {
    return this.s.idByKey.get(tagKey(name))?.id;
  }

  /** `id` for a name a user gave (API, mount): refused when it breaks the tag-name rules. */
  userId(name: string): number {
    const problem = tagNameProblem(name);
    if (problem) throw new InvalidInputError(`tag ${JSON.stringify(name)}: ${problem}`);
    return this.id(name);
  }

  /** A journal row's tag: the recorded id while that tag still stands for the name, else the tag of that name (made again). */
  forJournal(recordedId: number, name: string): number {
    const row = this.s.keyById.get(recordedId);
    return row && row.key === tagKey(name) ? recordedId : this.id(name);
  }

  // ------------------------------------------------------------- tags of images (inside a write)

  /** A scan's tags of an image: replaces its derived ones (`keepXmp`: the sidecar's are imported apart); suppressed ones stay off. */
  replaceDerived(imageId: number, tags: DerivedTag[], isNew: boolean, keepXmp: boolean): void {
    if (isNew) {
      for (const tag of tags) this.s.insertNew.run(imageId, this.id(tag.name), tag.source, tag.confidence ?? null);
      return;
    }
    (keepXmp ? this.s.deleteComputed : this.s.deleteDerived).run(imageId);
    for (const tag of tags) this.s.insert.run({ image: imageId, tag: this.id(tag.name), source: tag.source, confidence: tag.confidence ?? null });
  }

  /** Replaces an image's tags of one source (ai, xmp); suppressed ones stay off. */
  replaceSource(imageId: number, source: TagSource, tags: { name: string; confidence?: number | null }[]): void {
    this.s.deleteOfSource.run(imageId, source);
    for (const t of tags) this.s.insert.run({ image: imageId, tag: this.id(t.name), source, confidence: t.confidence ?? null });
  }

  /** A user's edit of an image's tags. Removing a derived tag is remembered (suppressed) so rescans do not bring it back. */
  edit(imageId: number, add: string[], remove: string[]): void {
    for (const name of remove) {
      const tagId = this.existingId(name);
      if (tagId === undefined) continue;
      const sources = this.s.sourcesOf.all(imageId, tagId).map((s) => s.source);
      if (sources.some((s) => s !== 'user')) this.s.suppress.run(imageId, tagId);
      this.s.remove.run(imageId, tagId);
    }
    for (const name of add) {
      const tagId = this.userId(name);
      this.s.unsuppress.run(imageId, tagId);
      this.s.insertUser.run(imageId, tagId);
    }
  }

  detailsOf(imageId: number): TagDetail[] {
    return this.s.detailsOf.all(imageId);
  }

  /** Tag names of many images at once (one query per page of summaries). */
  namesOf(imageIds: number[]): Map<number, string[]> {
    const tags = new Map<number, string[]>();
    for (const row of this.s.namesOfMany.iterate(JSON.stringify(imageIds))) tags.set(row.image_id, JSON.parse(row.names) as string[]);
    return tags;
  }

  imagesWith(tagId: number): number[] {
    return this.s.imagesWith.all(tagId).map((r) => r.image_id);
  }

  // ------------------------------------------------------------- counts and listings

  /** Present images carrying a tag (kept current by triggers). */
  count(name: string): number {
    return this.s.count.get(tagKey(name))?.n ?? 0;
  }

  /** Ids of the tags on at least `min` present images, most used first. */
  largest(min: number, limit: number): number[] {
    return this.s.largest.all(min, limit).map((r) => r.tag_id);
  }

  /** Tags with the number of (present) images carrying them, most used first. */
  list(prefix = '', limit = 200): TagCount[] {
    if (!prefix) return this.s.top.all(limit);
    return this.s.topWithPrefix.all(`${escapeLike(tagKey(prefix))}%`, limit);
  }

  /** Tags of one source (`user`, `ai`, …) with how many present images carry them from it; cached until the data changes. */
  listBySource(source: TagSource, prefix = '', limit = 200): TagCount[] {
    return this.kernel.cached(`tags-by-source\0${source}\0${prefix}\0${limit}`, () => this.s.bySource.all(source, `${escapeLike(tagKey(prefix))}%`, limit));
  }

  /** Tags that hold present images, and tags made empty on purpose (the virtual tree's /tags). */
  folderNames(): string[] {
    return this.s.folderNames.all().map((r) => r.name);
  }

  // ------------------------------------------------------------- tag folders (inside a write)

  createFolder(name: string): void {
    this.s.insertFolder.run(this.userId(name), now());
  }

  hasFolder(tagId: number): boolean {
    return this.s.hasFolder.get(tagId) !== undefined;
  }

  deleteFolder(tagId: number): void {
    this.s.deleteFolder.run(tagId);
  }
}
