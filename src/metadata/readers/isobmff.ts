/**
 * AVIF / HEIF (ISO base media file format) reader: the `meta` box's item table locates the Exif and
 * XMP (mime application/rdf+xml) items; `ispe` gives the size; a C2PA `uuid` box is kept.
 */
import type { ContainerInfo, ImageFormat } from '../types.js';
import { decodeLatin1, decodeUtf8, MAX_TEXT_BYTES } from '../text.js';
import { xmpEntries } from './xmp.js';
import { ReadBudget } from '../limits.js';
import { addExif, emptyContainer } from './container.js';

const C2PA_UUID = 'd8fec3d61b0e483c92975828877ec481';
const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1']);

export interface Box {
  type: string;
  offset: number; // box start (its header)
  start: number; // payload start
  end: number;
}

/** Boxes per level: real files have tens; a hostile file repeating an 8-byte box has millions. */
export const MAX_BOXES_PER_LEVEL = 10_000;

/**
 * The boxes between start and end. A box that claims to run past `end` ends the walk; with
 * `truncated` given it is first yielded cut to `end` (a truncated file's last box is still read).
 */
export function* boxes(buf: Uint8Array, view: DataView, start: number, end: number, truncated?: (type: string, offset: number, claimed: number) => void): Generator<Box> {
  let pos = start;
  let guard = 0;
  while (pos + 8 <= end && guard++ < MAX_BOXES_PER_LEVEL) {
    let size = view.getUint32(pos);
    const type = decodeLatin1(buf.subarray(pos + 4, pos + 8));
    let header = 8;
    if (size === 1) {
      if (pos + 16 > end) return;
      const big = view.getBigUint64(pos + 8);
      header = 16;
      size = big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(big);
    } else if (size === 0) {
      size = end - pos;
    }
    if (size < header) return;
    if (pos + size > end) {
      if (truncated) {
        truncated(type, pos, size);
        yield { type, offset: pos, start: pos + header, end };
      }
      return;
    }
    yield { type, offset: pos, start: pos + header, end: pos + size };
    pos += size;
  }
}

/** Sniffs the ftyp brands; null when the file is not an image ISOBMFF file. */
export function isobmffFormat(buf: Uint8Array): ImageFormat | null {
  if (buf.length < 16 || decodeLatin1(buf.subarray(4, 8)) !== 'ftyp') return null;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const size = Math.min(view.getUint32(0), buf.length);
  const brands = [decodeLatin1(buf.subarray(8, 12))];
  for (let p = 16; p + 4 <= size; p += 4) brands.push(decodeLatin1(buf.subarray(p, p + 4)));
  if (brands.some((b) => AVIF_BRANDS.has(b))) return 'avif';
  if (brands.some((b) => HEIF_BRANDS.has(b))) return 'heic';
  return null;
}

function readUint(view: DataView, pos: number, size: number): number {
  if (size === 0) return 0;
  if (size === 4) return view.getUint32(pos);
  if (size === 8) return Number(view.getBigUint64(pos));
  if (size === 2) return view.getUint16(pos);
  throw new Error(`unsupported iloc field size ${size}`);
}

interface ItemLocation {
  method: number;
  extents: { offset: number; length: number }[];
}

function parseIloc(view: DataView, box: Box): Map<number, ItemLocation> {
  const out = new Map<number, ItemLocation>();
  const version = view.getUint8(box.start);
  let p = box.start + 4;
  const sizes = view.getUint8(p);
  const sizes2 = view.getUint8(p + 1);
  const offsetSize = sizes >> 4;
  const lengthSize = sizes & 15;
  const baseOffsetSize = sizes2 >> 4;
  const indexSize = version === 1 || version === 2 ? sizes2 & 15 : 0;
  p += 2;
  const count = version < 2 ? view.getUint16(p) : view.getUint32(p);
  p += version < 2 ? 2 : 4;
  for (let i = 0; i < count && p < box.end; i++) {
    const id = version < 2 ? view.getUint16(p) : view.getUint32(p);
    p += version < 2 ? 2 : 4;
    let method = 0;
    if (version === 1 || version === 2) {
      method = view.getUint16(p) & 15;
      p += 2;
    }
    p += 2; // data_reference_index
    const base = readUint(view, p, baseOffsetSize);
    p += baseOffsetSize;
    const extentCount = view.getUint16(p);
    p += 2;
    const extents: { offset: number; length: number }[] = [];
    for (let e = 0; e < extentCount && p < box.end; e++) {
      p += indexSize;
      const offset = readUint(view, p, offsetSize);
      p += offsetSize;
      const length = readUint(view, p, lengthSize);
      p += lengthSize;
      extents.push({ offset: base + offset, length });
    }
    out.set(id, { method, extents });
  }
  return out;
}

interface ItemInfo {
  type: string;
  contentType: string | null;
}

