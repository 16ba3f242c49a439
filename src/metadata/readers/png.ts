/**
 * PNG container reader: walks chunks with bounds and CRC checks and turns every text chunk
 * (tEXt / zTXt / iTXt, any keyword), eXIf, caBX (C2PA) and text appended after IEND into entries.
 */
import zlib from 'node:zlib';
import type { ContainerInfo, MetadataEntry } from '../types.js';
import { decodeLatin1, decodeUtf8, decodeUtf8OrLatin1, looksLikeText, MAX_TEXT_BYTES } from '../text.js';
import { xmpEntries } from './xmp.js';
import { readStealthPng, type PngLayout } from './stealth.js';
import { ReadBudget } from '../limits.js';
import { addExif, animationMedia, emptyContainer } from './container.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const TEXT_CHUNKS = new Set(['tEXt', 'zTXt', 'iTXt']);
const XMP_KEYWORD = 'XML:com.adobe.xmp';

export function isPng(buf: Uint8Array): boolean {
  return buf.length >= 8 && SIGNATURE.every((b, i) => buf[i] === b);
}

/** Compressed text that would inflate past the file's remaining text budget. */
class OverBudget extends Error {}

function inflateBounded(data: Uint8Array, budget: ReadBudget): Buffer {
  const limit = budget.inflateLimit(MAX_TEXT_BYTES);
  if (limit <= 0) throw new OverBudget();
  try {
    // maxOutputLength turns a zip bomb into a RangeError instead of an out-of-memory crash.
    return zlib.inflateSync(data, { maxOutputLength: limit });
  } catch (err) {
    if (err instanceof RangeError && limit < MAX_TEXT_BYTES) throw new OverBudget();
    throw err;
  }
}

function nulIndex(data: Uint8Array, from: number): number {
  const i = data.indexOf(0, from);
  return i < 0 ? data.length : i;
}

interface TextChunk {
  key: string;
  text: string;
}

function decodeTextChunk(type: string, data: Uint8Array, budget: ReadBudget): TextChunk {
  const keyEnd = nulIndex(data, 0);
  const key = decodeLatin1(data.subarray(0, keyEnd));
  if (type === 'tEXt') return { key, text: decodeUtf8OrLatin1(data.subarray(keyEnd + 1)) };
  if (type === 'zTXt') return { key, text: decodeUtf8OrLatin1(inflateBounded(data.subarray(keyEnd + 2), budget)) };
  // iTXt: keyword\0 compressionFlag compressionMethod languageTag\0 translatedKeyword\0 text
  const compressed = data[keyEnd + 1] === 1;
  const langEnd = nulIndex(data, keyEnd + 3);
  const transEnd = nulIndex(data, langEnd + 1);
  const body = data.subarray(transEnd + 1);
  return { key, text: compressed ? decodeUtf8(inflateBounded(body, budget)) : decodeUtf8(body) };
}

