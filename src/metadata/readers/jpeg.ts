/**
 * JPEG container reader: walks marker segments up to the scan data. APP1 EXIF and XMP (with the
 * extended-XMP continuation), APP13 IPTC, COM comments, APP11 JUMBF (C2PA) and text after EOI become entries.
 */
import type { ContainerInfo, MetadataEntry } from '../types.js';
import { decodeLatin1, decodeUtf8, decodeUtf8OrLatin1, looksLikeText, MAX_TEXT_BYTES, trimNul } from '../text.js';
import { xmpEntries } from './xmp.js';
import { iptcEntries, PHOTOSHOP_HEADER } from './iptc.js';
import { ReadBudget } from '../limits.js';
import { addExif, emptyContainer } from './container.js';

const EXIF_HEADER = 'Exif\0\0';
const XMP_HEADER = 'http://ns.adobe.com/xap/1.0/\0';
const XMP_EXT_HEADER = 'http://ns.adobe.com/xmp/extension/\0';

export function isJpeg(buf: Uint8Array): boolean {
  return buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff;
}

function startsWith(data: Uint8Array, header: string): boolean {
  if (data.length < header.length) return false;
  for (let i = 0; i < header.length; i++) if (data[i] !== header.charCodeAt(i)) return false;
  return true;
}

const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

interface JumbfPacket {
  seq: number;
  bytes: Uint8Array;
}

/** C2PA splits its JUMBF box over APP11 segments; each repeats the box header, which is dropped on join. */
function joinJumbf(packets: JumbfPacket[]): Uint8Array {
  packets.sort((a, b) => a.seq - b.seq);
  const parts: Uint8Array[] = [];
  packets.forEach((p, i) => {
    if (i === 0) parts.push(p.bytes);
    else {
      const view = new DataView(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength);
      const headerLength = p.bytes.length >= 4 && view.getUint32(0) === 1 ? 16 : 8;
      parts.push(p.bytes.subarray(headerLength));
    }
  });
  return Buffer.concat(parts);
}

export async function readJpeg(buf: Uint8Array, budget = new ReadBudget()): Promise<ContainerInfo> {
  const info = emptyContainer('jpeg');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const extendedXmp = new Map<string, { total: number; chunks: Map<number, Uint8Array> }>();
  const jumbf = new Map<number, JumbfPacket[]>();
  let pos = 2;
  let reachedScan = false;
  while (pos + 4 <= buf.length) {
    if (buf[pos] !== 0xff) {
      info.warnings.push(`JPEG marker expected at offset ${pos}`);
      break;
    }
    const marker = buf[pos + 1];
    if (marker === 0xff) {
      pos++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2;
      continue;
    }
    if (marker === 0xd9) break;
    const length = view.getUint16(pos + 2);
    const dataStart = pos + 4;
    const dataEnd = pos + 2 + length;
    if (length < 2 || dataEnd > buf.length) {
      info.warnings.push(`JPEG segment 0x${marker.toString(16)} at offset ${pos} runs beyond the end of the file`);
      break;
    }
    const data = buf.subarray(dataStart, dataEnd);
    if (isSof(marker) && data.length >= 5) {
      info.height = view.getUint16(dataStart + 1);
      info.width = view.getUint16(dataStart + 3);
    } else if (marker === 0xe1) {
      if (startsWith(data, EXIF_HEADER)) {
        if (budget.block('JPEG EXIF', data.length)) {
          await addExif(info, budget, data.subarray(EXIF_HEADER.length), 'jpeg:exif');
        }
      } else if (startsWith(data, XMP_HEADER)) {
        if (budget.block('JPEG XMP', data.length)) budget.push(info.entries, xmpEntries(decodeUtf8(data.subarray(XMP_HEADER.length)), 'jpeg:xmp'));
      } else if (startsWith(data, XMP_EXT_HEADER) && data.length > XMP_EXT_HEADER.length + 40) {
        const body = data.subarray(XMP_EXT_HEADER.length);
        const guid = decodeLatin1(body.subarray(0, 32));
        const bodyView = new DataView(body.buffer, body.byteOffset, body.byteLength);
        const total = bodyView.getUint32(32);
        const offset = bodyView.getUint32(36);
        const entry = extendedXmp.get(guid) ?? { total, chunks: new Map() };
        entry.chunks.set(offset, body.subarray(40));
        extendedXmp.set(guid, entry);
      }
    } else if (marker === 0xed && startsWith(data, PHOTOSHOP_HEADER)) {
      if (budget.block('JPEG APP13 (IPTC)', data.length)) budget.push(info.entries, iptcEntries(data, 'jpeg:iptc'));
    } else if (marker === 0xeb && data.length > 8 && data[0] === 0x4a && data[1] === 0x50) {
      const instance = view.getUint16(dataStart + 2);
      const seq = view.getUint32(dataStart + 4);
      const list = jumbf.get(instance) ?? [];
      list.push({ seq, bytes: data.subarray(8) });
      jumbf.set(instance, list);
    } else if (marker === 0xfe && !budget.entriesFull('JPEG COM segment', data.length)) {
      const text = trimNul(decodeUtf8OrLatin1(data)).trim();
      if (text && budget.text('JPEG COM segment', text.length)) budget.push(info.entries, [{ key: 'Comment', text, carrier: 'jpeg:COM' } satisfies MetadataEntry]);
    } else if (marker === 0xda) {
      reachedScan = true;
      break;
    }
    pos = dataEnd;
  }
  for (const [guid, ext] of extendedXmp) {
    if (ext.total > MAX_TEXT_BYTES || !budget.block('JPEG extended XMP', ext.total)) continue;
    const parts = [...ext.chunks.entries()].sort((a, b) => a[0] - b[0]).map(([, bytes]) => bytes);
    budget.push(info.entries, xmpEntries(decodeUtf8(Buffer.concat(parts)), `jpeg:xmp-extended:${guid}`));
  }
  for (const packets of jumbf.values()) {
    if (budget.block('JPEG APP11 (C2PA)', packets.length)) info.c2pa.push({ carrier: 'jpeg:APP11', bytes: joinJumbf(packets) });
  }
  if (info.width === null) info.warnings.push('JPEG has no frame header (truncated or not a JPEG)');
  if (reachedScan) {
    // Text appended after the end-of-image marker (some tools write the infotext there).
    const eoi = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).lastIndexOf(Buffer.from([0xff, 0xd9]));
    if (eoi > pos && eoi + 2 < buf.length) {
      const tail = buf.subarray(eoi + 2, Math.min(buf.length, eoi + 2 + MAX_TEXT_BYTES));
      if (looksLikeText(tail) && decodeUtf8(tail).trim() && budget.text('text after EOI', tail.length)) {
        budget.push(info.entries, [{ key: 'trailing', text: decodeUtf8(tail).trim(), carrier: 'jpeg:after-EOI' }]);
      }
    } else if (eoi < 0) {
      info.warnings.push('JPEG has no end-of-image marker (truncated file)');
    }
  }
  return info;
}
