/**
 * The library layer on an in-memory database, no server and no library folder: the organizing
 * rules every adapter shares, reads through filters, selections, text search and the duplicates
 * cache. Images are what a scan would store for real A1111 infotext (parsed by the real parsers).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, InvalidInputError, NotFoundError, VaultError } from '../../src/core/errors.js';
import type { ScannedFile } from '../../src/core/types.js';
import { Store } from '../../src/db/store.js';
import { deriveTags } from '../../src/ingest/tags.js';
import { Catalog } from '../../src/library/catalog.js';
import { DuplicateFinder } from '../../src/library/duplicates.js';
import { Organizer } from '../../src/library/organize.js';
import { Search } from '../../src/library/search.js';
import { resolveSelection } from '../../src/library/selection.js';
import { recordOf } from '../support/records.js';

function scanned(path: string, prompt: string, options: { seed?: number; model?: string; day?: string; hash?: string } = {}): ScannedFile {
  const infotext = `${prompt}\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: ${options.seed ?? 1}, Size: 512x512, Model: ${options.model ?? 'dreamshaper_8'}`;
  const record = recordOf({ parameters: infotext });
  return {
    path,
    size: 1000,
    mtimeMs: 1_700_000_000_000,
    hash: options.hash ?? `hash-of-${path}`,
    createdAt: `${options.day ?? '2026-11-01'}T10:00:00.000Z`,
    record,
    tags: deriveTags(record),
    rawText: '',
  };
}

let store: Store;
let catalog: Catalog;
let organize: Organizer;
let search: Search;
const noModel = {
  available: false,
  modelName: null,
  vectorsOf: () => new Map<number, Float32Array>(),
  semantic: () => Promise.reject(new Error('no model')),
  similar: () => [],
};
const ids: Record<string, number> = {};

beforeEach(() => {
  store = Store.openFile(':memory:');
  catalog = new Catalog(store);
  organize = new Organizer(store);
  search = new Search(store, noModel, () => undefined);
  const files = [
    scanned('2026-11-01/cat-1.png', 'a red cat on a sofa', { seed: 1 }),
    scanned('2026-11-01/cat-2.png', 'a red cat on a sofa', { seed: 2 }),
    scanned('2026-11-02/dog.png', 'a brown dog in the snow', { day: '2026-11-02', model: 'juggernaut' }),
    scanned('2026-11-02/sub/tree.png', 'an oak tree at dusk', { day: '2026-11-02' }),
  ];
  for (const f of files) ids[f.path.split('/').pop()!] = store.saveScanned(f, null);
});
afterEach(() => store.close());

describe('organizing rules (one place for every adapter)', () => {
  it('a category that exists is a conflict, and nothing is journaled for the refusal', () => {
    expect(organize.createCategory('trips/2024').change).toBeGreaterThan(0);
    const before = organize.history().length;
    expect(() => organize.createCategory('trips/2024', 'fuse')).toThrow(ConflictError);
    expect(organize.history()).toHaveLength(before);
    // Creating a nested category creates its parent (issue 13).
    expect(catalog.categories().map((c) => c.name)).toEqual(['trips', 'trips/2024']);
  });

  it('a category cannot move into itself or onto another; a missing one is not found', () => {
    organize.createCategory('a');
    organize.createCategory('b');
    expect(() => organize.renameCategory('a', 'a/inner')).toThrow(InvalidInputError);
    expect(() => organize.renameCategory('a', 'a')).toThrow(InvalidInputError);
    expect(() => organize.renameCategory('a', 'b')).toThrow(ConflictError);
    expect(() => organize.renameCategory('nope', 'c')).toThrow(NotFoundError);
    organize.renameCategory('a', 'b/a');
    expect(catalog.categories().map((c) => c.name)).toEqual(['b', 'b/a']);
  });

  it('refuses bad tag and category names from any origin before writing anything', () => {
    expect(() => organize.editImage(ids['cat-1.png'], { tags: { add: ['ok', 'bad\u0000'] } }, 'fuse')).toThrow(InvalidInputError);
    expect(() => organize.editImages([ids['cat-1.png']], { categories: { add: ['../up'] } })).toThrow(InvalidInputError);
    expect(() => organize.createTag(' ')).toThrow(VaultError);
    expect(catalog.get(ids['cat-1.png'])!.tags).not.toContain('ok');
    expect(organize.history()).toHaveLength(0);
  });

  it('an edit of a missing image is not found', () => {
    expect(() => organize.editImage(999_999, { favorite: true })).toThrow(NotFoundError);
  });

  it('rmdir semantics: a category holding images is not deleted without its contents', () => {
    organize.editImage(ids['dog.png'], { categories: { add: ['pets'] } });
    expect(organize.deleteCategory('pets', false).value).toBe(false);
    expect(catalog.categories().map((c) => c.name)).toEqual(['pets']);
    expect(organize.deleteCategory('pets', true).value).toBe(true);
    expect(catalog.categories()).toEqual([]);
    expect(catalog.get(ids['dog.png'])).not.toBeNull();
  });

  it('collections: adding to and removing from a tag, a category and the favorites, each one change, undone newest first', () => {
    const id = ids['tree.png'];
    organize.addTo(id, { kind: 'tag', name: 'keeper' });
    organize.addTo(id, { kind: 'category', name: 'nature' });
    const fav = organize.addTo(id, { kind: 'favorite' });
    expect(catalog.get(id)).toMatchObject({ favorite: true, categories: ['nature'] });
    expect(catalog.get(id)!.tags).toContain('keeper');
    expect(organize.history(10).map((c) => c.origin)).toEqual(['fuse', 'fuse', 'fuse']);
    const undone = organize.undo();
    expect(undone.reversed.map((c) => c.id)).toEqual([fav.change]);
    expect(catalog.get(id)!.favorite).toBe(false);
    organize.removeFrom(id, { kind: 'tag', name: 'keeper' });
    expect(catalog.get(id)!.tags).not.toContain('keeper');
  });

  it('several edits in one change are undone together', () => {
    const { change } = organize.inOneChange({ origin: 'fuse', description: 'cp two files' }, () => {
      organize.addTo(ids['cat-1.png'], { kind: 'tag', name: 'pair' });
      organize.addTo(ids['cat-2.png'], { kind: 'tag', name: 'pair' });
    });
    expect(organize.history(1)[0]).toMatchObject({ id: change, description: 'cp two files', images: 2 });
    organize.undo({ change: change! });
    expect(catalog.count({ tags: ['pair'] })).toBe(0);
  });
});

describe('reading through filters', () => {
  it('lists, counts and pages by the same filter', () => {
    expect(catalog.count({})).toBe(4);
    expect(catalog.count({ from: '2026-11-02', to: '2026-11-02' })).toBe(2);
    expect(catalog.count({ dir: '2026-11-02' })).toBe(2);
    expect(catalog.count({ model: 'juggernaut' })).toBe(1);
    const first = catalog.list({}, 'date', null, 3);
    expect(first.total).toBe(4);
    expect(first.items).toHaveLength(3);
    const rest = catalog.list({}, 'date', first.next_cursor, 3);
    expect(first.items.map((i) => i.id)).toEqual([ids['cat-1.png'], ids['cat-2.png'], ids['dog.png']]);
    expect(rest.items.map((i) => i.id)).toEqual([ids['tree.png']]);
    expect(rest.next_cursor).toBeNull();
  });

  it('counts follow edits (the cache keys on the change version)', () => {
    expect(catalog.count({ favorite: true })).toBe(0);
    organize.editImages([ids['cat-1.png'], ids['dog.png']], { favorite: true });
    expect(catalog.count({ favorite: true })).toBe(2);
  });

  it('full-text search ranks under a filter', async () => {
    const all = await search.search('red cat', {}, 10);
    expect(all.mode).toBe('text');
    expect(all.items.map((i) => i.id).sort()).toEqual([ids['cat-1.png'], ids['cat-2.png']].sort());
    const one = await search.search('red cat', { seed: 2 }, 10);
    expect(one.items.map((i) => i.id)).toEqual([ids['cat-2.png']]);
  });
});

describe('selections', () => {
  it('resolves ids, a filter and a search, less the excluded ones', async () => {
    expect(await resolveSelection({ ids: [ids['dog.png'], ids['tree.png']], exclude: [ids['tree.png']] }, catalog, search)).toEqual([ids['dog.png']]);
    expect((await resolveSelection({ filter: { dir: '2026-11-01' } }, catalog, search)).sort()).toEqual([ids['cat-1.png'], ids['cat-2.png']].sort());
    expect(await resolveSelection({ search: { query: 'cat' }, filter: {}, exclude: [ids['cat-1.png']] }, catalog, search)).toEqual([ids['cat-2.png']]);
  });
});

describe('duplicates', () => {
  it('batch groups (one prompt, several seeds) and a cache that follows perceptual-hash writes', () => {
    const finder = new DuplicateFinder(store, noModel);
    const batch = finder.groups('batch');
    expect(batch.map((g) => g.ids.sort())).toContainEqual([ids['cat-1.png'], ids['cat-2.png']].sort());
    expect(finder.groups('near')).toEqual([]);
    // The pixel pass stores hashes: the near-duplicate view must not stay stale.
    store.duplicates.setPhashes([
      { id: ids['cat-1.png'], phash: 'f0f0f0f0f0f0f0f0' },
      { id: ids['dog.png'], phash: 'f0f0f0f0f0f0f0f1' },
    ]);
    expect(finder.groups('near').map((g) => g.ids.sort())).toEqual([[ids['cat-1.png'], ids['dog.png']].sort()]);
  });
});