function parseIinf(buf: Uint8Array, view: DataView, box: Box): Map<number, ItemInfo> {
  const out = new Map<number, ItemInfo>();
  const version = view.getUint8(box.start);
  const first = box.start + 4 + (version === 0 ? 2 : 4);
  for (const infe of boxes(buf, view, first, box.end)) {
    if (infe.type !== 'infe') continue;
    const v = view.getUint8(infe.start);
    if (v < 2) continue;
    let p = infe.start + 4;
    const id = v === 2 ? view.getUint16(p) : view.getUint32(p);
    p += (v === 2 ? 2 : 4) + 2;
    const type = decodeLatin1(buf.subarray(p, p + 4));
    p += 4;
    let contentType: string | null = null;
    if (type === 'mime') {
      const nameEnd = buf.indexOf(0, p);
      const ctStart = nameEnd < 0 ? infe.end : nameEnd + 1;
      const ctEnd = buf.indexOf(0, ctStart);
      contentType = decodeLatin1(buf.subarray(ctStart, ctEnd < 0 || ctEnd > infe.end ? infe.end : ctEnd));
    }
    out.set(id, { type, contentType });
  }
  return out;
}

export async function readIsobmff(buf: Uint8Array, format: ImageFormat, budget = new ReadBudget()): Promise<ContainerInfo> {
  const info = emptyContainer(format);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let items = new Map<number, ItemInfo>();
  let locations = new Map<number, ItemLocation>();
  let idat: Box | null = null;
  let area = 0;
  for (const top of boxes(buf, view, 0, buf.length)) {
    if (top.type === 'ftyp') {
      const brand = decodeLatin1(buf.subarray(top.start, top.start + 4));
      if (brand === 'avis') info.animated = true;
    } else if (top.type === 'uuid' && top.end - top.start > 16) {
      const uuid = Buffer.from(buf.subarray(top.start, top.start + 16)).toString('hex');
      if (uuid === C2PA_UUID) info.c2pa.push({ carrier: 'isobmff:uuid', bytes: buf.subarray(top.start + 16, top.end) });
    } else if (top.type === 'meta') {
      for (const box of boxes(buf, view, top.start + 4, top.end)) {
        try {
          if (box.type === 'iinf') items = parseIinf(buf, view, box);
          else if (box.type === 'iloc') locations = parseIloc(view, box);
          else if (box.type === 'idat') idat = box;
          else if (box.type === 'iprp') {
            for (const ipco of boxes(buf, view, box.start, box.end)) {
              if (ipco.type !== 'ipco') continue;
              for (const prop of boxes(buf, view, ipco.start, ipco.end)) {
                if (prop.type === 'ispe' && prop.end - prop.start >= 12) {
                  const w = view.getUint32(prop.start + 4);
                  const h = view.getUint32(prop.start + 8);
                  if (w * h > area) {
                    area = w * h;
                    info.width = w;
                    info.height = h;
                  }
                } else if (prop.type === 'auxC' && decodeLatin1(buf.subarray(prop.start + 4, prop.end)).includes(':alpha')) {
                  info.hasAlpha = true;
                }
              }
            }
          }
        } catch (err) {
          info.warnings.push(`bad ${box.type} box: ${(err as Error).message}`);
        }
      }
    }
  }
  for (const [id, item] of items) {
    const isExif = item.type === 'Exif';
    const isXmp = item.type === 'mime' && item.contentType === 'application/rdf+xml';
    if (!isExif && !isXmp) continue;
    const loc = locations.get(id);
    if (!loc) continue;
    const base = loc.method === 1 && idat ? (idat as Box).start : 0;
    const parts: Uint8Array[] = [];
    let total = 0;
    for (const ext of loc.extents) {
      const start = base + ext.offset;
      const end = ext.length === 0 ? buf.length : start + ext.length;
      if (start < 0 || end > buf.length || total + (end - start) > MAX_TEXT_BYTES) {
        info.warnings.push(`${item.type} item ${id} lies outside the file`);
        parts.length = 0;
        break;
      }
      parts.push(buf.subarray(start, end));
      total += end - start;
    }
    if (parts.length === 0 || !budget.block(`${format.toUpperCase()} ${item.type}`, total)) continue;
    const data = Buffer.concat(parts);
    if (isExif && data.length > 4) {
      // Exif items start with a 4-byte offset to the TIFF header.
      const skip = 4 + data.readUInt32BE(0);
      await addExif(info, budget, data.subarray(Math.min(skip, data.length)), `${format}:Exif`);
    } else if (isXmp) {
      budget.push(info.entries, xmpEntries(decodeUtf8(data), `${format}:xmp`));
    }
  }
  if (info.width === null) info.warnings.push(`${format.toUpperCase()} has no image size property`);
  return info;
}
