/**
 * NovelAI: `Comment` JSON (v3 and v4 layouts, incl. v4 character prompts) beside `Description`,
 * `Software: NovelAI` and `Source` (the model) — in PNG text chunks, in a WebP/JPEG EXIF
 * UserComment dictionary, or in the hidden alpha-channel copy.
 */
import type { GenerationFields } from '../types.js';
import type { GeneratorParser, ParseContext } from './types.js';
import { fail, ok } from './types.js';
import { fillFromJson, leftovers, pick, type FieldPaths } from './json-fields.js';
import { isRecord } from '../values.js';

const PATHS: FieldPaths = {
  prompt: ['prompt', 'v4_prompt.caption.base_caption'],
  negative_prompt: ['uc', 'v4_negative_prompt.caption.base_caption', 'negative_prompt'],
  seed: ['seed'],
  steps: ['steps'],
  sampler: ['sampler'],
  scheduler: ['noise_schedule'],
  cfg: ['scale'],
  width: ['width'],
  height: ['height'],
};
const SIGNATURE = /"(noise_schedule|uncond_scale|v4_prompt|sm_dyn|cfg_rescale)"/;

function commentOf(ctx: ParseContext) {
  const e = ctx.entries.entry('Comment');
  if (!e) return null;
  const json = ctx.entries.jsonOf(e);
  return isRecord(json) ? { entry: e, json } : null;
}

export const novelaiParser: GeneratorParser = {
  id: 'novelai',
  detect(ctx) {
    const software = ctx.entries.text('Software') ?? '';
    if (/^NovelAI/i.test(software) || /^NovelAI/i.test(ctx.entries.text('Source') ?? '')) return true;
    return SIGNATURE.test(ctx.entries.text('Comment') ?? '');
  },
  parse(ctx) {
    const comment = commentOf(ctx);
    const fields: GenerationFields = { generator: 'novelai', provenance: {} };
    if (comment) fillFromJson(fields, comment.json, PATHS, `${comment.entry.carrier} Comment`);
    const description = ctx.entries.entry('Description');
    if (!fields.prompt && description) {
      fields.prompt = description.text;
      fields.provenance.prompt = `${description.carrier} Description`;
    }
    if (!comment && !description) return fail('no NovelAI Comment or Description');
    // Source: "NovelAI Diffusion V4.5 4BDE2A90" — model name and a short model hash.
    const source = ctx.entries.entry('Source') ?? ctx.entries.entry('Software');
    // (older files: "Stable Diffusion XL C1E1DE52")
    const m = /^(.*\S)\s+([0-9A-F]{8})$/i.exec(source?.text.trim() ?? '');
    if (m && source && /diffusion|novelai/i.test(m[1])) {
      fields.model = m[1];
      fields.model_hash = m[2];
      fields.provenance.model = fields.provenance.model_hash = `${source.carrier} ${source.key}`;
    } else if (source && /Diffusion/i.test(source.text)) {
      fields.model = source.text.trim();
      fields.provenance.model = `${source.carrier} ${source.key}`;
    }
    const extra: Record<string, unknown> = comment ? leftovers(comment.json, PATHS, ['v4_prompt', 'v4_negative_prompt', 'signed_hash', 'extra_passthrough_testing']) : {};
    const chars = pick(comment?.json, 'v4_prompt.caption.char_captions');
    const negChars = pick(comment?.json, 'v4_negative_prompt.caption.char_captions');
    if (Array.isArray(chars) && chars.length) {
      extra.characters = chars.filter(isRecord).map((c, i) => ({
        prompt: c.char_caption ?? '',
        negative_prompt: Array.isArray(negChars) && isRecord(negChars[i]) ? (negChars[i].char_caption ?? '') : '',
        centers: c.centers ?? [],
      }));
    }
    fields.extra = extra;
    return ok(fields);
  },
};
