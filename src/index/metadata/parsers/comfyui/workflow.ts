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
};
const CONTROL_VALUES = new Set(['fixed', 'increment', 'decrement', 'randomize']);
const MUTED_MODES = new Set([2, 4]);

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

function linkMap(workflow: { links?: unknown[] }): Map<number, [string, number]> {
  const map = new Map<number, [string, number]>();
  for (const l of workflow.links ?? []) {
    if (Array.isArray(l) && l.length >= 5) map.set(Number(l[0]), [String(l[1]), Number(l[2])]);
    else if (isRecord(l) && 'id' in l) map.set(Number(l.id), [String(l.origin_id), Number(l.origin_slot)]);
  }
  return map;
}

function widgetNames(node: WorkflowNode): string[] {
  const known = WIDGETS[node.type];
  if (known) return known;
  return (node.inputs ?? []).filter((i) => i.widget?.name).map((i) => i.widget!.name);
}

/** Converts a UI workflow into the API graph shape (`{ id: { class_type, inputs } }`). */
export function workflowToApi(workflow: { nodes: unknown[]; links?: unknown[] }, maxNodes = 20_000): Record<string, unknown> {
  const links = linkMap(workflow);
  const api: Record<string, unknown> = {};
  for (const raw of workflow.nodes.slice(0, maxNodes)) {
    if (!isRecord(raw) || typeof raw.type !== 'string') continue;
    const node = raw as unknown as WorkflowNode;
    if (node.mode !== undefined && MUTED_MODES.has(node.mode)) continue;
    const inputs: Record<string, unknown> = {};
    const values = node.widgets_values;
    if (Array.isArray(values)) {
      const names = widgetNames(node);
      let v = 0;
      for (const name of names) {
        if (v >= values.length) break;
        if (name === 'control_after_generate') {
          if (typeof values[v] === 'string' && CONTROL_VALUES.has(values[v] as string)) v++;
          continue;
        }
        inputs[name] = values[v++];
        // Frontends insert a control value after seed widgets that `inputs` does not list.
        if (/seed/.test(name) && typeof values[v] === 'string' && CONTROL_VALUES.has(values[v] as string) && !names.includes('control_after_generate')) v++;
      }
    } else if (isRecord(values)) {
      Object.assign(inputs, values);
    }
    for (const input of node.inputs ?? []) {
      if (input.link !== null && input.link !== undefined && links.has(input.link)) inputs[input.name] = links.get(input.link);
    }
    api[String(node.id)] = { class_type: node.type, inputs, _meta: { title: node.title ?? node.type } };
  }
  return api;
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
