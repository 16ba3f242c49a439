/**
 * The plans of the hot statements, on a database whose statistics are those of a 1M-image
 * library (sqlite_stat1 rows as ANALYZE writes them), and on one never analyzed (as a library is
 * until its first large scan ends). Each statement a request or a background pass runs is traced
 * as it runs, then explained: a keyset read must stay a SEARCH through its index, never a SCAN of
 * images and never a sort of every matching row (TEMP B-TREE FOR ORDER BY), whatever the planner
 * would guess from the statistics.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Store, type StoreOptions } from '../../src/db/store.js';
import { BackgroundReads } from '../../src/db/background-reads.js';
import { MATCH_FUNCTION } from '../../src/db/tag-bitmaps.js';
import type { ImageFilter, ScannedFile, SortOrder } from '../../src/core/types.js';
import type { MetadataRecord } from '../../src/metadata/types.js';
import { tempDir } from '../support/fixtures.js';

const N = 1_000_000;

/**
 * What ANALYZE writes for the bench's synthetic library at 1M images: every image present, ~8 tags
 * each over 500 tags, 2,000 folders, 20 models. `pending`: rows still without a perceptual hash
 * (all of them right after the metadata pass; a few once the pixel pass is done).
 */
function stat1(pending: number): [string, string | null, string][] {
  return [
    ['images', null, `${N}`],
    ['images', 'sqlite_autoindex_images_1', `${N} 1`],
    ['images', 'images_by_date', `${N} ${N} 1 1`],
    ['images', 'images_by_rand', `${N} ${N} 1 1`],
    ['images', 'images_by_hash', `${N} 1`],
    ['images', 'images_by_dir', `${N} 500`],
    ['images', 'images_by_model', `${N} 50000`],
    ['images', 'images_by_sampler', `${N} 100000`],
    ['images', 'images_by_seed', `${N} 2`],
    ['images', 'images_by_generator', `${N} 500000`],
    ['images', 'images_by_size', `${N} 100000 50000`],
    ['images', 'images_favorites', '1000 1 1'],
    ['images', 'images_by_rating', '1000 200'],
    ['images', 'images_phash_pending', `${pending} 1`],
    ['image_tags', 'sqlite_autoindex_image_tags_1', `${8 * N} 8 1 1`],
    ['image_tags', 'image_tags_by_tag', `${8 * N} 16000 1`],
    ['image_tags', 'image_tags_by_source', `${8 * N} ${4 * N} 16000`],
    ['tags', 'sqlite_autoindex_tags_1', '500 1'],
    ['tags', 'tags_by_key', '500 1'],
    ['embeddings', 'sqlite_autoindex_embeddings_1', `${N} ${N} 1`],
    ['embeddings', 'embeddings_by_content', `${N} ${N} 1`],
    ['embeddings', 'embeddings_current', `${N} ${N} 1 1 1`],
  ];
}

const PROFILES: [string, [string, string | null, string][] | null][] = [
  ['never analyzed', null],
  ['1M images, all pending a perceptual hash', stat1(N)],
  ['1M images, pixel pass done', stat1(100)],
];

function scanned(p: string, created: string, tags: string[]): ScannedFile {
  const record = {
    file: p, format: 'png', generator: 'A1111', generator_version: null, prompt: 'a lighthouse at dusk', negative_prompt: null,
    seed: 1, steps: 20, sampler: 'Euler', scheduler: null, cfg: 7, model: 'm1', model_hash: null, width: 512, height: 512, size: null,
    pixel_width: 512, pixel_height: 512, loras: [], samplers: [], c2pa_claim_generator: null, digital_source_type: null,
    ai_generated: null, extra: {}, provenance: {}, raw: {}, date_time_original: null, warnings: [],
  } as MetadataRecord;
  return { path: p, size: 100, mtimeMs: 1, hash: `h-${p}`, createdAt: created, record, tags: tags.map((name) => ({ name, source: 'prompt' as const })), rawText: '' };
}

// Every statement run while tracing, with its arguments (static and per-request statements alike).
type Bound = { sql: string; args: unknown[] };
let trace: Bound[] | null = null;
beforeAll(() => {
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, (...a: unknown[]) => unknown>;
  probe.close();
  for (const method of ['all', 'get', 'iterate', 'run']) {
    const original = proto[method];
    proto[method] = function (this: { source: string }, ...args: unknown[]) {
      trace?.push({ sql: this.source, args });
      return original.apply(this, args);
    };
  }
});

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
  vi.restoreAllMocks();
});

