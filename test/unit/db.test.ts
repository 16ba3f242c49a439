/**
 * The database layer on a temporary database (no server, no scan): the change version moves once
 * per transaction for every repository's writes, version-keyed caches see other connections'
 * writes, the filter compiler selects the right rows for each field (compiled once or not), and
 * the virtual folders list exactly their files.
 */
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Store, type StoreOptions } from '../../src/db/store.js';
import { compileFilter } from '../../src/db/filters.js';
import { VirtualTree } from '../../src/fs/tree.js';
import { Catalog } from '../../src/library/catalog.js';
import type { ImageFilter, ScannedFile, TagSource } from '../../src/core/types.js';
import type { MetadataRecord } from '../../src/metadata/types.js';
import { tempDir } from '../support/fixtures.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function open(dir = tempDir('vv-db-'), options: StoreOptions = {}): Store {
  const store = Store.open(dir, options);
  cleanups.push(() => store.close());
  return store;
}

interface Fixture {
  path: string;
  created: string;
  tags?: [string, TagSource][];
  model?: string;
  sampler?: string;
  scheduler?: string;
  generator?: string;
  seed?: number | string;
  steps?: number;
  cfg?: number;
  width?: number;
  height?: number;
  prompt?: string;
}

function scanned(f: Fixture): ScannedFile {
  const record: MetadataRecord = {
    file: f.path, format: 'png', generator: f.generator ?? null, generator_version: null, prompt: f.prompt ?? null, negative_prompt: null,
    seed: f.seed ?? null, steps: f.steps ?? null, sampler: f.sampler ?? null, scheduler: f.scheduler ?? null, cfg: f.cfg ?? null,
    model: f.model ?? null, model_hash: null, width: f.width ?? null, height: f.height ?? null, size: null,
    pixel_width: f.width ?? null, pixel_height: f.height ?? null, loras: [], samplers: [], c2pa_claim_generator: null,
    digital_source_type: null, ai_generated: null, extra: {}, provenance: {}, raw: {}, date_time_original: null, warnings: [],
  };
  return {
    path: f.path, size: 100, mtimeMs: 1_700_000_000_000, hash: `h-${f.path}`, createdAt: f.created, record,
    tags: (f.tags ?? []).map(([name, source]) => ({ name, source })), rawText: '',
  };
}

/** Six images in nested folders whose names share prefixes ('a', 'ab', 'a_b'), one of them missing. */
const FIXTURES: Fixture[] = [
  { path: 'a/x.png', created: '2024-01-01T10:00:00.000Z', tags: [['cat', 'prompt'], ['dog', 'prompt']], model: 'm1', sampler: 's1', scheduler: 'karras', generator: 'A1111', seed: 1, steps: 20, cfg: 7, width: 512, height: 512, prompt: 'a lighthouse' },
  { path: 'a/b/y.png', created: '2024-01-02T00:00:00.000Z', tags: [['cat', 'prompt']], model: 'm2', sampler: 's2', generator: 'ComfyUI', seed: '18446744073709551615', steps: 30, cfg: 5.5, width: 1024, height: 768, prompt: 'a harbour' },
  { path: 'a/b/c/z.png', created: '2024-01-02T23:59:59.000Z', tags: [['dog', 'prompt']], model: 'm1', width: 640, height: 1280 },
  { path: 'ab/w.png', created: '2024-02-01T12:00:00.000Z', width: 300, height: 200 },
  { path: 'root.png', created: '2023-12-31T23:00:00.000Z', tags: [['cat', 'prompt']] },
  { path: 'a_b/q.png', created: '2024-03-01T00:00:00.000Z', tags: [['bird', 'prompt']] },
];

function library(store = open()) {
  const ids = new Map<string, number>();
  store.batch(() => {
    for (const f of FIXTURES) ids.set(f.path, store.saveScanned(scanned(f), null));
  });
  const id = (p: string) => ids.get(p)!;
  store.setMissing([id('root.png')], true);
  store.patchImage(id('a/b/y.png'), { favorite: true, rating: 4, categories: { add: ['c/d'] } });
  store.patchImage(id('a/x.png'), { rating: 2, categories: { add: ['c'] }, tags: { add: ['mine'] } });
  store.patchImage(id('ab/w.png'), { categories: { add: ['c_d'] } });
  return { store, id };
}

