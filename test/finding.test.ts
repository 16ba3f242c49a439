/**
 * Finding things through a real `vv serve` (with its mount when FUSE is there): /api/folders,
 * /api/values, /api/albums, the sfw filter, /api/duplicates under filters, and the mount's
 * /albums/<name>/ and /sfw/ folders listing what the API answers.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solidImage, tempDir, writeFile } from './support/fixtures.js';
import { getJson, serve, waitForScan, type ServerHandle } from './support/cli.js';
import { fuseAvailable, runTool as sh, unmountQuietly } from './support/fuse.js';
import { addPngText } from '../src/demo/embed.js';

let server: ServerHandle;
let mnt: string;

const FILES: [string, string, [number, number, number]][] = [
  ['cats/a.png', 'a red cat on a sofa\nSteps: 20, Sampler: Euler a, Seed: 1, Size: 32x24, Model: Juggernaut_XL', [200, 10, 10]],
  ['cats/b.png', 'a red cat on a sofa\nSteps: 20, Sampler: Euler a, Seed: 2, Size: 32x24, Model: Juggernaut_XL', [10, 200, 10]],
  ['cats/old/c.png', 'rating:explicit, a red cat\nSteps: 20, Sampler: DPM++ 2M Karras, Seed: 3, Size: 32x24, Model: juggernaut_xl_v9', [10, 10, 200]],
  ['dogs/d.png', 'nsfw, a brown dog\nSteps: 20, Sampler: Euler a, Seed: 4, Size: 32x24, Model: dreamshaper_8', [200, 200, 10]],
  ['e.png', 'an oak tree at dusk\nSteps: 20, Sampler: Euler a, Seed: 5, Size: 32x24, Model: dreamshaper_8', [10, 200, 200]],
];

async function api(p: string, init?: RequestInit) {
  return getJson(`${server.url}${p}`, init);
}
const post = (p: string, body: unknown) => api(p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const names = (items: { filename: string }[]) => items.map((i) => i.filename).sort();

beforeAll(async () => {
  const root = tempDir('vv-find-lib-');
  for (const [rel, text, color] of FILES) writeFile(root, rel, addPngText(await solidImage('png', color), [{ type: 'tEXt', key: 'parameters', text }]));
  mnt = path.join(tempDir('vv-find-mnt-'), 'vault');
  server = await serve([root, '--data', tempDir('vv-find-data-'), '--no-watch', '--workers', '1', ...(fuseAvailable ? ['--mount', mnt] : [])]);
  await waitForScan(server, FILES.length);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (fuseAvailable) unmountQuietly(mnt);
});

describe('finding things through the API', () => {
  it("GET /api/folders: the library's folders with own and nested counts, each a dir filter", async () => {
    const { status, body } = await api('/api/folders');
    expect(status).toBe(200);
    expect(body.folders).toEqual([
      { path: '', own: 1, count: 5 },
      { path: 'cats', own: 2, count: 3 },
      { path: 'cats/old', own: 1, count: 1 },
      { path: 'dogs', own: 1, count: 1 },
    ]);
    expect(names((await api('/api/images?dir=cats')).body.items)).toEqual(['a.png', 'b.png', 'c.png']);
  });

  it('GET /api/values: model and sampler type-ahead, case-insensitive; a bad field is a 400', async () => {
    expect((await api('/api/values?field=model&prefix=JUGG')).body.values).toEqual([
      { value: 'Juggernaut_XL', count: 2 },
      { value: 'juggernaut_xl_v9', count: 1 },
    ]);
    expect((await api('/api/values?field=sampler&prefix=dpm')).body.values).toEqual([{ value: 'DPM++ 2M Karras', count: 1 }]);
    const bad = await api('/api/values?field=path');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_input');
  });

  it('sfw=true hides images marked NSFW by prompt tags; summaries say which are; a user mark counts', async () => {
    expect(names((await api('/api/images?sfw=true')).body.items)).toEqual(['a.png', 'b.png', 'e.png']);
    const all = (await api('/api/images')).body.items;
    expect(names(all.filter((i: any) => i.nsfw))).toEqual(['c.png', 'd.png']);
    const e = all.find((i: any) => i.filename === 'e.png');
    expect((await api(`/api/image/${e.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tags: { add: ['nsfw'] } }) })).status).toBe(200);
    expect(names((await api('/api/images?sfw=true')).body.items)).toEqual(['a.png', 'b.png']);
    expect(names((await api('/api/search?q=cat&sfw=true')).body.items)).toEqual(['a.png', 'b.png']);
    expect((await api('/api/images?sfw=maybe')).status).toBe(400);
    await api(`/api/image/${e.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tags: { remove: ['nsfw'] } }) });
  });

  it('GET /api/duplicates honours the filters and gives name, size and format', async () => {
    const batch = (await api('/api/duplicates?kind=batch')).body;
    const pair = batch.groups.find((g: any) => g.count === 2 && names(g.items).join() === 'a.png,b.png');
    expect(pair).toBeDefined();
    expect(pair.items[0]).toMatchObject({ format: 'png', size: expect.any(Number) });
    expect((await api('/api/duplicates?kind=batch&dir=dogs')).body).toEqual({ groups: [], total: 0 });
    expect((await api('/api/duplicates?kind=batch&dir=cats')).body.total).toBe(batch.total);
  });

  it('POST/GET/DELETE /api/albums: saves a filter or a search by name, live counts, conflicts and bad input', async () => {
    const created = await post('/api/albums', { name: 'Cats', query: 'dir=cats&sfw=true&sort=date&limit=200' });
    expect(created.status).toBe(201);
    expect(created.body.albums).toEqual([
      { name: 'Cats', query: { filter: { dir: 'cats', sfw: true }, q: null, mode: null }, url_query: 'dir=cats&sfw=true', created_at: expect.any(String), count: 2 },
    ]);
    expect((await post('/api/albums', { name: 'Red', query: 'q=red cat&model=Juggernaut_XL' })).status).toBe(201);
    const conflict = await post('/api/albums', { name: 'CATS', query: 'favorite=true' });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('conflict');
    for (const body of [{ name: 'a/b', query: 'favorite=true' }, { name: 'x', query: '' }, { name: 'x', query: 'nonsense=1' }, { name: '', query: 'favorite=true' }]) {
      const r = await post('/api/albums', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    const listed = (await api('/api/albums')).body.albums;
    expect(listed.map((a: any) => [a.name, a.count, a.url_query])).toEqual([
      ['Cats', 2, 'dir=cats&sfw=true'],
      ['Red', null, 'q=red+cat&model=Juggernaut_XL'],
    ]);
    expect((await api('/api/albums?name=nope', { method: 'DELETE' })).status).toBe(404);
    const openapi = (await api('/api/openapi.json')).body;
    for (const p of ['/api/albums', '/api/folders', '/api/values']) expect(openapi.paths[p], p).toBeDefined();
  });

  it.skipIf(!fuseAvailable)('the mount lists /albums/<name>/ and /sfw/ as the API does, and drops deleted albums', async () => {
    const ls = async (dir: string) => {
      const r = await sh('ls', ['-1', path.join(mnt, dir)]);
      expect(r.code, `ls ${dir}: ${r.stderr}`).toBe(0);
      return r.stdout.split('\n').filter(Boolean).sort();
    };
    expect(await ls('')).toEqual(expect.arrayContaining(['albums', 'sfw']));
    expect(await ls('albums')).toEqual(['Cats', 'Red']);
    expect(await ls('albums/Cats')).toEqual(['a.png', 'b.png']);
    const red = (await api('/api/search?q=red%20cat&model=Juggernaut_XL')).body.items;
    expect(red.length).toBeGreaterThan(0);
    expect(await ls('albums/Red')).toEqual(names(red));
    expect(await ls('sfw')).toEqual(names((await api('/api/images?sfw=true')).body.items));
    expect((await api('/api/albums?name=cats', { method: 'DELETE' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 400));
    expect(await ls('albums')).toEqual(['Red']);
    expect((await sh('ls', [path.join(mnt, 'albums/Cats')])).code).not.toBe(0);
  });
});
