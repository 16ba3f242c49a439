/**
 * The gallery with videos and animations (issue 15): the grid marks clips with their duration and
 * plays the animated preview on hover; the detail view plays a video in the native player (through
 * range requests on the original) and steps frame by frame with , and . showing the timestamp; an
 * animation steps the same way (decoded by WebCodecs' ImageDecoder, drawn on a canvas); the sidebar
 * filters by media type and minimum duration.
 * Files are written by ffmpeg as VideoHelperSuite writes them; Debian's Chromium drives the page.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { animatedGif, animatedPng, animatedWebp, ffmpegAvailable, vhsVideo, type FrameSpec } from '../src/demo/media-files.js';
import { comfyPrompt, comfyWorkflow, makeGeneration } from '../src/demo/generations.js';
import { chromiumAvailable, launchBrowser, galleryPage } from './support/browser.js';
import { getJson, serve, waitFor, waitForScan, type ServerHandle } from './support/cli.js';
import { tempDir } from './support/fixtures.js';

const ready = chromiumAvailable() && ffmpegAvailable();
if (!ready) console.warn('SKIPPED video gallery tests: needs chromium and ffmpeg');

const generation = { ...makeGeneration(9), tool: 'comfyui' as const };
const graph = { prompt: comfyPrompt(generation), workflow: comfyWorkflow(generation) };
const CLIP: FrameSpec = { width: 320, height: 240, fps: 8, frames: 16, black: 2 };

let server: ServerHandle;
let browser: Browser;
let page: Page;
let items: Map<string, any>;

describe.skipIf(!ready)('videos in the gallery', () => {
  beforeAll(async () => {
    const root = tempDir('vv-ui-video-lib-');
    vhsVideo(path.join(root, 'clip.webm'), 'webm', CLIP, graph);
    fs.writeFileSync(path.join(root, 'loop.gif'), animatedGif({ ...CLIP, frames: 12, variant: 2 }, graph));
    server = await serve([root, '--data', tempDir('vv-ui-video-data-'), '--workers', '1', '--no-watch']);
    await waitForScan(server, 2, 120_000);
    await waitFor(async () => (await getJson(`${server.url}/api/status`)).body.scan.phase === 'idle', 60_000);
    items = new Map((await getJson(`${server.url}/api/images`)).body.items.map((i: any) => [i.filename, i]));
    browser = await launchBrowser();
    page = await galleryPage(browser, { viewport: { width: 1200, height: 800 } });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('marks clips with their duration and plays the animated preview on hover', async () => {
    await page.goto(`${server.url}/`);
    const card = page.locator(`vv-grid .card[data-id="${items.get('clip.webm').id}"]`);
    await card.waitFor();
    expect(await card.locator('.duration').textContent()).toBe('▶ 2.0s');
    expect(await page.locator(`vv-grid .card[data-id="${items.get('loop.gif').id}"] .duration`).textContent()).toBe('1.5s');
    await card.locator('img').hover();
    await expect.poll(() => card.locator('img').getAttribute('src')).toBe(items.get('clip.webm').preview_url);
    await expect.poll(() => card.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(320);
    await page.mouse.move(1190, 790);
    await expect.poll(() => card.locator('img').getAttribute('src')).toBe(items.get('clip.webm').thumbnail_url);
  });

  it('plays a video in the detail view and steps frames with , and .', async () => {
    const requests: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith(`/api/image/${items.get('clip.webm').id}/file`)) requests.push(r.headers().range ?? 'none');
    });
    await page.locator(`vv-grid .card[data-id="${items.get('clip.webm').id}"]`).click();
    const video = page.locator('vv-detail vv-video video');
    await video.waitFor();
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState >= 1 && v.duration), { timeout: 20_000 }).toBeCloseTo(2, 1);
    // It plays: time advances.
    await video.evaluate(async (v: HTMLVideoElement) => {
      v.muted = true;
      await v.play();
    });
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 20_000 }).toBeGreaterThan(0.3);
    // The player read the original through byte ranges.
    expect(requests.some((r) => r.startsWith('bytes='))).toBe(true);

    const frameShown = async () => Number(/frame (\d+) \/ 16/.exec((await page.locator('vv-detail vv-video .timestamp').textContent()) ?? '')?.[1]);
    await page.keyboard.press('.');
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.paused)).toBe(true);
    const start = await frameShown();
    expect(start).toBeGreaterThanOrEqual(1);
    await page.keyboard.press('.');
    await page.keyboard.press('.');
    await expect.poll(frameShown).toBe(start + 2);
    await page.keyboard.press(',');
    await expect.poll(frameShown).toBe(start + 1);
    // The player is on that frame: its time lies inside the frame's 1/8 s.
    const time = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
    expect(Math.floor(time * 8) + 1).toBe(start + 1);
    expect(await page.locator('vv-detail vv-video .timestamp').textContent()).toContain(`${time.toFixed(3)} s`);
    // Stepping never runs past the first or last frame.
    for (let i = 0; i < 20; i++) await page.keyboard.press(',');
    await expect.poll(frameShown).toBe(1);
    for (let i = 0; i < 20; i++) await page.keyboard.press('.');
    await expect.poll(frameShown).toBe(16);
  });

  it('plays an animation as the original in the detail view', async () => {
    await page.keyboard.press('Escape');
    await page.locator(`vv-grid .card[data-id="${items.get('loop.gif').id}"]`).click();
    const original = page.locator(`vv-detail .picture img[src="/api/image/${items.get('loop.gif').id}/file"]`);
    await original.first().waitFor();
    expect(await page.locator('vv-detail vv-video').count()).toBe(0);
  });

  it('steps an animation frame by frame with , and . (WebCodecs ImageDecoder), showing index and time, and plays it again', async () => {
    const stamp = page.locator('vv-detail vv-animation .timestamp');
    await expect.poll(() => stamp.textContent()).toContain('playing');
    const canvas = page.locator('vv-detail vv-animation canvas');
    expect(await canvas.isVisible()).toBe(false);
    const shown = async () => {
      const m = /([\d.]+) s · frame (\d+) \/ (\d+)/.exec((await stamp.textContent()) ?? '');
      return m ? { time: Number(m[1]), frame: Number(m[2]), of: Number(m[3]) } : null;
    };
    /** A digest of the drawn pixels: the sum of every channel, and the frame size. */
    const drawn = () =>
      canvas.evaluate((c: HTMLCanvasElement) => {
        const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let sum = 0;
        for (const v of data) sum += v;
        return `${c.width}x${c.height}:${sum}`;
      });
    await page.keyboard.press('.');
    await expect.poll(shown, { timeout: 20_000 }).toEqual({ time: 0, frame: 1, of: 12 });
    expect(await canvas.isVisible()).toBe(true);
    const first = await drawn();
    expect(first).toMatch(/^320x240:/);
    for (let i = 0; i < 3; i++) await page.keyboard.press('.');
    await expect.poll(async () => (await shown())?.frame).toBe(4);
    // Three frames at 8 fps (GIF delays are whole centiseconds: 12 or 13).
    expect((await shown())!.time).toBeCloseTo(0.375, 1);
    const fourth = await drawn();
    expect(fourth).not.toBe(first);
    await page.locator('vv-detail vv-animation button[aria-label="next frame"]').click();
    await expect.poll(async () => (await shown())?.frame).toBe(5);
    expect((await shown())!.time).toBeGreaterThan(0.45);
    expect(await drawn()).not.toBe(fourth);
    await page.keyboard.press(',');
    await expect.poll(async () => (await shown())?.frame).toBe(4);
    expect(await drawn()).toBe(fourth);
    // Never past the first or the last frame.
    for (let i = 0; i < 15; i++) await page.keyboard.press(',');
    await expect.poll(async () => (await shown())?.frame).toBe(1);
    expect(await drawn()).toBe(first);
    for (let i = 0; i < 15; i++) await page.keyboard.press('.');
    await expect.poll(async () => (await shown())?.frame).toBe(12);
    await page.locator('vv-detail vv-animation button[aria-label="play"]').click();
    await expect.poll(() => stamp.textContent()).toContain('playing');
    expect(await canvas.isVisible()).toBe(false);
    expect(await page.locator(`vv-detail .picture img[src="/api/image/${items.get('loop.gif').id}/file"]`).first().isVisible()).toBe(true);
  });

  it('filters the grid by media type and minimum duration from the sidebar', async () => {
    await page.keyboard.press('Escape');
    const cards = () => page.locator('vv-grid .card').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.id)).sort((a, b) => a - b));
    const ids = (...names: string[]) => names.map((n) => items.get(n).id).sort((a: number, b: number) => a - b);
    await expect.poll(cards).toEqual(ids('clip.webm', 'loop.gif'));
    await page.locator('vv-sidebar select[name="media"]').selectOption('video');
    await expect.poll(cards).toEqual(ids('clip.webm'));
    expect(new URL(page.url()).searchParams.get('media')).toBe('video');
    await page.locator('vv-sidebar select[name="media"]').selectOption('animation');
    await expect.poll(cards).toEqual(ids('loop.gif'));
    await page.locator('vv-sidebar select[name="media"]').selectOption('');
    await expect.poll(cards).toEqual(ids('clip.webm', 'loop.gif'));
    // The clip lasts 2 s, the animation 1.5 s.
    const minDuration = page.locator('vv-sidebar input[name="min_duration"]');
    await minDuration.fill('1.8');
    await minDuration.press('Enter');
    await expect.poll(cards).toEqual(ids('clip.webm'));
    expect(new URL(page.url()).searchParams.get('min_duration')).toBe('1.8');
    await minDuration.fill('1');
    await minDuration.press('Enter');
    await expect.poll(cards).toEqual(ids('clip.webm', 'loop.gif'));
    // From the URL (a shared link), the controls show the filters.
    await page.goto(`${server.url}/?media=animation&min_duration=1`);
    await expect.poll(cards).toEqual(ids('loop.gif'));
    expect(await page.locator('vv-sidebar select[name="media"]').inputValue()).toBe('animation');
    expect(await minDuration.inputValue()).toBe('1');
  });
});

