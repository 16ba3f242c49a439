/** GIF reader: logical screen size, frame count, comment extensions and the XMP application extension. */
import type { ContainerInfo } from '../types.js';
import { decodeLatin1, decodeUtf8, decodeUtf8OrLatin1, MAX_TEXT_BYTES } from '../text.js';
import { xmpEntries } from './xmp.js';
import { ReadBudget } from '../limits.js';
import { animationMedia, emptyContainer } from './container.js';

export function isGif(buf: Uint8Array): boolean {
  const sig = decodeLatin1(buf.subarray(0, 6));
  return sig === 'GIF87a' || sig === 'GIF89a';
}

/** Reads the data sub-blocks starting at pos; returns the joined bytes and the position after the terminator. */
function readSubBlocks(buf: Uint8Array, pos: number, keep: boolean): { data: Uint8Array; end: number } | null {
  const parts: Uint8Array[] = [];
  let total = 0;
  while (pos < buf.length) {
    const size = buf[pos];
    if (size === 0) return { data: keep ? Buffer.concat(parts) : new Uint8Array(0), end: pos + 1 };
    if (pos + 1 + size > buf.length) return null;
    if (keep && total < MAX_TEXT_BYTES) {
      parts.push(buf.subarray(pos + 1, pos + 1 + size));
      total += size;
    }
    pos += 1 + size;
  }
  return null;
}

export async function readGif(buf: Uint8Array, budget = new ReadBudget()): Promise<ContainerInfo> {
  const info = emptyContainer('gif');
  if (buf.length < 13) {
    info.warnings.push('GIF header is truncated');
    return info;
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  info.width = view.getUint16(6, true);
  info.height = view.getUint16(8, true);
  let pos = 13;
  if (buf[10] & 0x80) pos += 3 * (1 << ((buf[10] & 7) + 1));
  let frames = 0;
  let delayCs = 0;
  while (pos < buf.length) {
    const block = buf[pos];
    if (block === 0x3b) break;
    if (block === 0x21) {
      const label = buf[pos + 1];
      if (label === 0xff && buf[pos + 2] === 11 && decodeLatin1(buf.subarray(pos + 3, pos + 14)) === 'XMP DataXMP') {
        // The XMP packet is stored raw, followed by a 258-byte "magic trailer" that starts 0x01 0xFF 0xFE.
        const start = pos + 14;
        const rest = readSubBlocks(buf, start, false);
        // The trailer is looked for inside this extension only: a search to the end of the file per
        // extension would make many extensions without one quadratic.
        const limit = rest ? rest.end : buf.length;
        let end = start;
        while (end + 2 < limit && !(buf[end] === 0x01 && buf[end + 1] === 0xff && buf[end + 2] === 0xfe)) end++;
        if (budget.block('GIF XMP', end - start)) budget.push(info.entries, xmpEntries(decodeUtf8(buf.subarray(start, end)), 'gif:xmp'));
        if (!rest) break;
        pos = rest.end;
        continue;
      }
      if (label === 0xf9 && buf[pos + 2] === 4) {
        if (buf[pos + 3] & 1) info.hasAlpha = true;
        if (pos + 6 <= buf.length) delayCs += view.getUint16(pos + 4, true);
      }
      const keep = label === 0xfe && !budget.entriesFull('GIF comment', 0);
      const blocks = readSubBlocks(buf, pos + 2, keep);
      if (!blocks) break;
      if (keep) {
        const text = decodeUtf8OrLatin1(blocks.data).trim();
        if (text && budget.text('GIF comment', text.length)) budget.push(info.entries, [{ key: 'Comment', text, carrier: 'gif:comment' }]);
      }
      pos = blocks.end;
    } else if (block === 0x2c) {
      frames++;
      if (pos + 10 > buf.length) break;
      const packed = buf[pos + 9];
      pos += 10;
      if (packed & 0x80) pos += 3 * (1 << ((packed & 7) + 1));
      const blocks = readSubBlocks(buf, pos + 1, false);
      if (!blocks) break;
      pos = blocks.end;
    } else {
      info.warnings.push(`unexpected GIF block 0x${block.toString(16)} at offset ${pos}`);
      break;
    }
  }
  info.animated = frames > 1;
  if (info.animated) {
    // Delays are declared in hundredths of a second per frame (0: "as fast as possible").
    const duration = delayCs > 0 ? delayCs / 100 : null;
    info.media = animationMedia(frames, duration, 'gif');
  }
  return info;
}
