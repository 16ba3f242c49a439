/**
 * InvokeAI, every layout it has written:
 *  - `Dream` text (1.x: `"prompt [negative]" -s 50 -S 42 -W 512 -H 512 -C 7.5 -A k_lms`),
 *  - `sd-metadata` JSON (lstein dream.py / 2.x: `image: {…}`, or `images: [{…}]` for a grid; the prompt
 *    a string or a list of weighted sub-prompts `[{prompt, weight}]`),
 *  - `invokeai` JSON (3.0 pre-releases: `{session_id, node: {type: "txt2img", prompt…}}` or
 *    `{positive_conditioning, negative_conditioning…}`),
 *  - `invokeai_metadata` JSON (3.x–6.x core metadata, canvas metadata beside it) and `invokeai_graph`
 *    (the execution graph: prompts, seed, steps… resolved through its edges).
 * In 1.x/2.x the negative prompt is the `[bracketed]` part of the prompt. Files often carry several
 * of these; the richest is read first and the others fill what it lacks.
 */
import type { GenerationFields, LoraRef } from '../types.js';
import type { GeneratorParser, ParseContext } from './types.js';
import { fail, ok } from './types.js';
import { fieldsFromJson, fillFromJson, fillMissing, leftovers, pick, type FieldPaths } from './json-fields.js';
import { isRecord, toInt, toNumber, toSeed, toText } from '../values.js';
import { InvokeGraph } from './invokeai-graph.js';

const V3_PATHS: FieldPaths = {
  prompt: ['positive_prompt', 'positive_conditioning'],
  negative_prompt: ['negative_prompt', 'negative_conditioning'],
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
  seed: ['seed'],
  steps: ['steps'],
  cfg: ['cfg_scale'],
  sampler: ['sampler'],
  width: ['width'],
  height: ['height'],
};

const V2_TOP_PATHS: FieldPaths = { model: ['model_weights', 'model_id'], model_hash: ['model_hash'], generator_version: ['app_version'] };

/** `a cat [blurry, lowres]` → prompt and negative prompt. */
export function splitBracketNegative(text: string): { prompt: string; negative: string } {
  const negatives: string[] = [];
  const prompt = text.replace(/\[([^\]]*)\]/g, (_, n: string) => {
    negatives.push(n.trim());
    return '';
  });
  return { prompt: prompt.replace(/\s{2,}/g, ' ').trim(), negative: negatives.join(', ') };
}

function loraRefs(list: unknown): LoraRef[] {
  return (Array.isArray(list) ? list.filter(isRecord) : []).map(
    (l): LoraRef => ({
      name: String(pick(l, 'model.name') ?? pick(l, 'lora.name') ?? pick(l, 'lora.model_name') ?? pick(l, 'model.key') ?? pick(l, 'lora.key') ?? 'lora'),
      weight: toNumber(l.weight),
    }),
  );
}

/** Canvas (5.x+) regional guidance prompts, kept structured. */
function canvasRegions(json: Record<string, unknown>): Record<string, unknown>[] {
  const regions = pick(json, 'canvas_v2_metadata.regionalGuidance') ?? pick(json, 'canvas_v2_metadata.regions');
  if (!Array.isArray(regions)) return [];
  return regions.filter(isRecord).map((r) => ({ positive_prompt: r.positivePrompt ?? null, negative_prompt: r.negativePrompt ?? null, enabled: r.isEnabled ?? true }));
}

function v3(ctx: ParseContext, json: Record<string, unknown>, where: string): GenerationFields {
  const fields = fieldsFromJson('invokeai', json, V3_PATHS, where);
  const loras = loraRefs(json.loras);
  if (loras.length) {
    fields.loras = loras;
    fields.provenance.loras = `${where} › loras`;
  }
  fields.extra = leftovers(json, V3_PATHS, ['loras', 'positive_conditioning', 'negative_conditioning']);
  const regions = canvasRegions(json);
  if (regions.length) fields.extra.canvas_regions = regions;
  if (ctx.entries.has('invokeai_workflow')) fields.extra.workflow = 'invokeai_workflow';
  return fields;
}