describe.skipIf(!ready)('animated WebP and APNG frames in the detail view', () => {
  let server: ServerHandle;
  let browser: Browser;

  beforeAll(async () => {
    const root = tempDir('vv-ui-anim-lib-');
    fs.writeFileSync(path.join(root, 'loop.webp'), animatedWebp({ ...CLIP, frames: 12, variant: 3 }, graph));
    fs.writeFileSync(path.join(root, 'loop.png'), animatedPng({ ...CLIP, frames: 12, variant: 4 }, graph));
    server = await serve([root, '--data', tempDir('vv-ui-anim-data-'), '--workers', '1', '--no-watch']);
    await waitForScan(server, 2, 120_000);
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('steps each one (ImageDecoder image/webp, image/png) to frames with other pixels and later times', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    for (const item of (await getJson(`${server.url}/api/images`)).body.items) {
      expect(item.media_type, item.filename).toBe('animation');
      await page.goto(`${server.url}/?image=${item.id}`);
      const stamp = page.locator('vv-detail vv-animation .timestamp');
      await expect.poll(() => stamp.textContent(), { timeout: 20_000 }).toContain('playing');
      const shown = async () => /([\d.]+) s · frame (\d+) \/ 12/.exec((await stamp.textContent()) ?? '')?.slice(1).map(Number) ?? null;
      const drawn = () => page.locator('vv-detail vv-animation canvas').evaluate((c: HTMLCanvasElement) => c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data.reduce((a, b) => a + b, 0));
      await page.keyboard.press('.');
      await expect.poll(shown, { timeout: 20_000 }).toEqual([0, 1]);
      const first = await drawn();
      await page.keyboard.press('.');
      await page.keyboard.press('.');
      await expect.poll(async () => (await shown())?.[1], { message: item.filename }).toBe(3);
      expect((await shown())![0], item.filename).toBeCloseTo(0.25, 2);
      expect(await drawn(), item.filename).not.toBe(first);
    }
    await page.close();
  });
});
