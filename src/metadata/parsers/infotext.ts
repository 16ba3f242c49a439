/**
 * The A1111 "infotext" format, shared by every tool that imitates it:
 *
 *   positive prompt (any number of lines)
 *   Negative prompt: negative prompt (any number of lines)
 *   Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512, Model: x, Lora hashes: "a: 1, b: 2"
 *   [lines extensions append after the parameters, e.g. "Template: …"]
 */
import type { GenerationFields, LoraRef } from '../types.js';
import { parseSize, toInt, toNumber, toSeed } from '../values.js';
import { extractNetworks } from '../prompt-syntax.js';

export interface Infotext {
  prompt: string;
  negativePrompt: string | null;
  params: Map<string, string>;
  /** Lines found after the parameter line (`Template: …`), verbatim. */
  trailer: string[];
}

const NEGATIVE_PREFIX = 'Negative prompt:';
// One `Key: value` pair; quoted values may contain commas. Same grammar as A1111's own parser.
const PARAM = /\s*([\w][\w \-/+.()]*?):\s*("(?:\\.|[^\\"])*"|[^,]*)(?:,|$)/gy;
const MAX_PARAM_LINE = 64 * 1024;

/** End index (exclusive) of the JSON array/object starting at `start`, or -1 when unbalanced. */
function balancedEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export function parseParamLine(line: string): Map<string, string> {
  const params = new Map<string, string>();
  if (line.length > MAX_PARAM_LINE) return params;
  let pos = 0;
  let guard = 0;
  while (pos < line.length && guard++ < 1000) {
    PARAM.lastIndex = pos;
    const m = PARAM.exec(line);
    if (!m || PARAM.lastIndex === pos) break;
    const key = m[1].trim();
    let value = m[2].trim();
    const valueStart = line.indexOf(m[2], pos + m[0].indexOf(':'));
    if ((line[valueStart] === '[' || line[valueStart] === '{') && !value.endsWith(line[valueStart] === '[' ? ']' : '}')) {
      // Unquoted JSON (Civitai resources): take the whole balanced value, commas included.
      const end = balancedEnd(line, valueStart);
      if (end > 0 && isJson(line.slice(valueStart, end))) {
        value = line.slice(valueStart, end);
        const comma = line.indexOf(',', end);
        pos = comma < 0 ? line.length : comma + 1;
        if (!params.has(key)) params.set(key, value);
        continue;
      }
    }
    pos = PARAM.lastIndex;
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        value = value.slice(1, -1);
      }
    }
    if (!params.has(key)) params.set(key, value);
  }
  return params;
}

/** A line is the parameter line when it starts with `Steps:` or, like A1111 decides, holds ≥ 3 pairs. */
function isParamLine(line: string): boolean {
  const t = line.trimStart();
  if (t.startsWith('Steps:')) return true;
  if (!/^[\w][\w \-/]*:/.test(t)) return false;
  return parseParamLine(t).size >= 3 && /(?:^|, )(Sampler|Seed|CFG scale|Size|Model): /i.test(t);
}

export function looksLikeInfotext(text: string): boolean {
  return /(^|\n)\s*(Steps: \d|Negative prompt:)/.test(text) || /(^|\n)[^\n]*\bSampler: [^\n]*\bSeed: /.test(text);
}

export function parseInfotext(text: string): Infotext {
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  let paramIndex = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i].trimStart().startsWith('Steps:')) {
      paramIndex = i;
      break;
    }
  }
  if (paramIndex < 0) {
    for (let i = lines.length - 1; i >= 0; i--) {
      if (lines[i].trim() === '') continue;
      if (isParamLine(lines[i])) paramIndex = i;
      break;
    }
  }
  const head = paramIndex >= 0 ? lines.slice(0, paramIndex) : lines;
  const params = paramIndex >= 0 ? parseParamLine(lines[paramIndex].trim()) : new Map<string, string>();
  const trailer = paramIndex >= 0 ? lines.slice(paramIndex + 1).filter((l) => l.trim() !== '') : [];

  const negIndex = head.findIndex((l) => l.trimStart().startsWith(NEGATIVE_PREFIX));
  let prompt: string;
  let negativePrompt: string | null = null;
  if (negIndex >= 0) {
    prompt = head.slice(0, negIndex).join('\n');
    const first = head[negIndex].trimStart().slice(NEGATIVE_PREFIX.length).replace(/^ /, '');
    negativePrompt = [first, ...head.slice(negIndex + 1)].join('\n').trim();
  } else {
    prompt = head.join('\n');
  }
  return { prompt: prompt.trim(), negativePrompt, params, trailer };
}

/** Maps infotext parameters onto record fields; unknown keys go to `extra` untouched. */
export function infotextFields(info: Infotext, generator: string, where: string): GenerationFields {
  const p = info.params;
  const used = new Set<string>();
  const take = (...keys: string[]): string | undefined => {
    for (const k of keys) {
      if (p.has(k)) {
        used.add(k);
        return p.get(k);
      }
    }
    return undefined;
  };
  const fields: GenerationFields = { generator, provenance: {} };
  const set = <K extends keyof GenerationFields>(field: K, value: GenerationFields[K] | null | undefined, key: string) => {
    if (value === null || value === undefined || value === '') return;
    fields[field] = value;
    fields.provenance[field as string] = `${where} › ${key}`;
  };
  set('prompt', info.prompt, 'prompt');
  if (info.negativePrompt !== null) set('negative_prompt', info.negativePrompt, 'Negative prompt');
  set('steps', toInt(take('Steps')), 'Steps');
  set('sampler', take('Sampler'), 'Sampler');
  set('scheduler', take('Schedule type', 'Scheduler', 'Schedule'), 'Schedule type');
  set('cfg', toNumber(take('CFG scale', 'CFG Scale', 'Guidance Scale', 'Guidance scale', 'CFG')), 'CFG scale');
  set('seed', toSeed(take('Seed')), 'Seed');
  const size = parseSize(take('Size'));
  if (size) {
    set('width', size[0], 'Size');
    set('height', size[1], 'Size');
  }
  set('model', take('Model'), 'Model');
  const modelHash = take('Model hash');
  // `unknown` is Krita AI Diffusion's placeholder, not a hash.
  set('model_hash', modelHash?.toLowerCase() === 'unknown' ? null : modelHash, 'Model hash');
  set('generator_version', take('Version'), 'Version');

  const hashes = parseHashList(p.get('Lora hashes'));
  const loras: LoraRef[] = extractNetworks(info.prompt)
    .filter((n) => n.kind === 'lora' || n.kind === 'lyco')
    .map((n) => ({ name: n.name, weight: n.weight, ...(hashes.has(n.name) ? { hash: hashes.get(n.name) } : {}) }));
  if (loras.length) {
    fields.loras = loras;
    fields.provenance.loras = `${where} › prompt <lora:…>`;
  }
  const extra: Record<string, unknown> = {};
  for (const [k, v] of p) if (!used.has(k)) extra[k] = v;
  if (info.trailer.length) extra.trailer = info.trailer.join('\n');
  if (Object.keys(extra).length) fields.extra = extra;
  return fields;
}

/** `"name: hash, name2: hash2"` → Map. */
export function parseHashList(value: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!value) return out;
  for (const part of value.split(',')) {
    const i = part.lastIndexOf(':');
    if (i > 0) out.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  return out;
}
