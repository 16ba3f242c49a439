/**
 * Mapping a generator's JSON metadata onto record fields: each field lists the key paths that may
 * hold it (`a.b.c`), first present wins, with the value coerced to the field's type and the path
 * recorded as provenance. Parsers for JSON-writing generators are a table plus their quirks.
 */
import type { GenerationFields } from '../types.js';
import { isRecord, parseSize, toInt, toNumber, toSeed, toText } from '../values.js';

export type FieldPaths = Partial<Record<'prompt' | 'negative_prompt' | 'seed' | 'steps' | 'sampler' | 'scheduler' | 'cfg' | 'model' | 'model_hash' | 'width' | 'height' | 'size' | 'generator_version', string[]>>;

export function pick(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (!isRecord(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

function coerce(field: string, value: unknown): unknown {
  switch (field) {
    case 'seed':
      return toSeed(value);
    case 'steps':
    case 'width':
    case 'height':
      return toInt(value);
    case 'cfg':
      return toNumber(value);
    default: {
      const t = toText(value);
      return t === null || t === '' ? null : t;
    }
  }
}

/** Fills `fields` from `obj` for every field not already set. */
export function fillFromJson(fields: GenerationFields, obj: unknown, paths: FieldPaths, where: string): GenerationFields {
  for (const [field, candidates] of Object.entries(paths)) {
    for (const path of candidates ?? []) {
      const raw = pick(obj, path);
      if (raw === undefined || raw === null) continue;
      if (field === 'size') {
        const size = parseSize(typeof raw === 'string' ? raw.replace(/[(),]/g, (c) => (c === ',' ? 'x' : '')) : raw);
        if (size && fields.width == null) {
          fields.width = size[0];
          fields.height = size[1];
          fields.provenance.width = fields.provenance.height = `${where} › ${path}`;
        }
        break;
      }
      const key = field as keyof GenerationFields;
      if (fields[key] !== undefined && fields[key] !== null) break;
      const value = coerce(field, raw);
      if (value === null) continue;
      (fields as unknown as Record<string, unknown>)[field] = value;
      fields.provenance[field] = `${where} › ${path}`;
      break;
    }
  }
  return fields;
}

export function fieldsFromJson(generator: string, obj: unknown, paths: FieldPaths, where: string): GenerationFields {
  return fillFromJson({ generator, provenance: {} }, obj, paths, where);
}

/** Keys of `obj` not consumed by `paths`, kept as `extra`. */
export function leftovers(obj: unknown, paths: FieldPaths, skip: string[] = []): Record<string, unknown> {
  if (!isRecord(obj)) return {};
  const used = new Set([...Object.values(paths).flatMap((p) => (p ?? []).map((x) => x.split('.')[0])), ...skip]);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (!used.has(k) && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0)) out[k] = v;
  return out;
}

/** Fills every unset field of `target` from `source` (values and provenance). */
export function fillMissing(target: GenerationFields, source: GenerationFields | null): GenerationFields {
  if (!source) return target;
  for (const [key, value] of Object.entries(source)) {
    if (key === 'provenance' || key === 'generator' || key === 'extra') continue;
    const k = key as keyof GenerationFields;
    const current = target[k];
    if (current === undefined || current === null || (Array.isArray(current) && current.length === 0)) {
      (target as unknown as Record<string, unknown>)[key] = value;
      if (source.provenance[key]) target.provenance[key] = source.provenance[key];
    }
  }
  if (source.extra) target.extra = { ...source.extra, ...target.extra };
  return target;
}
