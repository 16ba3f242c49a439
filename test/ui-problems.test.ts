/**
 * The gallery's Problems view in a real browser (Debian Chromium via playwright-core) against a
 * real `vv serve`: it lists the problem files the API reports, with their reasons.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corruptPixelsPng, writeGenerated } from './support/library.js';
import { tempDir, writeFile } from './support/fixtures.js';
import { getJson, serve, waitFor, type ServerHandle } from './support/cli.js';
import { chromiumAvailable, CHROMIUM, launchBrowser, galleryPage } from './support/browser.js';

const ARTIFACTS = path.resolve(import.meta.dirname, '../test-artifacts');
const haveBrowser = chromiumAvailable();
if (!haveBrowser) console.warn(`ui tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set VV_CHROMIUM)`);

let server: ServerHandle;
let browser: Browser;
let page: Page;

describe.skipIf(!haveBrowser)('gallery problems view', () => {
  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const root = tempDir('vv-ui-problems-lib-');
    await writeGenerated(root, 4, 0, 0.25);
    writeFile(root, 'broken/corrupt-idat.png', await corruptPixelsPng('a damaged lighthouse'));
    writeFile(root, 'broken/not-an-image.png', 'plain text with an image name');
    server = await serve([root, '--data', tempDir('vv-ui-problems-data-'), '--workers', '1', '--no-watch']);
    await waitFor(async () => {
      const { body } = await getJson(`${server.url}/api/status`);
      return body.scan.stats && !body.scan.running && body.counts.problems === 2;
    }, 60_000);
    browser = await launchBrowser();
    page = await galleryPage(browser);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('opens from the header and lists every problem file with its reason', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForSelector('vv-grid .card');
    await page.locator('.tabs button', { hasText: 'Problems' }).click();
    await page.waitForSelector('vv-problems tr.problem');
    expect(new URL(page.url()).searchParams.get('view')).toBe('problems');
    const rows = await page.locator('vv-problems tr.problem').evaluateAll((trs) =>
      trs.map((tr) => ({ path: tr.getAttribute('data-path'), kind: tr.getAttribute('data-kind'), message: tr.querySelector('.message')?.textContent })),
    );
    const { body } = await getJson(`${server.url}/api/problems`);
    expect(rows).toEqual(body.items.map((p: { path: string; kind: string; message: string }) => ({ path: p.path, kind: p.kind, message: p.message })));
    expect(rows.find((r) => r.path === 'broken/corrupt-idat.png')).toMatchObject({ kind: 'decode_error', message: expect.stringMatching(/damaged/) });
    expect(rows.find((r) => r.path === 'broken/not-an-image.png')).toMatchObject({ kind: 'metadata_error' });
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-problems.png') });
  });
});
