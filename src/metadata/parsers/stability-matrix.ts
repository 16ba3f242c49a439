/**
 * Stability Matrix: `parameters-json` (its own field names) beside A1111 infotext and the ComfyUI
 * graph it ran; sampler and scheduler come from the graph (the JSON merges them: "Euler Ancestral Karras").
 */
import type { GeneratorParser } from './types.js';
import { fail, ok } from './types.js';
import { fieldsFromJson, fillFromJson, fillMissing, leftovers, type FieldPaths } from './json-fields.js';
import { comfyGraphFields } from './comfyui.js';
import { isRecord } from '../values.js';

const PATHS: FieldPaths = {
  prompt: ['PositivePrompt'],
  negative_prompt: ['NegativePrompt'],
  seed: ['Seed'],
  steps: ['Steps'],
  cfg: ['CfgScale'],
  model: ['ModelName'],
  model_hash: ['ModelHash'],
};
/** The JSON's Width/Height are the final (upscaled) size; the graph's latent is the generation size. */
const SIZE_FALLBACK: FieldPaths = { width: ['Width'], height: ['Height'] };

export const stabilityMatrixParser: GeneratorParser = {
  id: 'stability-matrix',
  detect: (ctx) => ctx.entries.has('parameters-json') || ctx.entries.has('smproj'),
  parse(ctx) {
    const e = ctx.entries.entry('parameters-json');
    const json = e ? ctx.entries.jsonOf(e) : null;
    const graph = comfyGraphFields(ctx);
    if (!isRecord(json)) {
      if (!graph) return fail('no parameters-json and no graph');
      return ok({ ...graph, generator: 'stability-matrix' });
    }
    const fields = fieldsFromJson('stability-matrix', json, PATHS, `${e!.carrier} parameters-json`);
    if (graph?.sampler) {
      fields.sampler = graph.sampler;
      fields.scheduler = graph.scheduler ?? null;
      fields.provenance.sampler = graph.provenance.sampler;
      if (graph.provenance.scheduler) fields.provenance.scheduler = graph.provenance.scheduler;
    } else if (typeof json.Sampler === 'string') {
      fields.sampler = json.Sampler;
      fields.provenance.sampler = `${e!.carrier} parameters-json › Sampler`;
    }
    fields.extra = leftovers(json, PATHS, ['Sampler', 'Width', 'Height']);
    fillMissing(fields, graph);
    return ok(fillFromJson(fields, json, SIZE_FALLBACK, `${e!.carrier} parameters-json`));
  },
};
