/** Hugging Face Spaces (the popular SDXL/Animagine spaces): `parameters` JSON with `resolution: "W x H"`. */
import type { GeneratorParser, ParseContext } from './types.js';
import { fail, ok } from './types.js';
import { fieldsFromJson, leftovers, type FieldPaths } from './json-fields.js';
import { isRecord } from '../values.js';

const PATHS: FieldPaths = {
  prompt: ['prompt'],
  negative_prompt: ['negative_prompt'],
  seed: ['seed'],
  steps: ['num_inference_steps', 'steps'],
  cfg: ['guidance_scale'],
  sampler: ['sampler'],
  model: ['Model', 'model'],
  model_hash: ['Model hash'],
  size: ['resolution'],
};

function find(ctx: ParseContext) {
  for (const key of ['parameters', 'UserComment']) {
    const e = ctx.entries.entry(key);
    if (!e || !e.text.includes('"resolution"')) continue;
    const json = ctx.entries.jsonOf(e);
    if (isRecord(json) && typeof json.resolution === 'string' && ('num_inference_steps' in json || 'guidance_scale' in json)) return { e, json };
  }
  return null;
}

export const hfSpaceParser: GeneratorParser = {
  id: 'hf-space',
  detect: (ctx) => find(ctx) !== null,
  parse(ctx) {
    const found = find(ctx);
    if (!found) return fail('no Hugging Face Space parameters');
    const fields = fieldsFromJson('hf-space', found.json, PATHS, `${found.e.carrier} ${found.e.key}`);
    fields.extra = leftovers(found.json, PATHS);
    return ok(fields);
  },
};
