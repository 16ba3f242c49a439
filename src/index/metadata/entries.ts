/**
 * Entry normalisation, generator-agnostic: containers that cannot hold named text chunks (JPEG,
 * WebP EXIF) carry them as `name: {json}` strings or as a JSON object of chunk name → value. Both are
 * unwrapped into ordinary named entries so that parsers see the same keys in every container.
 */
import type { MetadataEntry } from './types.js';
import { parseJsonLoose, stripControls } from './text.js';

const MAX_UNWRAPPED_KEYS = 32;
const PREFIXED_JSON = /^([A-Za-z][\w -]{0,40}?):\s*(?=[{[])/;

function unwrapPrefixed(entry: MetadataEntry): MetadataEntry | null {
  const m = PREFIXED_JSON.exec(entry.text);
  if (!m) return null;
  const body = entry.text.slice(m[0].length);
  if (parseJsonLoose(body) === undefined) return null;
  return { key: m[1].trim().toLowerCase(), text: body, carrier: `${entry.carrier}>prefixed` };
}

/** Objects that all share a key are rows of one table (a node graph, say), not a set of named chunks. */
function looksLikeRecordTable(values: unknown[]): boolean {
  if (values.length < 2 || !values.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v))) return false;
  const [first, ...rest] = values as Record<string, unknown>[];
  return Object.keys(first).some((k) => rest.every((r) => k in r));
}

/** A JSON object whose values are all text or objects reads as a set of chunks, e.g. `{"prompt":{…},"workflow":{…}}`. */
function unwrapChunkObject(entry: MetadataEntry): MetadataEntry[] {
  const parsed = parseJsonLoose(entry.text);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return [];
  const values = Object.entries(parsed as Record<string, unknown>);
  if (values.length === 0 || values.length > MAX_UNWRAPPED_KEYS) return [];
  if (!values.every(([, v]) => typeof v === 'string' || (v !== null && typeof v === 'object'))) return [];
  if (looksLikeRecordTable(values.map(([, v]) => v))) return [];
  return values.map(([key, value]) => ({
    key,
    text: typeof value === 'string' ? value : JSON.stringify(value),
    carrier: `${entry.carrier}>json`,
  }));
}

export function normalizeEntries(found: MetadataEntry[]): MetadataEntry[] {
  const out: MetadataEntry[] = [];
  // Parsers see text without control characters; the raw record keeps what the file holds.
  const entries = found.map((e) => {
    const text = stripControls(e.text);
    return text === e.text ? e : { ...e, text };
  });
  const present = new Set(entries.map((e) => e.key));
  const addDerived = (derived: MetadataEntry) => {
    // An explicit chunk of the same name wins over one unwrapped from another entry.
    if (present.has(derived.key)) return;
    present.add(derived.key);
    out.push(derived);
  };
  for (const entry of entries) {
    out.push(entry);
    if (entry.carrier.startsWith('png:') && !entry.carrier.includes(':xmp')) continue; // PNG chunks are already named
    const prefixed = unwrapPrefixed(entry);
    if (prefixed) {
      addDerived(prefixed);
      continue;
    }
    if (entry.text.trimStart().startsWith('{')) for (const derived of unwrapChunkObject(entry)) addDerived(derived);
  }
  return out;
}

/** Read access to entries by name, as parsers need it. */
export class EntryMap {
  private readonly byKey = new Map<string, MetadataEntry>();
  private readonly byLowerKey = new Map<string, MetadataEntry>();
  private readonly parsed = new Map<MetadataEntry, unknown>();

  constructor(readonly all: MetadataEntry[]) {
    for (const e of all) {
      if (!this.byKey.has(e.key)) this.byKey.set(e.key, e);
      const lower = e.key.toLowerCase();
      if (!this.byLowerKey.has(lower)) this.byLowerKey.set(lower, e);
    }
  }

  /** Exact name first, then case-insensitive. */
  entry(key: string): MetadataEntry | undefined {
    return this.byKey.get(key) ?? this.byLowerKey.get(key.toLowerCase());
  }

  text(key: string): string | undefined {
    return this.entry(key)?.text;
  }

  has(key: string): boolean {
    return this.entry(key) !== undefined;
  }

  /** First of several names that is present. */
  first(...keys: string[]): MetadataEntry | undefined {
    for (const k of keys) {
      const e = this.entry(k);
      if (e) return e;
    }
    return undefined;
  }

  /** Parsed JSON of an entry, or undefined (parsed once per entry). */
  json(key: string): unknown {
    const e = this.entry(key);
    return e === undefined ? undefined : this.jsonOf(e);
  }

  jsonOf(entry: MetadataEntry): unknown {
    if (!this.parsed.has(entry)) this.parsed.set(entry, parseJsonLoose(entry.text));
    return this.parsed.get(entry);
  }

  /** Where an entry came from, for provenance: `png:tEXt parameters`. */
  where(key: string): string {
    const e = this.entry(key);
    return e ? `${e.carrier} ${e.key}` : key;
  }
}
