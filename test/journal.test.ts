/**
 * The journal of organizing changes and its undo: every kind of edit, recorded in the store and
 * reversed exactly (tag sources and confidences, suppressions, categories with their nesting and
 * memberships, favorite / rating / notes / prompt); then through the API and `vv undo` beside a
 * running server.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, InvalidInputError, NotFoundError } from '../src/core/errors.js';
import { Store } from '../src/db/store.js';
import { IngestPool } from '../src/ingest/ingest-pool.js';
import { Scanner } from '../src/ingest/scanner.js';
import { tempDir } from './support/fixtures.js';
import { writeGenerated } from './support/library.js';
import { organizingState } from './support/organizing.js';
import { execFile } from 'node:child_process';
import { CLI, getJson, serve, waitForScan, type ServerHandle } from './support/cli.js';

/** Runs `vv` without blocking this process (a blocked test process lets the server's keep-alive sockets go stale). */
function vv(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A scanned library of generated images (prompt and model tags), with ai tags and some user organization. */
async function organizedLibrary(count = 6) {
  const root = tempDir('vv-journal-lib-');
  const data = tempDir('vv-journal-data-');
  await writeGenerated(root, count);
  const store = Store.open(data);
  const pool = new IngestPool({ workers: 0 });
  const scanner = new Scanner(store, root, pool);
  cleanups.push(async () => {
    await pool.close();
    store.close();
  });
  await scanner.scan();
  const ids = store.idsMatching({}, 100).sort((a, b) => a - b);
  store.setAiTags(ids.map((id, n) => ({ id, tags: [{ name: 'sky', confidence: 0.31 + n / 100 }, { name: 'portrait', confidence: 0.27 }] })));
  store.patchImage(ids[0], { tags: { add: ['keeper'] }, favorite: true, rating: 4, notes: 'first', categories: { add: ['trips/2024', 'art'] } });
  store.patchImage(ids[1], { tags: { add: ['keeper', 'blue'] }, categories: { add: ['trips/2024/alps'] } });
  store.createTagFolder('empty tag');
  store.createCategory('empty/nested');
  return { root, data, store, scanner, ids };
}

const derivedTag = (store: Store, id: number) => store.getImage(id)!.tag_details.find((t) => t.source === 'prompt')!;

describe('journal and undo (store)', () => {
  it('records each kind of edit as one change and reverses it exactly', async () => {
    const { data, store, ids } = await organizedLibrary();
    const [a, b, c] = ids;
    const prompt = derivedTag(store, a);
    const edits: [string, () => void][] = [
      ['add a user tag', () => store.patchImage(a, { tags: { add: ['new one'] } })],
      ['remove a user tag', () => store.patchImage(a, { tags: { remove: ['keeper'] } })],
      ['remove a prompt tag (suppressed)', () => store.patchImage(a, { tags: { remove: [prompt.name] } })],
      ['remove an ai tag (suppressed, confidence kept)', () => store.patchImage(b, { tags: { remove: ['sky'] } })],
      ['favorite, rating, notes, prompt', () => store.patchImage(a, { favorite: false, rating: 1, notes: null, prompt: 'my own words' })],
      ['categories', () => store.patchImage(c, { categories: { add: ['new/cat'], remove: [] } })],
      ['leave a category', () => store.patchImage(a, { categories: { remove: ['trips/2024'] } })],
      ['batch', () => store.patchImages(ids, { tags: { add: ['batch'], remove: ['keeper', 'portrait'] }, favorite: true, rating: 5, categories: { add: ['art'], remove: ['trips/2024/alps'] } })],
      ['create a category', () => store.createCategory('fresh/one')],
      ['rename a category with nested ones', () => store.renameCategory('trips/2024', 'travel/2024')],
      ['delete a category with its contents', () => store.deleteCategory('trips/2024', true)],
      ['delete an empty category', () => store.deleteCategory('empty/nested')],
      ['create a tag folder', () => store.createTagFolder('folder')],
      ['delete a tag folder', () => store.deleteTagFolder('empty tag')],
      ['rename a tag', () => store.renameTag('keeper', 'kept')],
    ];
    for (const [what, edit] of edits) {
      const before = organizingState(data);
      const latest = store.history(1)[0]?.id ?? 0;
      edit();
      const changes = store.history(5).filter((ch) => ch.id > latest);
      expect(changes.length, what).toBe(1);
      expect(changes[0].origin, what).toBe(what === 'batch' ? 'batch' : 'api');
      const after = organizingState(data);
      expect(after, what).not.toEqual(before);
      const result = store.undo();
      expect(result.reversed.map((r) => r.id), what).toEqual([changes[0].id]);
      expect(organizingState(data), what).toEqual(before);
      // An undo is a change: undoing it redoes the edit.
      store.undo({ change: result.change! });
      expect(organizingState(data), `${what} (redo)`).toEqual(after);
      store.undo({ since: changes[0].at });
      expect(organizingState(data), `${what} (since)`).toEqual(before);
    }
  });

  it('brings back a removed derived tag with its source and confidence, and the next rescan keeps it', async () => {
    const { root, store, scanner, ids } = await organizedLibrary(3);
    const id = ids[2];
    const prompt = derivedTag(store, id);
    const sky = store.getImage(id)!.tag_details.find((t) => t.name === 'sky')!;
    expect(sky).toMatchObject({ source: 'ai', confidence: expect.closeTo(0.33, 5) });
    store.patchImage(id, { tags: { remove: [prompt.name, 'sky'] } });
    // A rescan of the changed file does not bring the removed tag back (the suppression)…
    touchAll(root);
    await scanner.scan();
    expect(store.getImage(id)!.tag_details.map((t) => t.name)).not.toContain(prompt.name);
    store.undo();
    const tags = store.getImage(id)!.tag_details;
    expect(tags).toContainEqual(prompt);
    expect(tags).toContainEqual(sky);
    // …and after the undo the suppression is gone: a rescan keeps the tag.
    touchAll(root);
    await scanner.scan();
    expect(store.getImage(id)!.tag_details).toContainEqual(prompt);
    expect(store.listImages({ tags: [prompt.name] }).items.map((i) => i.id)).toContain(id);
  });

  it('groups the writes of one action into one change, and records nothing for an edit that changes nothing', async () => {
    const { store, ids } = await organizedLibrary(3);
    const { change, value } = store.recordChange({ origin: 'fuse', description: 'mv /tags/keeper/x.png /tags/other/' }, () => {
      store.patchImage(ids[0], { tags: { add: ['other'] } });
      store.patchImage(ids[0], { tags: { remove: ['keeper'] } });
      return 7;
    });
    expect(value).toBe(7);
    expect(store.history(1)[0]).toMatchObject({ id: change, origin: 'fuse', description: 'mv /tags/keeper/x.png /tags/other/', images: 1, undone_by: null });
    const count = store.history(1000).length;
    expect(store.recordChange({ origin: 'api' }, () => store.patchImage(ids[0], { favorite: true })).change).toBeNull();
    expect(store.history(1000).length).toBe(count);
    // A failed edit leaves neither data nor a change behind.
    expect(() => store.patchImage(999_999, { tags: { add: ['x'] } })).toThrow(NotFoundError);
    expect(store.history(1000).length).toBe(count);
  });

  it('undoes everything since a time, including an undo of an older change, and refuses what cannot be undone', async () => {
    const { data, store, ids } = await organizedLibrary(4);
    const old = store.history(1)[0];
    const atStart = organizingState(data);
    await new Promise((r) => setTimeout(r, 5));
    const since = new Date().toISOString();
    store.undo({ change: old.id }); // undoes an edit from before `since`: reversing it must redo that edit
    store.patchImages(ids, { tags: { add: ['later'] } });
    store.deleteCategory('art', true);
    const middle = store.history(1)[0];
    store.undo({ change: middle.id });
    store.patchImage(ids[3], { rating: 2 });
    expect(organizingState(data)).not.toEqual(atStart);
    const result = store.undo({ since });
    expect(organizingState(data)).toEqual(atStart);
    expect(result.reversed.length).toBeGreaterThan(0);
    expect(store.history(1)[0]).toMatchObject({ id: result.change, origin: 'undo', reverts: result.reversed.map((r) => r.id) });

    expect(() => store.undo({ change: old.id })).not.toThrow(); // redone by the since-undo, so it can be undone again
    expect(() => store.undo({ change: old.id })).toThrow(ConflictError);
    expect(() => store.undo({ change: 987_654 })).toThrow(NotFoundError);
    expect(() => store.undo({ since: 'yesterday' })).toThrow(InvalidInputError);
    expect(store.undo({ since: '2999-01-01T00:00:00Z' })).toEqual({ change: null, reversed: [] });
  });

  it('never gives a deleted category id to a new category, so restoring it cannot collide', async () => {
    const { data, store } = await organizedLibrary(2);
    store.createCategory('zz-last');
    const before = organizingState(data);
    const id = before.categories.find((c) => c.name === 'zz-last')!.id;
    store.deleteCategory('zz-last');
    const deletion = store.history(1)[0].id;
    store.createCategory('newcomer');
    expect(organizingState(data).categories.find((c) => c.name === 'newcomer')!.id).toBeGreaterThan(id);
    store.undo({ change: deletion });
    expect(organizingState(data).categories.find((c) => c.name === 'zz-last')).toEqual(before.categories.find((c) => c.name === 'zz-last'));
  });

  it('journals XMP sidecar imports at scan time (origin xmp) and undoes them', async () => {
    const root = tempDir('vv-journal-xmp-');
    const data = tempDir('vv-journal-xmp-data-');
    const [rel] = await writeGenerated(root, 1);
    fs.writeFileSync(
      path.join(root, `${rel}.xmp`),
      `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
       <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="3">
       <dc:subject><rdf:Bag><rdf:li>sunset</rdf:li></rdf:Bag></dc:subject>
       </rdf:Description></rdf:RDF></x:xmpmeta>`,
    );
    const store = Store.open(data);
    const pool = new IngestPool({ workers: 0 });
    cleanups.push(async () => {
      await pool.close();
      store.close();
    });
    const scanner = new Scanner(store, root, pool);
    await scanner.scan();
    const id = store.idForPath(rel)!;
    expect(store.getImage(id)!.tag_details).toContainEqual({ name: 'sunset', source: 'xmp', confidence: null });
    const [change] = store.history(10);
    expect(change).toMatchObject({ origin: 'xmp', description: `import XMP sidecar of ${rel}`, images: 1 });
    // A re-import that finds the same sidecar changes nothing, so records nothing.
    touchAll(root);
    await scanner.scan();
    expect(store.history(10)).toHaveLength(1);
    store.undo();
    const image = store.getImage(id)!;
    expect(image.rating).toBe(0);
    expect(image.tag_details.filter((t) => t.source === 'xmp')).toEqual([]);
    expect(image.tag_details.length).toBeGreaterThan(0); // prompt and model tags are not part of the import
  });
});

/** Moves every file's mtime forward so the next scan re-reads it. */
function touchAll(root: string): void {
  const later = new Date(Date.now() + 60_000 + Math.random() * 1000);
  for (const e of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) fs.utimesSync(path.join(e.parentPath, e.name), later, later);
  }
}

