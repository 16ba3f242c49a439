/**
 * ComfyUI: the API graph in the `prompt` chunk (or, failing that, the UI `workflow`), wherever the
 * container put it (PNG text, EXIF UserComment JSON, `Prompt:`-prefixed EXIF Make/Model).
 * Civitai's on-site generator writes the same graph; it is reported as `civitai`.
 */
import type { GenerationFields } from '../types.js';
import type { GeneratorParser, ParseContext } from './types.js';
import { fail, ok } from './types.js';
import { Graph } from './comfyui/graph.js';
import { dedupeLoras, summarizeGraph } from './comfyui/walk.js';
import { applyWiringOrder, isWorkflow, workflowToApi } from './comfyui/workflow.js';
import { isRecord } from '../values.js';
import { parseJsonLoose } from '../text.js';
import { fillFromJson, type FieldPaths } from './json-fields.js';
import { extractNetworks } from '../prompt-syntax.js';

const GRAPH_KEYS = ['prompt', 'Prompt', 'UserComment', 'Comment', 'ImageDescription'];

function looksLikeGraph(json: unknown): boolean {
  if (!isRecord(json)) return false;
  let checked = 0;
  for (const v of Object.values(json)) {
    if (isRecord(v) && typeof v.class_type === 'string') return true;
    if (++checked > 8) break;
  }
  return false;
}

function findGraph(ctx: ParseContext): { json: Record<string, unknown>; where: string; text: string } | null {
  for (const key of GRAPH_KEYS) {
    const entry = ctx.entries.entry(key);
    if (!entry || !entry.text.includes('class_type')) continue;
    const json = ctx.entries.json(key);
    if (looksLikeGraph(json)) return { json: json as Record<string, unknown>, where: `${entry.carrier} ${entry.key}`, text: entry.text };
  }
  return null;
}

function findWorkflow(ctx: ParseContext): { json: { nodes: unknown[]; links?: unknown[] }; where: string } | null {
  for (const key of ['workflow', 'Workflow']) {
    const entry = ctx.entries.entry(key);
    if (!entry) continue;
    const json = ctx.entries.json(key);
    if (isWorkflow(json)) return { json, where: `${entry.carrier} ${entry.key}` };
  }
  return null;
}

export function isCivitaiGraph(json: Record<string, unknown>, text: string): boolean {
  return 'extraMetadata' in json || /urn:air:[^"]*:civitai:/.test(text);
}

/** Fields of the ComfyUI graph a file carries (API `prompt` graph, else the UI workflow), or null. */
export function comfyGraphFields(ctx: ParseContext): GenerationFields | null {
  const api = findGraph(ctx);
  const workflow = findWorkflow(ctx);
  const source = api ?? (workflow ? { json: workflowToApi(workflow.json), where: `${workflow.where} (UI workflow)`, text: '' } : null);
  if (!source) return null;
  const graph = Graph.fromJson(source.json);
  if (!graph) return null;
  if (workflow) applyWiringOrder(graph, workflow.json);

  const { main, stages } = summarizeGraph(graph);
  const fields: GenerationFields = { generator: 'comfyui', provenance: {} };
  if (!main) {
    fields.extra = { nodes: graph.nodes.size, note: 'graph has no sampler node' };
    return fields;
  }
  const at = (node: string | null, input: string) => `${source.where} › node ${node} (${graph.get(node ?? '')?.class_type ?? '?'}).${input}`;
  const set = <K extends keyof GenerationFields>(field: K, value: GenerationFields[K] | null | undefined, where: string) => {
    if (value === null || value === undefined) return;
    fields[field] = value;
    fields.provenance[field as string] = where;
  };
  set('prompt', main.prompt, at(main.promptNodes[0] ?? main.node, 'text'));
  set('negative_prompt', main.negative_prompt, at(main.node, 'negative'));
  set('seed', main.seed, at(main.node, 'seed'));
  set('steps', main.steps, at(main.node, 'steps'));
  set('cfg', main.cfg, at(main.node, 'cfg'));
  set('sampler', main.sampler, at(main.node, 'sampler_name'));
  set('scheduler', main.scheduler, at(main.node, 'scheduler'));
  set('model', main.model, at(main.modelNode, 'ckpt_name'));
  set('width', main.width, at(main.sizeNode, 'width'));
  set('height', main.height, at(main.sizeNode, 'height'));
  const promptLoras = extractNetworks(main.prompt ?? '')
    .filter((n) => n.kind === 'lora' || n.kind === 'lyco')
    .map((n) => ({ name: n.name, weight: n.weight }));
  const loras = dedupeLoras([...main.loras, ...promptLoras]);
  if (loras.length) {
    fields.loras = loras;
    fields.provenance.loras = at(main.modelNode, 'lora loaders');
  }
  fields.samplers = stages.map(({ loras: _l, modelNode: _m, sizeNode: _s, promptNodes: _p, guidance: _g, ...stage }) => stage);
  const extra: Record<string, unknown> = {};
  if (main.denoise !== null) extra.denoise = main.denoise;
  if (main.guidance !== null) extra.guidance = main.guidance;
  if (!api) extra.source = 'workflow';
  if (Object.keys(extra).length) fields.extra = extra;
  if (isCivitaiGraph(source.json, source.text)) fields.generator = 'civitai';
  return fields;
}

/** Civitai's generator stores its form values as a JSON string next to the graph. */
const CIVITAI_EXTRA: FieldPaths = {
  prompt: ['prompt'],
  negative_prompt: ['negativePrompt'],
  seed: ['seed'],
  steps: ['steps'],
  cfg: ['cfgScale'],
  sampler: ['sampler'],
  width: ['width'],
  height: ['height'],
  model: ['baseModel'],
};

export const comfyuiParser: GeneratorParser = {
  id: 'comfyui',
  detect: (ctx) => findGraph(ctx) !== null || findWorkflow(ctx) !== null,
  parse(ctx) {
    const fields = comfyGraphFields(ctx);
    if (!fields) return fail('no ComfyUI graph');
    const extraMeta = ctx.entries.entry('extraMetadata');
    if (extraMeta) {
      const json = parseJsonLoose(extraMeta.text);
      fillFromJson(fields, json, CIVITAI_EXTRA, `${extraMeta.carrier} extraMetadata`);
      fields.generator = 'civitai';
      if (isRecord(json) && Array.isArray(json.resources)) fields.extra = { ...fields.extra, civitai_resources: json.resources };
    }
    return ok(fields);
  },
};
