/**
 * The gallery as a daily driver, in a real browser (Debian Chromium via playwright-core) against a
 * real `vv serve`: the zoomable viewer (full-resolution swap, fit / fill / 1:1, wheel zoom, drag
 * pan, two-finger touch pinch and pan, trackpad pinch as ctrl+wheel, fullscreen, zoom kept while stepping, neighbours preloaded), the slideshow, compare (side
 * by side in sync, A/B slider, flicker, parameter diff; "compare this batch"), culling keys and
 * cull mode, rejects dimmed and marked in the grid, keyboard navigation of the grid, and the trash: refused while --allow-trash is off;
 * with it, originals land in a temp XDG_DATA_HOME's Trash with a valid .trashinfo and come back
 * on Restore and on `vv undo`, every other original unchanged. Screenshots go to test-artifacts/.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBatch, writeGenerated } from './support/library.js';
import { tempDir } from './support/fixtures.js';
import { getJson, serve, vv, waitFor, type ServerHandle } from './support/cli.js';
import { chromiumAvailable, CHROMIUM, launchBrowser, galleryPage } from './support/browser.js';

const ARTIFACTS = path.resolve(import.meta.dirname, '../test-artifacts');
const haveBrowser = chromiumAvailable();
if (!haveBrowser) console.warn(`ui view tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set VV_CHROMIUM)`);

const COUNT = 24;
let browser: Browser;

beforeAll(async () => {
  if (haveBrowser) browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function start(root: string, data: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ServerHandle> {
  const server = await serve([root, '--data', data, '--workers', '1', '--no-watch', '--model', 'none', ...extra], env);
  await waitFor(async () => {
    const { body } = await getJson(`${server.url}/api/status`);
    return body.scan.stats && !body.scan.running && body.counts.images > 0 && !body.thumbnails.running;
  }, 60_000);
  return server;
}

const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
function shas(root: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rel of fs.readdirSync(root, { recursive: true }) as string[]) {
    const abs = path.join(root, rel);
    if (fs.statSync(abs).isFile()) out.set(rel, sha(abs));
  }
  return out;
}

describe.skipIf(!haveBrowser)('gallery viewer, compare and culling', () => {
  let root: string;
  let server: ServerHandle;
  let page: Page;
  const api = (p: string, init?: RequestInit) => getJson(`${server.url}${p}`, init);
  const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `ui-${name}.png`) });
  const cardIds = () => page.locator('vv-grid .card').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-id'))));
  const viewState = () => page.locator('vv-detail').evaluate((el) => ({ ...(el as unknown as { view: { mode: string; zoom: number; x: number; y: number } }).view }));
  const imageInUrl = () => page.evaluate(() => Number(new URLSearchParams(location.search).get('image')));

  async function openFirst(): Promise<number> {
    await page.goto(`${server.url}/`);
    await page.waitForSelector('vv-grid .card');
    const first = page.locator('vv-grid .card').first();
    const id = Number(await first.getAttribute('data-id'));
    await first.click();
    await page.waitForSelector('vv-detail vv-viewer');
    return id;
  }

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    root = tempDir('vv-uiv-lib-');
    // Generated at 512×512 and written at a quarter of it: the pixel size differs from the generation size.
    await writeGenerated(root, COUNT - 3, 0, 0.25);
    await writeBatch(root, 500, 3, 0.25);
    server = await start(root, tempDir('vv-uiv-data-'));
    page = await galleryPage(browser);
  }, 120_000);

  afterAll(async () => {
    await page?.close();
    await server?.stop();
  });

  it('shows the original once decoded, fits, fills, zooms with the wheel, pans by dragging, keeps the zoom while stepping', async () => {
    const id = await openFirst();
    const img = page.locator('vv-detail vv-viewer img');
    await expect.poll(() => img.getAttribute('data-full')).toBe('true');
    expect(await img.getAttribute('src')).toBe(`/api/image/${id}/file`);
    const detail = (await api(`/api/image/${id}`)).body;
    // Pixel size in the summary; the generation size beside it.
    expect(await page.locator('vv-detail [data-pixel-size]').textContent()).toBe(`${detail.width}×${detail.height}`);
    expect(await page.locator('vv-detail [data-generation-size]').textContent()).toContain(`${detail.params.width}×${detail.params.height}`);
    expect(detail.width).not.toBe(detail.params.width);

    const box = (await page.locator('vv-detail vv-viewer').boundingBox())!;
    const zoom = async () => Number(await page.locator('vv-detail vv-viewer .badge').getAttribute('data-zoom'));
    const fit = await zoom();
    await page.locator('vv-detail [data-mode="actual"]').click();
    expect(await zoom()).toBe(100);
    await page.locator('vv-detail [data-mode="fill"]').click();
    expect(await zoom()).toBeGreaterThanOrEqual(fit);
    await page.locator('vv-detail [data-mode="fit"]').click();
    expect(await zoom()).toBe(fit);

    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -400);
    await expect.poll(zoom).toBeGreaterThan(fit * 1.5);
    const zoomed = await viewState();
    const before = await img.evaluate((el) => el.getBoundingClientRect().left);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 120, box.y + box.height / 2 + 40, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => img.evaluate((el) => el.getBoundingClientRect().left)).toBeCloseTo(before + 120, 0);
    const panned = await viewState();
    expect(panned.x - zoomed.x).toBeCloseTo(120, 0);
    await shot('viewer');

    // Stepping keeps the zoom and pan; the next image's original comes in at once (preloaded).
    const ids = await cardIds();
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((next) => location.search.includes(`image=${next}`), ids[1]);
    expect(await viewState()).toEqual(panned);
    await expect.poll(() => img.getAttribute('src')).toBe(`/api/image/${ids[1]}/file`);
    const preloaded = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname));
    expect(preloaded).toContain(`/api/image/${ids[2]}/file`);

    await page.keyboard.press('z');
    expect((await viewState()).mode).toBe('fill');
  });

  it('zooms with a two-finger pinch around its centre, pans with two fingers, and zooms with a trackpad pinch (ctrl+wheel)', async () => {
    const [first] = (await api('/api/images?limit=1')).body.items;
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, hasTouch: true });
    try {
      const touchPage = await context.newPage();
      await touchPage.goto(`${server.url}/?image=${first.id}`);
      const viewer = touchPage.locator('vv-detail vv-viewer');
      const img = viewer.locator('img');
      await expect.poll(() => img.getAttribute('data-full')).toBe('true');
      const cdp = await context.newCDPSession(touchPage);
      const zoom = async () => Number(await viewer.locator('.badge').getAttribute('data-zoom'));
      const rect = () => img.evaluate((el) => ({ left: el.getBoundingClientRect().left, top: el.getBoundingClientRect().top, width: el.getBoundingClientRect().width }));
      const box = (await viewer.boundingBox())!;
      // Off the stage's centre, so that zooming around the wrong point shows.
      const cx = box.x + box.width * 0.35;
      const cy = box.y + box.height * 0.45;
      /** Where the picture point that was under (x, y) in `from` is now. */
      const follow = (from: { left: number; top: number; width: number }, to: { left: number; top: number; width: number }, x: number, y: number) => ({
        x: to.left + ((x - from.left) / from.width) * to.width,
        y: to.top + ((y - from.top) / from.width) * to.width,
      });
      const fingers = (type: 'touchStart' | 'touchMove' | 'touchEnd', x: number, y: number, spread: number) =>
        cdp.send('Input.dispatchTouchEvent', {
          type,
          touchPoints: type === 'touchEnd' ? [] : [{ x: x - spread, y, id: 1 }, { x: x + spread, y, id: 2 }],
        });

      // Pinch out: the fingers spread from 80 px apart to 240 px around (cx, cy).
      const fit = await zoom();
      const r0 = await rect();
      await fingers('touchStart', cx, cy, 40);
      for (let spread = 50; spread <= 120; spread += 10) await fingers('touchMove', cx, cy, spread);
      await fingers('touchEnd', cx, cy, 0);
      await expect.poll(zoom).toBeGreaterThan(fit * 2.7);
      const r1 = await rect();
      expect(r1.width / r0.width).toBeCloseTo(3, 1);
      const anchor = follow(r0, r1, cx, cy);
      expect(Math.abs(anchor.x - cx)).toBeLessThan(1.5);
      expect(Math.abs(anchor.y - cy)).toBeLessThan(1.5);

      // Two fingers moving together pan (the zoom stays).
      const zoomed = await zoom();
      await fingers('touchStart', cx, cy, 60);
      for (let step = 1; step <= 5; step++) await fingers('touchMove', cx + step * 20, cy + step * 10, 60);
      await fingers('touchEnd', cx, cy, 0);
      await expect.poll(async () => (await rect()).left).toBeCloseTo(r1.left + 100, 0);
      expect((await rect()).top).toBeCloseTo(r1.top + 50, 0);
      expect(await zoom()).toBe(zoomed);

      // A trackpad pinch reaches the page as ctrl+wheel with small deltas: it zooms the picture
      // (around the pointer), not the page.
      const r2 = await rect();
      await cdp.send('Input.dispatchMouseEvent', { type: 'mouseWheel', x: cx, y: cy, deltaX: 0, deltaY: -30, modifiers: 2 });
      await expect.poll(zoom).toBeGreaterThan(zoomed * 1.2);
      const r3 = await rect();
      const pointer = follow(r2, r3, cx, cy);
      expect(Math.abs(pointer.x - cx)).toBeLessThan(1.5);
      expect(Math.abs(pointer.y - cy)).toBeLessThan(1.5);
      expect(await touchPage.evaluate(() => window.visualViewport?.scale ?? 1)).toBe(1);
    } finally {
      await context.close();
    }
  });

  it('goes fullscreen with the Fullscreen API and back', async () => {
    await openFirst();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.fullscreenElement !== null)).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.fullscreenElement === null)).toBe(true);
    await page.keyboard.press('Escape');
  });

  it('runs a slideshow over the selection, in a loop', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForSelector('vv-grid .card');
    const cards = page.locator('vv-grid .card');
    const picked = [Number(await cards.nth(2).getAttribute('data-id')), Number(await cards.nth(5).getAttribute('data-id'))];
    for (const n of [2, 5]) {
      await cards.nth(n).hover();
      await cards.nth(n).locator('button.tick').click();
    }
    await cards.nth(2).click({ modifiers: ['Control'] }); // unselects 2 …
    await cards.nth(2).locator('button.tick').click(); // … and selects it again
    await expect.poll(() => page.locator('vv-batch-bar .count').getAttribute('data-count')).toBe('2');
    // Open an image through the keyboard (a click on a card selects while a selection exists).
    await cards.nth(2).focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('vv-detail vv-viewer');
    await page.locator('vv-detail select[aria-label="slideshow interval"]').selectOption('1');
    await page.locator('vv-detail [data-slideshow]').click();
    expect(await page.locator('vv-detail [data-slideshow]').getAttribute('data-slideshow')).toBe('playing');
    const seen = new Set<number>();
    await waitFor(async () => {
      seen.add(await imageInUrl());
      return seen.size === 2 && (await imageInUrl()) === picked[0] ? true : null;
    }, 8000);
    expect([...seen].sort()).toEqual([...picked].sort());
    await page.locator('vv-detail [data-slideshow]').click();
    const stoppedAt = await imageInUrl();
    await page.waitForTimeout(1500);
    expect(await imageInUrl()).toBe(stoppedAt);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
  });

  it('compares two images side by side in sync, with an A/B slider, flicker and a parameter diff', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForSelector('vv-grid .card');
    const cards = page.locator('vv-grid .card');
    const ids = [Number(await cards.nth(0).getAttribute('data-id')), Number(await cards.nth(1).getAttribute('data-id'))];
    for (const n of [0, 1]) {
      await cards.nth(n).hover();
      await cards.nth(n).locator('button.tick').click();
    }
    await page.locator('vv-batch-bar button', { hasText: 'Compare' }).click();
    await page.waitForSelector('vv-compare vv-viewer');
    const viewers = page.locator('vv-compare vv-viewer');
    expect(await viewers.count()).toBe(2);
    const zooms = () => viewers.evaluateAll((els) => els.map((e) => Number(e.shadowRoot!.querySelector('.badge')!.getAttribute('data-zoom'))));
    await expect.poll(async () => (await zooms()).every((z) => z > 0)).toBe(true);
    const before = await zooms();
    const box = (await viewers.first().boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -300);
    await expect.poll(async () => (await zooms())[0]).toBeGreaterThan(before[0]);
    // One zoom for both: each grew by the same factor over its own fit.
    const after = await zooms();
    expect(after[1] / before[1]).toBeCloseTo(after[0] / before[0], 1);
    const offsets = () => viewers.evaluateAll((els) => els.map((e) => (e as unknown as { view: { x: number; y: number } }).view));
    const o = await offsets();
    expect(o[1]).toEqual(o[0]);

    // The diff: both prompts word by word, every differing field marked.
    const [a, b] = await Promise.all(ids.map(async (id) => (await api(`/api/image/${id}`)).body));
    expect(a.prompt).not.toBe(b.prompt);
    expect(await page.locator('vv-compare tr[data-field="Prompt"]').getAttribute('class')).toContain('differs');
    expect(await page.locator('vv-compare tr[data-field="Prompt"] .add').count()).toBeGreaterThan(0);
    const seedRow = page.locator('vv-compare tr[data-field="Base: Seed"]');
    expect(await seedRow.getAttribute('class')).toContain('differs');
    expect(await seedRow.locator('td').nth(1).textContent()).toBe(String(a.params.seed));
    expect(await seedRow.locator('td').nth(2).textContent()).toBe(String(b.params.seed));
    // Every row is marked exactly when its values differ (and some rows are the same).
    const rows = await page.locator('vv-compare tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({ field: tr.getAttribute('data-field'), marked: tr.classList.contains('differs'), values: [...tr.querySelectorAll('td')].slice(1).map((td) => td.textContent!.trim()) })),
    );
    for (const r of rows.filter((x) => x.field !== 'Prompt')) expect(r.marked, r.field!).toBe(r.values.some((v) => v !== r.values[0]));
    expect(rows.some((r) => !r.marked)).toBe(true);
    await shot('compare');

    await page.locator('vv-compare [data-mode="slider"]').click();
    await page.locator('vv-compare input.split').fill('30');
    expect(await page.locator('vv-compare .layer.top').getAttribute('data-split')).toBe('30');
    expect(await page.locator('vv-compare .layer.top').getAttribute('style')).toContain('inset(0 0 0 30%)');
    await shot('compare-slider');

    await page.locator('vv-compare [data-mode="flicker"]').click();
    const shown = new Set<string>();
    await waitFor(async () => {
      shown.add((await page.locator('vv-compare .flicker-stage').getAttribute('data-shown'))!);
      return shown.size === 2 ? true : null;
    }, 5000);
    await page.locator('vv-compare [aria-label="close compare"]').click();
    expect(await page.locator('vv-compare').count()).toBe(0);
  });

  it('compares a generation batch from the duplicates view', async () => {
    await page.goto(`${server.url}/?view=duplicates`);
    await page.locator('vv-duplicates .tabs button', { hasText: 'Generation batches' }).click();
    await page.locator('vv-duplicates .group[data-kind="batch"] [data-action="compare"]').first().click();
    await page.waitForSelector('vv-compare vv-viewer');
    expect(await page.locator('vv-compare vv-viewer').count()).toBe(3);
    // One prompt over three seeds: the prompt is the same, the seed differs.
    expect(await page.locator('vv-compare tr[data-field="Prompt"]').getAttribute('class')).not.toContain('differs');
    expect(await page.locator('vv-compare tr[data-field="Base: Seed"]').getAttribute('class')).toContain('differs');
    await page.keyboard.press('Escape');
  });

  it('culls with the keyboard: ratings, reject / unreject, cull mode advancing after each decision', async () => {
    const first = await openFirst();
    const ids = await cardIds();
    // Details load slowly (as on a busy machine): a key pressed before the next image's details
    // arrive still applies to it. What the page sent is kept for the failure message.
    const sent: string[] = [];
    const onResponse = (r: Response) => {
      if (r.request().method() === 'PATCH') sent.push(`${new URL(r.url()).pathname} ${r.request().postData()} → ${r.status()}`);
    };
    page.on('response', onResponse);
    // Answers to edits arrive late too (stored at once, answered 600 ms later): the 'u' below is
    // answered after 'c' turned cull mode on, and must not advance as if it were a cull decision.
    const slowly = () => new Promise((r) => setTimeout(r, 600));
    await page.route(/\/api\/image\/\d+$/, async (route) => {
      // A request the page dropped meanwhile (it stepped on, or the test ended) is already handled.
      if (route.request().method() === 'PATCH') {
        const response = await route.fetch();
        await slowly();
        await route.fulfill({ response }).catch(() => undefined);
        return;
      }
      if (route.request().method() === 'GET') await slowly();
      await route.continue().catch(() => undefined);
    });
    const stored = async (id: number, field: string, value: unknown) => {
      try {
        await expect.poll(async () => (await api(`/api/image/${id}`)).body[field]).toBe(value);
      } catch (err) {
        const shown = await page.locator('vv-detail').evaluate((el) => ({ id: (el as unknown as { imageId: number }).imageId, error: (el as unknown as { error: string | null }).error }));
        throw new Error(`${field} of ${id} is not ${String(value)}; the page sent:\n${sent.join('\n')}\nthe viewer shows ${JSON.stringify(shown)}`, { cause: err });
      }
    };
    await page.keyboard.press('x');
    await stored(first, 'rejected', true);
    await page.waitForSelector('vv-detail [data-rejected="true"]');
    expect(await imageInUrl()).toBe(first); // not in cull mode: stays
    expect((await api('/api/images?rejected=true')).body.items.map((i: { id: number }) => i.id)).toEqual([first]);
    await page.keyboard.press('u');
    await stored(first, 'rejected', false);

    await page.keyboard.press('c');
    await page.waitForSelector('vv-detail [data-cull="on"]');
    await page.keyboard.press('4');
    await stored(first, 'rating', 4);
    await page.waitForFunction((next) => location.search.includes(`image=${next}`), ids[1]);
    await page.keyboard.press('x');
    await stored(ids[1], 'rejected', true);
    await page.waitForFunction((next) => location.search.includes(`image=${next}`), ids[2]);
    await page.keyboard.press('f');
    await stored(ids[2], 'favorite', true);
    await page.waitForFunction((next) => location.search.includes(`image=${next}`), ids[3]);
    await page.keyboard.press('0');
    await page.waitForFunction((next) => location.search.includes(`image=${next}`), ids[4]);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction((prev) => location.search.includes(`image=${prev}`), ids[1]);
    await page.keyboard.press('u');
    await stored(ids[1], 'rejected', false);
    // The history says what culling did, and the rejects filter is empty again.
    const history = (await api('/api/history?limit=10')).body.changes.map((c: { description: string }) => c.description).join('\n');
    expect(history).toMatch(/reject/);
    expect(history).toMatch(/unreject/);
    expect((await api('/api/images?rejected=true')).body.total).toBe(0);
    await page.keyboard.press('Escape');
    // Waits for the delayed requests still in flight (unrouting under them fails their continue()).
    await page.unrouteAll({ behavior: 'wait' });
    page.off('response', onResponse);
  });

  it('marks and dims a reject in the grid after X in the viewer, and clears it after U', async () => {
    const id = await openFirst();
    const card = page.locator(`vv-grid .card[data-id="${id}"]`);
    const opacity = () => card.locator('img').evaluate((el) => Number(getComputedStyle(el).opacity));
    const close = async () => {
      await page.keyboard.press('Escape');
      await expect.poll(() => page.locator('vv-detail').count()).toBe(0);
    };
    expect(await card.getAttribute('data-rejected')).toBeNull();
    await page.keyboard.press('x');
    await page.waitForSelector('vv-detail [data-rejected="true"]');
    await close();
    // The card follows the edit at once (no reload), and the summary carries the flag after one.
    await expect.poll(() => card.getAttribute('data-rejected')).toBe('true');
    await expect.poll(opacity).toBeLessThan(0.5);
    expect(await card.locator('.reject-mark').count()).toBe(1);
    await shot('grid-reject');
    expect((await api('/api/images?limit=100')).body.items.find((i: { id: number }) => i.id === id).rejected).toBe(true);
    await page.reload();
    await page.waitForSelector(`vv-grid .card[data-id="${id}"][data-rejected="true"]`);

    await card.click();
    await page.waitForSelector('vv-detail [data-rejected="true"]');
    await page.keyboard.press('u');
    await expect.poll(() => page.locator('vv-detail [data-rejected="true"]').count()).toBe(0);
    await close();
    await expect.poll(() => card.getAttribute('data-rejected')).toBeNull();
    await expect.poll(opacity).toBe(1);
    expect(await card.locator('.reject-mark').count()).toBe(0);
    expect((await api(`/api/image/${id}`)).body.rejected).toBe(false);
  });

  it('navigates the grid with the arrow keys, opens with Enter and returns focus on close', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForSelector('vv-grid .card');
    const focused = () => page.evaluate(() => Number((document.querySelector('vv-app')!.shadowRoot!.querySelector('vv-grid')!.shadowRoot!.activeElement as HTMLElement | null)?.dataset.index ?? -1));
    await page.locator('vv-grid .card').first().focus();
    expect(await focused()).toBe(0);
    await page.keyboard.press('ArrowRight');
    expect(await focused()).toBe(1);
    await page.keyboard.press('ArrowDown');
    const below = await focused();
    const tops = await page.locator('vv-grid .card').evaluateAll((els) => Object.fromEntries(els.map((e) => [(e as HTMLElement).dataset.index, e.getBoundingClientRect().top])));
    expect(tops[String(below)]).toBeGreaterThan(tops['1']);
    await page.keyboard.press('ArrowUp');
    expect(tops[String(await focused())]).toBe(tops['1']);
    await page.keyboard.press('ArrowRight');
    const index = await focused();
    const id = Number(await page.locator(`vv-grid .card[data-index="${index}"]`).getAttribute('data-id'));
    await page.keyboard.press('Enter');
    await page.waitForFunction((open) => location.search.includes(`image=${open}`), id);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('vv-detail').count()).toBe(0);
    await expect.poll(focused).toBe(index);
  });

  it('a card dragged out of the gallery carries the original file (DownloadURL and its URL)', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForSelector('vv-grid .card');
    const card = page.locator('vv-grid .card').first();
    const id = Number(await card.getAttribute('data-id'));
    const carried = await card.evaluate((el) => {
      const data = new DataTransfer();
      el.dispatchEvent(new DragEvent('dragstart', { dataTransfer: data, bubbles: true, composed: true }));
      return { download: data.getData('DownloadURL'), uri: data.getData('text/uri-list') };
    });
    const detail = (await api(`/api/image/${id}`)).body;
    expect(carried.uri).toBe(`${server.url}/api/image/${id}/file`);
    expect(carried.download).toBe(`image/${detail.format === 'jpeg' ? 'jpeg' : detail.format}:${detail.filename}:${server.url}/api/image/${id}/file`);
    const res = await fetch(carried.uri);
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBe(detail.size);
  });

  it('refuses to move to the trash while --allow-trash is off, and says how to turn it on', async () => {
    const before = shas(root);
    const [id] = await cardIds();
    const refused = await api('/api/trash', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids: [id] }) });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('trash_disabled');
    expect(refused.body.error.message).toMatch(/--allow-trash/);
    await page.goto(`${server.url}/?view=trash`);
    await expect.poll(() => page.locator('[data-trash="off"]').count()).toBe(1);
    expect(await page.locator('[data-trash="off"]').textContent()).toContain('--allow-trash');
    expect(shas(root)).toEqual(before);
  });
});

