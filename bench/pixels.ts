/**
 * `npm run bench:pixels [-- --n 120] [--width 1024] [--height 1536]`
 * The scan's pixel pass on generator-sized PNGs (demo renders at full size with film grain, so they
 * compress like real outputs: ~2–3 MB each): perceptual hash then thumbnail, each with its own
 * decode (what the scan and the thumbnailer did apart), against both from one decode
 * (`pixelPass` with a thumbnail target), through the same 2-worker pool the scanner uses.
 * Final JSON line: { n, separate_per_second, combined_per_second, speedup, ... }.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { makeGeneration } from '../src/demo/generations.js';
import { renderPixels } from '../src/demo/library.js';
import { IngestPool } from '../src/ingest/ingest-pool.js';
import { reducedImage, thumbnailPath, writeThumbnail } from '../src/ingest/thumbnail-file.js';
import { arg, round } from './util.js';

const n = arg('n', 120);
const width = arg('width', 1024);
const height = arg('height', 1536);
const log = (m: string) => console.error(`[bench:pixels] ${m}`);

const dir = path.join(os.tmpdir(), `vv-bench-pixels-${n}-${width}x${height}`);
if (!fs.existsSync(path.join(dir, 'done'))) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    const base = await (await renderPixels(makeGeneration(20_000_000 + i))).resize(width, height, { fit: 'fill' }).png().toBuffer();
    const grain = await sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 8 } } }).png().toBuffer();
    await sharp(base).composite([{ input: grain, blend: 'soft-light' }]).png().toFile(path.join(dir, `${String(i).padStart(5, '0')}.png`));
  }
  fs.writeFileSync(path.join(dir, 'done'), '');
}
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.png')).map((f) => path.join(dir, f));
const mb = files.reduce((s, f) => s + fs.statSync(f).size, 0) / files.length / 1e6;
log(`${files.length} PNGs of ${width}×${height}, ${round(mb, 2)} MB each`);

const pool = new IngestPool({ workers: 2 });
const thumbs = fs.mkdtempSync(path.join(os.tmpdir(), 'vv-bench-pixels-thumbs-'));
const target = (i: number) => thumbnailPath(thumbs, i.toString(16).padStart(16, '0'));

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

// Apart: the hash pass in the pool, then thumbnails as the thumbnailer makes them (2 at a time, in-process).
const hashS = await timed(() => Promise.all(files.map((f) => pool.pixels(f, null))));
let next = 0;
const thumbS = await timed(() =>
  Promise.all(
    Array.from({ length: 2 }, async () => {
      while (next < files.length) {
        const i = next++;
        await writeThumbnail(reducedImage(files[i]), target(i));
      }
    }),
  ),
);
fs.rmSync(thumbs, { recursive: true, force: true });
// Together: one decode in the pool makes both (the scanner submits them all at once, as here).
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
const combinedS = await timed(() => Promise.all(files.map((f, i) => pool.pixels(f, target(i)))));
clearInterval(sampler);
const written = fs.readdirSync(thumbs, { recursive: true }).filter((f) => String(f).endsWith('.webp')).length;
await pool.close();
fs.rmSync(thumbs, { recursive: true, force: true });

const separate = files.length / (hashS + thumbS);
const combined = files.length / combinedS;
console.log(
  JSON.stringify({
    bench: 'pixels',
    n: files.length,
    width,
    height,
    png_mb: round(mb, 2),
    cpus: os.availableParallelism(),
    hash_only_per_second: round(files.length / hashS),
    thumbnail_only_per_second: round(files.length / thumbS),
    separate_per_second: round(separate),
    combined_per_second: round(combined),
    thumbnails_written: written,
    speedup: round(combined / separate, 2),
    peak_rss_mb_combined: round(peakRss / 1e6),
  }),
);
