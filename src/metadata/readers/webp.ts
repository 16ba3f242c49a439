/** WebP (RIFF) container reader: size from VP8/VP8L/VP8X, EXIF and XMP chunks as entries. */
import type { ContainerInfo } from '../types.js';
import { decodeLatin1, decodeUtf8 } from '../text.js';
import { xmpEntries } from './xmp.js';
import { ReadBudget } from '../limits.js';
import { addExif, animationMedia, emptyContainer } from './container.js';

export function isWebp(buf: Uint8Array): boolean {
  return buf.length >= 12 && decodeLatin1(buf.subarray(0, 4)) === 'RIFF' && decodeLatin1(buf.subarray(8, 12)) === 'WEBP';
}

export async function readWebp(buf: Uint8Array, budget = new ReadBudget()): Promise<ContainerInfo> {
  const info = emptyContainer('webp');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 12;
  let frames = 0;
  let durationMs = 0;
  while (pos + 8 <= buf.length) {
    const fourcc = decodeLatin1(buf.subarray(pos, pos + 4));
    const size = view.getUint32(pos + 4, true);
    const dataStart = pos + 8;
    const dataEnd = dataStart + size;
    if (dataEnd > buf.length) {
      info.warnings.push(`WebP chunk ${fourcc} at offset ${pos} runs beyond the end of the file`);
      break;
    }
    const data = buf.subarray(dataStart, dataEnd);
    switch (fourcc) {
      case 'VP8X':
        if (size >= 10) {
          info.hasAlpha = (data[0] & 0x10) !== 0;
          info.animated = (data[0] & 0x02) !== 0;
          info.width = 1 + (data[4] | (data[5] << 8) | (data[6] << 16));
          info.height = 1 + (data[7] | (data[8] << 8) | (data[9] << 16));
        }
        break;
      case 'VP8 ':
        if (info.width === null && size >= 10 && data[3] === 0x9d && data[4] === 0x01 && data[5] === 0x2a) {
          info.width = view.getUint16(dataStart + 6, true) & 0x3fff;
          info.height = view.getUint16(dataStart + 8, true) & 0x3fff;
        }
        break;
      case 'VP8L':
        if (info.width === null && size >= 5 && data[0] === 0x2f) {
          const bits = view.getUint32(dataStart + 1, true);
          info.width = (bits & 0x3fff) + 1;
          info.height = ((bits >>> 14) & 0x3fff) + 1;
          info.hasAlpha = ((bits >>> 28) & 1) === 1;
        }
        break;
      case 'ALPH':
        info.hasAlpha = true;
        break;
      case 'ANIM':
        info.animated = true;
        break;
      case 'ANMF':
        // Frame header: x, y, width-1, height-1 (3 bytes each), duration in ms (3 bytes), flags.
        frames++;
        if (size >= 16) durationMs += data[12] | (data[13] << 8) | (data[14] << 16);
        break;
      case 'EXIF': {
        if (!budget.block('WebP EXIF', size)) break;
        await addExif(info, budget, data, 'webp:EXIF');
        break;
      }
      case 'XMP ':
        if (budget.block('WebP XMP', size)) budget.push(info.entries, xmpEntries(decodeUtf8(data), 'webp:XMP'));
        break;
    }
    pos = dataEnd + (size & 1);
  }
  if (info.width === null) info.warnings.push('WebP has no image header (truncated file)');
  if (info.animated && frames > 1) {
    const duration = durationMs > 0 ? durationMs / 1000 : null;
    info.media = animationMedia(frames, duration, 'webp');
  }
  return info;
}
