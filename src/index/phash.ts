/**
 * Perceptual hash (dHash, 64 bits): the image shrunk to 9×8 grey pixels, one bit per horizontal
 * neighbour pair (is the left one brighter?). Re-encoded, resized and lightly cropped copies land
 * within a few bits of each other; different images land ~32 bits apart. Stored as 16 hex digits.
 */
import sharp from 'sharp';
import { MAX_DECODE_PIXELS } from './ingest.js';

/** Hamming distance at or below which two images count as near-duplicates (of 64 bits). */
export const NEAR_DUPLICATE_BITS = 10;

export async function perceptualHash(input: string | Buffer): Promise<string> {
  const { data } = await sharp(input, { limitInputPixels: MAX_DECODE_PIXELS, failOn: 'none', animated: false })
    .rotate()
    .greyscale()
    .resize(9, 8, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
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