/** A small library whose planner statistics are `stats` (null: none), opened as a server would. */
function open(stats: [string, string | null, string][] | null, options: StoreOptions = {}) {
  const dir = tempDir('vv-plans-');
  const setup = Store.open(dir);
  setup.batch(() => {
    for (let i = 0; i < 20; i++) setup.saveScanned(scanned(`d${i % 3}/${i}.png`, `2024-01-${String(1 + i).padStart(2, '0')}T00:00:00.000Z`, i % 2 ? ['cat', 'sky'] : ['dog']), null);
  });
  setup.close();
  const file = path.join(dir, 'vault.db');
  const raw = new Database(file);
  if (stats) {
    raw.exec('ANALYZE');
    raw.exec('DELETE FROM sqlite_stat1');
    const insert = raw.prepare('INSERT INTO sqlite_stat1(tbl, idx, stat) VALUES (?, ?, ?)');
    for (const row of stats) insert.run(...row);
  }
  // `sky` on 90 % of a 1M library: the filter compiler tests it per row (EXISTS) instead of as a set.
  raw.prepare("UPDATE tag_counts SET n = 900000 WHERE tag_id = (SELECT id FROM tags WHERE key = 'sky')").run();
  raw.close();
  const store = Store.open(dir, options);
  const explainer = new Database(file, { readonly: true });
  explainer.function(MATCH_FUNCTION, (id: unknown) => (id === null ? 0 : 1)); // defined on the page worker's connection
  cleanups.push(() => explainer.close(), () => store.close());
  /** The plan lines of every statement `fn` runs. */
  const plans = (fn: () => unknown): { sql: string; plan: string[] }[] => {
    trace = [];
    try {
      fn();
    } finally {
      var ran = trace;
      trace = null;
    }
    return ran.map(({ sql, args }) => ({
      sql,
      plan: (explainer.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...(args as [])) as { detail: string }[]).map((r) => r.detail),
    }));
  };
  /** The plan lines of a statement as it would run with these parameters. */
  const explain = (sql: string, params: unknown[]) => (explainer.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail);
  return { store, plans, explain };
}

/** The one statement over `images` among those run (tag look-ups by key and the like aside). */
function imagesQuery(runs: { sql: string; plan: string[] }[], marker: string) {
  const found = runs.filter((r) => r.sql.includes(marker));
  expect(found.length, `a statement containing ${marker} among:\n${runs.map((r) => r.sql).join('\n')}`).toBeGreaterThan(0);
  return found;
}

function expectKeyset(plan: string[], index: RegExp) {
  const text = plan.join('\n');
  expect(text, text).toMatch(index);
  expect(text, text).not.toMatch(/SCAN (images|i)\b(?! USING)/);
  expect(text, text).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
}

