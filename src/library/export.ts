/**
 * Export of a selection as a zip: the originals, byte for byte, under their library-relative
 * paths (so same-named files in different folders cannot collide), plus the metadata as JSON
 * and/or CSV. Streamed (yazl): nothing is held in memory but the file being added; files are
 * stored, not recompressed (images are compressed already).
 */
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import yazl from 'yazl';
import { stringify } from 'csv-stringify/sync';
import type { Catalog } from './catalog.js';
import type { ImageDetail } from '../core/types.js';

export type ExportMetadata = 'none' | 'json' | 'csv' | 'both';

const CSV_COLUMNS = ['id', 'path', 'created_at', 'generator', 'prompt', 'negative_prompt', 'model', 'sampler', 'scheduler', 'seed', 'steps', 'cfg', 'width', 'height', 'tags', 'categories', 'favorite', 'rating', 'notes'] as const;

function metadataRow(d: ImageDetail): Record<(typeof CSV_COLUMNS)[number], unknown> {
  const p = d.params;
  return {
    id: d.id,
    path: d.path,
    created_at: d.created_at,
    generator: d.generator,
    prompt: d.prompt,
    negative_prompt: p?.negative_prompt ?? null,
    model: p?.model ?? null,
    sampler: p?.sampler ?? null,
    scheduler: p?.scheduler ?? null,
    seed: p?.seed ?? null,
    steps: p?.steps ?? null,
    cfg: p?.cfg ?? null,
    width: d.width,
    height: d.height,
    tags: d.tags.join(', '),
    categories: d.categories.join(', '),
    favorite: d.favorite,
    rating: d.rating,
    notes: d.notes,
  };
}

export interface ExportResult {
  stream: Readable;
  /** Files added (present on disk). */
  files: number;
  skipped: string[];
}

/** Builds the zip for the given images; `resolve` maps a library-relative path to the real path to read (null: not in the library now). */
export function exportZip(catalog: Catalog, ids: number[], metadata: ExportMetadata, resolve: (rel: string) => string | null): ExportResult {
  const zip = new yazl.ZipFile();
  const details: ImageDetail[] = [];
  const skipped: string[] = [];
  let files = 0;
  for (const id of ids) {
    const d = catalog.get(id);
    if (!d) continue;
    const abs = resolve(d.path);
    let stat: fs.Stats | null = null;
    try {
      stat = abs ? fs.statSync(abs) : null;
    } catch {
      stat = null;
    }
    if (!abs || !stat?.isFile()) {
      skipped.push(d.path);
      continue;
    }
    zip.addFile(abs, `images/${d.path}`, { compress: false, mtime: stat.mtime });
    files++;
    if (metadata !== 'none') details.push(d);
  }
  if (metadata === 'json' || metadata === 'both') {
    const json = details.map((d) => ({ ...metadataRow(d), params: d.params, raw: d.raw }));
    zip.addBuffer(Buffer.from(JSON.stringify(json, null, 2)), 'metadata.json');
  }
  if (metadata === 'csv' || metadata === 'both') {
    zip.addBuffer(Buffer.from(stringify(details.map(metadataRow), { header: true, columns: [...CSV_COLUMNS] })), 'metadata.csv');
  }
  if (skipped.length) zip.addBuffer(Buffer.from(`Not exported (no longer in the library):\n${skipped.join('\n')}\n`), 'missing.txt');
  zip.end();
  return { stream: zip.outputStream as unknown as Readable, files, skipped };
}
