/**
 * The gallery's AI parts in a real browser (Debian Chromium via playwright-core) against a real
 * `vv serve` with the generated test models: the detail view shows a generated caption and saves an
 * edit of it through PATCH (kept across a reload); the header warns when the model is broken.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeColorLibrary } from './support/colors.js';
import { tempDir } from './support/fixtures.js';
import { getJson, serve, waitFor, type ServerHandle } from './support/cli.js';
import { chromiumAvailable, CHROMIUM, launchBrowser, galleryPage } from './support/browser.js';
import { writeTestCaptioner, writeTestModel, TEST_CAPTIONER_NAME, TEST_MODEL_NAMES } from '../scripts/make-test-model.js';

const ARTIFACTS = path.resolve(import.meta.dirname, '../test-artifacts');
const haveBrowser = chromiumAvailable();
if (!haveBrowser) console.warn(`ui tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set VV_CHROMIUM)`);

let browser: Browser;

const newPage = (): Promise<Page> => galleryPage(browser);

describe.skipIf(!haveBrowser)('gallery AI parts', () => {
  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('shows an image’s generated caption in the detail view; an edit is saved through PATCH and survives a reload', async () => {
    const root = tempDir('vv-ui-ai-lib-');
    const models = tempDir('vv-ui-ai-models-');
    const images = await writeColorLibrary(root);
    writeTestModel(models, 'clip');
    writeTestCaptioner(models);
    const server = await serve([root, '--data', tempDir('vv-ui-ai-data-'), '--workers', '1', '--no-watch', '--model', TEST_MODEL_NAMES.clip], { VV_MODELS_DIR: models, VV_CAPTIONER: TEST_CAPTIONER_NAME });
    const page = await newPage();
    try {
      await waitFor(async () => {
        const { body } = await getJson(`${server.url}/api/status`);
        return body.scan.stats && !body.scan.running && body.counts.images === images.length && body.embeddings.done === images.length && !body.embeddings.running;
      }, 60_000);
      const { body: list } = await getJson(`${server.url}/api/images?limit=500`);
      const id = list.items.find((i: { path: string }) => i.path === 'copies/red-0.jpg').id;
      expect((await getJson(`${server.url}/api/image/${id}`)).body.caption).toEqual({ text: 'a red picture', source: 'ai' });

      await page.goto(`${server.url}/?image=${id}`);
      const caption = page.locator('vv-detail textarea[name="caption"]');
      await expect.poll(() => caption.inputValue()).toBe('a red picture');
      expect(await page.locator('vv-detail [data-caption-source]').getAttribute('data-caption-source')).toBe('ai');

      await caption.fill('a scarlet square on white');
      const patched = page.waitForRequest((r) => r.method() === 'PATCH' && r.url().endsWith(`/api/image/${id}`));
      await page.locator('vv-detail button', { hasText: 'Save caption' }).click();
      expect((await patched).postDataJSON()).toEqual({ caption: 'a scarlet square on white' });
      await expect.poll(() => page.locator('vv-detail [role="status"]').textContent()).toContain('Caption saved');
      expect(await page.locator('vv-detail [data-caption-source]').getAttribute('data-caption-source')).toBe('user');
      await page.screenshot({ path: path.join(ARTIFACTS, 'ui-caption.png') });

      await page.reload();
      await expect.poll(() => page.locator('vv-detail textarea[name="caption"]').inputValue()).toBe('a scarlet square on white');
      expect(await page.locator('vv-detail [data-caption-source]').getAttribute('data-caption-source')).toBe('user');
      expect((await getJson(`${server.url}/api/image/${id}`)).body.caption).toEqual({ text: 'a scarlet square on white', source: 'user' });
    } finally {
      await page.close();
      await server.stop();
    }
  }, 120_000);

  it('warns in the header when the AI model failed, with the error as its title', async () => {
    const root = tempDir('vv-ui-ai-lib-');
    const models = tempDir('vv-ui-ai-models-');
    const images = await writeColorLibrary(root);
    // The Immich layout (batch fixed at 1) with both towers unreadable.
    const dir = writeTestModel(models, 'openclip');
    for (const tower of ['visual/model.onnx', 'textual/model.onnx']) fs.writeFileSync(path.join(dir, tower), 'not an onnx model');
    const server = await serve([root, '--data', tempDir('vv-ui-ai-fail-'), '--workers', '1', '--no-watch', '--model', TEST_MODEL_NAMES.openclip], { VV_MODELS_DIR: models });
    const page = await newPage();
    try {
      await waitFor(async () => {
        const { body } = await getJson(`${server.url}/api/status`);
        return body.scan.stats && !body.scan.running && body.counts.images === images.length && !body.embeddings.running && body.embeddings.error;
      }, 60_000);
      await page.goto(`${server.url}/`);
      await page.waitForSelector('vv-grid .card');
      const warning = page.locator('[data-status="ai-error"]');
      await expect.poll(() => warning.count()).toBe(1);
      expect(await warning.textContent()).toContain('AI model failed');
      expect(await warning.getAttribute('title')).toMatch(/cannot load (visual|textual)\/model.onnx/);
      await page.screenshot({ path: path.join(ARTIFACTS, 'ui-ai-failed.png') });
    } finally {
      await page.close();
      await server.stop();
    }
  }, 120_000);
});
