/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * `npm run bench:ui [-- --n 100000]`
 * The gallery in headless Chromium over a synthetic library of n images: time to the first row
 * of loaded thumbnails (cold: thumbnails made on demand; warm: a reload), then long tasks while
 * scrolling through every image — jumping to the end until all pages are loaded (the page's own
 * long-task timeline), then wheel scrolling back up, fast then at a reading pace (a Chrome
 * performance trace of the renderer's main thread). Final JSON line:
 * { n, first_row_ms, max_task_ms, tasks_over_100ms, wheel_fast, wheel_slow, ... }.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { syntheticLibrary } from './synthetic.js';
import { arg, round, startServe, vvSync } from './util.js';
import { Vault } from '../src/library/vault.js';

const n = arg('n', 100_000);
const chromiumPath = process.env.VV_CHROMIUM ?? '/usr/bin/chromium';
const log = (m: string) => console.error(`[bench:ui] ${m}`);

const lib = await syntheticLibrary(path.join(os.tmpdir(), `vv-bench-${n}`, 'library'), n);
const data = path.join(os.tmpdir(), `vv-bench-ui-data-${n}`);
if (!fs.existsSync(path.join(data, 'vault.db'))) {
  log(`indexing ${n} images…`);
  vvSync(['scan', lib.dir, '--data', data, '--no-embed', '--json']);
}
// Thumbnails made beforehand (a library the background thumbnailer has finished with): making
// them on demand would compete with the page for the 2 cores while it is measured.
{
  const vault = Vault.open({ dataDir: data, library: lib.dir, workers: 0, model: 'none' });
  const t = performance.now();
  const p = await vault.thumbnails.generateMissing(os.availableParallelism());
  if (p.total) log(`made ${p.done} thumbnails in ${round((performance.now() - t) / 1000)} s`);
  await vault.close();
}
// No background thumbnailing while measuring.
const server = await startServe([lib.dir, '--data', data, '--no-watch', '--no-embed', '--no-thumbnails']);
for (;;) {
  const s = (await (await fetch(`${server.url}/api/status`)).json()) as { scan: { running: boolean; stats: unknown } };
  if (s.scan.stats && !s.scan.running) break;
  await new Promise((r) => setTimeout(r, 200));
}

const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
// Thumbnail requests the page started and saw end: the rest were abandoned by cards scrolled away.
const requests = { started: 0, finished: 0, failed: 0 };
const isThumb = (r: { url(): string }) => r.url().includes('/thumbnails/');
page.on('request', (r) => void (isThumb(r) && requests.started++));
page.on('requestfinished', (r) => void (isThumb(r) && requests.finished++));
page.on('requestfailed', (r) => void (isThumb(r) && requests.failed++));

// Time to first row: navigation start → every image of the first row decoded.
const firstRow = () =>
  page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const check = () => {
          const grid = document.querySelector('vv-app')?.shadowRoot?.querySelector('vv-grid');
          const cards = [...(grid?.shadowRoot?.querySelectorAll('.card') ?? [])] as HTMLElement[];
          if (cards.length) {
            const top = Math.min(...cards.map((c) => c.getBoundingClientRect().top));
            const row = cards.filter((c) => Math.abs(c.getBoundingClientRect().top - top) < 1);
            const imgs = row.map((c) => c.querySelector('img')).filter((i): i is HTMLImageElement => Boolean(i));
            if (imgs.length && imgs.every((i) => i.complete && i.naturalWidth > 0)) return resolve(performance.now());
          }
          requestAnimationFrame(check);
        };
        check();
      }),
  );
await page.goto(`${server.url}/`);
const firstRowColdMs = await firstRow();
await page.reload();
const firstRowMs = await firstRow();
log(`first row of thumbnails: ${round(firstRowColdMs)} ms cold (made on demand), ${round(firstRowMs)} ms warm`);

// The page's own long-task timeline (tasks ≥ 50 ms on its main thread) over the whole scroll.
await page.evaluate(() => {
  const w = window as unknown as { __long: number[] };
  w.__long = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) w.__long.push(e.duration);
  }).observe({ type: 'longtask', buffered: false });
});
const t0 = performance.now();
// Load every page by jumping to the end of what is loaded, as a fast scroll does.
let loaded = 0;
for (let guard = 0; guard < 5000; guard++) {
  loaded = await page.evaluate(async () => {
    const app = document.querySelector('vv-app') as unknown as { items: unknown[]; nextCursor: string | null; loading: boolean; shadowRoot: ShadowRoot };
    const grid = app.shadowRoot.querySelector('vv-grid') as HTMLElement;
    grid.scrollTop = grid.scrollHeight;
    const before = app.items.length;
    const t = performance.now();
    while (app.items.length === before && app.nextCursor && performance.now() - t < 5000) await new Promise((r) => setTimeout(r, 10));
    return app.nextCursor ? app.items.length : -app.items.length;
  });
  if (loaded < 0) break;
}
const loadAllS = (performance.now() - t0) / 1000;
const loadLong = await page.evaluate(() => (window as unknown as { __long: number[] }).__long.splice(0));
log(`loaded ${Math.abs(loaded)} images by scrolling in ${round(loadAllS)} s; long tasks meanwhile: ${loadLong.length}, longest ${round(Math.max(0, ...loadLong))} ms`);

