/**
 * InvokeAI, all three layouts:
 *  - `invokeai_metadata` JSON (3.x–5.x; with `invokeai_graph` / `invokeai_workflow` beside it),
 *  - `sd-metadata` JSON (2.x: `image.prompt`, `image.sampler`, `model_weights`),
 *  - `Dream` text (1.x: `"prompt [negative]" -s 50 -S 42 -W 512 -H 512 -C 7.5 -A k_lms`).
 * In 1.x/2.x the negative prompt is the `[bracketed]` part of the prompt.
 */
import type { GenerationFields, LoraRef } from '../types.js';
import type { GeneratorParser, ParseContext } from './types.js';
import { fail, ok } from './types.js';
import { fieldsFromJson, leftovers, pick, type FieldPaths } from './json-fields.js';
import { isRecord, toInt, toNumber, toSeed } from '../values.js';

const V3_PATHS: FieldPaths = {
  prompt: ['positive_prompt'],
  negative_prompt: ['negative_prompt'],
  seed: ['seed'],
  steps: ['steps'],
  cfg: ['cfg_scale'],
  sampler: ['scheduler'], // InvokeAI names its sampler "scheduler" (euler_a, dpmpp_2m_k…)
  model: ['model.name', 'model.model_name', 'model'],
  model_hash: ['model.hash'],
  width: ['width'],
  height: ['height'],
  generator_version: ['app_version'],
};

const V2_PATHS: FieldPaths = {
  seed: ['image.seed'],
  steps: ['image.steps'],
  cfg: ['image.cfg_scale'],
  sampler: ['image.sampler'],
  model: ['model_weights'],
  model_hash: ['model_hash'],
  width: ['image.width'],
  height: ['image.height'],
  generator_version: ['app_version'],
};

/** `a cat [blurry, lowres]` → prompt and negative prompt. */
export function splitBracketNegative(text: string): { prompt: string; negative: string } {
  const negatives: string[] = [];
  const prompt = text.replace(/\[([^\]]*)\]/g, (_, n: string) => {
    negatives.push(n.trim());
    return '';
  });
  return { prompt: prompt.replace(/\s{2,}/g, ' ').trim(), negative: negatives.join(', ') };
}

function v3(ctx: ParseContext, json: Record<string, unknown>, where: string): GenerationFields {
  const fields = fieldsFromJson('invokeai', json, V3_PATHS, where);
  const loras = Array.isArray(json.loras) ? json.loras.filter(isRecord) : [];
  if (loras.length) {
    fields.loras = loras.map(
      (l): LoraRef => ({
        name: String(pick(l, 'model.name') ?? pick(l, 'lora.model_name') ?? pick(l, 'model.key') ?? pick(l, 'lora.key') ?? 'lora'),
        weight: toNumber(l.weight),
      }),
    );
    fields.provenance.loras = `${where} › loras`;
  }
  fields.extra = leftovers(json, V3_PATHS, ['loras']);
  if (ctx.entries.has('invokeai_workflow')) fields.extra.workflow = 'invokeai_workflow';
  return fields;
}

function v2(json: Record<string, unknown>, where: string): GenerationFields {
  const fields = fieldsFromJson('invokeai', json, V2_PATHS, where);
  const raw = pick(json, 'image.prompt');
  const text = typeof raw === 'string' ? raw : Array.isArray(raw) ? raw.map((p) => (isRecord(p) ? String(p.prompt ?? '') : String(p))).join(' ') : '';
  const { prompt, negative } = splitBracketNegative(text);
  fields.prompt = prompt;
  fields.provenance.prompt = `${where} › image.prompt`;
  if (negative) {
    fields.negative_prompt = negative;
    fields.provenance.negative_prompt = `${where} › image.prompt [ ]`;
  }
  fields.extra = { ...leftovers(json.image, V2_PATHS), app_id: json.app_id };
  return fields;
}

const DREAM_OPTIONS: Record<string, keyof GenerationFields> = { s: 'steps', S: 'seed', W: 'width', H: 'height', C: 'cfg', A: 'sampler' };

export function parseDream(text: string, where: string): GenerationFields {
  const fields: GenerationFields = { generator: 'invokeai', generator_version: '1.x (dream)', provenance: {} };
  const m = /^\s*"((?:\\.|[^"\\])*)"\s*(.*)$/s.exec(text);
  const promptText = m ? m[1].replace(/\\"/g, '"') : text.split(/\s-[a-zA-Z]\b/)[0];
  const rest = m ? m[2] : text.slice(promptText.length);
  const { prompt, negative } = splitBracketNegative(promptText);
  fields.prompt = prompt;
  fields.provenance.prompt = `${where} › "prompt"`;
  if (negative) {
    fields.negative_prompt = negative;
    fields.provenance.negative_prompt = `${where} › [negative]`;
  }
  for (const opt of rest.matchAll(/-([a-zA-Z])\s*([^\s-][^\s]*)/g)) {
    const field = DREAM_OPTIONS[opt[1]];
    if (!field) continue;
    const value = field === 'sampler' ? opt[2] : field === 'seed' ? toSeed(opt[2]) : field === 'cfg' ? toNumber(opt[2]) : toInt(opt[2]);
    if (value === null) continue;
    (fields as unknown as Record<string, unknown>)[field] = value;
    fields.provenance[field] = `${where} › -${opt[1]}`;
  }
  return fields;
}

export const invokeaiParser: GeneratorParser = {
  id: 'invokeai',
  detect: (ctx) => ctx.entries.has('invokeai_metadata') || ctx.entries.has('invokeai_graph') || ctx.entries.has('sd-metadata') || ctx.entries.has('Dream'),
  parse(ctx) {
    const meta = ctx.entries.entry('invokeai_metadata');
    if (meta) {
      const json = ctx.entries.jsonOf(meta);
      if (isRecord(json)) return ok(v3(ctx, json, `${meta.carrier} invokeai_metadata`));
    }
    const sd = ctx.entries.entry('sd-metadata');
    if (sd) {
      const json = ctx.entries.jsonOf(sd);
      if (isRecord(json)) return ok(v2(json, `${sd.carrier} sd-metadata`));
    }
    const dream = ctx.entries.entry('Dream');
    if (dream) return ok(parseDream(dream.text, `${dream.carrier} Dream`));
    return fail('InvokeAI metadata is not readable JSON');
  },
};