/** The write count part of the change version. */
const writes = (store: Store) => Number(store.dataVersion().split(':')[0]);

describe('the change version', () => {
  it('moves exactly once per write of every repository, and once for a batch of writes', () => {
    const { store, id } = library();
    const x = id('a/x.png');
    const steps: [string, () => unknown][] = [
      ['setting', () => store.setSetting('k', 'v')],
      ['scan start', () => store.startScan('full')],
      ['saveScanned', () => store.saveScanned(scanned(FIXTURES[0]), x)],
      ['displace', () => store.displace([])],
      ['setMissing', () => store.setMissing([x], false)],
      ['phashes', () => store.duplicates.setPhashes([{ id: x, phash: '0000000000000000' }])],
      ['embeddings', () => store.embeddings.save('m', [{ id: x, hash: 'h-a/x.png', vector: new Float32Array([1, 0]) }])],
      ['problems', () => store.problems.record({ path: 'p.png', kind: 'unreadable', message: 'no' })],
      ['ai tags', () => store.setAiTags([{ id: x, tags: [{ name: 'sky', confidence: 0.5 }] }])],
      ['ai captions', () => store.setAiCaptions([{ id: x, caption: 'a sky' }])],
      ['patchImage', () => store.patchImage(x, { favorite: true, tags: { add: ['t1'] }, categories: { add: ['k'] } })],
      ['patchImages', () => store.patchImages([x, id('a/b/y.png')], { rating: 1 })],
      ['createCategory', () => store.createCategory('new')],
      ['renameCategory', () => store.renameCategory('new', 'newer')],
      ['deleteCategory', () => store.deleteCategory('newer')],
      ['createTagFolder', () => store.createTagFolder('empty')],
      ['renameTag', () => store.renameTag('empty', 'emptier')],
      ['deleteTagFolder', () => store.deleteTagFolder('emptier')],
      ['undo', () => store.undo()],
      ['recordChange of several edits', () => store.recordChange({ origin: 'cli' }, () => {
        store.patchImage(x, { rating: 5 });
        store.createCategory('z');
      })],
      ['batch of several repositories', () => store.batch(() => {
        store.setSetting('k', 'w');
        store.duplicates.setPhashes([{ id: x, phash: '' }]);
        store.embeddings.save('m', []);
        store.createCategory('y');
      })],
    ];
    for (const [name, step] of steps) {
      const before = writes(store);
      step();
      expect({ name, moved: writes(store) - before }).toEqual({ name, moved: 1 });
    }
  });

  it('moves once for a write that failed and rolled back (a cache made inside it must not survive)', () => {
    const { store } = library();
    const before = writes(store);
    expect(() => store.batch(() => {
      store.createCategory('gone');
      throw new Error('abort');
    })).toThrow('abort');
    expect(writes(store) - before).toBe(1);
    expect(store.listCategories().map((c) => c.name)).not.toContain('gone');
  });

  it('reads do not move it', () => {
    const { store } = library();
    const before = store.dataVersion();
    store.listImages({ tags: ['cat'] });
    store.countMatching({ favorite: true });
    store.listTagsBySource('prompt');
    store.views.entries({ dir: 'a', subfolders: false });
    expect(store.dataVersion()).toBe(before);
  });
});

describe('a costly count runs on another thread', () => {
  it('a first page answers total null meanwhile, pages on, and has the total once the background count is done', async () => {
    // Every tag count is "costly" here (from 1 row): at 1M images it is from ~30k index rows.
    const { store } = library(open(tempDir('vv-db-'), { backgroundCountRows: 1 }));
    const filter: ImageFilter = { tags: ['cat'], not: ['bird'] };
    const first = store.listImages(filter, '-date', null, 1);
    expect(first.total).toBeNull();
    expect(first.items.map((i) => i.path)).toEqual(['a/b/y.png']);
    const second = store.listImages(filter, '-date', first.next_cursor, 1); // root.png (cat) is missing
    expect(second).toMatchObject({ items: [{ path: 'a/x.png' }], next_cursor: null });
    const counted = await store.countMatchingInBackground(filter);
    expect(counted).toBe(store.countMatching(filter));
    expect(counted).toBe(2);
    expect(store.listImages(filter, '-date', null, 1).total).toBe(2);
    // A single tag or an empty filter is counted by triggers: never null.
    expect(store.listImages({ tags: ['cat'] }, '-date', null, 1).total).toBe(2);
    // Below the threshold the page counts at once, as before.
    const { store: plain } = library();
    expect(plain.listImages(filter, '-date', null, 1).total).toBe(2);
  });

  it('a filter with no tag to start from (a date range, a size) counts every present image: costly too, unless it names its images', async () => {
    const { store, id } = library(open(tempDir('vv-db-'), { backgroundCountRows: 3 }));
    const range: ImageFilter = { from: '2000-01-01', min_width: 1 };
    expect(store.listImages(range, '-date', null, 1).total).toBeNull();
    expect(await store.countMatchingInBackground(range)).toBe(store.countMatching(range));
    expect(store.listImages(range, '-date', null, 1).total).toBe(store.countMatching(range));
    expect(store.listImages({ ids: [id('a/x.png'), id('a/b/y.png')] }, '-date', null, 1).total).toBe(2);
    const { store: plain } = library();
    expect(plain.listImages(range, '-date', null, 1).total).toBe(plain.countMatching(range));
  });
});

