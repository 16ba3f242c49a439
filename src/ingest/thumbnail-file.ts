/**
 * What a thumbnail is (longest side, encoding, where it lives) and how one is written: shared by the
 * thumbnailer and the scan's pixel pass, which makes thumbnails from the decode it does anyway.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { MAX_DECODE_PIXELS } from './ingest.js';
import { decoderInput } from './decode-input.js';

export const THUMBNAIL_SIZE = 512;

/**
 * An image decoded (bounded, upright, first frame) and reduced to the thumbnail size, not yet
 * encoded. `failOn: 'none'` decodes what it can of damaged pixel data; 'truncated' refuses it.
 */
export function reducedImage(input: string | Buffer, failOn: 'none' | 'truncated' = 'none'): Sharp {
  return sharp(decoderInput(input), { limitInputPixels: MAX_DECODE_PIXELS, failOn, animated: false })
    .rotate()
    .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true });
}

/** `<dir>/<first two hex digits>/<content hash>.webp`: one thumbnail per content, wherever the file lives. */
export function thumbnailPath(dir: string, contentHash: string): string {
  return path.join(dir, contentHash.slice(0, 2), `${contentHash}.webp`);
}

/** `<dir>/<first two hex digits>/<content hash>.preview.webp`: the animated preview of an animation or video. */
export function previewPath(dir: string, contentHash: string): string {
  return path.join(dir, contentHash.slice(0, 2), `${contentHash}.preview.webp`);
}

/** Encodes to a temp file beside the target, then renames: a reader never sees half a thumbnail. */
export async function writeThumbnail(image: Sharp, target: string): Promise<void> {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await image.webp({ quality: 78, effort: 2 }).toFile(tmp);
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