describe.skipIf(!haveBrowser)('trash with --allow-trash', () => {
  let root: string;
  let data: string;
  let xdg: string;
  let server: ServerHandle;
  let page: Page;
  const api = (p: string, init?: RequestInit) => getJson(`${server.url}${p}`, init);

  beforeAll(async () => {
    root = tempDir('vv-trash-lib-');
    data = tempDir('vv-trash-data-');
    xdg = tempDir('vv-trash-xdg-');
    await writeGenerated(root, 8, 100, 0.125);
    server = await start(root, data, ['--allow-trash'], { XDG_DATA_HOME: xdg });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  }, 120_000);

  afterAll(async () => {
    await page?.close();
    await server?.stop();
  });

  function trashinfo(name: string): { path: string; date: string } {
    const text = fs.readFileSync(path.join(xdg, 'Trash', 'info', `${name}.trashinfo`), 'utf8');
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('[Trash Info]');
    expect(lines[1]).toMatch(/^Path=\//);
    expect(lines[2]).toMatch(/^DeletionDate=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    return { path: decodeURIComponent(lines[1].slice('Path='.length)), date: lines[2].slice('DeletionDate='.length) };
  }

  it('moves the selection to the trash, lists it in the Trash view, restores it, and vv undo restores too', async () => {
    const before = shas(root);
    await page.goto(`${server.url}/`);
    await page.waitForSelector('vv-grid .card');
    const card = page.locator('vv-grid .card').nth(1);
    const id = Number(await card.getAttribute('data-id'));
    const rel = (await card.getAttribute('data-path'))!;
    const original = path.join(root, rel);
    await card.hover();
    await card.locator('button.tick').click();
    await page.locator('vv-batch-bar button', { hasText: 'Move to trash' }).click();
    await expect.poll(() => page.locator('.toast').textContent()).toContain('Moved to the trash: 1 image');
    expect(fs.existsSync(original)).toBe(false);
    const name = path.basename(rel);
    expect(sha(path.join(xdg, 'Trash', 'files', name))).toBe(before.get(rel));
    expect(trashinfo(name).path).toBe(original);
    await expect.poll(async () => (await page.locator('vv-grid .card').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-id'))))).includes(id)).toBe(false);
    expect((await api('/api/images?limit=100')).body.items.map((i: { id: number }) => i.id)).not.toContain(id);

    await page.locator('header button[data-view="trash"]').click();
    await page.waitForSelector(`vv-grid .card[data-id="${id}"]`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-trash.png') });
    const trashed = page.locator(`vv-grid .card[data-id="${id}"]`);
    await trashed.hover();
    await trashed.locator('button.tick').click();
    await page.locator('vv-batch-bar button', { hasText: 'Restore' }).click();
    await expect.poll(() => page.locator('.toast').textContent()).toContain('Restored: 1 image');
    expect(sha(original)).toBe(before.get(rel));
    expect(fs.readdirSync(path.join(xdg, 'Trash', 'files'))).toEqual([]);
    expect(fs.readdirSync(path.join(xdg, 'Trash', 'info'))).toEqual([]);
    expect((await api(`/api/image/${id}`)).body).toMatchObject({ id, missing: false, trashed_at: null });

    // Delete in the detail view (a rated image: its vault data comes back with it), then `vv undo`.
    await page.goto(`${server.url}/?image=${id}`);
    await page.waitForSelector('vv-detail vv-viewer');
    await page.keyboard.press('5');
    await expect.poll(async () => (await api(`/api/image/${id}`)).body.rating).toBe(5);
    await page.keyboard.press('Delete');
    await expect.poll(() => fs.existsSync(original)).toBe(false);
    expect(trashinfo(name).path).toBe(original);
    const undo = vv(['undo', '--data', data, '--json']);
    expect(undo.status, undo.stderr).toBe(0);
    expect(JSON.parse(undo.stdout).reversed[0].description).toMatch(/trash/);
    expect(sha(original)).toBe(before.get(rel));
    expect(fs.readdirSync(path.join(xdg, 'Trash', 'files'))).toEqual([]);
    expect((await api(`/api/image/${id}`)).body).toMatchObject({ id, missing: false, rating: 5, trashed_at: null });
    expect(shas(root)).toEqual(before);
  });

  it('moves every reject to the trash from the rejects view', async () => {
    const before = shas(root);
    const { body } = await api('/api/images?limit=3');
    const rejects = body.items.slice(0, 2).map((i: { id: number; path: string }) => i);
    await api('/api/batch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids: rejects.map((r: { id: number }) => r.id), rejected: true }) });
    await page.goto(`${server.url}/?rejected=true`);
    await page.waitForSelector('[data-bar="rejects"]');
    await page.locator('[data-bar="rejects"] button').click();
    await expect.poll(() => page.locator('.toast').textContent()).toContain('Moved to the trash: 2 images');
    for (const r of rejects) expect(fs.existsSync(path.join(root, r.path))).toBe(false);
    const after = shas(root);
    for (const [rel, hash] of after) expect(hash).toBe(before.get(rel));
    expect(after.size).toBe(before.size - 2);
    // Undo from the toast brings both back.
    await page.locator('.toast button.undo').click();
    await expect.poll(() => rejects.every((r: { path: string }) => fs.existsSync(path.join(root, r.path)))).toBe(true);
    expect(shas(root)).toEqual(before);
  });
});
