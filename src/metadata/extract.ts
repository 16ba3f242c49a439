/**
 * file bytes → MetadataRecord: container reader → entries → first parser that claims them.
 * Never throws for bad input: failures come back as a record with `error`.
 */
import type { ContainerInfo, GenerationFields, MetadataEntry, MetadataRecord } from './types.js';
import { readContainer } from './readers/index.js';
import { EntryMap, normalizeEntries } from './entries.js';
import { PARSERS } from './parsers/registry.js';
import type { ParseContext } from './parsers/types.js';
import { parseJsonLoose, stripControlsDeep } from './text.js';
import { loadC2paDecoder, readC2pa } from './parsers/c2pa.js';
import { repairEntries } from './mojibake.js';
import { emptyRecord } from './record.js';
import { jsonDeeperThan, MAX_JSON_DEPTH, MAX_RAW_CHARS, MAX_RAW_ENTRY_CHARS } from './limits.js';

export { emptyRecord } from './record.js';

/** Top-level text fields (prompt, model…) beyond this are cut; real prompts are a few KiB. */
const MAX_FIELD_CHARS = 1024 * 1024;
/** LoRAs / sampler stages kept; real files list a handful, a hostile prompt 100k. */
const MAX_FIELD_ITEMS = 256;


/**
 * Every entry under its own key (repeats get ` (carrier)`, then ` #n`), JSON parsed, within the
 * per-file raw limit. What is cut is named in `warnings` when given.
 */
export function rawFromEntries(entries: MetadataEntry[], parsed?: EntryMap, warnings?: string[]): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  // Next free `#n` per key: probing from 2 each time made 20k repeats of one key quadratic.
  const nextNumber = new Map<string, number>();
  let left = MAX_RAW_CHARS;
  let shortened = 0;
  let dropped = 0;
  let droppedChars = 0;
  for (const e of entries) {
    let key = e.key;
    if (key in raw) {
      const base = `${e.key} (${e.carrier})`;
      key = base;
      for (let n = nextNumber.get(base) ?? 2; key in raw; n++) {
        key = `${base} #${n}`;
        nextNumber.set(base, n + 1);
      }
    }
    const room = Math.min(MAX_RAW_ENTRY_CHARS, left - key.length);
    if (room <= 0) {
      dropped++;
      droppedChars += e.text.length;
      continue;
    }
    if (e.text.length > room) {
      raw[key] = e.text.slice(0, room);
      left -= key.length + room;
      shortened++;
      continue;
    }
    left -= key.length + e.text.length;
    const json = parsed ? parsed.jsonOf(e) : parseJsonLoose(e.text);
    if (json === undefined && warnings && /^\s*[[{]/.test(e.text) && jsonDeeperThan(e.text)) {
      warnings.push(`${e.key}: JSON nested deeper than ${MAX_JSON_DEPTH} levels, kept as text and not parsed`);
    }
    raw[key] = json ?? e.text;
  }
  if (warnings && shortened) warnings.push(`raw: ${shortened} ${shortened === 1 ? 'entry' : 'entries'} cut to the ${MAX_RAW_ENTRY_CHARS / 1024 / 1024} MiB per-entry / ${MAX_RAW_CHARS / 1024 / 1024} MiB per-file limit`);
  if (warnings && dropped) warnings.push(`raw: ${dropped} more ${dropped === 1 ? 'entry' : 'entries'} (${droppedChars} characters) not kept, over the ${MAX_RAW_CHARS / 1024 / 1024} MiB per-file limit`);
  return raw;
}

/** Cuts top-level text fields and lists a parser copied from a huge chunk (the raw entry keeps its own bounded copy). */
function capFields(record: MetadataRecord): void {
  for (const key of ['loras', 'samplers'] as const) {
    const list = record[key];
    if (list.length <= MAX_FIELD_ITEMS) continue;
    record.warnings.push(`${key}: ${list.length} found, the first ${MAX_FIELD_ITEMS} kept`);
    list.length = MAX_FIELD_ITEMS;
  }
  for (const [key, value] of Object.entries(record)) {
    if (key === 'file' || typeof value !== 'string' || value.length <= MAX_FIELD_CHARS) continue;
    (record as unknown as Record<string, unknown>)[key] = value.slice(0, MAX_FIELD_CHARS);
    record.warnings.push(`${key}: cut from ${value.length} to ${MAX_FIELD_CHARS} characters`);
  }
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

/**
 * Parses the entries; text decoded with the wrong encoding once and saved back (mojibake) is
 * repaired when the repaired text parses and the broken one does not, or when the repair is
 * unambiguous (UTF-8 read as Latin-1). `raw` keeps the text as found.
 */
function parseWithRepair(record: MetadataRecord, original: MetadataEntry[], entries: EntryMap, container: ContainerInfo): ReturnType<typeof parseGeneration> {
  const first = parseGeneration({ entries, container });
  const repair = repairEntries(original, first.fields === null);
  if (!repair) return first;
  const retry = parseGeneration({ entries: new EntryMap(normalizeEntries(repair.entries)), container });
  const unambiguous = repair.kinds.every((k) => k === 'utf8-as-latin1');
  if (!retry.fields || (first.fields && !unambiguous)) return first;
  record.warnings.push(`repaired mojibake (${[...new Set(repair.kinds)].join(', ')}) in ${repair.keys.join(', ')}; raw keeps the text as found`);
  return retry;
}

function applyFields(record: MetadataRecord, fields: GenerationFields): void {
  const { provenance, extra, ...values } = fields;
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && key in record) (record as unknown as Record<string, unknown>)[key] = value;
  }
  Object.assign(record.provenance, provenance);
  if (extra) Object.assign(record.extra, extra);
}

