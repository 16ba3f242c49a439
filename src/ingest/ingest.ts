/**
 * One file → ScannedFile: read once, hash, extract metadata, derive tags and creation date.
 * Runs inside the extraction workers (and directly for `vv meta`). Never throws for bad files.
 */
import { packRaw } from '../core/raw-chunks.js';
import fs from 'node:fs';
import xxhash from 'xxhash-wasm';
import { extractMetadata, emptyRecord } from '../metadata/extract.js';
import { decodeUtf8OrLatin1, MAX_TEXT_BYTES } from '../metadata/text.js';
import type { MetadataEntry } from '../metadata/types.js';
import type { MetadataRecord } from '../metadata/types.js';
import type { ScannedFile } from '../core/types.js';
import { deriveTags } from './tags.js';
import { readSidecar } from './xmp-sidecar.js';
import { effectiveMtime, isVideoName } from './walk.js';
import { readMetadataBytes } from '../metadata/sparse.js';
import { linkStaysInside, type LinkLimit } from './boundary.js';

/** Image files beyond this are not read into memory; they are recorded with an error (videos are streamed). */
export const MAX_FILE_BYTES = 512 * 1024 * 1024;
/** Videos are hashed in chunks of this size: memory stays flat whatever the file's size. */
const HASH_CHUNK = 4 * 1024 * 1024;
/** Decoders refuse more pixels than this (sharp's default limit). */
export const MAX_DECODE_PIXELS = 268_402_689;
const MAX_SEARCH_TEXT = 32 * 1024;

let hasher: Promise<Awaited<ReturnType<typeof xxhash>>> | null = null;
/** One read buffer per thread, reused: every byte is decoded into strings before the next file. */
let readBuffer = Buffer.allocUnsafe(4 * 1024 * 1024);

