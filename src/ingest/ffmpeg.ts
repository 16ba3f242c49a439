/**
 * Debian's `ffmpeg`, run as a child process for video frames: the poster of a video (a
 * representative frame, not a black first one) and the short animated preview the grid plays on
 * hover. Found as `VV_FFMPEG` or on PATH; every run has a timeout and a bound on what it may print.
 * Without ffmpeg videos are still indexed (metadata), with a placeholder instead of a poster.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** A poster or preview that takes longer than this is given up (a hostile or enormous file). */
const TIMEOUT_MS = 60_000;
/** A poster frame is a PNG of at most the thumbnail size: far below this. */
const MAX_STDOUT = 32 * 1024 * 1024;
/** The end of ffmpeg's error output is kept for the message. */
const MAX_STDERR = 4096;

export interface Ffmpeg {
  path: string;
}

let found: { path: string | null; reason: string | null } | null = null;

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** ffmpeg's path, or null with why not (`VV_FFMPEG` names a missing file, or none on PATH). Looked up once per process. */
export function locateFfmpeg(): { path: string | null; reason: string | null } {
  if (found) return found;
  const configured = process.env.VV_FFMPEG;
  if (configured) {
    found = executable(configured) ? { path: configured, reason: null } : { path: null, reason: `VV_FFMPEG=${configured} is not an executable file` };
    return found;
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && executable(path.join(dir, 'ffmpeg'))) return (found = { path: path.join(dir, 'ffmpeg'), reason: null });
  }
  return (found = { path: null, reason: 'ffmpeg is not installed (not on PATH, VV_FFMPEG not set): videos have no poster or preview; install ffmpeg and rescan' });
}

/** How a video's frames are missing without ffmpeg: the start of the reason (an embedding failure a later pass retries once ffmpeg is there). */
export const NO_VIDEO_DECODER = 'no video decoder';

export class FfmpegError extends Error {
  constructor(
    message: string,
    /** false: ffmpeg is missing (nothing ran); true: it ran and failed on this file. */
    readonly ran = true,
  ) {
    super(message);
  }
}

/** Runs ffmpeg; resolves its stdout (bounded), rejects with the end of its stderr. */
export function runFfmpeg(args: string[], timeoutMs = TIMEOUT_MS): Promise<Buffer> {
  const ffmpeg = locateFfmpeg();
  if (!ffmpeg.path) return Promise.reject(new FfmpegError(ffmpeg.reason ?? 'no ffmpeg', false));
  const bin = ffmpeg.path;
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['-hide_banner', '-nostdin', '-v', 'error', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let failure: string | null = null;
    const stop = (why: string) => {
      failure ??= why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(`ffmpeg took longer than ${timeoutMs} ms`), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > MAX_STDOUT) stop(`ffmpeg wrote more than ${MAX_STDOUT} bytes`);
      else out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString('utf8')).slice(-MAX_STDERR);
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new FfmpegError(`ffmpeg could not run: ${e.message}`, false));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failure) reject(new FfmpegError(failure));
      else if (code !== 0) reject(new FfmpegError(`ffmpeg failed (exit ${code}): ${err.trim().split('\n').slice(-3).join(' ') || 'no message'}`));
      else resolve(Buffer.concat(out));
    });
  });
}

/** Fits within `size`×`size`, never enlarged, even dimensions (libwebp and most encoders want them). */
const fit = (size: number) => `scale='min(${size},iw)':'min(${size},ih)':force_original_aspect_ratio=decrease:force_divisible_by=2`;

/**
 * A representative frame as PNG bytes, at most `size` px on its longest side: from 10 % into the
 * clip, ffmpeg's `thumbnail` filter picks the frame closest to the average of the next few (a fade
 * in from black, a flash, a cut are not chosen).
 */
