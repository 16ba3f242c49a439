/** Picks the container reader by the file's bytes (never by its extension, which often lies). */
import type { ContainerFormat, ContainerInfo } from '../types.js';
import { isGif, readGif } from './gif.js';
import { isobmffFormat, readIsobmff } from './isobmff.js';
import { isJpeg, readJpeg } from './jpeg.js';
import { isJxl, readJxl } from './jxl.js';
import { isMatroska, readMatroska } from './matroska.js';
import { movieFormat, readMp4 } from './mp4.js';
import { isPng, readPng } from './png.js';
import { isWebp, readWebp } from './webp.js';
import { ReadBudget } from '../limits.js';

export class UnsupportedFormatError extends Error {
  readonly code = 'unsupported_format';
}

/** The container format; Matroska answers `mkv` here, `webm` only once its DocType is read. */
export function sniffFormat(buf: Uint8Array): ContainerFormat | null {
  if (isPng(buf)) return 'png';
  if (isJpeg(buf)) return 'jpeg';
  if (isWebp(buf)) return 'webp';
  if (isGif(buf)) return 'gif';
  if (isJxl(buf)) return 'jxl';
  if (isMatroska(buf)) return 'mkv';
  return isobmffFormat(buf) ?? movieFormat(buf);
}

function readFormat(buf: Uint8Array, format: ContainerFormat | null, budget: ReadBudget): Promise<ContainerInfo> {
  switch (format) {
    case 'png':
      return readPng(buf, { budget });
    case 'jpeg':
      return readJpeg(buf, budget);
    case 'webp':
      return readWebp(buf, budget);
    case 'gif':
      return readGif(buf, budget);
    case 'avif':
    case 'heic':
      return readIsobmff(buf, format, budget);
    case 'jxl':
      return readJxl(buf, budget);
    case 'mp4':
    case 'mov':
      return readMp4(buf, format, budget);
    case 'mkv':
    case 'webm':
      return readMatroska(buf, budget);
    default:
      throw new UnsupportedFormatError(buf.length === 0 ? 'empty file' : 'not a PNG, JPEG, WebP, AVIF or GIF image, nor HEIF, JPEG XL, MP4/MOV or Matroska/WebM');
  }
}

/** The file's container, read within one per-file budget; what the budget cut is one warning. */
export async function readContainer(buf: Uint8Array, budget = new ReadBudget()): Promise<ContainerInfo> {
  const info = await readFormat(buf, sniffFormat(buf), budget);
  info.warnings.push(...budget.warnings());
  return info;
}
