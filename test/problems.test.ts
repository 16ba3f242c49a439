/**
 * Problem files are kept in the database, complete and current across scans: `vv problems`,
 * GET /api/problems (paged), the count in /api/status. Non-UTF-8 names and damaged pixel data are
 * reported, never skipped silently; bad files are not read again while unchanged.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../src/db/store.js';
import { IngestPool } from '../src/ingest/ingest-pool.js';
import { Scanner } from '../src/ingest/scanner.js';
import { escapeName } from '../src/ingest/walk.js';
import { solidImage, tempDir, writeFile } from './support/fixtures.js';
import { corruptPixelsPng, writeBadFiles, writeGenerated } from './support/library.js';
import { getJson, serve, vv, waitFor } from './support/cli.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function nonUtf8Path(root: string, rel: string, badByte = 0xff): Buffer {
  return Buffer.concat([Buffer.from(`${root}/${rel}`), Buffer.from([badByte]), Buffer.from('.png')]);
}

describe('problem files', () => {
  it('keeps every problem in the database, current across rescans, and reports non-UTF-8 names and damaged pixels', async () => {
    const root = tempDir('vv-problems-lib-');
    const data = tempDir('vv-problems-data-');
    const bad = await writeBadFiles(root);
    await writeGenerated(root, 2);
    writeFile(root, 'damaged/corrupt-idat.png', await corruptPixelsPng('a damaged lighthouse'));
    // More problem files than any list used to show (20 in the summary, 50 in the status, 200 in --json).
    for (let i = 0; i < 230; i++) writeFile(root, `many/garbage-${String(i).padStart(3, '0')}.png`, `not an image ${i}`);
    fs.mkdirSync(path.join(root, 'names'));
    fs.writeFileSync(nonUtf8Path(root, 'names/caf'), await solidImage('png'));
    const escaped = `names/caf${escapeName(Buffer.from([0xff]))}.png`;
    expect(escaped).toBe('names/caf\\xff.png');

    const scan = vv(['scan', root, '--data', data, '--workers', '1', '--no-embed', '--json']);
    expect(scan.status, scan.stderr).toBe(0);
    const stats = JSON.parse(scan.stdout);

    const listed = vv(['problems', '--data', data, '--json']);
    expect(listed.status, listed.stderr).toBe(0);
    const problems = listed.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(stats.problems).toBe(problems.length);
    const byPath = new Map(problems.map((p) => [p.path, p]));
    expect(byPath.get('bad/empty.png')).toMatchObject({ kind: 'metadata_error', message: expect.stringMatching(/empty file/) });
    expect(byPath.get('bad/garbage.png')).toMatchObject({ kind: 'metadata_error', message: expect.stringMatching(/not a PNG/) });
    expect(byPath.get('bad/huge-30000.png')).toMatchObject({ kind: 'decode_error', message: expect.stringMatching(/pixels cannot be decoded/) });
    for (let i = 0; i < 230; i++) expect(byPath.get(`many/garbage-${String(i).padStart(3, '0')}.png`)?.kind).toBe('metadata_error');
    expect(byPath.get('damaged/corrupt-idat.png')).toMatchObject({ kind: 'decode_error', message: expect.stringMatching(/damaged/) });
    expect(byPath.get(escaped)).toMatchObject({ kind: 'not_utf8_name', size: expect.any(Number) });
    expect(Object.keys(bad).filter((rel) => byPath.has(rel)).length).toBeGreaterThanOrEqual(4);
    for (const p of problems) expect(p.first_seen <= p.last_seen).toBe(true);
    const text = vv(['problems', '--data', data]);
    expect(text.stdout).toContain(`not_utf8_name\t${escaped}: `);
    expect(text.stdout.trim().split('\n').at(-1)).toBe(`${problems.length} problem files`);

    // The damaged image stays indexed with its metadata.
    const store = Store.open(data);
    const damagedId = store.idForPath('damaged/corrupt-idat.png')!;
    expect(store.getImage(damagedId)!.prompt).toBe('a damaged lighthouse');
    store.close();

    // The API pages through the same complete list, and the status counts it.
    const server = await serve(['--data', data, '--no-watch', root]);
    cleanups.push(() => server.stop());
    await waitFor(async () => !(await getJson(`${server.url}/api/status`)).body.scan.running, 30_000);
    const paged: any[] = [];
    let cursor: string | null = null;
    do {
      const { status, body } = await getJson(`${server.url}/api/problems?limit=40${cursor ? `&cursor=${cursor}` : ''}`);
      expect(status).toBe(200);
      expect(body.total).toBe(problems.length);
      paged.push(...body.items);
      cursor = body.next_cursor;
    } while (cursor);
    // The server's own start-up scan confirms the walk's problems again (last_seen moves on).
    const withoutLastSeen = (list: any[]) => list.map(({ last_seen: _, ...rest }) => rest);
    expect(withoutLastSeen(paged)).toEqual(withoutLastSeen(problems));
    expect((await getJson(`${server.url}/api/status`)).body.counts.problems).toBe(problems.length);
    expect((await getJson(`${server.url}/api/problems?cursor=nonsense`)).status).toBe(400);
    const doc = (await getJson(`${server.url}/api/openapi.json`)).body;
    expect(doc.paths['/api/problems'].get.responses['200'].content['application/json'].schema.properties.items.items.properties.kind.enum).toContain('not_utf8_name');
    await server.stop();

    // Fixed, removed and renamed files lose their problems; the others keep their first_seen.
    fs.writeFileSync(path.join(root, 'bad/garbage.png'), await solidImage('png'));
    fs.rmSync(path.join(root, 'many'), { recursive: true });
    fs.rmSync(nonUtf8Path(root, 'names/caf'));
    fs.writeFileSync(path.join(root, 'damaged/corrupt-idat.png'), await solidImage('png', [1, 2, 3], 20, 20));
    expect(vv(['scan', root, '--data', data, '--workers', '1', '--no-embed']).status).toBe(0);
    const after = vv(['problems', '--data', data, '--json']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const afterPaths = new Set(after.map((p) => p.path));
    expect(afterPaths.has('bad/garbage.png')).toBe(false);
    expect(afterPaths.has(escaped)).toBe(false);
    expect(afterPaths.has('damaged/corrupt-idat.png')).toBe(false);
    expect([...afterPaths].some((p) => p.startsWith('many/'))).toBe(false);
    expect(after.find((p) => p.path === 'bad/empty.png')).toMatchObject({ first_seen: byPath.get('bad/empty.png').first_seen });
    expect(after.length).toBe(problems.length - 230 - 3);
  });

  it('does not read unchanged bad files again: failed and timed-out files keep their real size and mtime', async () => {
    const root = tempDir('vv-problems-lib-');
    const data = tempDir('vv-problems-data-');
    await writeBadFiles(root);
    await writeGenerated(root, 3);
    const store = Store.open(data);
    // A timeout so short that files time out: they are stored as failed, with the walk's size and mtime.
    const pool = new IngestPool({ workers: 1, timeoutMs: 1 });
    cleanups.push(async () => {
      await pool.close();
      store.close();
    });
    const scanner = new Scanner(store, root, pool, { perceptualHashes: false });
    const first = await scanner.scan();
    expect(first.failed).toBeGreaterThan(0);
    const kinds = new Set([...store.problems.iterate()].map((p) => p.kind));
    expect(kinds.has('timeout')).toBe(true);

    const second = await scanner.scan();
    expect(second).toMatchObject({ changed: 0, new: 0, failed: 0, unchanged: first.seen });
    expect(store.problems.count()).toBe(first.failed);
  });
});
