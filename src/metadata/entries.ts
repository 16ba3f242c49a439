/**
 * Entry normalisation, generator-agnostic: containers that cannot hold named text chunks (JPEG,
 * WebP EXIF) carry them as `name: {json}` strings or as a JSON object of chunk name → value. Both are
 * unwrapped into ordinary named entries so that parsers see the same keys in every container.
 */
import type { MetadataEntry } from './types.js';
import { parseJsonLoose, stripControls } from './text.js';

const MAX_UNWRAPPED_KEYS = 32;

/**
 * The names generators give their payloads. Found as an XMP property in any namespace
 * (`comfyui:prompt`, `sd:parameters`, `exif:UserComment`), the local name is what parsers look up.
 */
const PAYLOAD_NAMES = new Set(['prompt', 'workflow', 'parameters', 'invokeai_metadata', 'invokeai_graph', 'invokeai_workflow', 'sd-metadata', 'dream', 'sui_image_params', 'generation_data', 'fooocus_scheme', 'extrametadata', 'usercomment', 'comment']);
/** Keys whose text the ComfyUI parser already searches for an API graph. */
const API_GRAPH_KEYS = new Set(['prompt', 'usercomment', 'comment', 'imagedescription']);

/** Parsed JSON per entry, shared by normalisation and the parsers (each text is parsed once). */
const parsedJson = new WeakMap<MetadataEntry, unknown>();
export function entryJson(entry: MetadataEntry): unknown {
  if (parsedJson.has(entry)) return parsedJson.get(entry);
  const value = parseJsonLoose(entry.text);
  parsedJson.set(entry, value);
  return value;
}

function xmpPayload(entry: MetadataEntry): MetadataEntry | null {
  if (!/xmp/i.test(entry.carrier)) return null;
  const colon = entry.key.lastIndexOf(':');
  if (colon < 0) return null;
  const local = entry.key.slice(colon + 1);
  return PAYLOAD_NAMES.has(local.toLowerCase()) ? { key: local, text: entry.text, carrier: `${entry.carrier}>local-name` } : null;
}

const isRecordValue = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A JSON graph in a field of any name (`dc:description`, `ImageDescription`, a custom chunk): the ComfyUI
 * API graph becomes `prompt`, the UI graph `workflow`, InvokeAI's execution graph `invokeai_graph`.
 */
function graphPayload(entry: MetadataEntry): MetadataEntry | null {
  const name = entry.key.toLowerCase();
  if (name === 'workflow' || name === 'invokeai_graph' || !/"(class_type|nodes)"/.test(entry.text.slice(0, 4096))) return null;
  const json = entryJson(entry);
  if (!isRecordValue(json)) return null;
  let key: string | null = null;
  if (Array.isArray(json.nodes) && Array.isArray(json.links)) key = 'workflow';
  else if (isRecordValue(json.nodes) && Array.isArray(json.edges)) key = 'invokeai_graph';
  else if (!API_GRAPH_KEYS.has(name) && Object.values(json).slice(0, 8).some((v) => isRecordValue(v) && typeof v.class_type === 'string' && isRecordValue(v.inputs))) key = 'prompt';
  if (!key) return null;
  const derived = { key, text: entry.text, carrier: `${entry.carrier}>graph` };
  parsedJson.set(derived, json);
  return derived;
}
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
  const parsed = entryJson(entry);
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
    const xmp = xmpPayload(entry);
    if (xmp) addDerived(xmp);
    const graph = entry.text.trimStart().startsWith('{') ? graphPayload(entry) : null;
    if (graph) addDerived(graph);
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
    return entryJson(entry);
  }

  /** Where an entry came from, for provenance: `png:tEXt parameters`. */
  where(key: string): string {
    const e = this.entry(key);
    return e ? `${e.carrier} ${e.key}` : key;
  }
}
