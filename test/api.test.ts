/**
 * The REST API against a real `vv serve` on a temp data dir, over a library made of the corpus
 * (copied), our own generated images and broken files.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusAvailable } from './support/corpus.js';
import { copyCorpus, writeBadFiles, writeGenerated } from './support/library.js';
import { tempDir, treeHashes } from './support/fixtures.js';
import { getJson, serve, vv, waitForScan, type ServerHandle } from './support/cli.js';

let root: string;
let data: string;
let server: ServerHandle;
let before: Map<string, string>;
let expectedCount: number;
let all: any[];

async function listAll(query = '', limit = 50): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 1000; guard++) {
    const sep = query ? '&' : '';
    const { status, body } = await getJson(`${server.url}/api/images?${query}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(status).toBe(200);
    items.push(...body.items);
    cursor = body.next_cursor;
    if (!cursor) return items;
  }
  throw new Error('pagination did not end');
}

const ids = (items: { id: number }[]) => items.map((i) => i.id).sort((a, b) => a - b);

beforeAll(async () => {
  root = tempDir('vv-api-lib-');
  data = tempDir('vv-api-data-');
  const corpus = corpusAvailable() ? copyCorpus(root) : 0;
  const generated = await writeGenerated(root, 40);
  const bad = await writeBadFiles(root);
  expectedCount = corpus + generated.length + Object.keys(bad).length;
  before = treeHashes(root);
  server = await serve([root, '--data', data, '--workers', '1']);
  await waitForScan(server, expectedCount);
  all = await listAll();
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe('GET /api/images', () => {
  it('pages through every image exactly once in each sort order', async () => {
    expect(all).toHaveLength(expectedCount);
    expect(new Set(all.map((i) => i.id)).size).toBe(expectedCount);
    const { body } = await getJson(`${server.url}/api/images?limit=5`);
    expect(body.total).toBe(expectedCount);
    for (const sort of ['date', 'random']) {
      const items = await listAll(`sort=${sort}`, 17);
      expect(ids(items)).toEqual(ids(all));
    }
    const newestFirst = all.map((i) => i.created_at);
    expect([...newestFirst].sort().reverse()).toEqual(newestFirst);
  });

  it('GET /api/images/count gives what a page counts (a page answers total null while a costly count runs elsewhere)', async () => {
    const tagged = all.filter((i) => i.tags.includes('masterpiece') && !i.tags.includes('a cat'));
    expect(tagged.length).toBeGreaterThan(0);
    const { status, body } = await getJson(`${server.url}/api/images/count?tags=masterpiece&not=a%20cat`);
    expect(status).toBe(200);
    expect(body).toEqual({ total: tagged.length });
    expect((await getJson(`${server.url}/api/images?limit=5&tags=masterpiece&not=a%20cat`)).body.total).toBe(tagged.length);
    expect((await getJson(`${server.url}/api/images/count`)).body).toEqual({ total: expectedCount });
    const refused = await getJson(`${server.url}/api/images/count?sort=date`);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_input');
  });

  it('returns summaries with the documented fields', () => {
    const item = all.find((i) => i.generator === 'a1111');
    expect(Object.keys(item).sort()).toEqual(['created_at', 'favorite', 'filename', 'format', 'generator', 'height', 'id', 'missing', 'nsfw', 'path', 'rejected', 'prompt', 'rating', 'size', 'tags', 'thumbnail_url', 'width', 'media_type', 'duration_s', 'preview_url'].sort());
    expect(item.thumbnail_url).toMatch(/^\/thumbnails\/[0-9a-f]{16}\.webp$/);
  });

  it('filters by tags (all / any / not), dates, model, sampler, seed and size, matching a brute-force check', async () => {
    const tagged = all.filter((i) => i.tags.includes('masterpiece') && i.tags.includes('highly detailed'));
    expect(tagged.length).toBeGreaterThan(0);
    expect(ids(await listAll('tags=masterpiece,highly%20detailed'))).toEqual(ids(tagged));

    const anyOf = all.filter((i) => i.tags.includes('a cat') || i.tags.includes('a fox'));
    expect(ids(await listAll('any=a%20cat,a%20fox'))).toEqual(ids(anyOf));

    const without = all.filter((i) => !i.tags.includes('masterpiece'));
    expect(ids(await listAll('not=masterpiece'))).toEqual(ids(without));

    const day = all.find((i) => i.created_at.startsWith('2024-05'))!.created_at.slice(0, 10);
    const onDay = all.filter((i) => i.created_at.slice(0, 10) >= day && i.created_at.slice(0, 10) <= day);
    expect(ids(await listAll(`from=${day}&to=${day}`))).toEqual(ids(onDay));

    const wide = all.filter((i) => (i.width ?? 0) >= 768);
    expect(ids(await listAll('min_width=768'))).toEqual(ids(wide));

    const details = await Promise.all(all.slice(0, 60).map(async (i) => (await getJson(`${server.url}/api/image/${i.id}`)).body));
    const withModel = details.find((d) => d.params?.model);
    const byModel = await listAll(`model=${encodeURIComponent(withModel.params.model)}`);
    expect(byModel.length).toBeGreaterThan(0);
    for (const i of byModel) expect((await getJson(`${server.url}/api/image/${i.id}`)).body.params.model).toBe(withModel.params.model);
    const bySampler = await listAll(`sampler=${encodeURIComponent(withModel.params.sampler)}`);
    expect(bySampler.map((i) => i.id)).toContain(withModel.id);
    const bySeed = await listAll(`seed=${withModel.params.seed}`);
    expect(bySeed.map((i) => i.id)).toContain(withModel.id);
  });

  it('rejects invalid filters with a 400 error body', async () => {
    for (const q of ['limit=0', 'limit=abc', 'from=2024-02-30', 'sort=size', 'favorite=maybe', 'cursor=garbage', 'bogus=1', 'seed=12a']) {
      const { status, body } = await getJson(`${server.url}/api/images?${q}`);
      expect(status, q).toBe(400);
      expect(body.error.code, q).toBe('invalid_input');
      expect(typeof body.error.message).toBe('string');
    }
  });
});

describe('GET /api/search', () => {
  it('ranks full-text matches over prompts, tags and paths, with filters applied', async () => {
    const { status, body } = await getJson(`${server.url}/api/search?q=knight&limit=200`);
    expect(status).toBe(200);
    expect(body.mode).toBe('text');
    // FTS matches whole words by prefix: "knight" finds "knights", not "arknights".
    const expected = all.filter((i) => /\bknight/i.test(i.prompt ?? '') || i.tags.some((t: string) => /\bknight/i.test(t)));
    expect(expected.length).toBeGreaterThan(1);
    expect(ids(body.items)).toEqual(ids(expected));
    const scores = body.items.map((i: any) => i.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);

    const filtered = await getJson(`${server.url}/api/search?q=knight&min_width=768&limit=200`);
    expect(ids(filtered.body.items)).toEqual(ids(expected.filter((i) => (i.width ?? 0) >= 768)));

    const byPath = await getJson(`${server.url}/api/search?q=txt2img`);
    expect(byPath.body.items.length).toBeGreaterThan(0);
    const prefix = await getJson(`${server.url}/api/search?q=kni&limit=200`);
    expect(ids(prefix.body.items)).toEqual(expect.arrayContaining(ids(expected)));
  });

  it('finds raw metadata text that no field holds, and requires q', async () => {
    const { body } = await getJson(`${server.url}/api/search?q=randomize`);
    expect(body.items.length).toBeGreaterThan(0); // the ComfyUI workflow chunk's control widget
    expect((await getJson(`${server.url}/api/search`)).status).toBe(400);
    expect((await getJson(`${server.url}/api/search?q=%22%22`)).body.items).toEqual([]);
  });
});

describe('GET/PATCH /api/image/{id}', () => {
  it('returns the record, raw chunks, tags with sources, categories and notes', async () => {
    const target = all.find((i) => i.generator === 'comfyui' && i.path.endsWith('.png'))!;
    const { status, body } = await getJson(`${server.url}/api/image/${target.id}`);
    expect(status).toBe(200);
    expect(body.params.generator).toBe('comfyui');
    expect(body.params.seed).toEqual(expect.any(Number));
    expect(body.raw.prompt).toEqual(expect.any(Object));
    expect(body.tags.find((t: any) => t.name === 'generator:comfyui')).toMatchObject({ source: 'model' });
    expect(body.tags.some((t: any) => t.source === 'prompt')).toBe(true);
    expect(body).toMatchObject({ categories: [], notes: null, missing: false });
  });

  it('round-trips every kind of edit, keeping the extracted prompt', async () => {
    const target = all.find((i) => i.generator === 'a1111' && i.tags.includes('masterpiece'))!;
    const patch = {
      tags: { add: ['portfolio', 'model:custom'], remove: ['masterpiece'] },
      prompt: 'my own words',
      favorite: true,
      rating: 4,
      categories: { add: ['trips/2024/june', 'best'] },
      notes: 'print this',
    };
    const res = await getJson(`${server.url}/api/image/${target.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(patch) });
    expect(res.status).toBe(200);
    const { body } = await getJson(`${server.url}/api/image/${target.id}`);
    expect(body).toMatchObject({ favorite: true, rating: 4, notes: 'print this', prompt: 'my own words', user_prompt: 'my own words', extracted_prompt: target.prompt });
    expect(body.params.prompt).toBe(target.prompt);
    expect(body.categories).toEqual(['best', 'trips/2024/june']);
    expect(body.tags.filter((t: any) => t.source === 'user').map((t: any) => t.name).sort()).toEqual(['model:custom', 'portfolio']);
    expect(body.tags.map((t: any) => t.name)).not.toContain('masterpiece');

    expect(ids(await listAll('favorite=true'))).toContain(target.id);
    expect(ids(await listAll('category=trips'))).toEqual([target.id]);
    expect(ids(await listAll('category=trips%2F2024%2Fjune'))).toEqual([target.id]);
    expect(ids(await listAll('tags=portfolio'))).toEqual([target.id]);
    expect((await getJson(`${server.url}/api/search?q=%22my%20own%20words%22`)).body.items.map((i: any) => i.id)).toEqual([target.id]);
    const tagList = (await getJson(`${server.url}/api/tags?prefix=portf`)).body.tags;
    expect(tagList).toEqual([{ name: 'portfolio', count: 1 }]);
    const cats = (await getJson(`${server.url}/api/categories`)).body.categories;
    expect(cats).toEqual(expect.arrayContaining([{ name: 'trips/2024/june', count: 1 }]));

    const undo = await getJson(`${server.url}/api/image/${target.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ categories: { remove: ['best'] }, prompt: null, favorite: false }),
    });
    expect(undo.body).toMatchObject({ categories: ['trips/2024/june'], prompt: target.prompt, favorite: false });
  });

  it('validates edits and ids', async () => {
    const id = all[0].id;
    const patch = (body: string, path_ = `/api/image/${id}`) => getJson(`${server.url}${path_}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body });
    for (const bad of ['{"rating":7}', '{"favorite":"yes"}', '{}', '{"unknown":1}', '{"tags":{"add":[""]}}', '{"categories":{"add":["../etc"]}}', '{"categories":{"add":["a//b"]}}', 'not json']) {
      const { status, body } = await patch(bad);
      expect(status, bad).toBe(400);
      expect(body.error.code, bad).toBe('invalid_input');
    }
    expect((await patch('{"favorite":true}', '/api/image/999999')).status).toBe(404);
    expect((await getJson(`${server.url}/api/image/999999`)).body.error.code).toBe('not_found');
    expect((await getJson(`${server.url}/api/image/-1`)).status).toBe(400);
    expect((await getJson(`${server.url}/api/image/1.5`)).status).toBe(400);
  });
});

describe('files and thumbnails', () => {
  it('serves originals byte for byte with the right content type (by content, not extension)', async () => {
    for (const item of all.filter((i) => !i.path.startsWith('bad/')).slice(0, 40)) {
      const res = await fetch(`${server.url}/api/image/${item.id}/file`);
      expect(res.status).toBe(200);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.equals(fs.readFileSync(path.join(root, item.path)))).toBe(true);
      const detail = (await getJson(`${server.url}/api/image/${item.id}`)).body;
      expect(res.headers.get('content-type')).toBe({ png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp', avif: 'image/avif', gif: 'image/gif' }[detail.format as string]);
    }
  });

  it('makes 512 px WebP thumbnails, and a clear error for an image that cannot be decoded', async () => {
    const items = all.filter((i) => i.thumbnail_url && !i.path.startsWith('bad/')).slice(0, 15);
    for (const item of items) {
      const res = await fetch(`${server.url}${item.thumbnail_url}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/webp');
      const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
      expect(meta.format).toBe('webp');
      expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(512);
    }
    const huge = all.find((i) => i.path === 'bad/huge-30000.png')!;
    const res = await getJson(`${server.url}${huge.thumbnail_url}`);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('thumbnail_failed');
    const broken = all.find((i) => i.path === 'bad/garbage.png')!;
    expect(broken.thumbnail_url).toBeNull();
  });

  it('never lets a request path reach the file system', async () => {
    const attempts = [
      '/thumbnails/..%2F..%2F..%2Fetc%2Fpasswd',
      '/thumbnails/%2e%2e%2fvault.db',
      '/thumbnails/../vault.db',
      '/thumbnails/0000000000000000.webp',
      '/api/image/..%2F..%2Fetc%2Fpasswd/file',
      '/api/image/1%2F..%2F2/file',
      '/assets/..%2F..%2Fpackage.json',
      '/api/../../etc/passwd',
    ];
    for (const p of attempts) {
      const res = await fetch(`${server.url}${p}`);
      const text = await res.text();
      expect([400, 404], p).toContain(res.status);
      expect(text).not.toContain('root:');
      expect(JSON.parse(text).error.code).toEqual(expect.any(String));
    }
  });
});

describe('errors, auth and documentation', () => {
  it('answers unknown routes and methods with the error shape', async () => {
    const unknown = await getJson(`${server.url}/api/nope`);
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    const method = await getJson(`${server.url}/api/images`, { method: 'DELETE' });
    expect(method).toMatchObject({ status: 405, body: { error: { code: 'method_not_allowed' } } });
  });

  it('documents every endpoint in /api/openapi.json', async () => {
    const { body } = await getJson(`${server.url}/api/openapi.json`);
    expect(body.openapi).toBe('3.1.0');
    for (const p of ['/api/images', '/api/search', '/api/image/{id}', '/api/image/{id}/file', '/api/tags', '/thumbnails/{name}', '/api/status']) expect(body.paths[p], p).toBeDefined();
    const params = body.paths['/api/images'].get.parameters.map((p: any) => p.name);
    expect(params).toEqual(expect.arrayContaining(['tags', 'any', 'not', 'from', 'to', 'favorite', 'category', 'model', 'sampler', 'seed', 'min_width', 'sort', 'limit', 'cursor']));
    expect(body.paths['/api/image/{id}'].patch.requestBody).toBeDefined();
  });

  it('refuses to serve beyond loopback without a token, and checks it when given', async () => {
    const refused = vv(['serve', root, '--data', tempDir(), '--host', '0.0.0.0', '--port', '0']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/token/);

    const secured = await serve([root, '--data', tempDir(), '--host', '0.0.0.0', '--token', 's3cret-token', '--no-watch', '--workers', '0']);
    try {
      const base = secured.url.replace('0.0.0.0', '127.0.0.1');
      expect(await getJson(`${base}/api/images?limit=1`)).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
      expect((await getJson(`${base}/api/images?limit=1`, { headers: { authorization: 'Bearer wrong-token' } })).status).toBe(401);
      expect((await getJson(`${base}/api/images?limit=1`, { headers: { authorization: 'Bearer s3cret-token' } })).status).toBe(200);
      expect((await getJson(`${base}/api/images?limit=1&token=s3cret-token`)).status).toBe(200);
    } finally {
      await secured.stop();
    }
  });

  it('left every original untouched', () => {
    expect(treeHashes(root)).toEqual(before);
  });
});
