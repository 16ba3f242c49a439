/**
 * Perceptual hash (dHash, 64 bits): the image shrunk to 9×8 grey pixels, one bit per horizontal
 * neighbour pair (is the left one brighter?). Re-encoded, resized and lightly cropped copies land
 * within a few bits of each other; different images land ~32 bits apart. Stored as 16 hex digits.
 *
 * The 9×8 grey image is computed here from the decoded, reduced pixels (luma, area averages),
 * not by a second libvips pipeline: that pipeline cost 4.1 ms of CPU per image against 1.3 ms for
 * the decode itself, most of a tiny image's pixel pass (issue 17). Hashes made by the old pipeline
 * are computed again (migration 19): the two ways differ by a few bits.
 */
import sharp from 'sharp';
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
  const hash = dHash(data, info.width, info.height, info.channels);
  const thumbnail = thumbnailTarget
    ? await writeThumbnail(sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }), thumbnailTarget).then(
        () => true,
        () => false,
      )
    : false;
  return damaged ? { hash, thumbnail, damaged } : { hash, thumbnail };
}

export async function perceptualHash(input: string | Buffer): Promise<string> {
  return (await pixelPass(input, null)).hash;
}

const HASH_COLUMNS = 9;
const HASH_ROWS = 8;

/**
 * The dHash of 8-bit interleaved pixels (1–4 channels: grey, grey + alpha, RGB, RGBA). Grey is
 * Rec. 601 luma; a transparent pixel counts as black (as if composited on black), so what is
 * hidden under transparency does not change the hash. Each of the 9×8 cells is the mean of the
 * pixels it covers (an image narrower than 9 pixels repeats columns).
 */
export function dHash(data: Uint8Array, width: number, height: number, channels: number): string {
  if (width < 1 || height < 1 || channels < 1 || channels > 4 || data.length < width * height * channels) {
    throw new Error(`dHash: ${width}×${height}×${channels} pixels do not fit in ${data.length} bytes`);
  }
  const columns = cellOf(width, HASH_COLUMNS);
  const rows = cellOf(height, HASH_ROWS);
  const sums = new Float64Array(HASH_COLUMNS * HASH_ROWS);
  const rowSums = new Float64Array(HASH_COLUMNS);
  const colour = channels >= 3;
  const alpha = channels === 2 || channels === 4 ? channels - 1 : -1;
  const { first: firstColumn, last: lastColumn } = columns;
  for (let y = 0; y < height; y++) {
    rowSums.fill(0);
    let p = y * width * channels;
    for (let x = 0; x < width; x++, p += channels) {
      let luma = colour ? 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2] : data[p];
      if (alpha >= 0) luma = (luma * data[p + alpha]) / 255;
      rowSums[firstColumn[x]] += luma;
      // A pixel on a cell boundary (or in an image smaller than the grid) counts in each cell it overlaps.
      for (let c = firstColumn[x] + 1; c <= lastColumn[x]; c++) rowSums[c] += luma;
    }
    for (let r = rows.first[y]; r <= rows.last[y]; r++) {
      for (let c = 0; c < HASH_COLUMNS; c++) sums[r * HASH_COLUMNS + c] += rowSums[c];
    }
  }
  // Each cell's mean (its sum over (pixels in its columns) × (pixels in its rows)), rounded to an
  // 8-bit grey level as a grey image would hold it: two cells of one flat area then compare equal
  // (no bit) instead of letting encoding noise decide, so an mp4 and a webm of one picture agree.
  const means = sums.map((sum, i) => Math.round(sum / (columns.count[i % HASH_COLUMNS] * rows.count[Math.floor(i / HASH_COLUMNS)])));
  let hi = 0;
  let lo = 0;
  for (let y = 0; y < HASH_ROWS; y++) {
    for (let x = 0; x < HASH_COLUMNS - 1; x++) {
      const bit = means[y * HASH_COLUMNS + x] > means[y * HASH_COLUMNS + x + 1] ? 1 : 0;
      const n = y * 8 + x;
      if (n < 32) hi = (hi << 1) | bit;
      else lo = (lo << 1) | bit;
    }
  }
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

/** For each of `size` source pixels, the first and last of `cells` equal cells it overlaps; per cell, how many pixels overlap it. */
function cellOf(size: number, cells: number): { first: Uint8Array; last: Uint8Array; count: Uint32Array } {
  const first = new Uint8Array(size);
  const last = new Uint8Array(size);
  const count = new Uint32Array(cells);
  for (let i = 0; i < size; i++) {
    // Pixel i covers [i, i+1) of the source; cell c covers [c·size/cells, (c+1)·size/cells).
    first[i] = Math.min(cells - 1, Math.floor((i * cells) / size));
    last[i] = Math.max(first[i], Math.min(cells - 1, Math.ceil(((i + 1) * cells) / size) - 1));
    for (let c = first[i]; c <= last[i]; c++) count[c]++;
  }
  return { first, last, count };
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
