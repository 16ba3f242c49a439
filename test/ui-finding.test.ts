/**
 * Finding things in the gallery, in real Chromium against a real `vv serve`: the folder tree,
 * albums (save, shown live, show, delete) through the in-app dialog, model type-ahead, SFW mode
 * (blur and hide), the clickable path in the detail view, the relevance sort label and SVG icons.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solidImage, tempDir, writeFile } from './support/fixtures.js';
import { getJson, serve, waitForScan, type ServerHandle } from './support/cli.js';
import { chromiumAvailable, launchBrowser, galleryPage } from './support/browser.js';
import { addPngText } from '../src/demo/embed.js';

const ARTIFACTS = path.resolve(import.meta.dirname, '../test-artifacts');
const FILES: [string, string, [number, number, number]][] = [
  ['cats/a.png', 'a red cat on a sofa\nSteps: 20, Sampler: Euler a, Seed: 1, Size: 32x24, Model: Juggernaut_XL', [200, 10, 10]],
  ['cats/b.png', 'a red cat on a sofa\nSteps: 20, Sampler: Euler a, Seed: 2, Size: 32x24, Model: Juggernaut_XL', [10, 200, 10]],
  ['cats/old/c.png', 'rating:explicit, a red cat\nSteps: 20, Sampler: DPM++ 2M Karras, Seed: 3, Size: 32x24, Model: juggernaut_xl_v9', [10, 10, 200]],
  ['dogs/d.png', 'nsfw, a brown dog\nSteps: 20, Sampler: Euler a, Seed: 4, Size: 32x24, Model: dreamshaper_8', [200, 200, 10]],
  ['e.png', 'an oak tree at dusk\nSteps: 20, Sampler: Euler a, Seed: 5, Size: 32x24, Model: dreamshaper_8', [10, 200, 200]],
];

let server: ServerHandle;
let browser: Browser;
let page: Page;

const cardPaths = async () => (await page.locator('vv-grid .card').evaluateAll((els) => els.map((e) => e.getAttribute('data-path')!))).sort();

async function answerDialog(text: string | null): Promise<void> {
  const dialog = page.locator('vv-dialog dialog[open]');
  await dialog.waitFor();
  if (text !== null) await dialog.locator('input').fill(text);
  await dialog.locator('button[type="submit"]').click();
  await page.locator('vv-dialog dialog[open]').waitFor({ state: 'hidden' });
}

describe.skipIf(!chromiumAvailable())('gallery: finding things', () => {
  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const root = tempDir('vv-uifind-lib-');
    for (const [rel, text, color] of FILES) writeFile(root, rel, addPngText(await solidImage('png', color, 64, 48), [{ type: 'tEXt', key: 'parameters', text }]));
    server = await serve([root, '--data', tempDir('vv-uifind-data-'), '--no-watch', '--workers', '1', '--model', 'none']);
    await waitForScan(server, FILES.length);
    browser = await launchBrowser();
    page = await galleryPage(browser);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('the folder tree filters by folder, with counts; nested folders expand', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForSelector('vv-grid .card');
    const cats = page.locator('vv-places [data-folder="cats"] > .row');
    await expect.poll(() => cats.locator('.count').textContent()).toBe('3');
    await cats.locator('button.name').click();
    await expect.poll(cardPaths).toEqual(['cats/a.png', 'cats/b.png', 'cats/old/c.png']);
    expect(new URL(page.url()).searchParams.get('dir')).toBe('cats');
    await page.locator('vv-places [data-folder="cats/old"] > .row button.name').click();
    await expect.poll(cardPaths).toEqual(['cats/old/c.png']);
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-folders.png') });
  });

  it('saves the filters as an album in an in-app dialog, shows it live, shows it again, deletes it', async () => {
    await page.goto(`${server.url}/?dir=cats`);
    await page.waitForSelector('vv-grid .card');
    await page.locator('vv-places h3 button', { hasText: 'save current' }).click();
    await answerDialog('My cats');
    const row = page.locator('vv-places [data-album="My cats"]');
    await expect.poll(() => row.locator('.count').textContent()).toBe('3');
    expect((await getJson(`${server.url}/api/albums`)).body.albums.map((a: any) => a.url_query)).toEqual(['dir=cats']);
    await page.goto(`${server.url}/`);
    await page.waitForSelector('vv-grid .card');
    expect((await cardPaths()).length).toBe(5);
    await page.locator('vv-places [data-album="My cats"] button.name').click();
    await expect.poll(cardPaths).toEqual(['cats/a.png', 'cats/b.png', 'cats/old/c.png']);
    await page.locator('vv-places button[aria-label="delete album My cats"]').click();
    await answerDialog(null);
    await expect.poll(() => page.locator('vv-places [data-album]').count()).toBe(0);
    expect((await getJson(`${server.url}/api/albums`)).body.albums).toEqual([]);
  });

  it('suggests models from the index as one types, in any case', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForSelector('vv-grid .card');
    const input = page.locator('vv-sidebar input[name="model"]');
    await input.click();
    await input.pressSequentially('JUGG');
    const options = () => page.locator('vv-sidebar datalist#values-model option').evaluateAll((els) => els.map((e) => e.getAttribute('value')));
    await expect.poll(options).toEqual(['Juggernaut_XL', 'juggernaut_xl_v9']);
  });

  it('SFW mode blurs images marked NSFW, or hides them', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForSelector('vv-grid .card');
    const blurOf = (p: string) => page.locator(`vv-grid .card[data-path="${p}"] img`).evaluate((img) => getComputedStyle(img).filter);
    expect(await blurOf('dogs/d.png')).toBe('none');
    await page.locator('vv-app select[aria-label="SFW mode"]').selectOption('blur');
    await expect.poll(() => blurOf('dogs/d.png')).toContain('blur');
    expect(await blurOf('cats/old/c.png')).toContain('blur');
    expect(await blurOf('e.png')).toBe('none');
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-sfw-blur.png') });
    // Kept across reloads (this browser's preference).
    await page.reload();
    await page.waitForSelector('vv-grid .card');
    await expect.poll(() => blurOf('dogs/d.png')).toContain('blur');
    await page.locator('vv-app select[aria-label="SFW mode"]').selectOption('hide');
    await expect.poll(cardPaths).toEqual(['cats/a.png', 'cats/b.png', 'e.png']);
    await page.locator('vv-app select[aria-label="SFW mode"]').selectOption('off');
    await expect.poll(async () => (await cardPaths()).length).toBe(5);
  });

  it('the detail path shows its folder; the sort says relevance while a search ranks; icons are SVG', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForSelector('vv-grid .card');
    await page.locator('vv-grid .card[data-path="cats/old/c.png"]').click();
    await page.locator('vv-detail button.path').click();
    await expect.poll(cardPaths).toEqual(['cats/old/c.png']);
    expect(new URL(page.url()).searchParams.get('dir')).toBe('cats/old');
    await page.goto(`${server.url}/?q=cat`);
    await page.waitForSelector('vv-grid .card');
    expect(await page.locator('vv-app select[aria-label="sort"]').inputValue()).toBe('relevance');
    expect(await page.locator('vv-app button[aria-label="switch theme"] svg.icon').count()).toBe(1);
    expect(await page.locator('link[rel="icon"]').getAttribute('href')).toMatch(/^data:image\/svg\+xml/);
  });
});