export async function posterFrame(file: string, durationS: number | null, size: number, inputFormat: string | null = null): Promise<Buffer> {
  const input = [...(inputFormat ? ['-f', inputFormat] : []), '-i', file];
  const seek = durationS && durationS > 0 ? ['-ss', (durationS * 0.1).toFixed(3)] : [];
  const frame = (args: string[]) => runFfmpeg([...args, '-an', '-sn', '-vf', `thumbnail=24,${fit(size)}`, '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', 'pipe:1']);
  const png = await frame([...seek, ...input]);
  if (png.length > 0) return png;
  // Some demuxers cannot seek (APNG): from the start, then.
  const fromStart = await frame(input);
  if (fromStart.length === 0) throw new FfmpegError('ffmpeg decoded no frame');
  return fromStart;
}

/** Frames an animated preview holds, spread over the whole clip. */
export const PREVIEW_FRAMES = 12;
const PREVIEW_MAX_FPS = 8;

/** A short looping animated WebP (a few frames over the whole clip, at most `size` px) written to `target`. */
export async function animatedPreview(file: string, durationS: number | null, size: number, target: string, inputFormat: string | null = null): Promise<void> {
  const duration = durationS && durationS > 0 ? durationS : PREVIEW_FRAMES / PREVIEW_MAX_FPS;
  const rate = Math.min(PREVIEW_MAX_FPS, PREVIEW_FRAMES / duration);
  await runFfmpeg([
    ...(inputFormat ? ['-f', inputFormat] : []), '-i', file, '-an', '-sn',
    // Picked over the whole clip, played back at a steady rate (a long clip is not a slide show).
    '-vf', `fps=${rate.toFixed(4)},setpts=N/(${PREVIEW_MAX_FPS}*TB),${fit(size)}`,
    '-frames:v', String(PREVIEW_FRAMES),
    '-c:v', 'libwebp_anim', '-lossless', '0', '-quality', '60', '-loop', '0',
    '-y', '-f', 'webp', target,
  ]);
}

/**
 * Frames at these times (seconds) as PNG bytes, at most `size` px on the longest side: one short
 * ffmpeg run per time (a fast seek, then an exact decode to the time), so a long clip is never
 * decoded through. A time past the last frame gives no frame (fewer PNGs come back).
 */
export async function framesAt(file: string, timesS: number[], size: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const t of timesS) {
    const png = await runFfmpeg(['-ss', t.toFixed(3), '-i', file, '-an', '-sn', '-vf', fit(size), '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', 'pipe:1']);
    if (png.length > 0) out.push(png);
  }
  return out;
}

/** Frames of these indices (in decode order) as PNG bytes, at most `size` px: for demuxers that cannot seek (APNG). */
export async function framesByIndex(file: string, indices: number[], size: number, inputFormat: string | null = null): Promise<Buffer[]> {
  if (indices.length === 0) return [];
  const select = indices.map((n) => `eq(n\\,${n})`).join('+');
  return splitPngs(
    await runFfmpeg([...(inputFormat ? ['-f', inputFormat] : []), '-i', file, '-an', '-sn', '-vf', `select='${select}',${fit(size)}`, '-fps_mode', 'passthrough', '-frames:v', String(indices.length), '-f', 'image2pipe', '-c:v', 'png', 'pipe:1']),
  );
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** PNG files written one after another (image2pipe) → each file, cut after its IEND chunk. */
export function splitPngs(stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  while (start + PNG_SIGNATURE.length <= stream.length && stream.subarray(start, start + 8).equals(PNG_SIGNATURE)) {
    let at = start + 8;
    let ended = false;
    while (at + 12 <= stream.length) {
      const length = stream.readUInt32BE(at);
      const type = stream.toString('latin1', at + 4, at + 8);
      at += 12 + length;
      if (type === 'IEND') {
        ended = true;
        break;
      }
    }
    if (!ended || at > stream.length) break;
    out.push(stream.subarray(start, at));
    start = at;
  }
  return out;
}