/** C2PA provenance sits beside any generator metadata; alone, it names the generator `c2pa`. */
function applyC2pa(record: MetadataRecord, container: ContainerInfo): void {
  if (container.c2pa.length === 0) return;
  let c2pa: GenerationFields | null = null;
  try {
    c2pa = readC2pa(container.c2pa);
  } catch (err) {
    record.warnings.push(`C2PA manifest unreadable: ${(err as Error).message}`);
  }
  record.raw.c2pa = { carriers: container.c2pa.map((b) => `${b.carrier} (${b.bytes.length} bytes)`), ...(c2pa?.extra ?? {}) };
  if (!c2pa) return;
  if (record.generator === null) {
    applyFields(record, c2pa);
    return;
  }
  for (const key of ['c2pa_claim_generator', 'digital_source_type', 'ai_generated'] as const) {
    if (c2pa[key] !== undefined) (record as unknown as Record<string, unknown>)[key] = c2pa[key];
    if (c2pa.provenance[key]) record.provenance[key] = c2pa.provenance[key];
  }
  Object.assign(record.extra, c2pa.extra);
}

/** The media description: what the reader found, else a still (an animation when only the flag is known). */
function applyMedia(record: MetadataRecord, container: ContainerInfo): void {
  const media = container.media ?? { media_type: container.animated ? 'animation' : 'image', duration_s: null, frame_count: container.animated ? null : 1, fps: null, video_codec: null, has_audio: container.animated ? null : false };
  Object.assign(record, media);
}

export function recordFromContainer(file: string, container: ContainerInfo, extraEntries: MetadataEntry[] = []): MetadataRecord {
  const record = emptyRecord(file);
  record.format = container.format;
  record.pixel_width = container.width;
  record.pixel_height = container.height;
  record.date_time_original = container.dateTimeOriginal;
  record.warnings = [...container.warnings];
  const original = [...container.entries, ...extraEntries];
  const entries = new EntryMap(normalizeEntries(original));
  record.raw = rawFromEntries(original, entries, record.warnings);
  const { fields, errors } = parseWithRepair(record, original, entries, container);
  if (fields) applyFields(record, fields);
  for (const e of errors) record.warnings.push(`parser ${e}`);
  applyC2pa(record, container);
  if (record.width === null || record.height === null) {
    record.width = container.width;
    record.height = container.height;
    if (container.width !== null) record.provenance.width = record.provenance.height = 'pixels';
  }
  record.size = record.width !== null && record.height !== null ? `${record.width}x${record.height}` : null;
  applyMedia(record, container);
  capFields(record);
  return withoutControls(record);
}

/** Every text field of the record, at any depth, without control characters; `raw` stays as found. */
function withoutControls(record: MetadataRecord): MetadataRecord {
  const fields = record as unknown as Record<string, unknown>;
  for (const key of Object.keys(fields)) if (key !== 'raw' && key !== 'file') fields[key] = stripControlsDeep(fields[key]);
  return record;
}

export async function extractMetadata(file: string, bytes: Uint8Array, extraEntries: MetadataEntry[] = []): Promise<MetadataRecord> {
  try {
    const container = await readContainer(bytes);
    if (container.c2pa.length) await loadC2paDecoder();
    const record = recordFromContainer(file, container, extraEntries);
    if (container.width === null || container.height === null) {
      record.error = `no ${container.media?.media_type === 'video' ? 'video' : 'image'} dimensions: ${container.warnings.join('; ') || 'corrupt header'}`;
    }
    return record;
  } catch (err) {
    const record = emptyRecord(file);
    record.error = (err as Error).message || String(err);
    return record;
  }
}
