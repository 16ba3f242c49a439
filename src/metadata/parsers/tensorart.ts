/** Tensor.Art: `generation_data` JSON; its ComfyUI graph supplies the real seed when the form said -1. */
import type { GeneratorParser } from './types.js';
import { fail, ok } from './types.js';
import { fieldsFromJson, fillMissing, leftovers, type FieldPaths } from './json-fields.js';
import { comfyGraphFields } from './comfyui.js';
import { isRecord } from '../values.js';

const PATHS: FieldPaths = {
  prompt: ['prompt'],
  negative_prompt: ['negativePrompt'],
  steps: ['steps'],
  cfg: ['cfgScale'],
  sampler: ['ksamplerName', 'samplerName', 'sampler'],
  scheduler: ['schedule', 'scheduler'],
  model: ['baseModel.modelFileName', 'baseModel.label'],
  model_hash: ['baseModel.hash'],
  width: ['width'],
  height: ['height'],
};

export const tensorartParser: GeneratorParser = {
  id: 'tensorart',
  detect: (ctx) => ctx.entries.has('generation_data'),
  parse(ctx) {
    const e = ctx.entries.entry('generation_data')!;
    const json = ctx.entries.jsonOf(e);
    if (!isRecord(json)) return fail('generation_data is not JSON');
    const where = `${e.carrier} generation_data`;
    const fields = fieldsFromJson('tensorart', json, PATHS, where);
    const seed = String(json.seed ?? '');
    if (/^\d+$/.test(seed)) {
      fields.seed = Number.isSafeInteger(Number(seed)) ? Number(seed) : seed;
      fields.provenance.seed = `${where} › seed`;
    }
    fields.extra = leftovers(json, PATHS, ['seed']);
    return ok(fillMissing(fields, comfyGraphFields(ctx)));
  },
};