// Then wheel scrolling up through the list, under a Chrome trace (top-level tasks only: small).
// Fast: 400 px per event at ~60 events/s, ~24,000 px/s, a hard fling (no thumbnail requests start
// while flinging). Slow: 60 px per event, a reading pace at which every thumbnail loads.
const WHEEL_PX = arg('wheel', 400);
const SLOW_WHEEL_PX = arg('slow-wheel', 60);
type TraceEvent = { name: string; ph: string; pid: number; tid: number; dur?: number; args?: { name?: string } };
async function wheelPass(px: number, events: number): Promise<{ tasks: number[]; long: number[] }> {
  const traceFile = path.join(os.tmpdir(), `vv-bench-ui-trace-${process.pid}.json`);
  await browser.startTracing(page, { path: traceFile, categories: ['toplevel'] });
  await page.mouse.move(800, 500);
  for (let i = 0; i < events; i++) {
    await page.mouse.wheel(0, -px);
    await page.waitForTimeout(16);
  }
  await browser.stopTracing();
  const long = await page.evaluate(() => (window as unknown as { __long: number[] }).__long.splice(0));
  const trace = JSON.parse(fs.readFileSync(traceFile, 'utf8')) as { traceEvents: TraceEvent[] };
    const mainThreads = new Set(trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const tasks = trace.traceEvents.filter((e) => e.ph === 'X' && (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask') && mainThreads.has(`${e.pid}:${e.tid}`)).map((e) => (e.dur ?? 0) / 1000);
  return { tasks: tasks.sort((a, b) => b - a), long };
}
const fast = await wheelPass(WHEEL_PX, 300);
const slow = await wheelPass(SLOW_WHEEL_PX, 300);
const thumbsShown = await page.evaluate(() => {
  const grid = document.querySelector('vv-app')?.shadowRoot?.querySelector('vv-grid')?.shadowRoot;
  return [...(grid?.querySelectorAll('.card img') ?? [])].filter((i) => (i as HTMLImageElement).complete).length;
});
const summary = (p: { tasks: number[]; long: number[] }) => ({
  long_tasks: p.long.length,
  trace_tasks: p.tasks.length,
  max_task_ms: round(p.tasks[0] ?? 0),
  p99_task_ms: round(p.tasks[Math.floor(p.tasks.length * 0.01)] ?? 0),
});
const domCards = await page.evaluate(() => document.querySelector('vv-app')?.shadowRoot?.querySelector('vv-grid')?.shadowRoot?.querySelectorAll('.card').length ?? 0);
await browser.close();
await server.stop();

console.log(
  JSON.stringify({
    bench: 'ui',
    n,
    cpus: os.availableParallelism(),
    first_row_ms: round(firstRowMs),
    first_row_cold_ms: round(firstRowColdMs),
    images_loaded: Math.abs(loaded),
    load_all_by_scrolling_s: round(loadAllS),
    long_tasks_while_loading: loadLong.length,
    max_long_task_while_loading_ms: round(Math.max(0, ...loadLong)),
    wheel_px_per_event: WHEEL_PX,
    wheel_fast: summary(fast),
    slow_wheel_px_per_event: SLOW_WHEEL_PX,
    wheel_slow: summary(slow),
    thumbnails_shown_after_slow_scroll: thumbsShown,
    cards_in_dom: domCards,
    thumbnail_requests: requests.started,
    thumbnail_requests_abandoned: requests.started - requests.finished - requests.failed,
    // Over the whole scroll (loading every page, then both wheel passes).
    max_task_ms: round(Math.max(fast.tasks[0] ?? 0, slow.tasks[0] ?? 0, ...loadLong)),
    tasks_over_50ms: [...fast.tasks, ...slow.tasks].filter((t) => t > 50).length + loadLong.length,
    tasks_over_100ms: [...fast.tasks, ...slow.tasks, ...loadLong].filter((t) => t > 100).length,
  }),
);