function readWhole(absPath: string, size: number): Buffer {
  if (readBuffer.length < size) readBuffer = Buffer.allocUnsafe(Math.max(size, readBuffer.length * 2));
  const fd = fs.openSync(absPath, 'r');
  try {
    let read = 0;
    while (read < size) {
      const n = fs.readSync(fd, readBuffer, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    return readBuffer.subarray(0, read);
  } finally {
    fs.closeSync(fd);
  }
}

export async function contentHash(bytes: Uint8Array): Promise<string> {
  hasher ??= xxhash();
  return (await hasher).h64Raw(bytes).toString(16).padStart(16, '0');
}

/** The same hash as `contentHash` of the whole file, read in chunks through the thread's read buffer. */
export async function streamedContentHash(absPath: string): Promise<string> {
  hasher ??= xxhash();
  const state = (await hasher).create64();
  if (readBuffer.length < HASH_CHUNK) readBuffer = Buffer.allocUnsafe(HASH_CHUNK);
  const fd = fs.openSync(absPath, 'r');
  try {
    let position = 0;
    for (;;) {
      const n = fs.readSync(fd, readBuffer, 0, HASH_CHUNK, position);
      if (n === 0) break;
      state.update(readBuffer.subarray(0, n));
      position += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return state.digest().toString(16).padStart(16, '0');
}

import { creationDate } from './dates.js';

export { creationDate, folderDate } from './dates.js';

/**
 * Text of raw chunks for full-text search: every string leaf, bounded, minus what the prompt
 * columns already index (an infotext chunk holds the prompt again; so do ComfyUI text nodes).
 */
export function searchText(raw: Record<string, unknown>, known: (string | null)[] = []): string {
  const parts: string[] = [];
  let length = 0;
  const indexed = known.filter((k): k is string => Boolean(k && k.trim())).map((k) => k.trim());
  const seen = new Set<string>(indexed);
  const visit = (value: unknown, depth: number) => {
    if (length >= MAX_SEARCH_TEXT || depth > 12) return;
    if (typeof value === 'string') {
      const t = value.trim();
      if (!t || t.length > 8192 || seen.has(t) || /^[A-Za-z0-9+/=]{200,}$/.test(t)) return;
      seen.add(t);
      let rest = t;
      for (const k of indexed) if (k.length > 20 && rest.includes(k)) rest = rest.replace(k, ' ');
      if (!rest.trim()) return;
      parts.push(rest);
      length += t.length + 1;
    } else if (Array.isArray(value)) {
      for (const v of value) visit(v, depth + 1);
    } else if (value && typeof value === 'object') {
      for (const v of Object.values(value)) visit(v, depth + 1);
    }
  };
  visit(raw, 0);
  return parts.join('\n').slice(0, MAX_SEARCH_TEXT);
}

function failed(relPath: string, size: number, mtimeMs: number, message: string): ScannedFile {
  const record: MetadataRecord = emptyRecord(relPath);
  record.error = message;
  return { path: relPath, size, mtimeMs, hash: null, createdAt: creationDate(relPath, null, mtimeMs), record, tags: [], rawText: '' };
}

const STORED_FIELDS = [
  'format', 'pixel_width', 'pixel_height', 'width', 'height', 'generator', 'prompt', 'negative_prompt', 'seed', 'steps', 'cfg', 'sampler', 'scheduler', 'model', 'model_hash',
  'media_type', 'duration_s', 'frame_count', 'fps', 'video_codec', 'has_audio',
] as const;

/** Serialises the stored JSON in the worker and drops the parsed raw chunks before the result crosses threads. */
export function packForStore(file: ScannedFile): ScannedFile {
  const { raw, ...record } = file.record;
  // Only the columns the store writes cross the thread boundary; the full record goes as JSON text.
  const slim: MetadataRecord = {
    ...emptyRecord(record.file),
    ...Object.fromEntries(STORED_FIELDS.map((k) => [k, record[k]])),
    warnings: record.warnings,
    ...(record.error ? { error: record.error } : {}),
  };
  return { ...file, record: slim, recordJson: JSON.stringify(record), rawPacked: packRaw(raw) };
}

/** A sidecar that is a link leaving the library is not read (its text would be indexed and searchable). */
function sidecarLeaves(file: string, within: LinkLimit | undefined, warnings: string[]): boolean {
  if (within === undefined || linkStaysInside(file, within)) return false;
  warnings.push(`sidecar ${file} links outside the library: not read`);
  return true;
}

function readXmpSidecar(file: string | undefined, warnings: string[], within?: LinkLimit): { tags: string[]; rating: number | null } {
  if (!file || sidecarLeaves(file, within, warnings)) return { tags: [], rating: null };
  try {
    if (fs.statSync(file).size > MAX_TEXT_BYTES) throw new Error('too large');
    return readSidecar(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    warnings.push(`XMP sidecar ${file} unreadable: ${(err as Error).message}`);
    return { tags: [], rating: null };
  }
}

/** A sidecar's text as a metadata entry (read as the image's `parameters`), or null. */
export function sidecarEntry(sidecar: string | undefined, warnings: string[], within?: LinkLimit): MetadataEntry | null {
  if (!sidecar || sidecarLeaves(sidecar, within, warnings)) return null;
  try {
    const stat = fs.statSync(sidecar);
    if (stat.size === 0) return null;
    if (stat.size > MAX_TEXT_BYTES) {
      warnings.push(`sidecar ${sidecar} is too large (${stat.size} bytes), not read`);
      return null;
    }
    const text = decodeUtf8OrLatin1(fs.readFileSync(sidecar)).replace(/^\uFEFF/, '');
    return text.trim() ? { key: 'parameters', text, carrier: `sidecar:${sidecar.slice(sidecar.lastIndexOf('.') + 1)}` } : null;
  } catch (err) {
    warnings.push(`sidecar ${sidecar} unreadable: ${(err as Error).message}`);
    return null;
  }
}

let serial: Promise<unknown> = Promise.resolve();

/**
 * Ingests one file. Calls are serialised per thread: the read buffer is shared, and a file's parse
 * may await (EXIF) while another call would otherwise overwrite the buffer under it.
 */
export interface IngestExtras {
  /** Generation-text sidecar (`.txt` / `.json`). */
  sidecar?: string;
  /** XMP sidecar of a photo manager: its tags are imported with source `xmp`. */
  xmp?: string;
  /** Real library root that sidecar links must stay inside (null: follow every link; absent: no check, e.g. `vv meta`). */
  within?: LinkLimit;
}

export function ingestFile(absPath: string, relPath: string, extras: IngestExtras = {}): Promise<ScannedFile> {
  const run = serial.then(() => ingestFileNow(absPath, relPath, extras));
  serial = run.catch(() => undefined);
  return run;
}

async function ingestFileNow(absPath: string, relPath: string, extras: IngestExtras): Promise<ScannedFile> {
  const { sidecar, xmp, within } = extras;
  let size = 0;
  let mtimeMs = 0;
  try {
    // Synchronous I/O: this runs in a worker thread, where it is faster and blocks nothing else.
    const stat = fs.statSync(absPath);
    size = stat.size;
    mtimeMs = stat.mtimeMs;
    if (!stat.isFile()) return failed(relPath, size, mtimeMs, 'not a regular file');
    if (size === 0) return failed(relPath, size, mtimeMs, 'empty file (0 bytes)');
    // A video is hashed as a stream and only its metadata boxes are read: its size has no limit.
    const video = isVideoName(relPath);
    if (size > MAX_FILE_BYTES && !video) return failed(relPath, size, mtimeMs, `file too large (${size} bytes, limit ${MAX_FILE_BYTES})`);
    const hash = video ? await streamedContentHash(absPath) : null;
    const bytes = video ? readMetadataBytes(absPath) : readWhole(absPath, size);
    const contentHashValue = hash ?? (await contentHash(bytes));
    const sidecarWarnings: string[] = [];
    const extra = sidecarEntry(sidecar, sidecarWarnings, within);
    const record = await extractMetadata(relPath, bytes, extra ? [extra] : []);
    record.warnings.push(...sidecarWarnings);
    const xmpData = readXmpSidecar(xmp, record.warnings, within);
    if (record.pixel_width && record.pixel_height && record.pixel_width * record.pixel_height > MAX_DECODE_PIXELS) {
      record.warnings.push(`image is ${record.pixel_width}×${record.pixel_height}: too large to decode, no thumbnail`);
    }
    return {
      path: relPath,
      size,
      mtimeMs: effectiveMtime(mtimeMs, sidecar, xmp),
      hash: contentHashValue,
      createdAt: creationDate(relPath, record.date_time_original, mtimeMs),
      record,
      tags: [...(record.error ? [] : deriveTags(record)), ...xmpData.tags.map((name) => ({ name, source: 'xmp' as const }))],
      ...(xmpData.rating !== null ? { xmpRating: xmpData.rating } : {}),
      rawText: searchText(record.raw, [record.prompt, record.negative_prompt]),
    };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code) return { ...failed(relPath, size, mtimeMs, `${e.code}: ${e.message}`), failure: 'unreadable' };
    return failed(relPath, size, mtimeMs, e.message);
  }
}