describe.each(PROFILES)('query plans (%s)', (_name, stats) => {
  it('the pixel pass reads its queue by a keyset walk of the pending index', () => {
    const { store, plans } = open(stats);
    for (const r of imagesQuery(plans(() => store.duplicates.pendingPhash(0, 64)), 'phash IS NULL')) {
      expectKeyset(r.plan, /SEARCH images USING (COVERING )?INDEX images_phash_pending \(id>\?\)/);
    }
    for (const r of imagesQuery(plans(() => store.duplicates.pendingPhashCount()), 'phash IS NULL')) {
      expect(r.plan.join('\n')).toMatch(/images_phash_pending/);
    }
  });

  it('the embedding pass and its counts read one slice of image ids per statement', () => {
    const { store, plans } = open(stats);
    const runs = plans(() => {
      store.embeddings.pending('clip', 0, 10_000, 64);
      store.embeddings.countsIn('clip', 0, 10_000);
    });
    for (const r of imagesQuery(runs, 'i.id <= @upTo')) {
      expectKeyset(r.plan, /SEARCH i USING INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)/);
    }
  });

  it('the embedding counts and the pending walk read embeddings through a covering index, never a row with its 2 KB vector', () => {
    const { store, plans } = open(stats);
    const runs = plans(() => {
      store.embeddings.pending('clip', 0, 10_000, 64);
      store.embeddings.countsIn('clip', 0, 10_000);
      store.embeddings.presentCount('clip');
      store.embeddings.failedCount('clip');
      store.embeddings.forgetFailures('clip', 'no video decoder');
    }).filter((r) => r.sql.includes('embeddings'));
    expect(runs.length).toBe(5);
    // What the vector index counts at every start reads no row of images either.
    const present = runs.find((r) => r.sql.includes('(e.vector IS NULL) = 0'))!;
    expect(present.plan.join('\n')).toMatch(/SEARCH i USING COVERING INDEX images_by_rand \(missing=\?\)/);
    for (const r of runs) {
      const text = r.plan.join('\n');
      // A DELETE reads the rows it deletes (only failures: no vector), found through the index.
      const covering = r.sql.startsWith('DELETE') ? /SEARCH embeddings USING INDEX embeddings_current \(model=\?\)/ : /(SEARCH|SCAN) e USING COVERING INDEX embeddings_current\b/;
      expect(text, `${r.sql}\n${text}`).toMatch(covering);
      expect(text, `${r.sql}\n${text}`).not.toMatch(/(SEARCH|SCAN) (e|embeddings) USING (COVERING )?INDEX sqlite_autoindex|SCAN e\b(?! USING)/);
    }
  });

  it('the status counts and the library total read one row kept by triggers, never the images table', () => {
    const { store, plans } = open(stats);
    const runs = plans(() => {
      store.counts();
      store.listImages({}, '-date', null, 2);
    });
    const counts = runs.filter((r) => /COUNT|image_counts/.test(r.sql));
    expect(counts.length).toBeGreaterThan(0);
    for (const r of counts) expect(r.plan.join('\n'), r.sql).toMatch(/^SEARCH image_counts USING INTEGER PRIMARY KEY \(rowid=\?\)$/);
  });

  it('a write transaction of many images writes the full-text index in one statement when it ends (FTS5 flushes a segment per statement)', () => {
    const { store, plans } = open(stats);
    const runs = plans(() =>
      store.batch(() => {
        for (let i = 0; i < 30; i++) store.saveScanned(scanned(`new/${i}.png`, '2024-02-01T00:00:00.000Z', ['cat']), null);
        store.saveScanned(scanned('d1/1.png', '2024-01-02T00:00:00.000Z', ['owl']), store.idForPath('d1/1.png'));
      }),
    );
    const ftsWrites = runs.filter((r) => /(INSERT INTO|DELETE FROM) images_fts\b/.test(r.sql));
    expect(ftsWrites.map((r) => r.sql.split('(')[0].trim())).toEqual(['DELETE FROM images_fts WHERE rowid IN', 'INSERT INTO images_fts']);
    expect(store.searchText('owl', store.compileFilter({})).map((r) => r.path)).toEqual(['d1/1.png']);
    expect(store.searchText('cat', store.compileFilter({})).filter((r) => r.path.startsWith('new/')).length).toBe(30);
  });

  it('the scan looks a path up by its unique index', () => {
    const { store, plans } = open(stats);
    for (const r of imagesQuery(plans(() => store.rowAtPath('d1/1.png')), 'path = ?')) {
      expect(r.plan.join('\n')).toMatch(/SEARCH images USING INDEX sqlite_autoindex_images_1 \(path=\?\)/);
    }
  });

  const pages: [string, ImageFilter, SortOrder, RegExp][] = [
    ['newest first', {}, '-date', /SEARCH i USING INDEX images_by_date \(missing=\? AND created_at<\?\)/],
    ['oldest first', {}, 'date', /SEARCH i USING INDEX images_by_date \(missing=\? AND created_at>\?\)/],
    ['random', {}, 'random', /SEARCH i USING INDEX images_by_rand \(missing=\? AND rand>\?\)/],
    ['date and size range', { from: '2024-01-02', to: '2024-01-10', min_width: 64 }, '-date', /SEARCH i USING INDEX images_by_date \(missing=\? AND created_at>\? AND created_at<\?\)/],
    ['one tag', { tags: ['cat'] }, '-date', /SEARCH i USING INDEX images_by_date \(missing=\? AND created_at<\?\)/],
    ['one tag on most images', { tags: ['sky'] }, '-date', /SEARCH i USING INDEX images_by_date \(missing=\? AND created_at<\?\)/],
    ['two tags and an exclusion', { tags: ['cat', 'sky'], not: ['dog'] }, '-date', /SEARCH i USING INDEX images_by_date \(missing=\? AND created_at<\?\)/],
  ];
  it.each(pages)('/api/images keyset pages: %s', (_kind, filter, sort, index) => {
    const { store, plans } = open(stats);
    const first = store.listImages(filter, sort, null, 2);
    expect(first.next_cursor).not.toBeNull();
    for (const r of imagesQuery(plans(() => store.listImages(filter, sort, first.next_cursor, 2)), 'sort_key')) expectKeyset(r.plan, index);
  });

  const walks: [SortOrder, RegExp][] = [
    ['-date', /SEARCH i USING INDEX images_by_date \(missing=\? AND created_at<\?\)/],
    ['date', /SEARCH i USING INDEX images_by_date \(missing=\? AND created_at>\?\)/],
    ['random', /SEARCH i USING INDEX images_by_rand \(missing=\? AND rand>\?\)/],
  ];
  it.each(walks)('/api/images pages matched by tag bitmaps (%s): few matches read by id, many by a keyset walk testing each row', async (sort, index) => {
    const { store, explain } = open(stats, { tagBitmapRows: 1 });
    const sent = vi.spyOn(BackgroundReads.prototype, 'matchTags');
    const filter: ImageFilter = { tags: ['cat', 'sky'], not: ['dog'] };
    const first = await store.listImagesOffThread(filter, sort, null, 2);
    expect(first.next_cursor).not.toBeNull();
    await store.listImagesOffThread(filter, sort, first.next_cursor, 2);
    const { byIds, byWalk } = sent.mock.calls.at(-1)![0];
    const byId = explain(byIds!.sql, ['[1, 3, 5]', ...byIds!.params]).join('\n');
    expect(byId, byId).toMatch(/^SEARCH i USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    expect(byId, byId).not.toMatch(/SCAN (images|i)\b(?! USING)|images_by_/);
    expectKeyset(explain(byWalk!.sql, byWalk!.params), index);
  });

  it('full-text search ranks inside the index and fetches rows by id', () => {
    const { store, plans } = open(stats);
    const runs = imagesQuery(plans(() => store.searchText('lighthouse', {}, 5)), 'images_fts MATCH');
    for (const r of runs.filter((x) => x.sql.includes('JOIN images'))) {
      const text = r.plan.join('\n');
      expect(text, text).toMatch(/SEARCH i USING INTEGER PRIMARY KEY \(rowid=\?\)/);
      expect(text, text).not.toMatch(/SCAN (images|i)\b(?! USING)/);
    }
  });
});

