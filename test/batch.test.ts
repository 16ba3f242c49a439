/**
 * The gallery's API additions against a real `vv serve`: batch edits by ids or by query (all
 * matching images, not only a loaded page, minus exclusions), zip export of originals with
 * metadata, category management.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeManyPngs } from './support/library.js';
import { tempDir } from './support/fixtures.js';
import { getJson, serve, waitForScan, type ServerHandle } from './support/cli.js';
import { zipEntries } from './support/zip.js';

let root: string;
let server: ServerHandle;
const COUNT = 260;
const post = (p: string, body: unknown) => getJson(`${server.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const get = (p: string) => getJson(`${server.url}${p}`);

async function allIds(query: string): Promise<number[]> {
  const ids: number[] = [];
  let cursor = '';
  for (;;) {
    const { body } = await get(`/api/images?limit=100&${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    ids.push(...body.items.map((i: { id: number }) => i.id));
    if (!body.next_cursor) return ids.sort((a, b) => a - b);
    cursor = body.next_cursor;
  }
}

beforeAll(async () => {
  root = tempDir('vv-batch-lib-');
  await writeManyPngs(root, COUNT);
  server = await serve([root, '--data', tempDir('vv-batch-data-'), '--workers', '1', '--no-watch']);
  await waitForScan(server, COUNT);
}, 90_000);

afterAll(async () => {
  await server?.stop();
});

describe('POST /api/batch', () => {
  it('edits explicit ids', async () => {
    const ids = (await allIds('')).slice(0, 3);
    const { status, body } = await post('/api/batch', { ids, tags: { add: ['picked'] }, favorite: true, rating: 4 });
    expect(status).toBe(200);
    expect(body).toEqual({ updated: 3, selected: 3 });
    expect(await allIds('tags=picked&favorite=true&min_rating=4')).toEqual(ids);
  });

  it('edits every image a query selects, beyond any page, minus exclusions', async () => {
    const matching = await allIds('');
    expect(matching.length).toBe(COUNT);
    const exclude = matching.slice(10, 15);
    const { body } = await post('/api/batch', { query: 'sort=random&limit=5', exclude, tags: { add: ['everything'] }, categories: { add: ['all/of/them'] } });
    expect(body).toEqual({ updated: COUNT - 5, selected: COUNT - 5 });
    expect(await allIds('tags=everything')).toEqual(matching.filter((id) => !exclude.includes(id)));
    expect(await allIds('category=all/of/them')).toEqual(matching.filter((id) => !exclude.includes(id)));
    // And back: remove by the same query.
    await post('/api/batch', { query: 'tags=everything', tags: { remove: ['everything'] } });
    expect(await allIds('tags=everything')).toEqual([]);
  });

  it('selects by a search query (q=) as /api/search ranks it', async () => {
    const { body: found } = await get('/api/search?q=dragon&limit=500');
    expect(found.items.length).toBeGreaterThan(0);
    const { body } = await post('/api/batch', { query: 'q=dragon', tags: { add: ['dragons'] } });
    expect(body.updated).toBe(found.items.length);
    expect(await allIds('tags=dragons')).toEqual(found.items.map((i: { id: number }) => i.id).sort((a: number, b: number) => a - b));
  });

  it('refuses bad input with a clear error', async () => {
    for (const bad of [{ tags: { add: ['x'] } }, { ids: [1], query: 'x=1', favorite: true }, { ids: [1] }, { ids: [1], rating: 9 }, { query: 'nonsense=1', favorite: true }]) {
      const { status, body } = await post('/api/batch', bad);
      expect(status, JSON.stringify(bad)).toBe(400);
      expect(body.error.code).toBe('invalid_input');
    }
  });
});

describe('export', () => {
  it('zips the originals byte for byte with metadata.json and metadata.csv', async () => {
    const ids = (await allIds('')).slice(0, 4);
    const { status, body } = await post('/api/export', { ids, metadata: 'both' });
    expect(status).toBe(201);
    expect(body.count).toBe(4);
    const res = await fetch(`${server.url}${body.url}`);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="visionary-vault-.*\.zip"/);
    const entries = await zipEntries(Buffer.from(await res.arrayBuffer()));
    const details = await Promise.all(ids.map(async (id) => (await get(`/api/image/${id}`)).body));
    for (const d of details) expect(entries.get(`images/${d.path}`)?.equals(fs.readFileSync(path.join(root, d.path))), d.path).toBe(true);
    const json = JSON.parse(entries.get('metadata.json')!.toString());
    expect(json.map((m: { id: number }) => m.id)).toEqual(ids);
    expect(json[0].seed).toBe(details[0].params.seed);
    const csv = entries.get('metadata.csv')!.toString().trim().split('\n');
    expect(csv[0]).toMatch(/^id,path,created_at,generator,prompt,negative_prompt,model/);
    expect(csv).toHaveLength(5);
    expect(csv[1]).toContain(details[0].path);
  });

  it('exports what a query selects, and forgets unknown tokens', async () => {
    const { body } = await post('/api/export', { query: 'tags=picked', metadata: 'none' });
    expect(body.count).toBe(3);
    const entries = await zipEntries(Buffer.from(await (await fetch(`${server.url}${body.url}`)).arrayBuffer()));
    expect([...entries.keys()].filter((k) => k.startsWith('images/'))).toHaveLength(3);
    expect(entries.has('metadata.json')).toBe(false);
    expect((await get(`/api/export/${'0'.repeat(32)}.zip`)).status).toBe(404);
    expect((await post('/api/export', { query: 'tags=no-such-tag' })).status).toBe(400);
  });
});

describe('categories', () => {
  it('creates, nests by renaming, and deletes with the nested ones (images stay)', async () => {
    expect((await post('/api/categories', { name: 'trips' })).status).toBe(201);
    expect((await post('/api/categories', { name: 'trips' })).status).toBe(409);
    expect((await post('/api/categories', { name: '/bad/' })).status).toBe(400);
    const id = (await allIds(''))[0];
    await post('/api/batch', { ids: [id], categories: { add: ['trips'] } });
    await post('/api/categories', { name: 'archive' });
    const moved = await post('/api/categories/rename', { from: 'trips', to: 'archive/trips' });
    expect(moved.status).toBe(200);
    expect(moved.body.categories.map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining(['archive', 'archive/trips']));
    expect((await get(`/api/image/${id}`)).body.categories).toContain('archive/trips');
    expect((await post('/api/categories/rename', { from: 'archive', to: 'archive/trips/x' })).status).toBe(400);
    const deleted = await getJson(`${server.url}/api/categories?name=archive`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(deleted.body.categories.map((c: { name: string }) => c.name)).not.toContain('archive/trips');
    expect((await get(`/api/image/${id}`)).status).toBe(200);
    expect((await get(`/api/image/${id}`)).body.categories).not.toContain('archive/trips');
    expect((await getJson(`${server.url}/api/categories?name=archive`, { method: 'DELETE' })).status).toBe(404);
  });

  it('lists tags by source for the sidebar', async () => {
    const { body } = await get('/api/tags?source=user');
    expect(body.tags).toEqual(expect.arrayContaining([{ name: 'picked', count: 3 }]));
    expect(body.tags.every((t: { name: string }) => !t.name.startsWith('model:'))).toBe(true);
  });
});
