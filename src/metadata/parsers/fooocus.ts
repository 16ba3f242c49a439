/**
 * Fooocus family: Fooocus' own JSON scheme (`parameters` + `fooocus_scheme`, or EXIF UserComment
 * with `Software: Fooocus v…`), Fooocus-MRE and RuinedFooocus JSON. Fooocus' A1111 scheme is
 * infotext and goes to the A1111 parser (recognised by its `Version: Fooocus …`).
 */
import type { GenerationFields, LoraRef } from '../types.js';
import type { GeneratorParser, ParseContext } from './types.js';
import { fail, ok } from './types.js';
import { fieldsFromJson, leftovers, type FieldPaths } from './json-fields.js';
import { isRecord, toNumber } from '../values.js';

const KEYS = ['parameters', 'UserComment', 'Comment'];
const PATHS: FieldPaths = {
  prompt: ['prompt', 'Prompt'],
  negative_prompt: ['negative_prompt', 'Negative', 'Negative Prompt', 'negative'],
  seed: ['seed', 'Seed'],
  steps: ['steps', 'Steps'],
  cfg: ['guidance_scale', 'cfg', 'Guidance Scale', 'cfg_scale'],
  sampler: ['sampler', 'sampler_name', 'Sampler'],
  scheduler: ['scheduler', 'Scheduler'],
  model: ['base_model', 'base_model_name', 'Base Model'],
  model_hash: ['base_model_hash'],
  width: ['width'],
  height: ['height'],
  size: ['resolution', 'Resolution'],
  generator_version: ['version', 'Version'],
};

function variant(json: Record<string, unknown>, software: string): string | null {
  const tag = `${json.software ?? ''} ${json.version ?? ''} ${json.Version ?? ''} ${software}`;
  if (/RuinedFooocus/i.test(tag)) return 'ruined-fooocus';
  if (/Fooocus[- ]MRE/i.test(tag)) return 'fooocus-mre';
  if (/Fooocus/i.test(tag)) return 'fooocus';
  // Fooocus' own scheme: full_prompt / performance / sharpness are its vocabulary.
  if ('full_prompt' in json || ('performance' in json && 'sharpness' in json) || ('Performance' in json && 'Sharpness' in json)) return 'fooocus';
  return null;
}

function find(ctx: ParseContext): { json: Record<string, unknown>; where: string; id: string } | null {
  const software = `${ctx.entries.text('Software') ?? ''} ${ctx.entries.text('fooocus_scheme') ?? ''}`;
  for (const key of KEYS) {
    const e = ctx.entries.entry(key);
    if (!e || !e.text.trimStart().startsWith('{') || !/fooocus|performance|sharpness|base_model/i.test(e.text + software)) continue;
    const json = ctx.entries.jsonOf(e);
    if (!isRecord(json)) continue;
    const id = variant(json, software);
    if (id) return { json, where: `${e.carrier} ${e.key}`, id };
  }
  return null;
}

function lorasOf(json: Record<string, unknown>): LoraRef[] {
  const out: LoraRef[] = [];
  if (Array.isArray(json.loras)) {
    for (const l of json.loras) {
      // Fooocus: [name, weight, hash]; RuinedFooocus: { name, weight } or [name, weight]
      if (Array.isArray(l) && l.length >= 2) out.push({ name: String(l[0]), weight: toNumber(l[1]), ...(l[2] ? { hash: String(l[2]) } : {}) });
      else if (isRecord(l) && l.name) out.push({ name: String(l.name), weight: toNumber(l.weight) });
    }
  }
  for (const [k, v] of Object.entries(json)) {
    const m = /^lora_combined_\d+$/.exec(k);
    if (m && typeof v === 'string' && v.includes(' : ')) {
      const [name, weight] = v.split(' : ').slice(-2);
      if (name !== 'None') out.push({ name, weight: toNumber(weight) });
    }
  }
  return out;
}

export const fooocusParser: GeneratorParser = {
  id: 'fooocus',
  detect: (ctx) => find(ctx) !== null,
  parse(ctx) {
    const found = find(ctx);
    if (!found) return fail('no Fooocus JSON');
    const fields: GenerationFields = fieldsFromJson(found.id, found.json, PATHS, found.where);
    const loras = lorasOf(found.json);
    if (loras.length) {
      fields.loras = loras;
      fields.provenance.loras = `${found.where} › loras`;
    }
    fields.extra = leftovers(found.json, PATHS, ['loras', 'software']);
    return ok(fields);
  },
};
