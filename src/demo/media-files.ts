/**
 * Real video and animation files for tests and bench:video, written by Debian's ffmpeg the way
 * ComfyUI's VideoHelperSuite writes them (rawvideo on stdin, its FFMETADATA `comment=` with the
 * escaped `{"prompt": "<graph as a string>", "workflow": {…}}`), and animated GIF / WebP / APNG with
 * the graph where ComfyUI's save nodes put it. Frames are a moving gradient that starts black (a
 * fade-in), so a poster taken from the first frame is visibly wrong.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { addPngText, buildExif } from './embed.js';

export const ffmpegAvailable = () => spawnSync('ffmpeg', ['-version']).status === 0;

export interface ComfyGraph {
  prompt: Record<string, unknown>;
  workflow: Record<string, unknown>;
}

export interface FrameSpec {
  width: number;
  height: number;
  fps: number;
  frames: number;
  /** Leading black frames (a fade-in). */
  black?: number;
  /** Varies the picture (distinct files). */
  variant?: number;
}

/**
 * Raw RGB frames: `black` near-black frames (each a shade apart, so no encoder merges them), then a
 * 4×4 grid of bright blocks laid out by `variant` (distinct files have distinct perceptual hashes),
 * brightening a little from frame to frame.
 */
export function rawFrames(spec: FrameSpec): Buffer {
  const { width: w, height: h, frames } = spec;
  const out = Buffer.alloc(w * h * 3 * frames);
  const v = spec.variant ?? 0;
  const black = spec.black ?? 0;
  for (let f = 0; f < frames; f++) {
    const frame = out.subarray(f * w * h * 3, (f + 1) * w * h * 3);
    if (f < black) {
      frame.fill(f);
      continue;
    }
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const block = Math.floor((y * 4) / h) * 4 + Math.floor((x * 4) / w);
        const level = 90 + (((block * 7 + v * 5) * 2654435761) >>> 0) % 120 + f * 2;
        const o = (y * w + x) * 3;
        frame[o] = level;
        frame[o + 1] = (level + 40 * (block % 3)) & 255;
        frame[o + 2] = 255 - level;
      }
  }
  return out;
}

function ffmpeg(args: string[], input?: Buffer): void {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-v', 'error', ...args], { input, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${r.stderr}`);
}

const rawInput = (s: FrameSpec) => ['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${s.width}x${s.height}`, '-r', String(s.fps), '-i', '-'];

/** VHS `ffmpeg_process`'s FFMETADATA file: `comment=` + the escaped JSON of {prompt (a string), workflow}. */
function vhsMetadataFile(dir: string, graph: ComfyGraph): string {
  let metadata = JSON.stringify({ prompt: JSON.stringify(graph.prompt), workflow: graph.workflow });
  metadata = metadata.replaceAll('\\', '\\\\').replaceAll(';', '\\;').replaceAll('#', '\\#').replaceAll('=', '\\=').replaceAll('\n', '\\\n');
  const file = path.join(dir, `.metadata-${process.pid}-${Math.random().toString(36).slice(2)}.txt`);
  fs.writeFileSync(file, `;FFMETADATA1\ncomment=${metadata}`);
  return file;
}

const MAIN_PASS = {
  mp4: ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-crf', '19', '-preset', 'veryfast'],
  webm: ['-c:v', 'libvpx-vp9', '-pix_fmt', 'yuv420p', '-crf', '20', '-b:v', '0', '-deadline', 'realtime', '-cpu-used', '8'],
};

/** A VHS video (`h264-mp4` or `webm`), with the graph when given (none: a Deforum-style plain video). */
export function vhsVideo(file: string, kind: 'mp4' | 'webm', spec: FrameSpec, graph: ComfyGraph | null, audio = false): string {
  const meta = graph ? vhsMetadataFile(path.dirname(file), graph) : null;
  try {
    const audioArgs = audio ? ['-f', 'lavfi', '-t', String(spec.frames / spec.fps), '-i', 'anullsrc=r=44100:cl=mono'] : [];
    const audioCodec = audio ? ['-c:a', kind === 'mp4' ? 'aac' : 'libvorbis', '-shortest'] : [];
    ffmpeg([...(meta ? ['-i', meta] : []), ...rawInput(spec), ...audioArgs, ...MAIN_PASS[kind], ...audioCodec, ...(audio ? ['-map', `${meta ? 1 : 0}:v`, '-map', `${meta ? 2 : 1}:a`] : []), '-y', file], rawFrames(spec));
  } finally {
    if (meta) fs.rmSync(meta, { force: true });
  }
  return file;
}

function encodeAnimation(spec: FrameSpec, args: string[], ext: string, raw = rawFrames(spec)): Buffer {
  const tmp = path.join(fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'vv-anim-')), `a.${ext}`);
  try {
    ffmpeg([...rawInput(spec), ...args, '-y', tmp], raw);
    return fs.readFileSync(tmp);
  } finally {
    fs.rmSync(path.dirname(tmp), { recursive: true, force: true });
  }
}

