/** Metadata of a file on disk, as `vv meta` prints it: images by their bytes, `.txt` infotext sidecars by their text. */
import fs from 'node:fs';
import path from 'node:path';
import { emptyRecord, extractMetadata, recordFromContainer } from './extract.js';
import type { MetadataRecord } from './types.js';
import { emptyContainer } from './readers/container.js';
import { decodeUtf8OrLatin1, MAX_TEXT_BYTES } from './text.js';
import { readMetadataBytes } from './sparse.js';

const TEXT_SIDECAR = /\.(txt|json)$/i;

/** A sidecar text file read as if it were the `parameters` chunk of an image. */
export function recordFromSidecarText(file: string, text: string): MetadataRecord {
  const container = emptyContainer('png');
  if (text.trim()) container.entries.push({ key: 'parameters', text: text.replace(/^\uFEFF/, ''), carrier: `sidecar:${path.extname(file).slice(1).toLowerCase()}` });
  const record = recordFromContainer(file, container);
  record.format = null;
  // A text file describes a picture or video elsewhere: it has no media of its own.
  for (const key of ['media_type', 'duration_s', 'frame_count', 'fps', 'video_codec', 'has_audio'] as const) delete record[key];
  return record;
}

export async function readMetadataFile(file: string): Promise<MetadataRecord> {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) throw new Error('not a regular file');
    if (stat.size > 512 * 1024 * 1024) throw new Error(`file too large (${stat.size} bytes)`);
    if (TEXT_SIDECAR.test(file)) {
      if (stat.size > MAX_TEXT_BYTES) throw new Error(`text file too large (${stat.size} bytes)`);
      return recordFromSidecarText(file, decodeUtf8OrLatin1(fs.readFileSync(file)));
    }
    return await extractMetadata(file, readMetadataBytes(file));
  } catch (err) {
    const record = emptyRecord(file);
    const e = err as NodeJS.ErrnoException;
    record.error = e.code === 'ENOENT' ? 'file not found' : e.message;
    return record;
  }
}

/**
 * A file's record as JSON text, as `vv meta --json` prints it and its worker sends it. Never
 * throws: whatever escapes the reader becomes the record's `error`.
 */
export async function readMetadataJson(file: string): Promise<string> {
  try {
    return JSON.stringify(await readMetadataFile(file));
  } catch (err) {
    return JSON.stringify({ ...emptyRecord(file), error: `metadata could not be read: ${(err as Error).message}` });
  }
}
