/**
 * Destructive file operations are recoverable: `rm -rf` over the organizing folders of a real FUSE
 * mount (`vv serve --mount`), then `vv undo --since` as a separate process on the same data dir
 * while the mount is still up brings every favorite, tag (user and derived, with their sources),
 * category (with its nesting) and membership back — the whole organizing state, compared row by row.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeGenerated } from './support/library.js';
import { tempDir } from './support/fixtures.js';
import { CLI, getJson, serve, waitFor, waitForScan, type ServerHandle } from './support/cli.js';
import { organizingState } from './support/organizing.js';
import { fuseAvailable, runTool as run, unmountQuietly } from './support/fuse.js';

if (!fuseAvailable) console.warn('SKIPPED FUSE undo test: /dev/fuse or fusermount is missing (apt-get install fuse libfuse2)');

let root: string;
let data: string;
let mnt: string;
let server: ServerHandle;

beforeAll(async () => {
  if (!fuseAvailable) return;
  root = tempDir('vv-fuse-undo-lib-');
  data = tempDir('vv-fuse-undo-data-');
  mnt = path.join(tempDir('vv-fuse-undo-mnt-'), 'vault');
  await writeGenerated(root, 12);
  server = await serve([root, '--data', data, '--mount', mnt, '--no-watch', '--workers', '1']);
  await waitForScan(server, 12);
}, 120_000);

afterAll(async () => {
  if (!fuseAvailable) return;
  await server?.stop();
  unmountQuietly(mnt);
});

/** Every file and folder under the organizing folders of the mount, as the mount lists them. */
async function organizingListing(): Promise<string[]> {
  const out: string[] = [];
  for (const top of ['favorites', 'categories', 'tags']) {
    const r = await run('find', [path.join(mnt, top)]);
    expect(r.code, r.stderr).toBe(0);
    out.push(...r.stdout.split('\n').filter(Boolean).map((p) => path.relative(mnt, p)));
  }
  return out.sort();
}

describe.skipIf(!fuseAvailable)('rm -rf in the mount, then vv undo --since', () => {
  it('brings back favorites, user and derived tags, nested categories and memberships', async () => {
    const items = (await getJson(`${server.url}/api/images?limit=100`)).body.items as { id: number; path: string }[];
    const patch = (id: number, body: object) =>
      getJson(`${server.url}/api/image/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    // Organize through the API and through the mount.
    for (const [n, item] of items.entries()) {
      if (n % 2 === 0) expect((await patch(item.id, { favorite: true, rating: 1 + (n % 5) })).status).toBe(200);
      if (n % 3 === 0) expect((await patch(item.id, { tags: { add: ['portfolio', `set ${n % 2}`] }, categories: { add: ['trips/2024/alps'] } })).status).toBe(200);
      if (n % 4 === 1) expect((await patch(item.id, { categories: { add: ['trips', 'art'] }, notes: `note ${n}` })).status).toBe(200);
    }
    expect((await run('mkdir', ['-p', path.join(mnt, 'categories/empty/inner')])).code).toBe(0);
    expect((await run('mkdir', [path.join(mnt, 'tags/to-sort')])).code).toBe(0);
    expect((await run('ln', [path.join(mnt, 'all', items[5].path), path.join(mnt, 'tags/portfolio/')])).code).toBe(0);

    const before = organizingState(data);
    const listedBefore = await organizingListing();
    expect(before.tags.some((t) => t.source === 'prompt')).toBe(true);
    expect(before.categories.map((c) => c.name)).toEqual(expect.arrayContaining(['trips', 'trips/2024/alps', 'empty/inner', 'art']));
    expect(before.images.filter((i) => i.favorite).length).toBe(6);
    await new Promise((r) => setTimeout(r, 10));
    const since = new Date().toISOString();

    const rm = await run('sh', ['-c', `rm -rf ${mnt}/favorites/* ${mnt}/categories/* ${mnt}/tags/*`]);
    const wiped = organizingState(data);
    expect(wiped.images.filter((i) => i.favorite)).toEqual([]);
    expect(wiped.categories).toEqual([]);
    expect(wiped.memberships).toEqual([]);
    expect(wiped.tags.filter((t) => t.source === 'user')).toEqual([]);
    expect(wiped.suppressions.length, `rm: ${rm.stderr}`).toBeGreaterThan(0); // derived tags are suppressed

    // A separate process, on the data dir the mount is serving.
    const undo = await run(process.execPath, [CLI, 'undo', '--since', since, '--data', data]);
    expect(undo.code, undo.stderr).toBe(0);
    expect(undo.stdout).toMatch(/^undid \d+ changes:/);
    expect(organizingState(data)).toEqual(before);
    // The mount shows it, without a remount.
    await waitFor(async () => JSON.stringify(await organizingListing()) === JSON.stringify(listedBefore), 10_000);

    const history = await run(process.execPath, [CLI, 'history', '--data', data, '--limit', '3']);
    expect(history.stdout.split('\n')[0]).toMatch(/\bundo\s+undo since /);
    expect(history.stdout).toMatch(/\bfuse\s+(rm|rmdir) \//);
  }, 180_000);
});