describe('journal and undo (API, CLI beside a running server)', () => {
  let root: string;
  let data: string;
  let server: ServerHandle;
  let ids: number[];
  /** A JSON request; `change` is the Vv-Change header an edit answers with. */
  const post = async (p: string, body: unknown, method = 'POST') => {
    const res = await fetch(`${server.url}${p}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const header = res.headers.get('vv-change');
    return { status: res.status, body: await res.json(), change: header === null ? null : Number(header) };
  };

  beforeAll(async () => {
    root = tempDir('vv-journal-api-lib-');
    data = tempDir('vv-journal-api-data-');
    await writeGenerated(root, 8);
    server = await serve([root, '--data', data, '--workers', '1', '--no-watch']);
    await waitForScan(server, 8);
    ids = (await getJson(`${server.url}/api/images?limit=100`)).body.items.map((i: { id: number }) => i.id);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('PATCH and batch answer their change id; POST /api/undo reverses it; GET /api/history lists it', async () => {
    const start = organizingState(data);
    const patched = await post(`/api/image/${ids[0]}`, { tags: { add: ['mine'] }, favorite: true }, 'PATCH');
    expect(patched.status).toBe(200);
    expect(patched.change).toEqual(expect.any(Number));
    const batch = await post('/api/batch', { ids: ids.slice(0, 4), tags: { add: ['batched'] }, rating: 3 });
    expect(batch.body).toEqual({ updated: 4, selected: 4 });
    expect(batch.change).toBeGreaterThan(patched.change!);
    const category = await post('/api/categories', { name: 'api/cat' });
    expect(category.change).toBeGreaterThan(batch.change!);
    // An edit that changes nothing records nothing, and names no change.
    const same = await post('/api/batch', { ids: ids.slice(0, 4), rating: 3 });
    expect(same.status).toBe(200);
    expect(same.change).toBeNull();

    const history = (await getJson(`${server.url}/api/history?limit=3`)).body.changes;
    expect(history.map((c: { id: number }) => c.id)).toEqual([category.change, batch.change, patched.change]);
    expect(history[1]).toMatchObject({ origin: 'batch', images: 4, description: '4 images: tags +batched, rating 3', undone_by: null });

    const undone = await post('/api/undo', { change: batch.change });
    expect(undone.status).toBe(200);
    expect(undone.body.reversed.map((c: { id: number }) => c.id)).toEqual([batch.change]);
    for (const id of ids.slice(0, 4)) {
      const image = (await getJson(`${server.url}/api/image/${id}`)).body;
      expect(image.tags.map((t: { name: string }) => t.name)).not.toContain('batched');
      expect(image.rating).toBe(0);
    }
    const again = await post('/api/undo', { change: batch.change });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict');
    for (const bad of [{ change: 'x' }, { since: 'not a time' }, { change: 1, since: '2026-01-01T00:00:00Z' }, { other: 1 }]) {
      const r = await post('/api/undo', bad);
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(r.body.error.code).toBe('invalid_input');
    }
    expect((await post('/api/undo', { change: 999_999 })).status).toBe(404);

    const since = history[history.length - 1].at;
    const all = await post('/api/undo', { since });
    expect(all.status).toBe(200);
    expect(organizingState(data)).toEqual(start);
    const doc = (await getJson(`${server.url}/api/openapi.json`)).body;
    expect(doc.paths['/api/undo'].post.requestBody).toBeDefined();
    expect(doc.paths['/api/batch'].post.responses['200'].headers['Vv-Change']).toBeDefined();
    expect(doc.paths['/api/history'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['limit', 'before']));
  });

  it('vv history and vv undo work on the data dir while the server is running', async () => {
    const before = organizingState(data);
    const t0 = new Date().toISOString();
    await post(`/api/image/${ids[5]}`, { tags: { add: ['cli-check'] }, notes: 'n' }, 'PATCH');
    await post('/api/categories', { name: 'cli/one' });
    const listed = await vv(['history', '--data', data, '--limit', '2']);
    expect(listed.status, listed.stderr).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\s*\d+\s+\S+Z\s+api\s+create category cli\/one \(0 images\)$/);
    expect(lines[1]).toMatch(/image \d+: tags \+cli-check, notes \(1 image\)$/);
    const json = await vv(['history', '--data', data, '--json', '--limit', '1']);
    expect(JSON.parse(json.stdout.trim())).toMatchObject({ origin: 'api', description: 'create category cli/one' });

    const undo = await vv(['undo', '--since', t0, '--data', data]);
    expect(undo.status, undo.stderr).toBe(0);
    expect(undo.stdout).toMatch(/undid 2 changes/);
    expect(organizingState(data)).toEqual(before);
    // The server sees the undo at once.
    const image = (await getJson(`${server.url}/api/image/${ids[5]}`)).body;
    expect(image.tags.map((t: { name: string }) => t.name)).not.toContain('cli-check');
    expect((await getJson(`${server.url}/api/categories`)).body.categories.map((c: { name: string }) => c.name)).not.toContain('cli/one');

    const bad = await vv(['undo', '--since', 'soon', '--data', data]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/not an ISO 8601 time/);
    const missing = await vv(['undo', '424242', '--data', data]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/no change 424242/);
  });
});