describe('a page whose walk can be long is read on another thread', () => {
  it('gives the pages `listImages` gives, cursor for cursor, in every order', async () => {
    const { store } = library(open(tempDir('vv-db-'), { backgroundCountRows: 1 }));
    for (const filter of [{ tags: ['cat'], not: ['bird'] }, { any: ['cat', 'bird'] }, {}] as ImageFilter[]) {
      for (const sort of ['-date', 'date', 'random'] as const) {
        let cursor: string | null = null;
        const seen: string[] = [];
        do {
          const offThread = await store.listImagesOffThread(filter, sort, cursor, 1);
          const here = store.listImages(filter, sort, cursor, 1);
          expect(offThread.items).toEqual(here.items);
          // (The cursors may carry different totals: the background count can land between the two calls.)
          expect(offThread.next_cursor === null).toBe(here.next_cursor === null);
          seen.push(...offThread.items.map((i) => i.path));
          cursor = offThread.next_cursor;
        } while (cursor);
        expect(seen.length).toBe(store.countMatching(filter));
      }
    }
    await expect(store.listImagesOffThread({ tags: ['cat'], not: ['bird'] }, '-date', 'not a cursor', 1)).rejects.toThrow(/cursor/);
  });
});

describe('summaries', () => {
  it('list each tag name once, sorted, whatever its sources; an untagged image lists none', () => {
    const { store, id } = library();
    store.patchImage(id('a/x.png'), { tags: { add: ['cat', 'aardvark'] } }); // 'cat' also comes from the prompt
    const byPath = new Map(store.summariesFor([id('a/x.png'), id('ab/w.png'), id('a/b/y.png')]).map((s) => [s.path, s.tags]));
    expect(byPath.get('a/x.png')).toEqual(['aardvark', 'cat', 'dog', 'mine']);
    expect(byPath.get('a/b/y.png')).toEqual(['cat']);
    expect(byPath.get('ab/w.png')).toEqual([]);
  });
});

describe('the embeddings generation (the saved vector index is reused while it matches)', () => {
  it('moves with a stored batch and not with an empty one (which made every start rebuild the index: 65 s at 100k)', () => {
    const { store, id } = library();
    const before = store.embeddings.generation('m');
    store.embeddings.save('m', []);
    expect(store.embeddings.generation('m')).toBe(before);
    store.embeddings.save('m', [{ id: id('a/x.png'), hash: 'h-a/x.png', vector: new Float32Array([1, 0]) }]);
    expect(store.embeddings.generation('m')).not.toBe(before);
  });
});

describe('caches keyed on the version', () => {
  it('recompute counts, tag lists and folder listings after another connection writes', () => {
    const dir = tempDir('vv-db-');
    const { store, id } = library(open(dir));
    const other = open(dir);
    const tree = new VirtualTree(new Catalog(store), () => []);
    expect(store.countMatching({ favorite: true })).toBe(1);
    expect(store.countMatching({})).toBe(5);
    expect(store.listTagsBySource('user').map((t) => t.name)).toEqual(['mine']);
    expect([...tree.folderAt(['favorites'])!.files.values()].map((e) => e.id)).toEqual([id('a/b/y.png')]);

    other.patchImage(id('a/x.png'), { favorite: true, tags: { add: ['theirs'] } });
    other.setMissing([id('ab/w.png')], true);

    expect(store.countMatching({ favorite: true })).toBe(2);
    expect(store.countMatching({})).toBe(4);
    expect(store.listTagsBySource('user').map((t) => t.name).sort()).toEqual(['mine', 'theirs']);
    tree.invalidate(); // the tree trusts its snapshot for 250 ms; the version decides after that
    expect([...tree.folderAt(['favorites'])!.files.values()].map((e) => e.id).sort()).toEqual([id('a/x.png'), id('a/b/y.png')].sort());
  });
});

