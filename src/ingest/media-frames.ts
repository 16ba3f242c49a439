/**
 * Which frame stands for an animation or a video, and its animated preview: ffmpeg when it is
 * there (a representative frame; every format), else sharp for what it decodes (the first frame of
 * a GIF / WebP / APNG, GIF and WebP previews); a video without ffmpeg has neither.
 */
import sharp from 'sharp';
import type { MediaType } from '../metadata/types.js';
import { animatedPreview, FfmpegError, framesAt, framesByIndex, locateFfmpeg, NO_VIDEO_DECODER, posterFrame } from './ffmpeg.js';
import { MAX_DECODE_PIXELS } from './ingest.js';
import { THUMBNAIL_SIZE } from './thumbnail-file.js';

export interface FrameSource {
  media_type: MediaType;
  duration_s: number | null;
  /** Container format: an APNG (`png`) must be named to ffmpeg, which reads `.png` as one still otherwise. */
  format?: string | null;
  /** Frames the container declares (APNG frames are sampled by index: its demuxer cannot seek). */
  frame_count?: number | null;
}

const inputFormat = (media: FrameSource) => (media.format === 'png' ? 'apng' : null);

/**
 * An animation's middle frame through sharp, as PNG bytes (the first frame of a generated animation
 * is often a fade-in from black). libvips reads GIF and WebP frames; an APNG gives its first frame.
 */
async function middleFrame(absPath: string): Promise<Buffer> {
  const { pages } = await sharp(absPath, { limitInputPixels: MAX_DECODE_PIXELS }).metadata();
  return sharp(absPath, { page: Math.floor((pages ?? 1) / 2), limitInputPixels: MAX_DECODE_PIXELS })
    .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
    .png({ compressionLevel: 1 })
    .toBuffer();
}

/** What the still decoder is given for a file: the file itself, or its poster frame (PNG bytes). */
export async function posterInput(absPath: string, media: FrameSource | undefined): Promise<string | Buffer> {
  if (!media || media.media_type === 'image') return absPath;
  const ffmpeg = locateFfmpeg();
  if (!ffmpeg.path) {
    if (media.media_type === 'animation') return middleFrame(absPath);
    throw new FfmpegError(ffmpeg.reason ?? 'no ffmpeg', false);
  }
  try {
    return await posterFrame(absPath, media.duration_s, THUMBNAIL_SIZE, inputFormat(media));
  } catch (err) {
    // ffmpeg may not decode every animation (Debian 12's 5.1: not animated WebP); sharp can.
    if (media.media_type === 'animation') return middleFrame(absPath);
    throw err;
  }
}

/** Writes the animated preview (animated WebP at most the thumbnail size) of an animation or video to `target`. */
export async function writePreview(absPath: string, media: FrameSource, target: string): Promise<void> {
  if (locateFfmpeg().path) {
    try {
      await animatedPreview(absPath, media.duration_s, THUMBNAIL_SIZE, target, inputFormat(media));
      return;
    } catch (err) {
      if (media.media_type !== 'animation') throw err;
    }
  } else if (media.media_type === 'video') {
    throw new FfmpegError(locateFfmpeg().reason ?? 'no ffmpeg', false);
  }
  await sharp(absPath, { animated: true, limitInputPixels: MAX_DECODE_PIXELS })
    .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 60, effort: 2, loop: 0 })
    .toFile(target);
}

/** Frames an animation's or video's embedding averages. */
export const SAMPLED_FRAMES = 4;


/** The middle of each of `count` equal spans of `total` (frames or seconds): never the fade-in's first frame, never past the end. */
export function evenlySpaced(total: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => ((i + 0.5) * total) / count);
}

/** The page shown at each time (ms) of an animation whose pages last `delays` ms (none: by index). */
function pagesAt(pages: number, delays: number[] | undefined, count: number): number[] {
  if (!delays || delays.length !== pages || delays.some((d) => !(d > 0))) return evenlySpaced(pages, count).map(Math.floor);
  const total = delays.reduce((a, b) => a + b, 0);
  return evenlySpaced(total, count).map((t) => {
    let end = 0;
    const page = delays.findIndex((d) => (end += d) > t);
    return page < 0 ? pages - 1 : page;
  });
}

/** GIF and WebP frames through sharp, picked by time (an encoder merges repeated frames into longer ones). */
async function sharpPages(absPath: string, count: number, size: number): Promise<Buffer[]> {
  const { pages, delay } = await sharp(absPath, { limitInputPixels: MAX_DECODE_PIXELS }).metadata();
  const picked = [...new Set(pagesAt(pages ?? 1, delay, count))];
  return Promise.all(
    picked.map((page) =>
      sharp(absPath, { page, limitInputPixels: MAX_DECODE_PIXELS }).resize(size, size, { fit: 'inside', withoutEnlargement: true }).png({ compressionLevel: 1 }).toBuffer(),
    ),
  );
}

/**
 * `count` frames spread evenly over an animation or a video (the middle of each of `count` equal
 * spans), for embeddings that stand for the whole clip; a still is itself. Videos: ffmpeg seeks to
 * each time (no duration: its poster frame). GIF / WebP: sharp's pages at those times. APNG: ffmpeg by frame
 * index; without ffmpeg, the one frame sharp reads. A video without ffmpeg throws
 * `FfmpegError(ran: false)`.
 */
export async function sampledFrames(absPath: string, media: FrameSource | undefined, count = SAMPLED_FRAMES, size = THUMBNAIL_SIZE): Promise<(string | Buffer)[]> {
  if (!media || media.media_type === 'image') return [absPath];
  const ffmpeg = locateFfmpeg();
  if (media.media_type === 'animation') {
    if (media.format !== 'png') return sharpPages(absPath, count, size);
    if (!ffmpeg.path || !media.frame_count) return [absPath];
    const frames = await framesByIndex(absPath, [...new Set(evenlySpaced(media.frame_count, count).map(Math.floor))], size, inputFormat(media));
    return frames.length ? frames : [absPath];
  }
  if (!ffmpeg.path) throw new FfmpegError(`${NO_VIDEO_DECODER}: ${ffmpeg.reason ?? 'no ffmpeg'}`, false);
  const frames = media.duration_s && media.duration_s > 0 ? await framesAt(absPath, evenlySpaced(media.duration_s, count), size) : [];
  return frames.length ? frames : [await posterFrame(absPath, media.duration_s, size, inputFormat(media))];
}
