/**
 * `npm run bench:video [-- --n 1000 --previews 100]` — a library of n short clips (mp4 / webm as
 * VideoHelperSuite writes them) and n animations (GIF / APNG with the ComfyUI graph) against n
 * still PNGs with A1111 infotext: the metadata scan's files/s for each (goal: videos within 2× of
 * stills, as only their boxes are read — though every byte is still hashed), the pixel pass's
 * posters/s (ffmpeg's representative frame → perceptual hash + thumbnail), animated previews/s, and
 * the scan process's peak RSS. Distinct files are copies of a few ffmpeg encodes with unique bytes
 * added where every reader skips them (a `free` box, a GIF comment, a PNG text chunk, an EBML Void).
 * Prints a final JSON line.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { addPngText } from '../src/demo/embed.js';
import { animatedGif, animatedPng, vhsVideo, withGifComment } from '../src/demo/media-files.js';
import { a1111Infotext, comfyPrompt, comfyWorkflow, makeGeneration } from '../src/demo/generations.js';
import { Vault } from '../src/library/vault.js';
import { arg, CLI, round } from './util.js';

const n = arg('n', 1000);
const previews = arg('previews', 100);
const bases = arg('bases', 8);
const dir = arg('dir', path.join(os.tmpdir(), `vv-bench-video-${n}`));
const log = (m: string) => console.error(m);

function freeBox(text: string): Buffer {
  const body = Buffer.from(text);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length);
  head.write('free', 4, 'latin1');
  return Buffer.concat([head, body]);
}

/** An EBML Void element (skipped by every Matroska reader) holding `text`. */
function ebmlVoid(text: string): Buffer {
  const body = Buffer.from(text);
  return Buffer.concat([Buffer.from([0xec, 0x80 | body.length]), body]);
}

async function buildLibraries(): Promise<{ media: string; stills: string }> {
  const media = path.join(dir, 'media');
  const stills = path.join(dir, 'stills');
  if (fs.existsSync(path.join(dir, 'done'))) return { media, stills };
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(media, 'clips'), { recursive: true });
  fs.mkdirSync(path.join(media, 'animations'), { recursive: true });
  fs.mkdirSync(path.join(stills, 'png'), { recursive: true });
  const t0 = performance.now();
  const spec = { width: 512, height: 512, fps: 8, frames: 16, black: 2 };
  const animSpec = { width: 256, height: 256, fps: 8, frames: 12 };
  for (let b = 0; b < bases; b++) {
    const g = { ...makeGeneration(b), tool: 'comfyui' as const };
    const graph = { prompt: comfyPrompt(g), workflow: comfyWorkflow(g) };
    const kind = b % 2 ? 'webm' : 'mp4';
    const baseFile = path.join(dir, `base-${b}.${kind}`);
    vhsVideo(baseFile, kind, { ...spec, variant: b }, graph);
    const bytes = fs.readFileSync(baseFile);
    const gif = animatedGif({ ...animSpec, variant: b }, graph);
    const apng = animatedPng({ ...animSpec, variant: b + 50 }, graph);
    for (let i = b; i < n; i += bases) {
      fs.writeFileSync(path.join(media, 'clips', `vhs_${String(i).padStart(5, '0')}.${kind}`), Buffer.concat([bytes, kind === 'mp4' ? freeBox(`copy ${i}`) : ebmlVoid(`copy ${i}`)]));
      const animation = i % 2 ? addPngText(apng, [{ type: 'tEXt', key: 'copy', text: String(i) }]) : withGifComment(gif, `copy ${i}`);
      fs.writeFileSync(path.join(media, 'animations', `anim_${String(i).padStart(5, '0')}.${i % 2 ? 'png' : 'gif'}`), animation);
    }
  }
  const base = await sharp({ create: { width: 512, height: 512, channels: 3, background: [90, 120, 200] } }).png().toBuffer();
  for (let i = 0; i < 2 * n; i++) fs.writeFileSync(path.join(stills, 'png', `img-${String(i).padStart(6, '0')}.png`), addPngText(base, [{ type: 'tEXt', key: 'parameters', text: a1111Infotext(makeGeneration(i)) }]));
  fs.writeFileSync(path.join(dir, 'done'), '');
  log(`libraries written in ${round((performance.now() - t0) / 1000)} s (${bases} ffmpeg encodes)`);
  return { media, stills };
}

/** `vv scan --json` in a child, with its peak RSS (GNU time). */
function scan(library: string, data: string, extra: string[]): { stats: any; peakRssMb: number } {
  const r = spawnSync('/usr/bin/time', ['-f', 'maxrss_kb=%M', process.execPath, CLI, 'scan', library, '--data', data, '--json', '--no-embed', ...extra], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`vv scan failed: ${r.stderr}`);
  const rss = Number(/maxrss_kb=(\d+)/.exec(r.stderr)?.[1] ?? 0);
  return { stats: JSON.parse(r.stdout), peakRssMb: round(rss / 1024) };
}

const { media, stills } = await buildLibraries();
const bytes = (d: string) => fs.readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).reduce((a, e) => a + fs.statSync(path.join(e.parentPath, e.name)).size, 0);

const stillScan = scan(stills, fs.mkdtempSync(path.join(os.tmpdir(), 'vv-bench-video-data-')), ['--no-thumbnails']);
const stillRate = stillScan.stats.seen / (stillScan.stats.seconds - stillScan.stats.hashing_seconds);
log(`stills: ${round(stillRate)} files/s metadata pass (${stillScan.stats.seen} PNGs)`);

const mediaData = fs.mkdtempSync(path.join(os.tmpdir(), 'vv-bench-video-data-'));
const mediaScan = scan(media, mediaData, []);
const s = mediaScan.stats;
const mediaRate = s.seen / (s.seconds - s.hashing_seconds);
const posterRate = s.hashed / s.hashing_seconds;
log(`videos + animations: ${round(mediaRate)} files/s metadata pass (${s.seen} files, ${s.failed} failed), posters ${round(posterRate)}/s (${s.hashed} hashed, ${s.thumbnails} thumbnails, ${s.undecodable} undecodable), peak RSS ${mediaScan.peakRssMb} MB`);

// Animated previews: a sample, in-process, through the service the server uses (2 at a time, as its background work does).
const vault = Vault.open({ dataDir: mediaData, library: media, workers: 0 });
const sample = vault.store.distinctHashes().slice(0, previews);
const t0 = performance.now();
let next = 0;
let failed = 0;
await Promise.all(
  [0, 1].map(async () => {
    while (next < sample.length) {
      const { hash } = sample[next++];
      await vault.thumbnails.ensurePreview(hash).catch(() => failed++);
    }
  }),
);
const previewRate = sample.length / ((performance.now() - t0) / 1000);
await vault.close();
log(`animated previews: ${round(previewRate)}/s over ${sample.length} (${failed} failed)`);

console.log(
  JSON.stringify({
    clips: n,
    animations: n,
    stills: 2 * n,
    media_mb: round(bytes(media) / 2 ** 20),
    stills_mb: round(bytes(stills) / 2 ** 20),
    still_scan_files_per_s: round(stillRate),
    media_scan_files_per_s: round(mediaRate),
    media_vs_still: round(mediaRate / stillRate, 2),
    posters_per_s: round(posterRate, 2),
    previews_per_s: round(previewRate, 2),
    preview_sample: sample.length,
    preview_failures: failed,
    scan_failed: s.failed,
    undecodable: s.undecodable,
    scan_peak_rss_mb: mediaScan.peakRssMb,
    still_scan_peak_rss_mb: stillScan.peakRssMb,
    cpus: os.availableParallelism(),
  }),
);
