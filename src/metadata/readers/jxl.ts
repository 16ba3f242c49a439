/**
 * JPEG XL reader (ISO/IEC 18181-2 container, or a bare codestream): the size, alpha and animation
 * flags from the codestream's header, and the metadata boxes — `Exif`, `xml ` (XMP), `jumb` (C2PA)
 * and the same three Brotli-compressed in `brob` boxes, which libjxl writes with `--compress_boxes`.
 */
import zlib from 'node:zlib';
import type { ContainerInfo } from '../types.js';
import { decodeLatin1, decodeUtf8, MAX_TEXT_BYTES } from '../text.js';
import { ReadBudget } from '../limits.js';
import { xmpEntries } from './xmp.js';
import { boxes } from './isobmff.js';
import { addExif, emptyContainer } from './container.js';

/** The 12-byte signature box every JPEG XL container starts with. */
const CONTAINER_SIGNATURE = [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a];
/** What each metadata box is called in an entry's carrier (`jxl:xmp`, `jxl:brob:Exif`…). */
const CARRIER: Record<string, string> = { Exif: 'Exif', 'xml ': 'xmp', jumb: 'jumb' };
/** Box types a `brob` box may compress (the spec forbids the codestream and container boxes). */
const COMPRESSIBLE = new Set(['Exif', 'xml ', 'jumb']);

export function isJxl(buf: Uint8Array): boolean {
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0x0a) return true;
  return buf.length >= 12 && CONTAINER_SIGNATURE.every((b, i) => buf[i] === b);
}

/** The codestream's bits, least significant first; reading past the end throws (a truncated header). */
class BitReader {
  private pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  bits(n: number): number {
    let value = 0;
    for (let i = 0; i < n; i++, this.pos++) {
      const byte = this.bytes[this.pos >> 3];
      if (byte === undefined) throw new RangeError('codestream header cut short');
      value += ((byte >> (this.pos & 7)) & 1) * 2 ** i;
    }
    return value;
  }

  bool(): boolean {
    return this.bits(1) === 1;
  }

  /** The spec's U32(d0, d1, d2, d3): a 2-bit selector, then that distribution's [offset, bits]. */
  u32(d: readonly (readonly [number, number])[]): number {
    const [offset, bits] = d[this.bits(2)];
    return offset + (bits ? this.bits(bits) : 0);
  }
}

const SIZE = [[1, 9], [1, 13], [1, 18], [1, 30]] as const;
const PREVIEW_DIV8 = [[16, 0], [32, 0], [1, 5], [33, 9]] as const;
const PREVIEW = [[1, 6], [65, 8], [321, 10], [1345, 12]] as const;
const ENUM = [[0, 0], [1, 0], [2, 4], [18, 6]] as const;
/** Width / height of the aspect ratios a SizeHeader may name instead of a width (codes 1–7). */
const RATIOS = [null, [1, 1], [12, 10], [4, 3], [3, 2], [16, 9], [5, 4], [2, 1]] as const;
const ALPHA = 0;
const SPOT_COLOR = 2;
const CFA = 5;
/** Extra channels looked at for alpha; real files have 0–3, the field allows 4,096. */
const MAX_EXTRA_CHANNELS = 64;

function sizeHeader(r: BitReader, div8: readonly (readonly [number, number])[] | null, other: readonly (readonly [number, number])[]): { width: number; height: number } {
  const small = r.bool();
  const height = small ? (div8 ? r.u32(div8) : r.bits(5) + 1) * 8 : r.u32(other);
  const ratio = RATIOS[r.bits(3)];
  const width = ratio ? Math.floor((height * ratio[0]) / ratio[1]) : small ? (div8 ? r.u32(div8) : r.bits(5) + 1) * 8 : r.u32(other);
  return { width, height };
}

function bitDepth(r: BitReader): void {
  if (r.bool()) {
    r.u32([[32, 0], [16, 0], [24, 0], [1, 6]]);
    r.bits(4);
  } else r.u32([[8, 0], [10, 0], [12, 0], [1, 6]]);
}

/**
 * SizeHeader and the start of ImageMetadata (ISO/IEC 18181-1 A.2–A.6): enough for the size, the
 * animation flag and whether an extra channel is alpha. A header cut short keeps what was read.
 */
