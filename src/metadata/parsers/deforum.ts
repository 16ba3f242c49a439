/**
 * Deforum (the A1111/Forge extension and the notebook) writes `<batch>_settings.txt` beside its
 * video: one JSON object with the prompts by frame (`prompts` / `animation_prompts`, `--neg` splits a
 * prompt from its negative), seed, sampler, steps, `scale` (CFG), W/H and the model. Read from a
 * sidecar the way infotext `.txt` files are (the sidecar lookup beside a video is the scan's job).
 */
import type { GenerationFields } from '../types.js';
import type { GeneratorParser, ParseContext } from './types.js';
import { fail, ok } from './types.js';
import { isRecord, toInt, toNumber, toSeed } from '../values.js';
import { extractNetworks } from '../prompt-syntax.js';

const KEYS = ['parameters', 'settings', 'Comment', 'comment', 'UserComment'];

function find(ctx: ParseContext): { json: Record<string, unknown>; where: string } | null {
  for (const key of KEYS) {
    const e = ctx.entries.entry(key);
    if (!e || !e.text.trimStart().startsWith('{') || !/"(animation_)?prompts"/.test(e.text)) continue;
    const json = ctx.entries.jsonOf(e);
    if (!isRecord(json)) continue;
    const prompts = json.prompts ?? json.animation_prompts;
    if (isRecord(prompts) && ('max_frames' in json || 'animation_mode' in json || 'diffusion_cadence' in json)) return { json, where: `${e.carrier} ${e.key}` };
  }
  return null;
}

/** Prompts keyed by frame number (or a keyframe expression), in frame order. */
function promptsByFrame(prompts: Record<string, unknown>): [string, string][] {
  return Object.entries(prompts)
    .filter((p): p is [string, string] => typeof p[1] === 'string')
    .sort((a, b) => (Number(a[0]) || 0) - (Number(b[0]) || 0));
}

export const deforumParser: GeneratorParser = {
  id: 'deforum',
  detect: (ctx) => find(ctx) !== null,
  parse(ctx) {
    const found = find(ctx);
    if (!found) return fail('no Deforum settings');
    const { json, where } = found;
    const fields: GenerationFields = { generator: 'deforum', provenance: {} };
    const set = <K extends keyof GenerationFields>(field: K, value: GenerationFields[K] | null | undefined, key: string) => {
      if (value === null || value === undefined || value === '') return;
      fields[field] = value;
      fields.provenance[field as string] = `${where} › ${key}`;
    };
    const promptKey = json.prompts !== undefined ? 'prompts' : 'animation_prompts';
    const frames = promptsByFrame(json[promptKey] as Record<string, unknown>);
    if (frames.length) {
      const [first, ...rest] = frames[0][1].split(/\s*--neg\s*/);
      const positive = [first, json.animation_prompts_positive].filter((p) => typeof p === 'string' && p.trim()).join(', ');
      const negative = [rest.join(' '), json.animation_prompts_negative].filter((p) => typeof p === 'string' && p.trim()).join(', ');
      set('prompt', positive.trim(), `${promptKey}.${frames[0][0]}`);
      set('negative_prompt', negative.trim() || null, `${promptKey}.${frames[0][0]} --neg`);
      const loras = extractNetworks(first).filter((n) => n.kind === 'lora' || n.kind === 'lyco').map((n) => ({ name: n.name, weight: n.weight }));
      if (loras.length) set('loras', loras, `${promptKey}.${frames[0][0]}`);
    }
    set('seed', toSeed(json.seed), 'seed');
    set('steps', toInt(json.steps), 'steps');
    set('sampler', typeof json.sampler === 'string' ? json.sampler : null, 'sampler');
    set('scheduler', typeof json.scheduler === 'string' ? json.scheduler : null, 'scheduler');
    const cfgKey = json.scale !== undefined ? 'scale' : 'cfg_scale';
    set('cfg', toNumber(json[cfgKey]), cfgKey);
    set('width', toInt(json.W), 'W');
    set('height', toInt(json.H), 'H');
    set('model', typeof json.sd_model_name === 'string' ? json.sd_model_name : null, 'sd_model_name');
    set('model_hash', typeof json.sd_model_hash === 'string' ? json.sd_model_hash : null, 'sd_model_hash');
    const extra: Record<string, unknown> = { prompts_by_frame: Object.fromEntries(frames) };
    for (const key of ['animation_mode', 'max_frames', 'fps', 'diffusion_cadence', 'seed_behavior', 'strength_schedule', 'deforum_git_commit_id']) {
      if (json[key] !== undefined && json[key] !== '') extra[key] = json[key];
    }
    fields.extra = extra;
    return ok(fields);
  },
};
