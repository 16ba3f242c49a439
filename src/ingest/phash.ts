/**
 * Perceptual hash (dHash, 64 bits): the image shrunk to 9×8 grey pixels, one bit per horizontal
 * neighbour pair (is the left one brighter?). Re-encoded, resized and lightly cropped copies land
 * within a few bits of each other; different images land ~32 bits apart. Stored as 16 hex digits.
 */
import sharp, { type Sharp } from 'sharp';
import { reducedImage, writeThumbnail } from './thumbnail-file.js';

/** Hamming distance at or below which two images count as near-duplicates (of 64 bits). */
export const NEAR_DUPLICATE_BITS = 10;

/**
 * The scan's pixel pass for one image: one decode, reduced to the thumbnail size, from which the
 * perceptual hash is taken and — when `thumbnailTarget` is given — the thumbnail written (decoding
 * is most of the cost of both: `npm run bench:pixels`, 1024×1536 PNGs on 2 cores, 27/s for both
 * against 14.6/s for each with its own decode). The hash always comes from that reduction, so it
 * is the same whether or not a thumbnail was made. A thumbnail that cannot be written is left to
 * the thumbnailer.
 */
export async function pixelPass(input: string | Buffer, thumbnailTarget: string | null = null): Promise<{ hash: string; thumbnail: boolean; damaged?: string }> {
  // Strict first, so damaged pixel data (a broken IDAT, a truncated scan) is reported; what can be
  // decoded of it still gives a hash and a thumbnail.
  let damaged: string | undefined;
  const decoded = await reducedImage(input, 'truncated')
    .raw()
    .toBuffer({ resolveWithObject: true })
    .catch((err: Error) => {
      damaged = err.message;
      return reducedImage(input).raw().toBuffer({ resolveWithObject: true });
    });
  const { data, info } = decoded;
  const reduced = () => sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
  const [hash, thumbnail] = await Promise.all([
    dHash(reduced()),
    thumbnailTarget
      ? writeThumbnail(reduced(), thumbnailTarget).then(
          () => true,
          () => false,
        )
      : false,
  ]);
  return damaged ? { hash, thumbnail, damaged } : { hash, thumbnail };
}

export async function perceptualHash(input: string | Buffer): Promise<string> {
  return (await pixelPass(input, null)).hash;
}

async function dHash(image: Sharp): Promise<string> {
  const data = await image.greyscale().resize(9, 8, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer();
  let hi = 0;
  let lo = 0;
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      const bit = data[y * 9 + x] > data[y * 9 + x + 1] ? 1 : 0;
      const n = y * 8 + x;
      if (n < 32) hi = (hi << 1) | bit;
      else lo = (lo << 1) | bit;
    }
  }
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

function popcount32(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** A hash as two 32-bit halves (hex parsing once, then integer math in the hot loops). */
export function hashHalves(hex: string): [number, number] {
  return [parseInt(hex.slice(0, 8), 16) >>> 0, parseInt(hex.slice(8, 16), 16) >>> 0];
}

export function hammingDistance(a: string, b: string): number {
  const [ah, al] = hashHalves(a);
  const [bh, bl] = hashHalves(b);
  return popcount32((ah ^ bh) >>> 0) + popcount32((al ^ bl) >>> 0);
}

export function hammingHalves(ah: number, al: number, bh: number, bl: number): number {
  return popcount32((ah ^ bh) >>> 0) + popcount32((al ^ bl) >>> 0);
}