describe('counts on request paths', () => {
  const counts = (runs: { sql: string }[]) => runs.filter((r) => /COUNT\(\*\)/.test(r.sql)).length;
  const filter: ImageFilter = { from: '2024-01-02', min_width: 64 };

  it('keyset pages after the first carry its total and never count, even when the data changed', () => {
    const { store, plans } = open(null);
    let first!: ReturnType<Store['listImages']>;
    expect(counts(plans(() => (first = store.listImages(filter, '-date', null, 5))))).toBe(1);
    expect(first.total).toBe(19);
    store.setSetting('moved', 'the version'); // a write: every version-keyed cache is stale now
    let second!: ReturnType<Store['listImages']>;
    expect(counts(plans(() => (second = store.listImages(filter, '-date', first.next_cursor, 5))))).toBe(0);
    expect(second.total).toBe(19);
    expect(second.items.map((i) => i.id)).not.toContain(first.items[0].id);
    // A count that is current costs nothing, and is used: a new image shows in the total.
    store.saveScanned(scanned('new.png', '2024-02-01T00:00:00.000Z', []), null);
    expect(store.countMatching(filter)).toBe(20);
    expect(store.listImages(filter, '-date', second.next_cursor, 5).total).toBe(20);
  });

  it('while a scan writes in bulk, a first page counts at most once per lag window', () => {
    const { store, plans } = open(null);
    store.bulk(true);
    try {
      expect(counts(plans(() => store.listImages(filter, '-date', null, 5)))).toBe(1);
      store.saveScanned(scanned('scan/1.png', '2024-02-01T00:00:00.000Z', []), null);
      let page!: ReturnType<Store['listImages']>;
      expect(counts(plans(() => (page = store.listImages(filter, '-date', null, 5))))).toBe(0);
      expect(page.total).toBe(19); // late by the batch just written
    } finally {
      store.bulk(false);
    }
    // Outside a scan, counts are exact again.
    expect(store.listImages(filter, '-date', null, 5).total).toBe(20);
  });
});
