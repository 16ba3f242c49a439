/**
 * Metadata-only reading: the parts of a PNG / JPEG / WebP / MP4 / Matroska file that can hold
 * metadata, without the image or media data that is most of the file. The result is a smaller file of the same format (image-data chunks
 * dropped or cut) that the container readers parse as usual. Used where no content hash is needed
 * (`vv meta`, bench:meta); the scanner reads whole files because it hashes them.
 *
 * When a PNG's hidden LSB payload may be the only metadata (no text chunk of substance before the
 * image data), the whole file is read so the payload can be decoded.
 */
import fs from 'node:fs';
import { isobmffFormat } from './readers/isobmff.js';
import { movieFormat } from './readers/mp4.js';

const HEAD = 64 * 1024;
const TAIL = 64 * 1024;
/** Image data kept: enough for the hidden-payload signature check (first rows of the first column). */
const KEEP_IMAGE_DATA = 128 * 1024;
const MAX_CHUNKS = 100_000;
/**
 * Small reads past the head come from a window: one read, not one per chunk header. It starts small
 * and doubles while the reads run on through adjacent chunks (thousands of small chunks: a few large
 * reads), and starts small again after a jump over image data, which it must not read.
 */
const MIN_WINDOW = 256;
const WINDOW = 1024 * 1024;

class Source {
  private window: Buffer = Buffer.alloc(0);
  private windowStart = 0;
  private windowSize = MIN_WINDOW;

  constructor(
    readonly fd: number,
    readonly size: number,
  ) {}

  /** Bytes at an offset, from the already-read head or the current window when they lie in it. */
  at(head: Buffer, offset: number, length: number): Buffer {
    if (offset + length <= head.length) return head.subarray(offset, offset + length);
    if (length > WINDOW / 4) return this.read(offset, length);
    if (offset < this.windowStart || offset + length > this.windowStart + this.window.length) {
      const end = this.windowStart + this.window.length;
      const adjacent = this.window.length > 0 && offset >= this.windowStart && offset - end < this.windowSize;
      this.windowSize = adjacent ? Math.min(WINDOW, this.windowSize * 2) : MIN_WINDOW;
      // A fresh buffer per window: subarrays of the previous one are still held by the caller.
      this.window = this.read(offset, Math.max(this.windowSize, length));
      this.windowStart = offset;
    }
    const from = offset - this.windowStart;
    return this.window.subarray(from, Math.min(from + length, this.window.length));
  }

  read(offset: number, length: number): Buffer {
    const len = Math.max(0, Math.min(length, this.size - offset));
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const n = fs.readSync(this.fd, buf, got, len - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  }
}

function sparsePng(src: Source, head: Buffer): Buffer | null {
  const parts: Buffer[] = [head.subarray(0, 8)];
  let pos = 8;
  let keptImage = 0;
  let textBytes = 0;
  for (let n = 0; n < MAX_CHUNKS && pos + 12 <= src.size; n++) {
    const header = src.at(head, pos, 8);
    if (header.length < 8) break;
    const length = header.readUInt32BE(0);
    const type = header.toString('latin1', 4, 8);
    const total = 12 + length;
    if (type === 'tEXt' || type === 'iTXt' || type === 'zTXt') textBytes = Math.max(textBytes, length);
    if (type === 'fdAT') {
      // Animation frame data: the sequence number is kept (the reader counts frames by fcTL).
      const chunk = Buffer.concat([src.at(head, pos, 12), Buffer.alloc(4)]);
      chunk.writeUInt32BE(4, 0);
      parts.push(chunk);
    } else if (type === 'IDAT') {
      // Without text metadata a hidden payload may be all there is: then the image data is needed.
      if (textBytes <= 200) return null;
      if (keptImage < KEEP_IMAGE_DATA) {
        parts.push(src.read(pos, total));
        keptImage += length;
      }
    } else {
      parts.push(src.at(head, pos, total));
    }
    pos += total;
    if (type === 'IEND') {
      if (pos < src.size) parts.push(src.read(pos, Math.min(src.size - pos, 16 * 1024 * 1024)));
      break;
    }
  }
  return Buffer.concat(parts);
}

function sparseJpeg(src: Source, head: Buffer): Buffer | null {
  const parts: Buffer[] = [head.subarray(0, 2)];
  let pos = 2;
  for (let n = 0; n < MAX_CHUNKS && pos + 4 <= src.size; n++) {
    const marker = src.at(head, pos, 4);
    if (marker.length < 2 || marker[0] !== 0xff) return null;
    const code = marker[1];
    if (code === 0xff) {
      pos++;
      continue;
    }
    if (code === 0xd8 || code === 0x01 || (code >= 0xd0 && code <= 0xd7)) {
      parts.push(Buffer.from([0xff, code]));
      pos += 2;
      continue;
    }
    if (code === 0xd9) break;
    if (marker.length < 4) return null;
    const length = marker.readUInt16BE(2);
    parts.push(src.at(head, pos, 2 + length));
    pos += 2 + length;
    if (code === 0xda) {
      // Scan data follows: keep only the tail, where text appended after the end-of-image marker lives.
      const tailStart = Math.max(pos, src.size - TAIL);
      parts.push(src.read(tailStart, src.size - tailStart));
      break;
    }
  }
  return Buffer.concat(parts);
}

function sparseWebp(src: Source, head: Buffer): Buffer | null {
  const parts: Buffer[] = [];
  let pos = 12;
  for (let n = 0; n < MAX_CHUNKS && pos + 8 <= src.size; n++) {
    const header = src.at(head, pos, 8);
    if (header.length < 8) break;
    const fourcc = header.toString('latin1', 0, 4);
    const size = header.readUInt32LE(4);
    const padded = size + (size & 1);
    if (fourcc === 'VP8 ' || fourcc === 'VP8L' || fourcc === 'ALPH' || fourcc === 'ANMF') {
      // Keep the frame header (size, flags), drop the bitstream; the chunk size is rewritten to match.
      const keep = Math.min(size, 32);
      const chunk = Buffer.concat([header, src.read(pos + 8, keep)]);
      chunk.writeUInt32LE(keep, 4);
      parts.push(keep & 1 ? Buffer.concat([chunk, Buffer.alloc(1)]) : chunk);
    } else {
      parts.push(src.at(head, pos, 8 + padded));
    }
    pos += 8 + padded;
  }
  const body = Buffer.concat([Buffer.from('WEBP', 'latin1'), ...parts]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(body.length, 4);
  return Buffer.concat([riff, body]);
}

/** Boxes / elements kept whole beyond this are cut (a real `moov` of hours of video is a few MiB). */
const MAX_KEPT_BOX = 64 * 1024 * 1024;

/** ISO BMFF movie: every top-level box but the media data (`mdat`, `free`, `skip`), in file order. */
function sparseMovie(src: Source, head: Buffer): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  for (let n = 0; n < MAX_CHUNKS && pos + 8 <= src.size; n++) {
    const header = src.at(head, pos, 16);
    if (header.length < 8) break;
    let size = header.readUInt32BE(0);
    const type = header.toString('latin1', 4, 8);
    if (size === 1 && header.length >= 16) size = Number(header.readBigUInt64BE(8));
    else if (size === 0) size = src.size - pos;
    if (size < 8) break;
    if (type !== 'mdat' && type !== 'free' && type !== 'skip' && type !== 'wide') parts.push(src.at(head, pos, Math.min(size, MAX_KEPT_BOX)));
    pos += size;
  }
  return Buffer.concat(parts);
}

const EBML_SEGMENT = 0x18538067;
/** Top-level Matroska elements that hold media, not metadata. */
const EBML_SKIPPED = new Set([0x1f43b675 /* Cluster */, 0x1c53bb6b /* Cues */, 0x1941a469 /* Attachments */, 0xec /* Void */]);

function ebmlVint(b: Buffer, pos: number, keepMarker: boolean): { value: number; length: number; unknown: boolean } | null {
  if (pos >= b.length || b[pos] === 0) return null;
  const length = Math.clz32(b[pos]) - 23;
  if (pos + length > b.length) return null;
  let value = keepMarker ? b[pos] : b[pos] & (0xff >> length);
  let unknown = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + b[pos + i];
    if (b[pos + i] !== 0xff) unknown = false;
  }
  return { value, length, unknown };
}