/** An animated WebP with ComfyUI SaveAnimatedWEBP's EXIF (Model `prompt:…`, Make `workflow:…`). */
export function animatedWebp(spec: FrameSpec, graph: ComfyGraph): Buffer {
  const webp = encodeAnimation(spec, ['-c:v', 'libwebp_anim', '-lossless', '1', '-loop', '0'], 'webp');
  return withWebpExif(webp, buildExif({ Model: `prompt:${JSON.stringify(graph.prompt)}`, Make: `workflow:${JSON.stringify(graph.workflow)}` }));
}

/** An animated WebP with an EXIF chunk (the VP8X EXIF flag set), as PIL writes `exif=`. */
export function withWebpExif(webp: Buffer, exif: Buffer): Buffer {
  const chunk = Buffer.alloc(8);
  chunk.write('EXIF', 0, 'latin1');
  chunk.writeUInt32LE(exif.length, 4);
  const out = Buffer.concat([webp, chunk, exif, exif.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
  out.writeUInt32LE(out.length - 8, 4);
  const vp8x = out.indexOf('VP8X', 12, 'latin1');
  out[vp8x + 8] |= 0x08;
  return out;
}

/** A GIF comment extension inserted before the trailer. */
export function withGifComment(gif: Buffer, text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const blocks: Buffer[] = [Buffer.from([0x21, 0xfe])];
  for (let i = 0; i < bytes.length; i += 255) {
    const part = bytes.subarray(i, i + 255);
    blocks.push(Buffer.from([part.length]), part);
  }
  blocks.push(Buffer.from([0]));
  return Buffer.concat([gif.subarray(0, gif.length - 1), ...blocks, gif.subarray(gif.length - 1)]);
}

/** An animated GIF with the VHS comment JSON in a comment extension. */
export function animatedGif(spec: FrameSpec, graph: ComfyGraph): Buffer {
  return withGifComment(encodeAnimation(spec, ['-loop', '0'], 'gif'), JSON.stringify({ prompt: JSON.stringify(graph.prompt), workflow: graph.workflow }));
}

/** An APNG with ComfyUI SaveAnimatedPNG's `tEXt` prompt / workflow. */
export function animatedPng(spec: FrameSpec, graph: ComfyGraph): Buffer {
  return addPngText(encodeAnimation(spec, ['-f', 'apng', '-plays', '0'], 'png'), [
    { type: 'tEXt', key: 'prompt', text: JSON.stringify(graph.prompt) },
    { type: 'tEXt', key: 'workflow', text: JSON.stringify(graph.workflow) },
  ]);
}

/**
 * Raw RGB frames: `perColor` frames of each solid colour in turn (a clip whose sampled frames a test
 * can predict); the first pixel's red is the frame number, so no encoder merges repeated frames.
 */
export function colorFrames(colors: [number, number, number][], perColor: number, width: number, height: number): Buffer {
  const frame = width * height * 3;
  const out = Buffer.alloc(frame * perColor * colors.length);
  colors.forEach((rgb, c) => {
    for (let f = 0; f < perColor; f++) {
      const at = (c * perColor + f) * frame;
      for (let p = 0; p < frame; p += 3) out.set(rgb, at + p);
      out[at] = c * perColor + f;
    }
  });
  return out;
}

const CLIP_ENCODING = {
  mp4: MAIN_PASS.mp4,
  webm: MAIN_PASS.webm,
  gif: ['-loop', '0'],
  webp: ['-c:v', 'libwebp_anim', '-lossless', '1', '-loop', '0'],
  apng: ['-f', 'apng', '-plays', '0'],
};

/** A clip of these raw RGB frames (`spec.frames` of them), without metadata, in any of the formats the library takes. */
export function clipOf(raw: Buffer, spec: FrameSpec, kind: keyof typeof CLIP_ENCODING): Buffer {
  return encodeAnimation({ ...spec }, CLIP_ENCODING[kind], kind === 'apng' ? 'png' : kind, raw);
}