export async function readPng(buf: Uint8Array, options: { stealth?: boolean; budget?: ReadBudget } = {}): Promise<ContainerInfo> {
  const budget = options.budget ?? new ReadBudget();
  const info = emptyContainer('png');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const layout: PngLayout = { width: 0, height: 0, bitDepth: 0, colorType: 0, interlace: 0, idat: [] };
  let pos = 8;
  let sawEnd = false;
  let declaredFrames = 0;
  let frames = 0;
  let duration = 0;
  while (pos + 12 <= buf.length) {
    const length = view.getUint32(pos);
    const type = decodeLatin1(buf.subarray(pos + 4, pos + 8));
    if (!/^[A-Za-z]{4}$/.test(type)) {
      info.warnings.push(`invalid PNG chunk type at offset ${pos}`);
      break;
    }
    const dataStart = pos + 8;
    const dataEnd = dataStart + length;
    if (length > 0x7fffffff || dataEnd + 4 > buf.length) {
      info.warnings.push(`PNG chunk ${type} at offset ${pos} claims ${length} bytes, beyond the end of the file`);
      break;
    }
    const data = buf.subarray(dataStart, dataEnd);
    // Metadata chunks are CRC-checked; image data is not (it is most of the file and the decoder
    // checks it when the thumbnail is made, where a corrupt image is reported).
    if (type !== 'IDAT' && type !== 'fdAT' && view.getUint32(dataEnd) !== zlib.crc32(buf.subarray(pos + 4, dataEnd))) {
      info.warnings.push(`PNG chunk ${type} at offset ${pos} has a bad CRC`);
    }
    switch (type) {
      case 'IHDR':
        if (length >= 13) {
          info.width = view.getUint32(dataStart);
          info.height = view.getUint32(dataStart + 4);
          const colorType = buf[dataStart + 9];
          info.hasAlpha = colorType === 4 || colorType === 6;
          Object.assign(layout, { width: info.width, height: info.height, bitDepth: buf[dataStart + 8], colorType, interlace: buf[dataStart + 12] });
        }
        break;
      case 'tRNS':
        info.hasAlpha = true;
        break;
      case 'IDAT':
        layout.idat.push(data);
        break;
      case 'acTL':
        info.animated = true;
        if (length >= 8) declaredFrames = view.getUint32(dataStart);
        break;
      case 'fcTL':
        // Sequence, width, height, x, y (4 bytes each), then the delay as a fraction (0 denominator: 1/100 s).
        if (length >= 26) {
          frames++;
          const den = view.getUint16(dataStart + 22) || 100;
          duration += view.getUint16(dataStart + 20) / den;
        }
        break;
      case 'eXIf': {
        if (!budget.block('PNG eXIf', length)) break;
        await addExif(info, budget, data, 'png:eXIf');
        break;
      }
      case 'caBX':
        if (budget.block('PNG caBX (C2PA)', length)) info.c2pa.push({ carrier: 'png:caBX', bytes: data });
        break;
      case 'IEND':
        sawEnd = true;
        break;
      default:
        if (TEXT_CHUNKS.has(type)) {
          if (length > MAX_TEXT_BYTES) {
            info.warnings.push(`PNG ${type} chunk of ${length} bytes skipped (over ${MAX_TEXT_BYTES})`);
            break;
          }
          if (budget.entriesFull(`PNG ${type} chunk`, length)) break;
          try {
            const chunk = decodeTextChunk(type, data, budget);
            if (!budget.text(`PNG ${type} chunk`, chunk.text.length)) break;
            if (chunk.key === XMP_KEYWORD) {
              if (budget.block('XMP', length)) budget.push(info.entries, xmpEntries(chunk.text, `png:${type}:xmp`));
            } else budget.push(info.entries, [{ key: chunk.key, text: chunk.text, carrier: `png:${type}` } satisfies MetadataEntry]);
          } catch (err) {
            if (err instanceof OverBudget) budget.overflow(`PNG ${type} chunk`, length);
            else info.warnings.push(`PNG ${type} chunk at offset ${pos} could not be decoded: ${(err as Error).message}`);
          }
        }
    }
    pos = dataEnd + 4;
    if (sawEnd) break;
  }
  // A hidden LSB copy is looked for only when the text chunks carry no metadata of substance: with
  // them it is a redundant copy (NovelAI, Forge write both), and skipping it keeps scans fast.
  if (options.stealth !== false && layout.idat.length && !info.entries.some((e) => e.text.length > 200)) {
    budget.push(info.entries, readStealthPng(layout, info.warnings));
  }
  if (info.animated && Math.max(frames, declaredFrames) > 1) {
    const seconds = duration > 0 ? Math.round(duration * 1000) / 1000 : null;
    const count = frames || declaredFrames;
    info.media = animationMedia(count, seconds, 'apng');
  }
  if (!sawEnd) info.warnings.push('PNG ends without an IEND chunk (truncated file)');
  else if (pos < buf.length) {
    // Some tools append the generation text after IEND, where image viewers ignore it.
    const tail = buf.subarray(pos, Math.min(buf.length, pos + MAX_TEXT_BYTES));
    if (looksLikeText(tail) && budget.text('text after IEND', tail.length)) {
      budget.push(info.entries, [{ key: 'trailing', text: decodeUtf8(tail).trim(), carrier: 'png:after-IEND' }]);
    }
  }
  return info;
}
