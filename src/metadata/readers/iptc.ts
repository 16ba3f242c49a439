/**
 * IPTC IIM in a JPEG APP13 segment (Photoshop image resources, resource 0x0404): the caption,
 * keywords and credits, named as exiftool names them (`Caption-Abstract`, `Keywords`…). Photo
 * tools and image sites put a generated image's prompt in the caption.
 */
import type { MetadataEntry } from '../types.js';
import { decodeLatin1, decodeUtf8, decodeUtf8OrLatin1 } from '../text.js';

export const PHOTOSHOP_HEADER = 'Photoshop 3.0\0';
const IPTC_RESOURCE = 0x0404;
/** Application record (2) datasets kept, by number. */
const DATASETS: Record<number, string> = {
  5: 'ObjectName',
  25: 'Keywords',
  40: 'SpecialInstructions',
  80: 'By-line',
  105: 'Headline',
  110: 'Credit',
  115: 'Source',
  116: 'CopyrightNotice',
  120: 'Caption-Abstract',
  122: 'Writer-Editor',
};
/** IIM records read per segment; real files have tens. */
const MAX_RECORDS = 1000;

/** The IPTC-NAA resource's bytes within Photoshop image resources (`8BIM` blocks), or null. */
function iptcResource(data: Uint8Array): Uint8Array | null {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let p = PHOTOSHOP_HEADER.length;
  for (let n = 0; n < MAX_RECORDS && p + 12 <= data.length; n++) {
    if (decodeLatin1(data.subarray(p, p + 4)) !== '8BIM') return null;
    const id = view.getUint16(p + 4);
    const nameLength = data[p + 6];
    p += 6 + ((nameLength + 2) & ~1); // Pascal name, padded to an even length
    if (p + 4 > data.length) return null;
    const size = view.getUint32(p);
    p += 4;
    if (p + size > data.length) return null;
    if (id === IPTC_RESOURCE) return data.subarray(p, p + size);
    p += size + (size & 1);
  }
  return null;
}

export function iptcEntries(app13: Uint8Array, carrier: string): MetadataEntry[] {
  const iim = iptcResource(app13);
  if (!iim) return [];
  const view = new DataView(iim.buffer, iim.byteOffset, iim.byteLength);
  const values = new Map<string, string[]>();
  let utf8 = false;
  let p = 0;
  for (let n = 0; n < MAX_RECORDS && p + 5 <= iim.length && iim[p] === 0x1c; n++) {
    const record = iim[p + 1];
    const dataset = iim[p + 2];
    let size = view.getUint16(p + 3);
    p += 5;
    if (size & 0x8000) break; // extended-length datasets hold images, not text
    size = Math.min(size, iim.length - p);
    const bytes = iim.subarray(p, p + size);
    p += size;
    // 1:90 CodedCharacterSet `ESC % G` declares UTF-8.
    if (record === 1 && dataset === 90) utf8 = decodeLatin1(bytes) === '\x1b%G';
    const key = record === 2 ? DATASETS[dataset] : undefined;
    if (!key) continue;
    const list = values.get(key) ?? [];
    list.push(utf8 ? decodeUtf8(bytes) : decodeUtf8OrLatin1(bytes));
    values.set(key, list);
  }
  return [...values].map(([key, list]) => ({ key, text: list.join(', '), carrier: `${carrier}:${key}` }));
}