function readCodestreamHeader(codestream: Uint8Array, info: ContainerInfo): void {
  if (codestream.length < 2 || codestream[0] !== 0xff || codestream[1] !== 0x0a) {
    info.warnings.push('JPEG XL codestream does not start with its signature');
    return;
  }
  const r = new BitReader(codestream.subarray(2));
  try {
    const size = sizeHeader(r, null, SIZE);
    info.width = size.width;
    info.height = size.height;
  } catch {
    info.warnings.push('JPEG XL codestream ends inside its size header (truncated file)');
    return;
  }
  try {
    if (r.bool()) return; // all_default: no extra channels, no animation
    if (r.bool()) {
      r.bits(3); // orientation
      if (r.bool()) sizeHeader(r, null, SIZE); // intrinsic size
      if (r.bool()) sizeHeader(r, PREVIEW_DIV8, PREVIEW);
      if (r.bool()) {
        info.animated = true;
        r.u32([[100, 0], [1000, 0], [1, 10], [1, 30]]);
        r.u32([[1, 0], [1001, 0], [1, 8], [1, 10]]);
        r.u32([[0, 0], [0, 3], [0, 16], [0, 32]]);
        r.bool();
      }
    }
    bitDepth(r);
    r.bool(); // modular_16_bit_buffer_sufficient
    const extra = r.u32([[0, 0], [1, 0], [2, 4], [1, 12]]);
    for (let i = 0; i < Math.min(extra, MAX_EXTRA_CHANNELS); i++) {
      if (r.bool()) {
        info.hasAlpha = true; // all default: an alpha channel
        return;
      }
      const type = r.u32(ENUM);
      if (type === ALPHA) {
        info.hasAlpha = true;
        return;
      }
      bitDepth(r);
      r.u32([[0, 0], [3, 0], [4, 0], [1, 3]]); // dim_shift
      const nameLength = r.u32([[0, 0], [0, 4], [16, 5], [48, 10]]);
      for (let c = 0; c < nameLength; c++) r.bits(8);
      if (type === SPOT_COLOR) r.bits(64);
      if (type === CFA) r.u32([[1, 0], [0, 2], [3, 4], [19, 8]]);
    }
  } catch {
    // Past the size, a header cut short only leaves alpha and animation unknown.
  }
}

/** Why a `brob` box was not unpacked, when the file's text budget (not the box) is the reason. */
class OverBudget extends Error {}

function unbrotli(data: Uint8Array, budget: ReadBudget): Buffer {
  const limit = budget.inflateLimit(MAX_TEXT_BYTES);
  if (limit <= 0) throw new OverBudget();
  try {
    // maxOutputLength turns a Brotli bomb into a RangeError instead of an out-of-memory crash.
    return zlib.brotliDecompressSync(data, { maxOutputLength: limit });
  } catch (err) {
    if (err instanceof RangeError && limit < MAX_TEXT_BYTES) throw new OverBudget();
    if (err instanceof RangeError) throw new Error(`decompresses past ${MAX_TEXT_BYTES / 1024 / 1024} MiB`);
    throw err;
  }
}

async function addMetadataBox(info: ContainerInfo, budget: ReadBudget, type: string, data: Uint8Array, carrier: string): Promise<void> {
  if (type === 'Exif') {
    // A 4-byte offset to the TIFF header (0, or 6 after an `Exif\0\0` prefix), then the TIFF data.
    if (data.length < 4) return;
    const skip = 4 + new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0);
    await addExif(info, budget, data.subarray(Math.min(skip, data.length)), carrier);
  } else if (type === 'xml ') {
    budget.push(info.entries, xmpEntries(decodeUtf8(data), carrier));
  } else {
    info.c2pa.push({ carrier, bytes: data });
  }
}

export async function readJxl(buf: Uint8Array, budget = new ReadBudget()): Promise<ContainerInfo> {
  const info = emptyContainer('jxl');
  if (buf[0] === 0xff) {
    readCodestreamHeader(buf, info);
    return info;
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let codestream: Uint8Array | null = null;
  const cut = (type: string, offset: number, claimed: number) => info.warnings.push(`JPEG XL box ${JSON.stringify(type)} at offset ${offset} claims ${claimed} bytes, beyond the end of the file`);
  for (const box of boxes(buf, view, 0, buf.length, cut)) {
    const payload = buf.subarray(box.start, box.end);
    const what = `JPEG XL ${box.type.trim()} box`;
    try {
      if (box.type === 'jxlc') codestream ??= payload;
      else if (box.type === 'jxlp') codestream ??= payload.subarray(4); // after its 4-byte part index
      else if (box.type === 'Exif' || box.type === 'xml ') {
        if (budget.block(what, payload.length)) await addMetadataBox(info, budget, box.type, payload, `jxl:${CARRIER[box.type]}`);
      } else if (box.type === 'jumb') {
        // The C2PA store is the JUMBF superbox itself, header included.
        if (budget.block(what, payload.length)) await addMetadataBox(info, budget, 'jumb', buf.subarray(box.offset, box.end), 'jxl:jumb');
      } else if (box.type === 'brob' && payload.length >= 4) {
        const inner = decodeLatin1(payload.subarray(0, 4));
        if (!COMPRESSIBLE.has(inner)) {
          if (/^[\x20-\x7e]{4}$/.test(inner)) continue; // a box we do not read anyway, compressed
          info.warnings.push(`JPEG XL brob box at offset ${box.offset} names no box type`);
          continue;
        }
        if ((inner !== 'jumb' && budget.entriesFull(what, payload.length)) || !budget.block(`${what} (${inner.trim()})`, payload.length)) continue;
        const data = unbrotli(payload.subarray(4), budget);
        if (!budget.text('JPEG XL brob payload', data.length)) continue;
        const header = Buffer.alloc(8);
        header.writeUInt32BE(data.length + 8);
        header.write(inner, 4, 'latin1');
        await addMetadataBox(info, budget, inner, inner === 'jumb' ? Buffer.concat([header, data]) : data, `jxl:brob:${CARRIER[inner]}`);
      }
    } catch (err) {
      if (err instanceof OverBudget) budget.overflow('JPEG XL brob payload', payload.length);
      else info.warnings.push(`${what} at offset ${box.offset} could not be read: ${(err as Error).message}`);
    }
  }
  if (codestream) readCodestreamHeader(codestream, info);
  else info.warnings.push('JPEG XL container has no codestream box (truncated file)');
  return info;
}
