/**
 * `npm run bench:hostile [-- --dir d]` — a generated hostile set (src/demo/hostile.ts: zTXt / iTXt
 * bombs, tens of thousands of repeated chunks in PNG / JPEG / WebP / GIF, JSON and XML nested 100k
 * deep, truncations and bit flips of our own generator-like images) read three ways:
 * - each file in-process as `vv meta` reads it and as the scan ingests it: seconds per file;
 * - one `vv meta --json` over all of them, and one `vv scan`: peak RSS (VmHWM), exit status, and
 *   whether every file got its record.
 * Goal: every file < 2 s, both peaks < 1 GB, 0 crashes. Prints a final JSON line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import zlib from 'node:zlib';
import { arg, CLI, percentile, round } from './util.js';
import { addPngChunks, addPngText, pngChunk } from '../src/demo/embed.js';
import {
  bitFlipped,
  deepComfyPrompt,
  hugeInfotextPng,
  repeatedChunkWebp,
  repeatedCommentGif,
  repeatedCommentJpeg,
  repeatedExifJpeg,
  repeatedTextPng,
  seedImages,
  tinyImage,
  truncated,
  zTxtBombPng,
  boxSizeLieJxl,
  brobBombJxl,
} from '../src/demo/hostile.js';
import { readMetadataFile } from '../src/metadata/file.js';
import { ingestFile, packForStore } from '../src/ingest/ingest.js';

const dir = path.resolve(arg('dir', fs.mkdtempSync(path.join(os.tmpdir(), 'vv-hostile-'))));
const lib = path.join(dir, 'library');
fs.rmSync(lib, { recursive: true, force: true });
fs.mkdirSync(lib, { recursive: true });

async function hostileSet(): Promise<[string, Buffer][]> {
  const deepXmp = `<x:xmpmeta xmlns:x="adobe:ns:meta/">${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</x:xmpmeta>`;
  const set: [string, Buffer | Promise<Buffer>][] = [
    ['bomb-ztxt-60.png', zTxtBombPng(60)],
    ['bomb-ztxt-200.png', zTxtBombPng(200)],
    ['bomb-itxt-60.png', zTxtBombPng(60, undefined, 'iTXt')],
    ['repeat-png-text-150k.png', repeatedTextPng(150_000)],
    ['huge-infotext-8mb.png', hugeInfotextPng(8 * 1024 * 1024)],
    ['repeat-png-json-30k.png', repeatedTextPng(30_000, 'prompt', '{"3":{"class_type":"KSampler","inputs":{"seed":1}}}')],
    ['repeat-jpeg-com-20k.jpg', repeatedCommentJpeg(20_000)],
    ['repeat-jpeg-exif-5k.jpg', repeatedExifJpeg(5_000)],
    ['repeat-webp-xmp-30k.webp', repeatedChunkWebp(30_000, 'XMP ')],
    ['repeat-webp-exif-30k.webp', repeatedChunkWebp(30_000, 'EXIF')],
    ['repeat-webp-junk-150k.webp', repeatedChunkWebp(150_000, 'JUNK')],
    ['repeat-gif-comment-150k.gif', repeatedCommentGif(150_000)],
    ['bomb-brob-60.jxl', brobBombJxl(60)],
    ['box-size-lie.jxl', boxSizeLieJxl('<x:xmpmeta xmlns:x="adobe:ns:meta/"/>')],
    ['deep-prompt-100k.png', (async () => addPngText(await tinyImage('png'), [{ type: 'tEXt', key: 'prompt', text: deepComfyPrompt(100_000) }]))()],
    ['deep-workflow-100k.png', (async () => addPngText(await tinyImage('png'), [{ type: 'tEXt', key: 'workflow', text: `{"nodes":${deepComfyPrompt(100_000)}}` }]))()],
    [
      'deep-prompt-100k-ztxt.png',
      (async () => addPngChunks(await tinyImage('png'), [pngChunk('zTXt', Buffer.concat([Buffer.from('prompt\0\0', 'latin1'), zlib.deflateSync(deepComfyPrompt(100_000))]))]))(),
    ],
    ['deep-xmp-100k.png', (async () => addPngText(await tinyImage('png'), [{ type: 'iTXt', key: 'XML:com.adobe.xmp', text: deepXmp }]))()],
  ];
  const out: [string, Buffer][] = [];
  for (const [name, bytes] of set) out.push([name, await bytes]);
  for (const seed of await seedImages(6)) {
    out.push([seed.name, seed.bytes]);
    for (let i = 1; i <= 9; i++) out.push([`truncated-${i}0pc-${seed.name}`, truncated(seed.bytes, i / 10)]);
    for (let i = 1; i <= 20; i++) out.push([`flipped-${i}-${seed.name}`, bitFlipped(seed.bytes, 1 + (i % 8), i * 101)]);
  }
  return out;
}

/** Runs `vv …` and samples its peak resident set (VmHWM: threads included) until it exits. */
function runMeasured(args: string[]): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; peakMb: number; seconds: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => err.push(c));
  let peakKb = 0;
  const sample = () => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peakKb = Math.max(peakKb, Number(m[1]));
    } catch {
      // exited between samples
    }
  };
  const timer = setInterval(sample, 20);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), peakMb: round(peakKb / 1024), seconds: (performance.now() - t0) / 1000 });
    });
  });
}

