/**
 * ComfyUI UI workflow ("workflow" chunk: nodes with widgets_values, links as arrays) → the API
 * graph shape walk.ts reads. Used for files that carry only a workflow, and for the wiring order.
 */
import { isRecord } from '../../values.js';
import type { Graph } from './graph.js';

/** Widget order of core nodes whose workflows predate widget inputs being listed in `inputs`. */
const WIDGETS: Record<string, string[]> = {
  KSampler: ['seed', 'control_after_generate', 'steps', 'cfg', 'sampler_name', 'scheduler', 'denoise'],
  KSamplerAdvanced: ['add_noise', 'noise_seed', 'control_after_generate', 'steps', 'cfg', 'sampler_name', 'scheduler', 'start_at_step', 'end_at_step', 'return_with_leftover_noise'],
  SamplerCustom: ['add_noise', 'noise_seed', 'control_after_generate', 'cfg'],
  CheckpointLoaderSimple: ['ckpt_name'],
  CheckpointLoader: ['config_name', 'ckpt_name'],
  UNETLoader: ['unet_name', 'weight_dtype'],
  CLIPTextEncode: ['text'],
  CLIPTextEncodeSDXL: ['width', 'height', 'crop_w', 'crop_h', 'target_width', 'target_height', 'text_g', 'text_l'],
  CLIPTextEncodeSDXLRefiner: ['ascore', 'width', 'height', 'text'],
  CLIPTextEncodeFlux: ['clip_l', 't5xxl', 'guidance'],
  EmptyLatentImage: ['width', 'height', 'batch_size'],
  EmptySD3LatentImage: ['width', 'height', 'batch_size'],
  LoraLoader: ['lora_name', 'strength_model', 'strength_clip'],
  LoraLoaderModelOnly: ['lora_name', 'strength_model'],
  RandomNoise: ['noise_seed', 'control_after_generate'],
  KSamplerSelect: ['sampler_name'],
  BasicScheduler: ['scheduler', 'steps', 'denoise'],
  CFGGuider: ['cfg'],
  FluxGuidance: ['guidance'],
  CLIPSetLastLayer: ['stop_at_clip_layer'],
  PrimitiveNode: ['value', 'control_after_generate'],
  SDTurboScheduler: ['steps', 'denoise'],
};
const CONTROL_VALUES = new Set(['fixed', 'increment', 'decrement', 'randomize']);
/** The seed's "control after generate" widget: a word, or a boolean in early workflows. */
const isControl = (v: unknown) => typeof v === 'boolean' || (typeof v === 'string' && CONTROL_VALUES.has(v));
/** Mode 2 = muted (never runs). Bypassed nodes (mode 4) stay: the walk passes through their inputs. */
const MUTED_MODES = new Set([2]);

interface WorkflowNode {
  id: number | string;
  type: string;
  mode?: number;
  inputs?: { name: string; link: number | null; widget?: { name: string } }[];
  widgets_values?: unknown;
  title?: string;
}

export function isWorkflow(json: unknown): json is { nodes: unknown[]; links?: unknown[] } {
  return isRecord(json) && Array.isArray(json.nodes);
}

function widgetNames(node: WorkflowNode): string[] {
  const known = WIDGETS[node.type];
  if (known) return known;
  const named = (node.inputs ?? []).filter((i) => i.widget?.name).map((i) => i.widget!.name);
  // Primitive / string nodes (PrimitiveStringMultiline, String Literal…) hold one unnamed value.
  return named.length ? named : ['value'];
}

interface Subgraph {
  id: string;
  nodes: unknown[];
  links?: unknown[];
}

/** A link's source: a node output, or (inside a subgraph) input `slot` of the instance `instance`. */
type Source = { node: string; slot: number } | { instance: string; slot: number };

const SUBGRAPH_INPUT = -10;
const SUBGRAPH_OUTPUT = -20;

interface Flat {
  nodes: { id: string; raw: WorkflowNode }[];
  /** `${targetNodeId}#${inputSlot}` → source */
  edges: Map<string, Source>;
  /** `${instanceId}#${outputSlot}` → source inside the instance */
  outputs: Map<string, Source>;
}

function linkList(links: unknown[] | undefined): { id: number; o: number; os: number; t: number; ts: number }[] {
  const out: { id: number; o: number; os: number; t: number; ts: number }[] = [];
  for (const l of links ?? []) {
    if (Array.isArray(l) && l.length >= 5) out.push({ id: Number(l[0]), o: Number(l[1]), os: Number(l[2]), t: Number(l[3]), ts: Number(l[4]) });
    else if (isRecord(l)) out.push({ id: Number(l.id), o: Number(l.origin_id), os: Number(l.origin_slot), t: Number(l.target_id), ts: Number(l.target_slot) });
  }
  return out;
}