/**
 * Matroska / WebM: the EBML header and the Segment's metadata elements (Info, Tracks, Tags, SeekHead,
 * Chapters), not its Clusters. The Segment's size is rewritten as unknown (it runs to the end).
 */
function sparseMatroska(src: Source, head: Buffer): Buffer | null {
  const parts: Buffer[] = [];
  let pos = 0;
  let segmentEnd = -1;
  for (let n = 0; n < MAX_CHUNKS && pos < src.size; n++) {
    const header = src.at(head, pos, 12);
    const id = ebmlVint(header, 0, true);
    const size = id && ebmlVint(header, id.length, false);
    if (!id || !size) break;
    const payload = pos + id.length + size.length;
    if (segmentEnd < 0 && id.value === EBML_SEGMENT) {
      parts.push(Buffer.from([0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
      segmentEnd = size.unknown ? src.size : Math.min(src.size, payload + size.value);
      pos = payload;
      continue;
    }
    // An unknown-size element inside the Segment (a live Cluster) has no end to skip to.
    if (size.unknown) break;
    const end = payload + size.value;
    if (!EBML_SKIPPED.has(id.value)) parts.push(src.at(head, pos, Math.min(end - pos, MAX_KEPT_BOX)));
    pos = end;
    if (segmentEnd >= 0 && pos >= segmentEnd) break;
  }
  return parts.length ? Buffer.concat(parts) : null;
}

/** The metadata-bearing bytes of a file (the whole file for other formats or when in doubt). */
export function readMetadataBytes(absPath: string): Buffer {
  const fd = fs.openSync(absPath, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const src = new Source(fd, size);
    if (size <= HEAD) return src.read(0, size);
    const head = src.read(0, HEAD);
    let sparse: Buffer | null = null;
    if (head[0] === 0x89 && head.toString('latin1', 1, 4) === 'PNG') sparse = sparsePng(src, head);
    else if (head[0] === 0xff && head[1] === 0xd8) sparse = sparseJpeg(src, head);
    else if (head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') sparse = sparseWebp(src, head);
    else if (head.readUInt32BE(0) === 0x1a45dfa3) sparse = sparseMatroska(src, head);
    // AVIF / HEIC keep reading whole: their Exif and XMP items may lie in `mdat`.
    else if (isobmffFormat(head) === null && movieFormat(head) !== null) sparse = sparseMovie(src, head);
    return sparse ?? src.read(0, size);
  } finally {
    fs.closeSync(fd);
  }
}
