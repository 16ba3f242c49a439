/**
 * file bytes → MetadataRecord: container reader → entries → first parser that claims them.
 * Never throws for bad input: failures come back as a record with `error`.
 */
import type { ContainerInfo, GenerationFields, MetadataEntry, MetadataRecord } from './types.js';
import { readContainer } from './readers/index.js';
import { EntryMap, normalizeEntries } from './entries.js';
import { PARSERS } from './parsers/registry.js';
import type { ParseContext } from './parsers/types.js';
import { parseJsonLoose } from './text.js';

/** Largest raw entry kept verbatim; longer ones are truncated (the original file keeps everything). */
const MAX_RAW_CHARS = 2 * 1024 * 1024;

export function emptyRecord(file: string): MetadataRecord {
  return {
    file,
    format: null,
    generator: null,
    generator_version: null,
    prompt: null,
    negative_prompt: null,
    seed: null,
    steps: null,
    sampler: null,
    scheduler: null,
    cfg: null,
    model: null,
    model_hash: null,
    width: null,
    height: null,
    size: null,
    pixel_width: null,
    pixel_height: null,
    loras: [],
    samplers: [],
    c2pa_claim_generator: null,
    digital_source_type: null,
    ai_generated: null,
    extra: {},
    provenance: {},
    raw: {},
    date_time_original: null,
    warnings: [],
  };
}

export function rawFromEntries(entries: MetadataEntry[]): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const e of entries) {
    let key = e.key;
    if (key in raw) key = `${e.key} (${e.carrier})`;
    for (let n = 2; key in raw; n++) key = `${e.key} (${e.carrier}) #${n}`;
    const text = e.text.length > MAX_RAW_CHARS ? e.text.slice(0, MAX_RAW_CHARS) : e.text;
    raw[key] = parseJsonLoose(text) ?? text;
  }
  return raw;
}

/** Runs the parser registry over a container's entries. */
export function parseGeneration(ctx: ParseContext): { fields: GenerationFields | null; errors: string[] } {
  const errors: string[] = [];
  for (const parser of PARSERS) {
    let claimed = false;
    try {
      claimed = parser.detect(ctx);
    } catch (err) {
      errors.push(`${parser.id}: detection failed: ${(err as Error).message}`);
    }
    if (!claimed) continue;
    try {
      const result = parser.parse(ctx);
      if (result.ok) return { fields: result.fields, errors };
      errors.push(`${parser.id}: ${result.error}`);
    } catch (err) {
      errors.push(`${parser.id}: ${(err as Error).message}`);
    }
  }
  return { fields: null, errors };
}

function applyFields(record: MetadataRecord, fields: GenerationFields): void {
  const { provenance, extra, ...values } = fields;
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && key in record) (record as unknown as Record<string, unknown>)[key] = value;
  }
  Object.assign(record.provenance, provenance);
  if (extra) Object.assign(record.extra, extra);
}

export function recordFromContainer(file: string, container: ContainerInfo, extraEntries: MetadataEntry[] = []): MetadataRecord {
  const record = emptyRecord(file);
  record.format = container.format;
  record.pixel_width = container.width;
  record.pixel_height = container.height;
  record.date_time_original = container.dateTimeOriginal;
  record.warnings = [...container.warnings];
  const original = [...container.entries, ...extraEntries];
  record.raw = rawFromEntries(original);
  const entries = new EntryMap(normalizeEntries(original));
  const { fields, errors } = parseGeneration({ entries, container });
  if (fields) applyFields(record, fields);
  for (const e of errors) record.warnings.push(`parser ${e}`);
  if (record.width === null || record.height === null) {
    record.width = container.width;
    record.height = container.height;
    if (container.width !== null) record.provenance.width = record.provenance.height = 'pixels';
  }
  record.size = record.width !== null && record.height !== null ? `${record.width}x${record.height}` : null;
  return record;
}

export async function extractMetadata(file: string, bytes: Uint8Array): Promise<MetadataRecord> {
  try {
    const container = await readContainer(bytes);
    return recordFromContainer(file, container);
  } catch (err) {
    const record = emptyRecord(file);
    record.error = (err as Error).message || String(err);
    return record;
  }
}