/**
 * Flattens subgraph instances (a node whose type is a subgraph definition id) into their inner
 * nodes, named `<instance>:<inner>` like the API prompt does, rewiring the subgraph's input and
 * output pseudo-nodes (-10 / -20) to the links around the instance.
 */
function flatten(nodes: unknown[], links: unknown[] | undefined, defs: Map<string, Subgraph>, prefix: string, instance: string | null, flat: Flat, depth: number, budget: { left: number }): void {
  const scoped = (id: number) => `${prefix}${id}`;
  for (const l of linkList(links)) {
    const source: Source = l.o === SUBGRAPH_INPUT && instance ? { instance, slot: l.os } : { node: scoped(l.o), slot: l.os };
    if (l.t === SUBGRAPH_OUTPUT && instance) flat.outputs.set(`${instance}#${l.ts}`, source);
    else flat.edges.set(`${scoped(l.t)}#${l.ts}`, source);
  }
  for (const raw of nodes) {
    if (!isRecord(raw) || typeof raw.type !== 'string' || budget.left-- <= 0) continue;
    const node = raw as unknown as WorkflowNode;
    const id = scoped(Number(node.id));
    const def = defs.get(node.type);
    if (def && depth < 8) flatten(def.nodes, def.links, defs, `${id}:`, id, flat, depth + 1, budget);
    else flat.nodes.push({ id, raw: node });
  }
}

/** Follows a source through subgraph boundaries to a real node output. */
function resolve(flat: Flat, source: Source | undefined): [string, number] | undefined {
  for (let i = 0; source && i < 64; i++) {
    if ('instance' in source) source = flat.edges.get(`${source.instance}#${source.slot}`);
    else {
      const inner = flat.outputs.get(`${source.node}#${source.slot}`);
      if (!inner) return [source.node, source.slot];
      source = inner;
    }
  }
  return undefined;
}

/** Converts a UI workflow into the API graph shape (`{ id: { class_type, inputs } }`). */
export function workflowToApi(workflow: { nodes: unknown[]; links?: unknown[]; definitions?: unknown }, maxNodes = 20_000): Record<string, unknown> {
  const defs = new Map<string, Subgraph>();
  const definitions = isRecord(workflow.definitions) ? workflow.definitions.subgraphs : undefined;
  if (Array.isArray(definitions)) for (const d of definitions) if (isRecord(d) && typeof d.id === 'string' && Array.isArray(d.nodes)) defs.set(d.id, d as unknown as Subgraph);
  const flat: Flat = { nodes: [], edges: new Map(), outputs: new Map() };
  flatten(workflow.nodes, workflow.links, defs, '', null, flat, 0, { left: maxNodes });
  const api: Record<string, unknown> = {};
  for (const { id, raw: node } of flat.nodes) {
    if (node.mode !== undefined && MUTED_MODES.has(node.mode)) continue;
    const inputs = widgetInputs(node);
    (node.inputs ?? []).forEach((input, slot) => {
      const source = resolve(flat, flat.edges.get(`${id}#${slot}`));
      if (source) inputs[input.name] = source;
    });
    api[id] = { class_type: node.type, inputs, _meta: { title: node.title ?? node.type } };
  }
  return api;
}

function widgetInputs(node: WorkflowNode): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  const values = node.widgets_values;
  if (Array.isArray(values)) {
    const names = widgetNames(node);
    let v = 0;
    for (const name of names) {
      if (v >= values.length) break;
      if (name === 'control_after_generate') {
        if (isControl(values[v])) v++;
        continue;
      }
      inputs[name] = values[v++];
      // Frontends insert a control value after seed widgets that `inputs` does not list.
      if (/seed/.test(name) && isControl(values[v]) && !names.includes('control_after_generate')) v++;
    }
  } else if (isRecord(values)) {
    Object.assign(inputs, values);
  }
  return inputs;
}

/** Records, for each node, which link id feeds each input: the order the user wired them. */
export function applyWiringOrder(graph: Graph, workflow: { nodes: unknown[] }): void {
  for (const raw of workflow.nodes) {
    if (!isRecord(raw) || !Array.isArray(raw.inputs)) continue;
    const order = new Map<string, number>();
    for (const input of raw.inputs as WorkflowNode['inputs'] & object) {
      if (input && typeof input.name === 'string' && typeof input.link === 'number') order.set(input.name, input.link);
    }
    if (order.size > 1) graph.linkOrder.set(String(raw.id), order);
  }
}