function subPromptText(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  if (!Array.isArray(raw)) return '';
  // Weighted sub-prompts as dream.py's split_weighted_subprompts writes them: weight 1 reads bare.
  return raw
    .map((p) => {
      if (!isRecord(p)) return String(p);
      const text = String(p.prompt ?? '');
      const w = toNumber(p.weight);
      return w === null || w === 1 || raw.length === 1 ? text : `${text}:${w}`;
    })
    .join(' ');
}

function v2(json: Record<string, unknown>, where: string): GenerationFields {
  const images = Array.isArray(json.images) ? json.images.filter(isRecord) : [];
  const image = isRecord(json.image) ? json.image : images[0];
  const base = isRecord(json.image) ? 'image' : 'images[0]';
  const fields = fillFromJson({ generator: 'invokeai', provenance: {} }, image, V2_PATHS, `${where} › ${base}`);
  fillFromJson(fields, json, V2_TOP_PATHS, where);
  const { prompt, negative } = splitBracketNegative(subPromptText(image?.prompt));
  if (prompt) {
    fields.prompt = prompt;
    fields.provenance.prompt = `${where} › ${base}.prompt`;
  }
  if (negative) {
    fields.negative_prompt = negative;
    fields.provenance.negative_prompt = `${where} › ${base}.prompt [ ]`;
  }
  fields.extra = { ...leftovers(image, V2_PATHS, ['prompt']), app_id: json.app_id };
  if (images.length > 1) fields.extra.grid_seeds = images.map((i) => toSeed(i.seed));
  return fields;
}

/** 3.0 pre-release `invokeai` chunk: the invocation node itself, or the early ImageMetadata. */
function v30(json: Record<string, unknown>, where: string): GenerationFields {
  const node = isRecord(json.node) ? json.node : json;
  const fields = fieldsFromJson('invokeai', node, { ...V3_PATHS, prompt: ['prompt', 'positive_conditioning'] }, `${where}${node === json ? '' : ' › node'}`);
  fields.generator_version = fields.generator_version ?? '3.0';
  fields.extra = leftovers(node, V3_PATHS, ['prompt', 'positive_conditioning', 'negative_conditioning', 'id']);
  if (json.session_id) fields.extra.session_id = json.session_id;
  return fields;
}

const isDenoise = (t: string) => /denoise/.test(t);
const isModelLoader = (t: string) => /model_loader$/.test(t);
const isLoraLoader = (t: string) => /lora_loader$/.test(t);

