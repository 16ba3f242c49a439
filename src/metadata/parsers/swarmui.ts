/**
 * SwarmUI: `sui_image_params` JSON in the PNG `parameters` chunk or the EXIF UserComment. Its
 * ComfyUI backend graph, when present, fills what the parameters omit.
 */
import type { GenerationFields, LoraRef } from '../types.js';
import type { GeneratorParser, ParseContext } from './types.js';
import { fail, ok } from './types.js';
import { fieldsFromJson, fillMissing, leftovers, type FieldPaths } from './json-fields.js';
import { comfyGraphFields } from './comfyui.js';
import { isRecord, toNumber } from '../values.js';

const MARKER = 'sui_image_params';
const KEYS = ['parameters', 'UserComment', 'Comment', 'prompt'];
const PATHS: FieldPaths = {
  prompt: ['prompt'],
  negative_prompt: ['negativeprompt'],
  seed: ['seed'],
  steps: ['steps'],
  cfg: ['cfgscale'],
  // StableSwarmUI before 0.6 named them after the backend that ran them.
  sampler: ['sampler', 'comfyuisampler', 'autowebuisampler'],
  scheduler: ['scheduler', 'comfyuischeduler'],
  model: ['model'],
  width: ['width'],
  height: ['height'],
  generator_version: ['swarm_version'],
};

function findParams(ctx: ParseContext) {
  for (const key of KEYS) {
    const e = ctx.entries.entry(key);
    if (!e || !e.text.includes(MARKER)) continue;
    const json = ctx.entries.jsonOf(e);
    if (isRecord(json) && isRecord(json[MARKER])) return { entry: e, json };
  }
  return null;
}

export const swarmuiParser: GeneratorParser = {
  id: 'swarmui',
  detect: (ctx) => KEYS.some((k) => ctx.entries.text(k)?.includes(MARKER)),
  parse(ctx) {
    const found = findParams(ctx);
    if (!found) return fail('sui_image_params is not valid JSON');
    const params = found.json[MARKER] as Record<string, unknown>;
    const where = `${found.entry.carrier} ${found.entry.key} › ${MARKER}`;
    const fields: GenerationFields = fieldsFromJson('swarmui', params, PATHS, where);
    if (Array.isArray(params.loras)) {
      const weights = Array.isArray(params.loraweights) ? params.loraweights : [];
      fields.loras = params.loras.map((name, i): LoraRef => ({ name: String(name), weight: toNumber(weights[i]) }));
      fields.provenance.loras = `${where}.loras`;
    }
    const models = Array.isArray(found.json.sui_models) ? found.json.sui_models.filter(isRecord) : [];
    const main = models.find((m) => m.param === 'model');
    if (main && typeof main.hash === 'string') {
      fields.model_hash = main.hash;
      fields.provenance.model_hash = `${found.entry.carrier} ${found.entry.key} › sui_models`;
    }
    fields.extra = { ...leftovers(params, PATHS, ['loras', 'loraweights']), ...(isRecord(found.json.sui_extra_data) ? found.json.sui_extra_data : {}) };
    return ok(fillMissing(fields, comfyGraphFields(ctx)));
  },
};
