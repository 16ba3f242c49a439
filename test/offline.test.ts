/**
 * The library going away is not the images going away: while `vv serve` runs, the library root is
 * renamed away (an unplugged drive, an unmounted share) and back. The index keeps being served,
 * nothing is marked missing, status says offline, and when the folder returns the watcher is
 * re-armed and what changed meanwhile is picked up.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './support/fixtures.js';
import { writeGenerated } from './support/library.js';
import { getJson, serve, waitFor, type ServerHandle } from './support/cli.js';
import { chromiumAvailable, launchBrowser } from './support/browser.js';

let root: string;
let away: string;
let server: ServerHandle;
const COUNT = 6;
const DEADLINE_MS = 20_000;

const status = async () => (await getJson(`${server.url}/api/status`)).body;
const images = async (missing = 'include') => (await getJson(`${server.url}/api/images?limit=500&missing=${missing}`)).body;

beforeAll(async () => {
  const parent = tempDir('vv-offline-');
  root = path.join(parent, 'library');
  away = path.join(parent, 'library-unplugged');
  fs.mkdirSync(root);
  await writeGenerated(root, COUNT);
  server = await serve([root, '--data', tempDir('vv-offline-data-'), '--workers', '1']);
  await waitFor(async () => {
    const body = await status();
    return body.counts.images === COUNT && body.watching && !body.scan.running;
  }, 30_000);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('the library going away and coming back', () => {
  it('marks the library offline, keeps the images, refuses a rescan, and catches up when it returns', async () => {
    const before = await images();
    expect(before.total).toBe(COUNT);
    expect((await status()).library).toMatchObject({ online: true });

    fs.renameSync(root, away);
    const offline = await waitFor(async () => {
      const body = await status();
      return body.library?.online === false ? body : null;
    }, DEADLINE_MS);
    expect(offline.library.reason).toMatch(/gone|renamed/);
    expect(offline.watching).toBe(false);
    expect(offline.counts).toMatchObject({ images: COUNT, missing: 0 });

    // A rescan while offline is refused and changes nothing.
    const scan = await getJson(`${server.url}/api/scan`, { method: 'POST' });
    expect(scan).toMatchObject({ status: 503, body: { error: { code: 'library_offline' } } });
    // Give a watcher batch (if any) time to land: still nothing missing.
    await new Promise((r) => setTimeout(r, 1500));
    const during = await images();
    expect(during.total).toBe(COUNT);
    expect(during.items.every((i: any) => i.missing === false)).toBe(true);
    const file = await getJson(`${server.url}/api/image/${during.items[0].id}/file`);
    expect(file).toMatchObject({ status: 503, body: { error: { code: 'library_offline' } } });
    if (chromiumAvailable()) {
      // The gallery says so in its header.
      const browser = await launchBrowser();
      try {
        const page = await browser.newPage();
        await page.goto(`${server.url}/`);
        await page.locator('.library-offline').waitFor({ timeout: 15_000 });
        expect(await page.locator('.library-offline').textContent()).toMatch(/Library offline/);
        expect(await page.locator('.library-offline').getAttribute('title')).toMatch(/gone/);
      } finally {
        await browser.close();
      }
    }

    // Changed while unplugged: one file added, one removed.
    const extra = tempDir();
    const [added] = await writeGenerated(extra, 1, 500);
    fs.mkdirSync(path.join(away, path.dirname(added)), { recursive: true });
    fs.copyFileSync(path.join(extra, added), path.join(away, added));
    const removed = before.items[0].path;
    fs.rmSync(path.join(away, removed));

    fs.renameSync(away, root);
    const back = await waitFor(async () => {
      const body = await status();
      return body.library.online && body.watching && !body.scan.running && body.counts.images === COUNT ? body : null;
    }, DEADLINE_MS);
    expect(back.counts.missing).toBe(1);
    const after = await images();
    expect(after.items.find((i: any) => i.path === added)?.missing).toBe(false);
    expect(after.items.find((i: any) => i.path === removed)?.missing).toBe(true);

    // Watching again: a file added now shows up without a rescan.
    const [later] = await writeGenerated(extra, 1, 501);
    fs.mkdirSync(path.join(root, path.dirname(later)), { recursive: true });
    fs.copyFileSync(path.join(extra, later), path.join(root, later));
    await waitFor(async () => (await images('exclude')).items.some((i: any) => i.path === later), DEADLINE_MS);
  }, 90_000);

  it('treats an emptied root (an unmounted share leaves an empty mount point) as offline, not as every image deleted', async () => {
    const total = (await status()).counts.images;
    fs.renameSync(root, away);
    fs.mkdirSync(root);
    const offline = await waitFor(async () => {
      const body = await status();
      return body.library.online === false ? body : null;
    }, DEADLINE_MS);
    expect(offline.library.reason).toMatch(/empty/);
    expect((await getJson(`${server.url}/api/scan`, { method: 'POST' })).status).toBe(503);
    expect((await status()).counts.images).toBe(total);
    fs.rmdirSync(root);
    fs.renameSync(away, root);
    await waitFor(async () => {
      const body = await status();
      return body.library.online && body.watching && !body.scan.running ? body : null;
    }, DEADLINE_MS);
    expect((await status()).counts.images).toBe(total);
  });
});