describe('the filter compiler', () => {
  const cases: [string, ImageFilter, string[]][] = [
    ['nothing', {}, ['a/x.png', 'a/b/y.png', 'a/b/c/z.png', 'ab/w.png', 'a_b/q.png']],
    ['tags (all of)', { tags: ['cat', 'dog'] }, ['a/x.png']],
    ['tags by key', { tags: ['CAT'] }, ['a/x.png', 'a/b/y.png']],
    ['any', { any: ['dog', 'bird'] }, ['a/x.png', 'a/b/c/z.png', 'a_b/q.png']],
    ['not', { not: ['cat'] }, ['a/b/c/z.png', 'ab/w.png', 'a_b/q.png']],
    ['from', { from: '2024-01-02' }, ['a/b/y.png', 'a/b/c/z.png', 'ab/w.png', 'a_b/q.png']],
    ['to (inclusive day)', { to: '2024-01-02' }, ['a/x.png', 'a/b/y.png', 'a/b/c/z.png']],
    ['one day', { from: '2024-01-02', to: '2024-01-02' }, ['a/b/y.png', 'a/b/c/z.png']],
    ['favorite', { favorite: true }, ['a/b/y.png']],
    ['not favorite', { favorite: false }, ['a/x.png', 'a/b/c/z.png', 'ab/w.png', 'a_b/q.png']],
    ['category with nested', { category: 'c' }, ['a/x.png', 'a/b/y.png']],
    ['category directly', { category: 'c', subcategories: false }, ['a/x.png']],
    ['category name with _', { category: 'c_d' }, ['ab/w.png']],
    ['model', { model: 'm1' }, ['a/x.png', 'a/b/c/z.png']],
    ['sampler', { sampler: 's2' }, ['a/b/y.png']],
    ['scheduler', { scheduler: 'karras' }, ['a/x.png']],
    ['generator', { generator: 'ComfyUI' }, ['a/b/y.png']],
    ['seed', { seed: 1 }, ['a/x.png']],
    ['seed beyond 2^53', { seed: '18446744073709551615' }, ['a/b/y.png']],
    ['steps', { steps: 30 }, ['a/b/y.png']],
    ['cfg', { cfg: 5.5 }, ['a/b/y.png']],
    ['min_width', { min_width: 640 }, ['a/b/y.png', 'a/b/c/z.png']],
    ['max_width', { max_width: 512 }, ['a/x.png', 'ab/w.png']],
    ['min_height', { min_height: 768 }, ['a/b/y.png', 'a/b/c/z.png']],
    ['max_height', { max_height: 512 }, ['a/x.png', 'ab/w.png']],
    ['min_rating', { min_rating: 3 }, ['a/b/y.png']],
    ['dir with subfolders', { dir: 'a' }, ['a/x.png', 'a/b/y.png', 'a/b/c/z.png']],
    ['dir directly', { dir: 'a/b', subfolders: false }, ['a/b/y.png']],
    ['dir name with _', { dir: 'a_b' }, ['a_b/q.png']],
    ['library root directly', { dir: '', subfolders: false, missing: 'include' }, ['root.png']],
    ['missing only', { missing: 'only' }, ['root.png']],
    ['missing included', { missing: 'include', tags: ['cat'] }, ['a/x.png', 'a/b/y.png', 'root.png']],
    ['a modifier alone selects nothing less', { subfolders: false }, ['a/x.png', 'a/b/y.png', 'a/b/c/z.png', 'ab/w.png', 'a_b/q.png']],
  ];

  for (const [name, filter, expected] of cases) {
    it(`${name}: list, count, ids, summaries and folder entries agree, compiled once or not`, () => {
      const { store, id } = library();
      const want = expected.map(id).sort((a, b) => a - b);
      const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);
      const compiled = store.compileFilter(filter);
      for (const f of [filter, compiled]) {
        expect(sorted(store.listImages(f, 'date', null, 100).items.map((s) => s.id))).toEqual(want);
        expect(store.listImages(f).total).toBe(want.length);
        expect(store.countMatching(f)).toBe(want.length);
        expect(sorted(store.idsMatching(f, 100))).toEqual(want);
        expect(sorted(store.summariesFor([...FIXTURES.map((x) => id(x.path))].reverse(), f).map((s) => s.id))).toEqual(want);
        expect(store.views.entries(f).map((e) => e.id)).toEqual(want);
      }
    });
  }

  it('pages by keyset over a compiled filter without repeating or skipping rows', () => {
    const { store, id } = library();
    const compiled = store.compileFilter({ dir: 'a' });
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page = store.listImages(compiled, 'date', cursor, 1);
      seen.push(...page.items.map((s) => s.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(['a/x.png', 'a/b/y.png', 'a/b/c/z.png'].map(id));
  });

  it('full-text search takes the compiled filter too', () => {
    const { store, id } = library();
    expect(store.searchText('harbour', {}).map((s) => s.id)).toEqual([id('a/b/y.png')]);
    expect(store.searchText('harbour', store.compileFilter({ favorite: false }))).toEqual([]);
    expect(store.searchText('lighthouse', store.compileFilter({ dir: 'a', subfolders: false })).map((s) => s.id)).toEqual([id('a/x.png')]);
  });

  it('knows an empty filter in one place', () => {
    const { store } = library();
    expect(store.compileFilter({}).empty).toBe(true);
    expect(store.compileFilter({ missing: 'exclude', subfolders: false }).empty).toBe(true);
    expect(store.compileFilter({ missing: 'include' }).empty).toBe(false);
    expect(store.compileFilter({ tags: ['cat'] }).singleTag).toBe('cat');
    expect(store.compileFilter({ tags: ['cat'], favorite: true }).singleTag).toBeNull();
  });
});

describe('virtual folders are filters', () => {
  const files = (tree: VirtualTree, parts: string[]) => [...(tree.folderAt(parts)?.files.values() ?? [])].map((e) => e.path).sort();

  it('/all/<dir> holds the files directly in the folder; its subfolders list the rest', () => {
    const { store } = library();
    const tree = new VirtualTree(new Catalog(store), () => []);
    expect(files(tree, ['all'])).toEqual([]); // root.png is missing
    expect(tree.folderAt(['all'])!.subdirs).toEqual(['a', 'a_b', 'ab']);
    expect(files(tree, ['all', 'a'])).toEqual(['a/x.png']);
    expect(tree.folderAt(['all', 'a'])!.subdirs).toEqual(['b']);
    expect(files(tree, ['all', 'a', 'b'])).toEqual(['a/b/y.png']);
    expect(files(tree, ['all', 'a', 'b', 'c'])).toEqual(['a/b/c/z.png']);
    expect(files(tree, ['all', 'ab'])).toEqual(['ab/w.png']);
  });

  it('/categories/<c> holds the images filed directly in it, not those of nested categories', () => {
    const { store } = library();
    const tree = new VirtualTree(new Catalog(store), () => []);
    expect(tree.folderAt(['categories'])!.subdirs).toEqual(['c', 'c_d']);
    expect(files(tree, ['categories', 'c'])).toEqual(['a/x.png']);
    expect(tree.folderAt(['categories', 'c'])!.subdirs).toEqual(['d']);
    expect(files(tree, ['categories', 'c', 'd'])).toEqual(['a/b/y.png']);
    expect(files(tree, ['categories', 'c_d'])).toEqual(['ab/w.png']);
  });

  it('/tags, /favorites, /dates and /search list their filters’ files, search in rank order', () => {
    const { store, id } = library();
    const ranked = [id('a/b/c/z.png'), id('a/x.png'), id('root.png')];
    const tree = new VirtualTree(new Catalog(store), () => ranked);
    expect(files(tree, ['tags', 'cat'])).toEqual(['a/b/y.png', 'a/x.png']);
    expect(files(tree, ['tags', 'mine'])).toEqual(['a/x.png']);
    expect(files(tree, ['favorites'])).toEqual(['a/b/y.png']);
    expect(files(tree, ['dates', '2024', '01', '02'])).toEqual(['a/b/c/z.png', 'a/b/y.png']);
    expect(tree.folderAt(['dates', '2023'])).toBeNull(); // only a missing file was made then
    expect(files(tree, ['search', 'anything'])).toEqual(['a/b/c/z.png', 'a/x.png']);
    expect(store.views.entries({ ids: ranked }).map((e) => e.id)).toEqual([id('a/b/c/z.png'), id('a/x.png')]);
  });

  it('lists empty tag folders and the entry columns the mount needs', () => {
    const { store, id } = library();
    store.createTagFolder('later');
    expect(store.views.tagNames().sort()).toEqual(['bird', 'cat', 'dog', 'later', 'mine']);
    expect(store.views.byPath('a/x.png')).toEqual({ id: id('a/x.png'), filename: 'x.png', path: 'a/x.png', size: 100, mtime_ms: 1_700_000_000_000, created_at: '2024-01-01T10:00:00.000Z', hash: 'h-a/x.png' });
    expect(store.views.byHash('h-a/b/y.png')?.id).toBe(id('a/b/y.png'));
    expect(store.views.byPath('root.png')).toBeNull();
  });
});

describe('full-text index', () => {
  it('matches the last word as a prefix only from three characters on (a shorter one would merge most of the vocabulary)', async () => {
    const { ftsQuery } = await import('../../src/db/fts.js');
    expect(ftsQuery('a')).toBe('"a"');
    expect(ftsQuery('lighthouse at')).toBe('"lighthouse" "at"');
    expect(ftsQuery('concept art')).toBe('"concept" "art"*');
    expect(ftsQuery('kni')).toBe('"kni"*');
    expect(ftsQuery('"at dusk"')).toBe('"at dusk"');
    expect(ftsQuery('sky -cl')).toBe('"sky"* NOT "cl"');
    // The index splits words at '-' and "'": the last *token* decides ('e'* merged every word in e: 50 ms at 100k).
    expect(ftsQuery('red ukiyo-e')).toBe('"red" "ukiyo-e"');
    expect(ftsQuery("bird's")).toBe('"bird\'s"');
    expect(ftsQuery('art-deco')).toBe('"art-deco"*');
    expect(ftsQuery('neon art!')).toBe('"neon" "art!"*');
  });

  it('migration 17 rebuilds the index with prefix entries from every image exactly as edits wrote it', () => {
    const dir = tempDir('vv-fts17-');
    const store = Store.open(dir);
    const files = [
      { ...scanned({ path: 'a/lighthouse.png', created: '2024-01-01T00:00:00.000Z', prompt: 'a lighthouse at dusk', tags: [['seascape', 'prompt']] }), rawText: 'Steps: 20, Sampler: Euler artifactual' },
      scanned({ path: 'b/castle.png', created: '2024-01-02T00:00:00.000Z', prompt: 'concept art of a castle', tags: [['art', 'prompt'], ['castle', 'prompt']] }),
      scanned({ path: 'c/untitled.png', created: '2024-01-03T00:00:00.000Z' }),
    ];
    files[1].record.negative_prompt = 'artifacts, blurry';
    store.batch(() => {
      for (const f of files) store.saveScanned(f, null);
    });
    const ids = files.map((f) => store.idForPath(f.path)!);
    store.patchImage(ids[0], { prompt: 'my own words about harbours', tags: { add: ['Golden Hour'] } });
    store.setAiCaptions([{ id: ids[2], caption: 'a red picture of a tram' }]);
    const queries = ['lighthouse', 'harbours', 'golden hour', 'golden', 'tram', 'red picture', 'art', 'concept art', 'artifacts', 'blurry', 'castle', 'untitled', 'euler', 'artifactual', 'a', 'lig', 'sea', 'castle -blurry'];
    const results = (s: Store) => queries.map((q) => [q, s.searchText(q, s.compileFilter({})).map((r) => r.path).sort()]);
    const before = results(store);
    store.close();

    // Back to schema 16: the index as edits and scans wrote it, row by row, without prefix entries.
    const raw = new Database(path.join(dir, 'vault.db'));
    expect(raw.prepare("SELECT sql FROM sqlite_master WHERE name = 'images_fts'").get()).toMatchObject({ sql: expect.stringContaining("prefix = '3'") });
    raw.pragma('user_version = 16');
    raw.close();
    const migrated = open(dir);
    expect(results(migrated)).toEqual(before);
    expect(before.find(([q]) => q === 'concept art')![1]).toEqual(['b/castle.png']);
    expect(before.find(([q]) => q === 'harbours')![1]).toEqual(['a/lighthouse.png']);
    expect(before.find(([q]) => q === 'tram')![1]).toEqual(['c/untitled.png']);
  });
});

describe('migration 19', () => {
  it('sends every decodable image back to the pixel pass and keeps the mark of undecodable pixels', () => {
    const dir = tempDir('vv-phash19-');
    const store = Store.open(dir);
    const files = ['a.png', 'b.png', 'c.png'].map((p, i) => scanned({ path: p, created: `2024-01-0${i + 1}T00:00:00.000Z` }));
    store.batch(() => {
      for (const f of files) store.saveScanned(f, null);
    });
    const [a, b, c] = files.map((f) => store.idForPath(f.path)!);
    store.duplicates.setPhashes([
      { id: a, phash: '0123456789abcdef' },
      { id: b, phash: '' },
    ]);
    store.close();
    const raw = new Database(path.join(dir, 'vault.db'));
    raw.pragma('user_version = 18');
    raw.close();
    const migrated = open(dir);
    expect([a, b, c].map((id) => migrated.duplicates.phashOf(id))).toEqual([null, null, null]);
    const stored = new Database(path.join(dir, 'vault.db'), { readonly: true });
    expect(stored.prepare('SELECT id, phash FROM images ORDER BY id').all()).toEqual([
      { id: a, phash: null },
      { id: b, phash: '' },
      { id: c, phash: null },
    ]);
    stored.close();
  });
});

describe('the filter compiler picks a tag query shape by cost', () => {
  const stats = (total: number, counts: Record<string, number>) => ({ total: () => total, tagCount: (name: string) => counts[name] ?? 0 });
  const shapes = (filter: ImageFilter, s: ReturnType<typeof stats>) =>
    compileFilter(filter, s).clauses.filter((c) => c.includes('image_tags')).map((c) => (c.startsWith('EXISTS') ? 'per row' : c.startsWith('i.id IN') ? 'set' : 'not'));
  it('tests a tag on 12 % of 1M images per row (a set of 125k ids cost 430 ms a page), a rare one as a set', () => {
    expect(shapes({ tags: ['dusk'] }, stats(1_000_000, { dusk: 125_000 }))).toEqual(['per row']);
    expect(shapes({ tags: ['rare'] }, stats(1_000_000, { rare: 5_000 }))).toEqual(['set']);
    expect(shapes({ tags: ['all'] }, stats(100_000, { all: 100_000 }))).toEqual(['per row']);
  });
  it('looks up two tags that are rare together as sets (two 6 % tags at 100k: 17 ms as sets, 76 ms per row)', () => {
    expect(shapes({ tags: ['a', 'b'] }, stats(100_000, { a: 6_000, b: 6_000 }))).toEqual(['set', 'set']);
    expect(shapes({ tags: ['a', 'b'], not: ['c'] }, stats(1_000_000, { a: 125_000, b: 125_000, c: 125_000 }))).toEqual(['per row', 'per row', 'not']);
  });
  it('counts with sets unless a set is most of the library (a count visits every match: per-row tests made it 2.3 s at 1M)', () => {
    const big = stats(1_000_000, { a: 125_000, b: 125_000, c: 125_000, all: 900_000 });
    const counting = (filter: ImageFilter) =>
      compileFilter(filter, big, 'count').clauses.filter((c) => c.includes('image_tags')).map((c) => (c.startsWith('EXISTS') ? 'per row' : c.startsWith('i.id IN') ? 'set' : 'not'));
    expect(counting({ tags: ['a', 'b'], not: ['c'] })).toEqual(['set', 'set', 'not']);
    expect(counting({ tags: ['all'] })).toEqual(['per row']);
  });
  it('tests any of a few common tags per row, and any of rare ones as a set', () => {
    expect(shapes({ any: ['x', 'y'] }, stats(1_000_000, { x: 60_000, y: 60_000 }))).toEqual(['per row']);
    expect(shapes({ any: ['x', 'y'] }, stats(1_000_000, { x: 2_000, y: 2_000 }))).toEqual(['set']);
  });
});