/** The execution graph: core_metadata node if any, else the denoise node and what feeds it. */
function fromGraph(ctx: ParseContext, graph: InvokeGraph, where: string): GenerationFields {
  const core = graph.ofType((t) => t === 'core_metadata' || t === 'metadata_accumulator')[0];
  let fields: GenerationFields = { generator: 'invokeai', provenance: {} };
  if (core) {
    const values = graph.resolved(core);
    for (const bookkeeping of ['id', 'type', 'is_intermediate', 'use_cache']) delete values[bookkeeping];
    fields = v3(ctx, values, `${where} › ${String(core.id)}`);
  }
  const denoise = graph.ofType(isDenoise).sort((a, b) => (toNumber(a.denoising_start) ?? 0) - (toNumber(b.denoising_start) ?? 0))[0];
  const from: GenerationFields = { generator: 'invokeai', provenance: {} };
  if (denoise) {
    const at = `${where} › ${String(denoise.id)}`;
    const conditioningPrompt = (field: string): string | null => {
      for (const src of graph.sources(denoise, field)) {
        const text = toText(graph.input(src, 'prompt'));
        if (text) return text;
      }
      return null;
    };
    const set = (key: keyof GenerationFields, value: unknown, path: string) => {
      if (value === null || value === undefined) return;
      (from as unknown as Record<string, unknown>)[key] = value;
      from.provenance[key] = `${at}.${path}`;
    };
    set('prompt', conditioningPrompt('positive_conditioning') ?? conditioningPrompt('positive_text_conditioning'), 'positive_conditioning');
    set('negative_prompt', conditioningPrompt('negative_conditioning') ?? conditioningPrompt('negative_text_conditioning'), 'negative_conditioning');
    set('steps', toInt(graph.input(denoise, 'steps') ?? graph.input(denoise, 'num_steps')), 'steps');
    set('cfg', toNumber(graph.input(denoise, 'cfg_scale') ?? graph.input(denoise, 'guidance')), 'cfg_scale');
    set('sampler', toText(graph.input(denoise, 'scheduler')), 'scheduler');
    const noise = graph.sources(denoise, 'noise')[0];
    const seedHolder = noise ?? denoise;
    set('seed', toSeed(graph.input(seedHolder, 'seed')), 'seed');
    set('width', toInt(graph.input(seedHolder, 'width')), 'width');
    set('height', toInt(graph.input(seedHolder, 'height')), 'height');
  }
  const loader = graph.ofType(isModelLoader)[0];
  if (loader && isRecord(loader.model)) {
    from.model = toText(loader.model.name) ?? toText(loader.model.model_name);
    from.model_hash = toText(loader.model.hash);
    from.provenance.model = `${where} › ${String(loader.id)}.model`;
  }
  const loras = loraRefs(graph.ofType(isLoraLoader).map((n) => graph.resolved(n)));
  if (loras.length) {
    from.loras = loras;
    from.provenance.loras = `${where} › lora_loader`;
  }
  return fillMissing(fields, from);
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

/** How much a source knows: the prompt counts most, then each generation parameter. */
function richness(f: GenerationFields): number {
  const has = (v: unknown) => v !== undefined && v !== null && v !== '';
  let score = has(f.prompt) ? 4 : 0;
  for (const k of ['negative_prompt', 'seed', 'steps', 'cfg', 'sampler', 'model', 'width'] as const) if (has(f[k])) score++;
  return score;
}

function sources(ctx: ParseContext): GenerationFields[] {
  const out: GenerationFields[] = [];
  const json = (key: string) => {
    const e = ctx.entries.entry(key);
    const value = e ? ctx.entries.jsonOf(e) : undefined;
    return e && isRecord(value) ? { value, where: `${e.carrier} ${e.key}` } : null;
  };
  const meta = json('invokeai_metadata');
  if (meta) out.push(v3(ctx, meta.value, meta.where));
  const graph = json('invokeai_graph');
  const g = graph ? InvokeGraph.from(graph.value) : null;
  if (graph && g) out.push(fromGraph(ctx, g, graph.where));
  const early = json('invokeai');
  if (early && (isRecord(early.value.node) || 'positive_conditioning' in early.value)) out.push(v30(early.value, early.where));
  const sd = json('sd-metadata');
  if (sd && (isRecord(sd.value.image) || Array.isArray(sd.value.images))) out.push(v2(sd.value, sd.where));
  const dream = ctx.entries.entry('Dream');
  if (dream && dream.text.trim()) out.push(parseDream(dream.text, `${dream.carrier} Dream`));
  return out;
}

export const invokeaiParser: GeneratorParser = {
  id: 'invokeai',
  detect: (ctx) =>
    ctx.entries.has('invokeai_metadata') || ctx.entries.has('invokeai_graph') || ctx.entries.has('sd-metadata') || ctx.entries.has('Dream') || ctx.entries.entry('invokeai')?.carrier.startsWith('png:') === true,
  parse(ctx) {
    const found = sources(ctx);
    if (found.length === 0) return fail('InvokeAI metadata is not readable JSON');
    // Stable sort: among equally rich sources the newer layout (listed first) wins.
    const [best, ...rest] = [...found].sort((a, b) => richness(b) - richness(a));
    for (const other of rest) fillMissing(best, other);
    return ok(best);
  },
};
