/** While `vv serve` runs, library changes show up within seconds, without a rescan. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './support/fixtures.js';
import { writeGenerated } from './support/library.js';
import { getJson, serve, waitFor, type ServerHandle } from './support/cli.js';

let root: string;
let server: ServerHandle;
const CHANGE_DEADLINE_MS = 20_000;

async function byPath(p: string, missing = 'exclude'): Promise<any | undefined> {
  const { body } = await getJson(`${server.url}/api/images?limit=500&missing=${missing}`);
  return body.items.find((i: any) => i.path === p);
}

beforeAll(async () => {
  root = tempDir('vv-watch-lib-');
  await writeGenerated(root, 5);
  server = await serve([root, '--data', tempDir('vv-watch-data-'), '--workers', '1']);
  // Indexed, and the watcher past its initial crawl, before any file changes.
  await waitFor(async () => {
    const { body } = await getJson(`${server.url}/api/status`);
    return body.counts.images === 5 && body.watching;
  }, 30_000);
});

afterAll(async () => {
  await server?.stop();
});

describe('file watching', () => {
  it('picks up added, changed, moved and removed files', async () => {
    const extra = tempDir();
    const [added] = await writeGenerated(extra, 1, 900);
    fs.mkdirSync(path.join(root, path.dirname(added)), { recursive: true });
    fs.copyFileSync(path.join(extra, added), path.join(root, added));
    const item = await waitFor(() => byPath(added), CHANGE_DEADLINE_MS);
    expect(item.generator).toMatch(/a1111|comfyui/);

    await getJson(`${server.url}/api/image/${item.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tags: { add: ['watched'] }, favorite: true }) });

    const moved = `moved/2024-09-09/${path.basename(added)}`;
    fs.mkdirSync(path.join(root, 'moved/2024-09-09'), { recursive: true });
    fs.renameSync(path.join(root, added), path.join(root, moved));
    const after = await waitFor(() => byPath(moved), CHANGE_DEADLINE_MS);
    expect(after.id).toBe(item.id);
    expect(after.tags).toContain('watched');
    expect(after.favorite).toBe(true);
    expect(await byPath(added, 'include')).toBeUndefined();

    const [replacement] = await writeGenerated(extra, 1, 901);
    fs.copyFileSync(path.join(extra, replacement), path.join(root, moved));
    await waitFor(async () => (await getJson(`${server.url}/api/image/${item.id}`)).body.params.seed !== undefined && (await byPath(moved)).prompt !== after.prompt, CHANGE_DEADLINE_MS);

    fs.rmSync(path.join(root, moved));
    await waitFor(async () => (await byPath(moved, 'only'))?.missing === true, CHANGE_DEADLINE_MS);
    const { body } = await getJson(`${server.url}/api/images?limit=1`);
    expect(body.total).toBe(5);
  });
});
