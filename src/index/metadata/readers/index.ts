/** Picks the container reader by the file's bytes (never by its extension, which often lies). */
import type { ContainerInfo, ImageFormat } from '../types.js';
import { isGif, readGif } from './gif.js';
import { isobmffFormat, readIsobmff } from './isobmff.js';
import { isJpeg, readJpeg } from './jpeg.js';
import { isPng, readPng } from './png.js';
import { isWebp, readWebp } from './webp.js';

export class UnsupportedFormatError extends Error {
  readonly code = 'unsupported_format';
}

export function sniffFormat(buf: Uint8Array): ImageFormat | null {
  if (isPng(buf)) return 'png';
  if (isJpeg(buf)) return 'jpeg';
  if (isWebp(buf)) return 'webp';
  if (isGif(buf)) return 'gif';
  return isobmffFormat(buf);
}

export async function readContainer(buf: Uint8Array): Promise<ContainerInfo> {
  const format = sniffFormat(buf);
  switch (format) {
    case 'png':
      return readPng(buf);
    case 'jpeg':
      return readJpeg(buf);
    case 'webp':
      return readWebp(buf);
    case 'gif':
      return readGif(buf);
    case 'avif':
    case 'heic':
      return readIsobmff(buf, format);
    default:
      throw new UnsupportedFormatError(buf.length === 0 ? 'empty file' : 'not a PNG, JPEG, WebP, AVIF or GIF image');
  }
}
