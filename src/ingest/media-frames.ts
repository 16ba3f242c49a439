/**
 * Which frame stands for an animation or a video, and its animated preview: ffmpeg when it is
 * there (a representative frame; every format), else sharp for what it decodes (the first frame of
 * a GIF / WebP / APNG, GIF and WebP previews); a video without ffmpeg has neither.
 */
import sharp from 'sharp';
import type { MediaType } from '../metadata/types.js';
import { animatedPreview, FfmpegError, locateFfmpeg, posterFrame } from './ffmpeg.js';
import { MAX_DECODE_PIXELS } from './ingest.js';
import { THUMBNAIL_SIZE } from './thumbnail-file.js';

export interface FrameSource {
  media_type: MediaType;
  duration_s: number | null;
  /** Container format: an APNG (`png`) must be named to ffmpeg, which reads `.png` as one still otherwise. */
  format?: string | null;
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
