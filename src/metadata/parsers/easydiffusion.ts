/**
 * Easy Diffusion: one PNG text chunk per setting (`prompt`, `seed`, `use_stable_diffusion_model`…),
 * or the same keys as JSON in `parameters` / EXIF UserComment; older versions capitalise the labels.
 */
import type { GenerationFields } from '../types.js';
import type { GeneratorParser, ParseContext } from './types.js';
import { fail, ok } from './types.js';
import { fieldsFromJson, leftovers, type FieldPaths } from './json-fields.js';
import { isRecord } from '../values.js';

const MARKERS = ['use_stable_diffusion_model', 'Stable Diffusion model'];
const PATHS: FieldPaths = {
  prompt: ['prompt', 'Prompt'],
  negative_prompt: ['negative_prompt', 'Negative Prompt'],
  seed: ['seed', 'Seed'],
  steps: ['num_inference_steps', 'Steps'],
  cfg: ['guidance_scale', 'Guidance Scale'],
  sampler: ['sampler_name', 'Sampler'],
  model: ['use_stable_diffusion_model', 'Stable Diffusion model'],
  width: ['width', 'Width'],
  height: ['height', 'Height'],
};

function source(ctx: ParseContext): { obj: Record<string, unknown>; where: string } | null {
  if (MARKERS.some((m) => ctx.entries.has(m))) {
    const obj: Record<string, unknown> = {};
    for (const e of ctx.entries.all) if (e.carrier.startsWith('png:')) obj[e.key] = e.text;
    return { obj, where: 'png text chunks' };
  }
  for (const key of ['parameters', 'UserComment', 'Comment']) {
    const e = ctx.entries.entry(key);
    if (!e || !MARKERS.some((m) => e.text.includes(`"${m}"`))) continue;
    const json = ctx.entries.jsonOf(e);
    if (isRecord(json)) return { obj: json, where: `${e.carrier} ${e.key}` };
  }
  return null;
}

export const easydiffusionParser: GeneratorParser = {
  id: 'easydiffusion',
  detect: (ctx) => source(ctx) !== null,
  parse(ctx) {
    const found = source(ctx);
    if (!found) return fail('no Easy Diffusion settings');
    const fields: GenerationFields = fieldsFromJson('easydiffusion', found.obj, PATHS, found.where);
    const lora = found.obj.use_lora_model ?? found.obj['LoRA model'];
    if (typeof lora === 'string' && lora && lora !== 'None') {
      const weights = String(found.obj.lora_alpha ?? found.obj['LoRA Strength'] ?? '').split(',');
      fields.loras = lora.split(',').map((name, i) => ({ name: name.trim(), weight: weights[i] !== undefined && weights[i] !== '' ? Number(weights[i]) : null }));
      fields.provenance.loras = `${found.where} › use_lora_model`;
    }
    fields.extra = leftovers(found.obj, PATHS);
    return ok(fields);
  },
};