const set = await hostileSet();
const files = set.map(([name, bytes]) => {
  const file = path.join(lib, name);
  fs.writeFileSync(file, bytes);
  return file;
});
const bytes = set.reduce((n, [, b]) => n + b.length, 0);

// Per file, in-process: the `vv meta` read (sparse, then the record as JSON) and the scan's ingest
// (whole-file read, hash, record, search text, the stored JSON).
const metaSeconds: number[] = [];
const ingestSeconds: number[] = [];
const slowest: { file: string; seconds: number }[] = [];
let crashes = 0;
let largestRecord = 0;
for (const file of files) {
  let t0 = performance.now();
  try {
    const json = JSON.stringify(await readMetadataFile(file));
    largestRecord = Math.max(largestRecord, json.length);
  } catch (err) {
    crashes++;
    console.error(`meta crashed on ${path.basename(file)}: ${(err as Error).message}`);
  }
  metaSeconds.push((performance.now() - t0) / 1000);
  t0 = performance.now();
  try {
    packForStore(await ingestFile(file, path.basename(file)));
  } catch (err) {
    crashes++;
    console.error(`ingest crashed on ${path.basename(file)}: ${(err as Error).message}`);
  }
  ingestSeconds.push((performance.now() - t0) / 1000);
  const worst = Math.max(metaSeconds.at(-1)!, ingestSeconds.at(-1)!);
  if (worst > 0.5) slowest.push({ file: path.basename(file), seconds: round(worst, 2) });
}

// Whole commands: one `vv meta --json` over every file, one `vv scan` of the folder.
const meta = await runMeasured(['meta', '--json', ...files]);
const lines = meta.stdout.trim().split('\n');
let metaRecords = 0;
for (const line of lines) {
  try {
    if (typeof JSON.parse(line).file === 'string') metaRecords++;
  } catch {
    // a broken line counts as a missing record
  }
}
if (meta.code !== 0 || metaRecords !== files.length) {
  crashes++;
  console.error(`vv meta: exit ${meta.code ?? meta.signal}, ${metaRecords}/${files.length} records\n${meta.stderr.slice(-2000)}`);
}
const data = path.join(dir, 'data');
fs.rmSync(data, { recursive: true, force: true });
const scan = await runMeasured(['scan', lib, '--data', data, '--no-embed', '--no-thumbnails', '--json']);
let scanSummary: { seen?: number; failed?: number; added?: number } = {};
try {
  scanSummary = JSON.parse(scan.stdout.trim().split('\n').at(-1) ?? '{}');
} catch {
  // reported below
}
if (scan.code !== 0 || scanSummary.seen !== files.length) {
  crashes++;
  console.error(`vv scan: exit ${scan.code ?? scan.signal}, seen ${scanSummary.seen}/${files.length}\n${scan.stderr.slice(-2000)}`);
}

const maxFileSeconds = Math.max(...metaSeconds, ...ingestSeconds);
console.log(
  JSON.stringify({
    bench: 'hostile',
    files: files.length,
    mb: round(bytes / 1e6),
    cpus: os.availableParallelism(),
    max_file_seconds: round(maxFileSeconds, 2),
    p50_file_seconds: round(percentile([...metaSeconds, ...ingestSeconds], 50), 3),
    slowest: slowest.sort((a, b) => b.seconds - a.seconds).slice(0, 5),
    largest_record_mb: round(largestRecord / 1e6, 2),
    meta_peak_rss_mb: meta.peakMb,
    meta_seconds: round(meta.seconds),
    scan_peak_rss_mb: scan.peakMb,
    scan_seconds: round(scan.seconds),
    scan_failed: scanSummary.failed ?? null,
    crashes,
    goal_met: maxFileSeconds < 2 && meta.peakMb < 1024 && scan.peakMb < 1024 && crashes === 0,
  }),
);
