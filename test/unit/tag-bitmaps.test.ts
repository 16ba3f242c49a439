/**
 * Tag bitmaps: the bitset arithmetic, the page worker's cache of one bitmap per tag (kept while its
 * generation holds), the generations the serving connection's temp triggers keep, and pages and
 * counts matched by bitmaps giving exactly what SQL gives — every sort order, keyset cursors,
 * no match, both read shapes (matches by id, the sort order walked), and after tag writes.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Store, type StoreOptions } from '../../src/db/store.js';
import { Kernel } from '../../src/db/kernel.js';
import { BackgroundReads } from '../../src/db/background-reads.js';
import { TagWrites } from '../../src/db/tag-writes.js';
import { TagBitmaps, type TagSetQuery } from '../../src/db/tag-bitmaps.js';
import { addIdList, addIds, and, andNot, bitsetFor, has, idsOf, or, popcount } from '../../src/db/bitset.js';
import type { ImageFilter, ScannedFile, SortOrder } from '../../src/core/types.js';
import type { MetadataRecord } from '../../src/metadata/types.js';
import { tempDir } from '../support/fixtures.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
  vi.restoreAllMocks();
});

/** A deterministic pseudo-random sequence in [0, 1). */
function prng(seed: number): () => number {
  return () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

describe('bitsets', () => {
  it('read group_concat lists, test membership (past the end too) and count', () => {
    const set = bitsetFor(100);
    addIdList(set, '0,31,32,63,64,100');
    addIdList(set, '');
    addIdList(set, '7');
    expect(idsOf(set)).toEqual([0, 7, 31, 32, 63, 64, 100]);
    expect(popcount(set)).toBe(7);
    expect([has(set, 31), has(set, 33), has(set, 100), has(set, 1_000_000)]).toEqual([true, false, true, false]);
    expect(popcount(bitsetFor(0))).toBe(0);
  });

  it('AND, OR and AND NOT of sets of different lengths are the same operations on Sets', () => {
    const next = prng(7);
    for (let round = 0; round < 20; round++) {
      const a = new Set(Array.from({ length: 300 }, () => Math.floor(next() * 2000)));
      const b = new Set(Array.from({ length: 300 }, () => Math.floor(next() * (round % 2 ? 700 : 5000))));
      const bitsA = bitsetFor(Math.max(...a));
      const bitsB = bitsetFor(Math.max(...b));
      addIds(bitsA, a);
      addIds(bitsB, b);
      const sorted = (s: Iterable<number>) => [...s].sort((x, y) => x - y);
      expect(idsOf(and(bitsA, bitsB))).toEqual(sorted([...a].filter((x) => b.has(x))));
      expect(idsOf(or(bitsA, bitsB))).toEqual(sorted(new Set([...a, ...b])));
      expect(idsOf(andNot(bitsA, bitsB))).toEqual(sorted([...a].filter((x) => !b.has(x))));
      expect(popcount(bitsA)).toBe(a.size);
      // The operands are never changed (they are cached bitmaps).
      expect(idsOf(bitsA)).toEqual(sorted(a));
    }
  });
});

// ------------------------------------------------------------------ a generated library

const N = 240;
/** Tags of image number n: `sun` and `moon` never go together; `red`, `blue`, `big` overlap. */
function tagsOf(n: number): string[] {
  const tags: string[] = [];
  if (n % 2 === 0) tags.push('red');
  if (n % 3 === 0) tags.push('blue');
  if (n % 4 === 0) tags.push('sun');
  if (n % 4 === 2) tags.push('moon');
  if (n % 5 !== 0) tags.push('big');
  if (n % 11 === 0) tags.push('rare');
  return tags;
}

function scanned(n: number): ScannedFile {
  const p = `d${n % 3}/${n}.png`;
  const record = {
    file: p, format: 'png', generator: 'A1111', generator_version: null, prompt: `image ${n}`, negative_prompt: null,
    seed: n, steps: 20, sampler: 'Euler', scheduler: null, cfg: 7, model: n % 2 ? 'm1' : 'm2', model_hash: null, width: 512, height: 512, size: null,
    pixel_width: 512, pixel_height: 512, loras: [], samplers: [], c2pa_claim_generator: null, digital_source_type: null,
    ai_generated: null, extra: {}, provenance: {}, raw: {}, date_time_original: null, warnings: [],
  } as MetadataRecord;
  // Three images per timestamp: keyset cursors must break ties by id.
  const day = 1 + Math.floor(n / 3) % 28;
  const created = `2024-0${1 + (Math.floor(n / 84) % 3)}-${String(day).padStart(2, '0')}T00:00:00.000Z`;
  // Some tags come from two sources: two index rows for one image and tag.
  const tags = tagsOf(n).flatMap((name) => (n % 6 === 0 && name === 'red' ? [{ name, source: 'prompt' as const }, { name, source: 'model' as const }] : [{ name, source: 'prompt' as const }]));
  return { path: p, size: 100, mtimeMs: 1, hash: `h-${p}`, createdAt: created, record, tags, rawText: '' };
}

function generated(options: StoreOptions) {
  const dir = tempDir('vv-bitmaps-');
  const store = Store.open(dir, options);
  cleanups.push(() => store.close());
  const ids: number[] = [];
  store.batch(() => {
    for (let n = 0; n < N; n++) ids.push(store.saveScanned(scanned(n), null));
  });
  store.setMissing(ids.filter((_, n) => n % 7 === 0), true);
  store.patchImages(ids.filter((_, n) => n % 9 === 0), { favorite: true });
  return { dir, store, ids, file: path.join(dir, 'vault.db') };
}

const FILTERS: ImageFilter[] = [
  { tags: ['red', 'blue'], not: ['sun'] },
  { tags: ['sun', 'moon'], not: ['blue'] }, // no image
  { tags: ['sun', 'moon'] },
  { tags: ['red', 'big'] },
  { any: ['sun', 'moon'] },
  { any: ['sun', 'blue'], not: ['red'] },
  { tags: ['big'], any: ['sun', 'moon'], not: ['blue'] },
  { any: ['red', 'no such tag'] },
  { tags: ['red'], not: ['no such tag'] },
  { tags: ['red', 'blue'], from: '2024-01-05', to: '2024-02-20' },
  { tags: ['red', 'big'], favorite: true },
  { tags: ['red', 'big'], dir: 'd1' },
  { tags: ['red', 'blue'], missing: 'include' },
  { tags: ['red', 'blue'], missing: 'only' },
  { tags: ['big', 'red'], not: ['rare'], model: 'm2', min_width: 100 },
];
const SORTS: SortOrder[] = ['-date', 'date', 'random'];

/** Every page of a filter, off the thread (bitmaps) and on it (SQL), cursor for cursor. */
async function expectSamePages(store: Store, filter: ImageFilter, sort: SortOrder, limit: number) {
  const counted = store.countMatching(filter);
  let cursor: string | null = null;
  const seen: number[] = [];
  let pages = 0;
  do {
    const matched = await store.listImagesOffThread(filter, sort, cursor, limit);
    const sql = store.listImages(filter, sort, cursor, limit);
    const what = `${JSON.stringify(filter)} ${sort} page ${pages}`;
    expect(matched.items.map((i) => i.id), what).toEqual(sql.items.map((i) => i.id));
    expect(matched.items, what).toEqual(sql.items);
    expect(matched.next_cursor === null, what).toBe(sql.next_cursor === null);
    if (matched.total !== null) expect(matched.total, what).toBe(counted);
    seen.push(...matched.items.map((i) => i.id));
    cursor = matched.next_cursor;
    pages++;
  } while (cursor);
  expect(seen.length).toBe(counted);
  expect(new Set(seen).size).toBe(seen.length);
  return { counted, pages };
}

describe('pages and counts matched by tag bitmaps', () => {
  // Every tag is "large" (from 1 image); bitmapIdsMax 0 walks the sort order, the default reads the matches by id.
  const shapes: [string, StoreOptions][] = [
    ['matches read by id', { tagBitmapRows: 1, backgroundCountRows: 1 }],
    ['sort order walked, each row tested', { tagBitmapRows: 1, backgroundCountRows: 1, bitmapIdsMax: 0 }],
  ];

  it.each(shapes)('give the pages and counts SQL gives, every sort order, across keyset pages (%s)', async (_shape, options) => {
    const { store } = generated(options);
    const matchTags = vi.spyOn(BackgroundReads.prototype, 'matchTags');
    let nonEmpty = 0;
    for (const filter of FILTERS) {
      for (const sort of SORTS) {
        const { counted, pages } = await expectSamePages(store, filter, sort, 7);
        if (counted > 14) expect(pages).toBeGreaterThan(2);
        if (counted > 0) nonEmpty++;
      }
      expect(await store.countMatchingInBackground(filter), JSON.stringify(filter)).toBe(store.countMatching(filter));
    }
    expect(nonEmpty).toBeGreaterThan(30);
    // Every page and count above was matched by bitmaps, read in the shape asked for.
    const replies = await Promise.all(matchTags.mock.results.map((r) => r.value as ReturnType<BackgroundReads['matchTags']>));
    expect(replies.length).toBeGreaterThan(FILTERS.length * SORTS.length);
    const read = replies.filter((r) => r.answered);
    expect(read.length).toBeGreaterThan(0);
    const limit = options.bitmapIdsMax ?? Infinity;
    expect(read.every((r) => r.matched > 0 && (limit === 0 ? r.matched > limit : r.matched <= limit))).toBe(true);
  });

  it('answer a combination that matches nothing with an empty page and a total of 0', async () => {
    const { store } = generated({ tagBitmapRows: 1, backgroundCountRows: 1 });
    for (const filter of [{ tags: ['sun', 'moon'] }, { tags: ['sun', 'moon'], from: '2024-01-01' }, { tags: ['sun'], any: ['moon', 'no such tag'] }] as ImageFilter[]) {
      expect(await store.listImagesOffThread(filter, '-date', null, 10)).toEqual({ items: [], next_cursor: null, total: 0 });
      expect(await store.countMatchingInBackground(filter)).toBe(0);
    }
  });

  it('give a tags-only filter its total on every page (the match count), never null', async () => {
    const { store } = generated({ tagBitmapRows: 1, backgroundCountRows: 1 });
    const filter: ImageFilter = { tags: ['red', 'big'], not: ['sun'] };
    const first = await store.listImagesOffThread(filter, '-date', null, 5);
    expect(first.total).toBe(store.countMatching(filter));
    expect(first.total).toBeGreaterThan(10);
    expect((await store.listImagesOffThread(filter, '-date', first.next_cursor, 5)).total).toBe(first.total);
  });

  it('stay exact after tag writes: a tag added and removed, an undo, an image gone missing, an image deleted by another connection', async () => {
    const { store, ids, file } = generated({ tagBitmapRows: 1, backgroundCountRows: 1 });
    const filters: ImageFilter[] = [{ tags: ['red', 'blue'], not: ['sun'] }, { tags: ['sun', 'moon'] }, { any: ['sun', 'rare'], not: ['big'] }, { tags: ['red', 'blue'], favorite: true }];
    const check = async (step: string) => {
      for (const filter of filters) {
        for (const sort of SORTS) await expectSamePages(store, filter, sort, 4);
        expect(await store.countMatchingInBackground(filter), `${step}: ${JSON.stringify(filter)}`).toBe(store.countMatching(filter));
      }
    };
    await check('built');
    const sunny = ids[4]; // red, sun, big
    store.patchImage(sunny, { tags: { add: ['moon'] } }); // the first image with sun and moon
    await check('tag added');
    expect(await store.countMatchingInBackground({ tags: ['sun', 'moon'] })).toBe(1);
    store.patchImage(ids[6], { tags: { remove: ['red'] } }); // a derived tag from two sources, removed
    await check('tag removed');
    store.undo();
    await check('undone');
    store.setMissing([sunny], true);
    await check('went missing');
    expect(await store.countMatchingInBackground({ tags: ['sun', 'moon'] })).toBe(0);
    store.setMissing([sunny], false);
    await check('came back');
    const other = new Database(file);
    other.pragma('foreign_keys = ON');
    other.prepare('DELETE FROM images WHERE id = ?').run(sunny);
    other.close();
    await check('deleted elsewhere');
    expect(await store.countMatchingInBackground({ tags: ['sun', 'moon'] })).toBe(0);
  });
});

describe('bitmaps built ahead of use (a server start)', () => {
  it("builds the largest tags' bitmaps on the page worker once, again only for a tag written since; pages stay exact", async () => {
    const { store, ids } = generated({ tagBitmapRows: 1, backgroundCountRows: 1 });
    const large = store.listTags('', 1000).filter((t) => t.count >= 1).length;
    expect(large).toBeGreaterThan(3);
    expect(await store.warmTagBitmaps()).toBe(large);
    expect(await store.warmTagBitmaps()).toBe(0);
    store.patchImage(ids[2], { tags: { add: ['red'] } });
    expect(await store.warmTagBitmaps()).toBe(1);
    await expectSamePages(store, { tags: ['red', 'blue'], not: ['sun'] }, '-date', 7);
  });
});

describe("the page worker's bitmaps", () => {
  function opened() {
    const { store, ids, file } = generated({});
    const db = new Database(file, { readonly: true });
    cleanups.push(() => db.close());
    const tagId = (name: string) => db.prepare<[string], number>('SELECT id FROM tags WHERE key = ?').pluck().get(name)!;
    const sql = (where: string) => db.prepare<[], number>(`SELECT i.id FROM images i WHERE ${where} ORDER BY i.id`).pluck().all();
    const withTag = (name: string) => `EXISTS (SELECT 1 FROM image_tags it WHERE it.image_id = i.id AND it.tag_id = ${tagId(name)})`;
    const query = (all: string[], not: string[], generation = 'g1', missing: TagSetQuery['missing'] = 'exclude'): TagSetQuery => ({
      all: all.map((name) => ({ id: tagId(name), generation })),
      any: [],
      not: not.map((name) => ({ id: tagId(name), generation })),
      missing,
      presence: generation,
    });
    return { store, ids, db, query, sql, withTag };
  }

  it('match what SQL selects, missing images excluded, included or alone', () => {
    const { db, query, sql, withTag } = opened();
    const bitmaps = new TagBitmaps(db);
    expect(idsOf(bitmaps.match(query(['red', 'blue'], ['sun'])))).toEqual(sql(`i.missing = 0 AND ${withTag('red')} AND ${withTag('blue')} AND NOT ${withTag('sun')}`));
    expect(idsOf(bitmaps.match(query(['red'], [], 'g1', 'include')))).toEqual(sql(withTag('red')));
    expect(idsOf(bitmaps.match(query(['red'], [], 'g1', 'only')))).toEqual(sql(`i.missing = 1 AND ${withTag('red')}`));
    expect(idsOf(bitmaps.match({ ...query([], []), all: [{ id: null, generation: '' }] }))).toEqual([]);
  });

  it('keep a bitmap while its generation holds, build it again when it moves, and drop the least recently used beyond the budget', () => {
    const { store, ids, db, query } = opened();
    const bitmaps = new TagBitmaps(db, 2 * bitsetFor(N + 1).byteLength); // two bitmaps
    const before = popcount(bitmaps.match(query(['red'], [], 'g1', 'include')));
    store.patchImage(ids[1], { tags: { add: ['red'] } });
    // Same generation: the bitmap held is used (it predates the write) …
    expect(popcount(bitmaps.match(query(['red'], [], 'g1', 'include')))).toBe(before);
    // … a new one reads the tag again.
    expect(popcount(bitmaps.match(query(['red'], [], 'g2', 'include')))).toBe(before + 1);
    bitmaps.match(query(['blue'], [], 'g1', 'include'));
    expect(bitmaps.size).toBe(2);
    bitmaps.match(query(['sun'], [], 'g1', 'include')); // red goes: least recently used
    expect(bitmaps.size).toBe(2);
    store.patchImage(ids[3], { tags: { add: ['red'] } });
    expect(popcount(bitmaps.match(query(['red'], [], 'g2', 'include')))).toBe(before + 2); // built again, generation unchanged
    expect(popcount(bitmaps.match(query(['sun'], [], 'g1', 'include')))).toBeGreaterThan(0);
  });
});

describe('tag write generations (temp triggers on the serving connection)', () => {
  it("move for a tag's image rows written by any statement, for presence, and for everything when another connection commits; not for other writes", () => {
    const dir = tempDir('vv-tag-writes-');
    const kernel = Kernel.open(dir);
    cleanups.push(() => kernel.close());
    const gens = new TagWrites(kernel);
    const run = (sql: string, ...params: unknown[]) => kernel.write(() => kernel.prepare(sql).run(...params));
    run("INSERT INTO tags(id, name, key) VALUES (1, 'a', 'a'), (2, 'b', 'b')");
    const image = (id: number) =>
      run("INSERT INTO images(id, path, filename, dir, size, mtime_ms, created_at, indexed_at, updated_at, rand) VALUES (?, ?, 'x.png', '', 1, 1, '2024', '2024', '2024', 0)", id, `${id}.png`);
    image(1);
    image(2);
    const snapshot = () => [gens.tag(1), gens.tag(2), gens.presence()];
    const moved = (step: () => void) => {
      const before = snapshot();
      step();
      return snapshot().map((g, k) => g !== before[k]);
    };
    expect(moved(() => run("INSERT INTO image_tags(image_id, tag_id, source) VALUES (1, 1, 'user')"))).toEqual([true, false, false]);
    expect(moved(() => run("INSERT INTO image_tags(image_id, tag_id, source) VALUES (2, 2, 'user') ON CONFLICT DO NOTHING"))).toEqual([false, true, false]);
    expect(moved(() => run("INSERT INTO image_tags(image_id, tag_id, source) VALUES (2, 2, 'user') ON CONFLICT DO NOTHING"))).toEqual([false, false, false]);
    expect(moved(() => run("UPDATE image_tags SET tag_id = 1 WHERE image_id = 2 AND tag_id = 2"))).toEqual([true, true, false]);
    expect(moved(() => run('UPDATE images SET rating = 3, favorite = 1 WHERE id = 1'))).toEqual([false, false, false]);
    expect(moved(() => run('UPDATE images SET missing = 1 WHERE id = 1'))).toEqual([false, false, true]);
    expect(moved(() => run('UPDATE images SET missing = 1 WHERE id = 1'))).toEqual([false, false, false]);
    expect(moved(() => run('DELETE FROM images WHERE id = 2'))).toEqual([true, false, true]); // its tag rows go by cascade
    // A write rolled back leaves the generations where they were (the data is too).
    expect(
      moved(() => {
        expect(() => kernel.write(() => {
          kernel.prepare("INSERT INTO image_tags(image_id, tag_id, source) VALUES (1, 2, 'user')").run();
          throw new Error('abort');
        })).toThrow('abort');
      }),
    ).toEqual([false, false, false]);
    expect(
      moved(() => {
        const other = new Database(path.join(dir, 'vault.db'));
        other.prepare("INSERT INTO settings(key, value) VALUES ('k', 'v')").run();
        other.close();
      }),
    ).toEqual([true, true, true]);
  });

  it("are not moved by the serving process's own WAL checkpoints (a TRUNCATE there read as another connection's commit), and the WAL still shrinks", async () => {
    const dir = tempDir('vv-tag-writes-');
    const store = Store.open(dir, { maxWaitMs: 500 }); // as `vv serve` opens it
    cleanups.push(() => store.close());
    const wal = path.join(dir, 'vault.db-wal');
    store.bulk(true);
    for (let i = 0; i < 100; i++) store.setSetting(`big-${i}`, 'x'.repeat(100_000)); // ~10 MB of WAL: past CHECKPOINT_BYTES
    const before = store.dataVersion();
    await store.walRoom();
    expect(store.checkpoints).toBe(1);
    expect(store.dataVersion()).toBe(before);
    store.setSetting('after', 'the checkpoint'); // restarts the WAL from its start, truncated
    expect(fs.statSync(wal).size).toBeLessThan(1024 * 1024);
    store.bulk(false);
  });
});
