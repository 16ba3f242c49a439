/**
 * Finding things, on an in-memory database: albums (saved searches) and their rules, the library's
 * folders with counts, type-ahead values, the NSFW signal behind SFW mode, duplicates under a
 * filter, and nested categories that create their parents.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, InvalidInputError, NotFoundError } from '../../src/core/errors.js';
import type { ScannedFile } from '../../src/core/types.js';
import { Store } from '../../src/db/store.js';
import { deriveTags } from '../../src/ingest/tags.js';
import { AlbumBook } from '../../src/library/albums.js';
import { Catalog } from '../../src/library/catalog.js';
import { DuplicateFinder } from '../../src/library/duplicates.js';
import { Organizer } from '../../src/library/organize.js';
import { recordOf } from '../support/records.js';

function scanned(path: string, prompt: string, options: { seed?: number; model?: string; sampler?: string } = {}): ScannedFile {
  const infotext = `${prompt}\nNegative prompt: blurry\nSteps: 20, Sampler: ${options.sampler ?? 'Euler a'}, CFG scale: 7, Seed: ${options.seed ?? 1}, Size: 512x512, Model: ${options.model ?? 'dreamshaper_8'}`;
  const record = recordOf({ parameters: infotext });
  return { path, size: 1000, mtimeMs: 1_700_000_000_000, hash: `hash-of-${path}`, createdAt: '2026-11-01T10:00:00.000Z', record, tags: deriveTags(record), rawText: '' };
}

let store: Store;
let catalog: Catalog;
let organize: Organizer;
let albums: AlbumBook;
const ids: Record<string, number> = {};

beforeEach(() => {
  store = Store.openFile(':memory:');
  catalog = new Catalog(store);
  organize = new Organizer(store);
  albums = new AlbumBook(store);
  const files = [
    scanned('cats/cat-1.png', 'a red cat on a sofa', { seed: 1 }),
    scanned('cats/cat-2.png', 'a red cat on a sofa', { seed: 2 }),
    scanned('cats/old/cat-3.png', 'rating:explicit, a red cat', { seed: 3, model: 'Juggernaut_XL', sampler: 'DPM++ 2M Karras' }),
    scanned('dogs/dog.png', 'nsfw, a brown dog in the snow', { model: 'juggernaut_xl_v9' }),
    scanned('tree.png', 'an oak tree at dusk, questionable'),
  ];
  for (const f of files) ids[f.path.split('/').pop()!] = store.saveScanned(f, null);
});
afterEach(() => store.close());

const names = (items: { id: number }[]) =>
  items
    .map((i) => Object.entries(ids).find(([, id]) => id === i.id)![0])
    .sort();

describe('albums', () => {
  it('saves a filter under a name and shows what it holds now (live)', () => {
    const album = albums.create('Best cats', { filter: { dir: 'cats', favorite: true }, q: null, mode: null });
    expect(album.count).toBe(0);
    organize.editImage(ids['cat-3.png'], { favorite: true });
    organize.editImage(ids['tree.png'], { favorite: true });
    expect(albums.get('best CATS')!.count).toBe(1);
    expect(albums.list().map((a) => [a.name, a.count])).toEqual([['Best cats', 1]]);
  });

  it('keeps a search with its filter; refuses a name taken in any case, bad names and empty queries', () => {
    albums.create('sofa', { filter: { favorite: false }, q: '  sofa ', mode: 'text' });
    expect(albums.get('SOFA')!.query).toEqual({ filter: { favorite: false }, q: 'sofa', mode: 'text' });
    expect(albums.get('sofa')!.count).toBeNull();
    expect(() => albums.create('Sofa', { filter: { favorite: true }, q: null, mode: null })).toThrow(ConflictError);
    for (const bad of ['', ' padded', 'a/b', '..', 'tab\there', 'x'.repeat(101)]) {
      expect(() => albums.create(bad, { filter: { favorite: true }, q: null, mode: null }), bad).toThrow(InvalidInputError);
    }
    expect(() => albums.create('everything', { filter: {}, q: '  ', mode: null })).toThrow(InvalidInputError);
    expect(albums.list().map((a) => a.name)).toEqual(['sofa']);
  });

  it('deletes by name in any case; a missing one is not found', () => {
    albums.create('Cats', { filter: { dir: 'cats' }, q: null, mode: null });
    albums.delete('cats');
    expect(albums.list()).toEqual([]);
    expect(() => albums.delete('Cats')).toThrow(NotFoundError);
  });
});

describe('folders and type-ahead', () => {
  it("lists the library's folders and their ancestors, with own and nested counts", () => {
    expect(catalog.folders()).toEqual([
      { path: '', own: 1, count: 5 },
      { path: 'cats', own: 2, count: 3 },
      { path: 'cats/old', own: 1, count: 1 },
      { path: 'dogs', own: 1, count: 1 },
    ]);
    expect(catalog.count({ dir: 'cats' })).toBe(3);
  });

  it('suggests model and sampler values case-insensitively, starting matches first', () => {
    expect(catalog.values('model', 'JUGG').map((v) => v.value)).toEqual(['Juggernaut_XL', 'juggernaut_xl_v9']);
    expect(catalog.values('model', 'xl').map((v) => v.value)).toEqual(['Juggernaut_XL', 'juggernaut_xl_v9']);
    expect(catalog.values('model', '')).toEqual([
      { value: 'dreamshaper_8', count: 3 },
      { value: 'Juggernaut_XL', count: 1 },
      { value: 'juggernaut_xl_v9', count: 1 },
    ]);
    expect(catalog.values('sampler', 'dpm')).toEqual([{ value: 'DPM++ 2M Karras', count: 1 }]);
    expect(catalog.values('model', 'nothing like it')).toEqual([]);
  });
});

describe('SFW mode: which images are marked NSFW', () => {
  it('marks prompt tags nsfw, rating:explicit and questionable; sfw=true hides them, false shows only them', () => {
    expect(names(catalog.list({ sfw: true }).items)).toEqual(['cat-1.png', 'cat-2.png']);
    expect(names(catalog.list({ sfw: false }).items)).toEqual(['cat-3.png', 'dog.png', 'tree.png']);
    expect(catalog.list({}).items.filter((i) => i.nsfw).length).toBe(3);
    expect(catalog.count({ sfw: true })).toBe(2);
  });

  it("a user's mark (the tag nsfw) marks an image, removing the prompt's tag unmarks it", () => {
    organize.editImage(ids['cat-1.png'], { tags: { add: ['NSFW'] } });
    expect(catalog.get(ids['cat-1.png'])!.nsfw).toBe(true);
    organize.editImage(ids['tree.png'], { tags: { remove: ['questionable'] } });
    expect(catalog.get(ids['tree.png'])!.nsfw).toBe(false);
    expect(names(catalog.list({ sfw: true }).items)).toEqual(['cat-2.png', 'tree.png']);
  });

  it("a model's nsfw tag counts only when it is sure enough", () => {
    store.setAiTags([
      { id: ids['cat-1.png'], tags: [{ name: 'nsfw', confidence: 0.55 }] },
      { id: ids['cat-2.png'], tags: [{ name: 'nsfw', confidence: 0.8 }] },
    ]);
    expect(catalog.get(ids['cat-1.png'])!.nsfw).toBe(false);
    expect(catalog.get(ids['cat-2.png'])!.nsfw).toBe(true);
    expect(names(catalog.list({ sfw: true }).items)).toEqual(['cat-1.png']);
  });
});

describe('duplicates under the sidebar filters', () => {
  it('keeps only the filtered images, and only groups that still hold two', () => {
    const finder = new DuplicateFinder(store, { available: false, modelName: null, vectorsOf: () => new Map() } as never);
    const pair = [ids['cat-1.png'], ids['cat-2.png']].sort();
    expect(finder.groups('batch').map((g) => g.ids.sort())).toEqual([pair]);
    expect(finder.groups('batch', { dir: 'cats' }).map((g) => g.ids.sort())).toEqual([pair]);
    expect(finder.groups('batch', { dir: 'dogs' })).toEqual([]);
    organize.editImage(ids['cat-1.png'], { tags: { add: ['nsfw'] } });
    expect(finder.groups('batch', { sfw: true })).toEqual([]);
    expect(finder.groups('batch').map((g) => g.ids.sort())).toEqual([pair]);
  });
});

describe('nested categories create their parents', () => {
  it('creating Wallpapers/Anime creates Wallpapers in the same change; undo removes both', () => {
    const { change } = organize.createCategory('Wallpapers/Anime');
    expect(catalog.categories().map((c) => c.name)).toEqual(['Wallpapers', 'Wallpapers/Anime']);
    expect(organize.history()).toHaveLength(1);
    organize.undo({ change: change! });
    expect(catalog.categories()).toEqual([]);
  });

  it('filing an image in a/b/c (one image or a batch) creates a and a/b; a moved category gets its new parent', () => {
    organize.editImage(ids['tree.png'], { categories: { add: ['a/b/c'] } });
    expect(catalog.categories().map((c) => [c.name, c.count])).toEqual([
      ['a', 0],
      ['a/b', 0],
      ['a/b/c', 1],
    ]);
    organize.editImages([ids['dog.png']], { categories: { add: ['x/y'] } });
    expect(catalog.categories().map((c) => c.name)).toContain('x');
    organize.renameCategory('x', 'p/q/x');
    expect(catalog.categories().map((c) => c.name)).toEqual(['a', 'a/b', 'a/b/c', 'p', 'p/q', 'p/q/x', 'p/q/x/y']);
  });
});
