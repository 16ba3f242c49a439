/**
 * ComfyUI API graph ("prompt" chunk): `{ nodeId: { class_type, inputs: { name: value | [srcId, slot] } } }`.
 * Value resolution through primitive, switch, reroute and string nodes lives here; the walk that
 * finds samplers, prompts and models is in walk.ts.
 */
import { isRecord } from '../../values.js';

export type Link = [string, number];

export interface GraphNode {
  id: string;
  class_type: string;
  inputs: Record<string, unknown>;
  title?: string;
}

export class Graph {
  readonly nodes = new Map<string, GraphNode>();
  /** Node id → input name → link id in the UI workflow; orders a node's inputs the way the user wired them. */
  linkOrder = new Map<string, Map<string, number>>();
  /** Visits left for this graph; every walk spends from it so a hostile graph stays bounded. */
  budget = 200_000;

  static fromJson(json: unknown, maxNodes = 20_000): Graph | null {
    if (!isRecord(json)) return null;
    const graph = new Graph();
    for (const [id, raw] of Object.entries(json)) {
      if (graph.nodes.size >= maxNodes) break;
      if (!isRecord(raw) || typeof raw.class_type !== 'string') continue;
      const inputs = isRecord(raw.inputs) ? raw.inputs : {};
      const meta = isRecord(raw._meta) ? raw._meta : {};
      graph.nodes.set(id, { id, class_type: raw.class_type, inputs, title: typeof meta.title === 'string' ? meta.title : undefined });
    }
    return graph.nodes.size ? graph : null;
  }

  get(id: string): GraphNode | undefined {
    return this.nodes.get(id);
  }

  spend(): boolean {
    return this.budget-- > 0;
  }

  /** Link inputs of a node as [name, link], in workflow wiring order when known, else declaration order. */
  linkInputs(node: GraphNode): [string, Link][] {
    const links = Object.entries(node.inputs).filter((e): e is [string, Link] => isLink(e[1]));
    const order = this.linkOrder.get(node.id);
    if (order) links.sort((a, b) => (order.get(a[0]) ?? Infinity) - (order.get(b[0]) ?? Infinity));
    return links;
  }
}

export function isLink(value: unknown): value is Link {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    (typeof value[0] === 'string' || typeof value[0] === 'number') &&
    typeof value[1] === 'number'
  );
}

export const linkTarget = (link: Link): string => String(link[0]);

const SWITCH_CLASSES = /switch|if.?else/i;
const OPAQUE_TEXT_CLASSES = /^TextGenerate$|LLM|Ollama|Florence|Joy.?Caption|WD14|Tagger/i;
/** Inputs that hold a node's scalar output, for primitive-like nodes, in preference order. */
const SCALAR_KEYS = ['value', 'seed', 'noise_seed', 'int', 'float', 'number', 'string', 'text', 'Text', 'boolean', 'INT', 'FLOAT', 'STRING'];

function selectedBranches(node: GraphNode, graph: Graph, depth: number): unknown[] {
  const sw = resolveScalar(graph, node.inputs.switch ?? node.inputs.boolean ?? node.inputs.condition, depth + 1);
  const onTrue = node.inputs.on_true ?? node.inputs.true ?? node.inputs.input_true;
  const onFalse = node.inputs.on_false ?? node.inputs.false ?? node.inputs.input_false;
  return sw === false ? [onFalse, onTrue] : [onTrue, onFalse];
}

/**
 * Resolves an input value that may be a link to a primitive/seed/switch node, to a scalar
 * (number, string, boolean). Returns undefined when the chain ends somewhere runtime-only.
 */
export function resolveScalar(graph: Graph, value: unknown, depth = 0): string | number | boolean | undefined {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (!isLink(value) || depth > 32 || !graph.spend()) return undefined;
  const node = graph.get(linkTarget(value));
  if (!node) return undefined;
  if (SWITCH_CLASSES.test(node.class_type)) {
    for (const branch of selectedBranches(node, graph, depth)) {
      const v = resolveScalar(graph, branch, depth + 1);
      if (v !== undefined) return v;
    }
    return undefined;
  }
  for (const key of SCALAR_KEYS) {
    if (key in node.inputs) {
      const v = resolveScalar(graph, node.inputs[key], depth + 1);
      if (v !== undefined) return v;
    }
  }
  // Reroute-style pass-through: a single linked input.
  const links = graph.linkInputs(node);
  if (links.length === 1) return resolveScalar(graph, links[0][1], depth + 1);
  return undefined;
}

/** Inputs that hold prompt text, in preference order (CLIPTextEncode, SDXL, Flux, rgthree, ComfyRoll…). */
const TEXT_KEYS = ['text', 'prompt', 'Text', 'prompt_text', 'text_g', 'text_l', 't5xxl', 'clip_l', 'string', 'value', 'positive_prompt', 'wildcard_text', 'populated_text'];
const STRING_JOIN_KEYS = /^(string|text)_?([a-z]|\d+)$/i;

/**
 * Text produced by a node (following links through primitives, switches, string concatenation,
 * show-text and reroute nodes). Runtime-only producers (LLM prompt generators) yield ''.
 */
export function resolveText(graph: Graph, nodeId: string, depth = 0, seen = new Set<string>()): string {
  if (depth > 32 || seen.has(nodeId) || !graph.spend()) return '';
  const node = graph.get(nodeId);
  if (!node) return '';
  seen.add(nodeId);
  if (OPAQUE_TEXT_CLASSES.test(node.class_type)) return '';
  const follow = (value: unknown): string => {
    if (typeof value === 'string') return value;
    if (isLink(value)) return resolveText(graph, linkTarget(value), depth + 1, seen);
    return '';
  };
  if (SWITCH_CLASSES.test(node.class_type)) {
    for (const branch of selectedBranches(node, graph, depth)) {
      const t = follow(branch);
      if (t) return t;
    }
    return '';
  }
  // String concatenation nodes: string_a + delimiter + string_b (+ …).
  const parts = Object.keys(node.inputs).filter((k) => STRING_JOIN_KEYS.test(k));
  if (parts.length >= 2 && /concat|join|combine|append/i.test(node.class_type)) {
    const delimiter = typeof node.inputs.delimiter === 'string' ? node.inputs.delimiter : typeof node.inputs.separator === 'string' ? node.inputs.separator : '';
    return parts.map((k) => follow(node.inputs[k])).filter(Boolean).join(delimiter);
  }
  const texts: string[] = [];
  for (const key of TEXT_KEYS) {
    if (!(key in node.inputs)) continue;
    const t = follow(node.inputs[key]);
    if (t && !texts.includes(t)) texts.push(t);
    // SDXL / Flux encoders carry two texts; other nodes have one text input.
    if (texts.length && !['text_g', 'text_l', 't5xxl', 'clip_l'].includes(key)) break;
  }
  if (texts.length) return texts.join('\n');
  // Display nodes pass their source through, or cache the shown text (ShowText|pysssss: text_0).
  for (const key of ['source', 'anything', 'input']) {
    if (key in node.inputs) {
      const t = follow(node.inputs[key]);
      if (t) return t;
    }
  }
  if (typeof node.inputs.text_0 === 'string') return node.inputs.text_0;
  // Reroute-style pass-through of a single STRING link.
  const links = graph.linkInputs(node);
  if (links.length === 1 && (links[0][0] === '' || /reroute|pipe|anything/i.test(node.class_type))) return follow(links[0][1]);
  return '';
}
