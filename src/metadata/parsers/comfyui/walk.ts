/**
 * Walks a ComfyUI API graph from its samplers: which sampler made the saved image, its prompts
 * (through conditioning combine/concat/area/controlnet nodes), checkpoint (through LoRA loaders and
 * model patches), seed/steps/cfg/sampler/scheduler (also when split over SamplerCustomAdvanced's
 * noise/guider/sampler/sigmas nodes) and latent size.
 */
import type { LoraRef, SamplerStage } from '../../types.js';
import { toInt, toNumber, toSeed, parseSize } from '../../values.js';
import { Graph, GraphNode, isLink, Link, linkTarget, resolveScalar, resolveText } from './graph.js';

const SAMPLER_CLASS = /sampler|detailer|sdupscale|ksampler/i;
const NOT_SAMPLER_CLASS = /select|scheduler|loader|guider|noise|sigmas/i;
const OUTPUT_CLASS = /save|preview|output/i;
const ZERO_CONDITIONING_CLASS = /zero.?out|uncond.?zero/i;
const MODEL_NAME_KEYS = ['ckpt_name', 'unet_name', 'base_ckpt_name', 'gguf_name', 'model_path', 'checkpoint', 'diffusion_model', 'model_name'];
const NON_CONDITIONING_INPUTS = /^(clip|model|vae|control_net|image|images|mask|pixels|samples|latent|latent_image|upscale_model|style_model|clip_vision|gligen|noise|sampler|sigmas)$/i;
const SCHEDULER_CLASS_NAMES: Record<string, string> = {
  KarrasScheduler: 'karras',
  ExponentialScheduler: 'exponential',
  PolyexponentialScheduler: 'polyexponential',
  AlignYourStepsScheduler: 'align_your_steps',
  BetaSamplingScheduler: 'beta',
  LaplaceScheduler: 'laplace',
  VPScheduler: 'vp',
  SDTurboScheduler: 'sd_turbo',
  GITSScheduler: 'gits',
  LTXVScheduler: 'ltxv',
  OptimalStepsScheduler: 'optimal_steps',
};

export interface WalkedSampler extends SamplerStage {
  loras: LoraRef[];
  modelNode: string | null;
  sizeNode: string | null;
  promptNodes: string[];
  guidance: number | null;
}

export function isSamplerNode(node: GraphNode): boolean {
  const i = node.inputs;
  if ('sampler_name' in i && 'steps' in i && 'cfg' in i) return true;
  if (!SAMPLER_CLASS.test(node.class_type) || NOT_SAMPLER_CLASS.test(node.class_type)) return false;
  return ('positive' in i || 'guider' in i) && ('latent_image' in i || 'image' in i || 'noise' in i || 'seed' in i);
}

function linkedNode(graph: Graph, value: unknown): GraphNode | undefined {
  return isLink(value) ? graph.get(linkTarget(value)) : undefined;
}

/** Collects prompt texts reachable from a conditioning input, in wiring order. */
function conditioningTexts(graph: Graph, link: unknown, role: 'positive' | 'negative', out: { texts: string[]; nodes: string[] }, seen: Set<string>, depth = 0): void {
  const node = linkedNode(graph, link);
  if (!node || seen.has(node.id) || depth > 64 || !graph.spend()) return;
  seen.add(node.id);
  if (ZERO_CONDITIONING_CLASS.test(node.class_type)) return;
  const text = resolveText(graph, node.id);
  if (text) {
    if (!out.texts.includes(text)) out.texts.push(text);
    out.nodes.push(node.id);
    return;
  }
  const links = graph.linkInputs(node);
  // Nodes that carry both roles (ControlNetApplyAdvanced, guiders) continue only on the matching one.
  const hasBoth = links.some(([k]) => k === 'positive') && links.some(([k]) => k === 'negative');
  for (const [name, l] of links) {
    if (NON_CONDITIONING_INPUTS.test(name)) continue;
    if (hasBoth && (name === 'positive' || name === 'negative') && name !== role) continue;
    conditioningTexts(graph, l, role, out, seen, depth + 1);
  }
}

interface ModelTrace {
  model: string | null;
  node: string | null;
  loras: LoraRef[];
}

function lorasOf(node: GraphNode, graph: Graph): LoraRef[] {
  const i = node.inputs;
  const out: LoraRef[] = [];
  const name = resolveScalar(graph, i.lora_name);
  if (typeof name === 'string' && name !== 'None') {
    out.push({ name, weight: toNumber(resolveScalar(graph, i.strength_model ?? i.strength ?? i.lora_strength ?? i.model_weight)) });
  }
  for (const [key, value] of Object.entries(i)) {
    // rgthree Power Lora Loader: lora_1: { on, lora, strength }
    if (/^lora_\d+$/.test(key) && value && typeof value === 'object' && !Array.isArray(value)) {
      const v = value as Record<string, unknown>;
      if (v.on !== false && typeof v.lora === 'string' && v.lora !== 'None') out.push({ name: v.lora, weight: toNumber(v.strength) });
    }
    // Stack nodes: lora_name_1 / switch_1 / model_weight_1, lora_01 / strength_01.
    const m = /^lora(?:_name)?_(\d+)$/.exec(key);
    if (m && typeof value === 'string' && value !== 'None') {
      const n = m[1];
      const sw = i[`switch_${n}`] ?? i[`lora_${n}_on`];
      if (sw === 'Off' || sw === false) continue;
      out.push({ name: value, weight: toNumber(i[`model_weight_${n}`] ?? i[`strength_${n}`] ?? i[`lora_wt_${n}`] ?? i[`strength_model_${n}`]) });
    }
  }
  return out;
}

/** Follows a MODEL input upstream to its loader, collecting LoRA loaders (and stacks) on the way. */
function traceModel(graph: Graph, link: unknown, seen = new Set<string>(), depth = 0): ModelTrace {
  const result: ModelTrace = { model: null, node: null, loras: [] };
  const node = linkedNode(graph, link);
  if (!node || seen.has(node.id) || depth > 64 || !graph.spend()) return result;
  seen.add(node.id);
  result.loras.push(...lorasOf(node, graph));
  if (!('lora_name' in node.inputs)) {
    for (const key of MODEL_NAME_KEYS) {
      const v = resolveScalar(graph, node.inputs[key]);
      if (typeof v === 'string' && v) {
        result.model = v;
        result.node = node.id;
        return result;
      }
    }
  }
  // LoRA stacks arrive through a lora_stack link.
  for (const [name, l] of graph.linkInputs(node)) {
    if (/lora_stack/i.test(name)) {
      const stack = linkedNode(graph, l);
      if (stack && !seen.has(stack.id)) result.loras.push(...lorasOf(stack, graph));
    }
  }
  const order = ['model', 'model1', 'base_model', 'unet', 'on_true', 'on_false'];
  const links = graph.linkInputs(node).filter(([name]) => !/lora_stack|clip|vae|image|latent|cond|positive|negative/i.test(name));
  links.sort((a, b) => rank(order, a[0]) - rank(order, b[0]));
  for (const [, l] of links) {
    const up = traceModel(graph, l, seen, depth + 1);
    if (up.model || up.loras.length) {
      result.model = up.model;
      result.node = up.node;
      result.loras.push(...up.loras);
      if (up.model) return result;
    }
  }
  return result;
}

function rank(order: string[], name: string): number {
  const i = order.indexOf(name);
  return i < 0 ? order.length : i;
}

/** Follows a LATENT input upstream to the node that sets the size (EmptyLatentImage and kin). */
function traceSize(graph: Graph, link: unknown, seen = new Set<string>(), depth = 0): { width: number; height: number; node: string } | null {
  const node = linkedNode(graph, link);
  if (!node || seen.has(node.id) || depth > 32 || !graph.spend()) return null;
  seen.add(node.id);
  if (isSamplerNode(node)) return null;
  const w = toInt(resolveScalar(graph, node.inputs.width));
  const h = toInt(resolveScalar(graph, node.inputs.height));
  if (w && h && w > 0 && h > 0) return { width: w, height: h, node: node.id };
  const dims = parseSize(resolveScalar(graph, node.inputs.dimensions ?? node.inputs.resolution));
  if (dims) return { width: dims[0], height: dims[1], node: node.id };
  for (const [name, l] of graph.linkInputs(node)) {
    // Through latent ops, and through VAEEncode to the image it encodes (img2img from a resized image).
    if (/latent|samples|^a$|source|pixels|^image$/i.test(name)) {
      const r = traceSize(graph, l, seen, depth + 1);
      if (r) return r;
    }
  }
  return null;
}

export function walkSampler(graph: Graph, node: GraphNode): WalkedSampler {
  const i = node.inputs;
  const noise = linkedNode(graph, i.noise);
  const guider = linkedNode(graph, i.guider);
  const samplerSel = linkedNode(graph, i.sampler);
  const sigmas = linkedNode(graph, i.sigmas);

  const seed = toSeed(resolveScalar(graph, i.seed ?? i.noise_seed) ?? (noise ? resolveScalar(graph, noise.inputs.noise_seed ?? noise.inputs.seed) : undefined));
  const steps = toInt(resolveScalar(graph, i.steps) ?? (sigmas ? resolveScalar(graph, sigmas.inputs.steps) : undefined));
  const cfg = toNumber(resolveScalar(graph, i.cfg) ?? (guider ? resolveScalar(graph, guider.inputs.cfg) : undefined));
  const samplerName = resolveScalar(graph, i.sampler_name) ?? (samplerSel ? resolveScalar(graph, samplerSel.inputs.sampler_name) ?? samplerSel.class_type : undefined);
  const scheduler =
    resolveScalar(graph, i.scheduler) ??
    (sigmas ? resolveScalar(graph, sigmas.inputs.scheduler) ?? SCHEDULER_CLASS_NAMES[sigmas.class_type] ?? sigmas.class_type : undefined);
  const denoise = toNumber(resolveScalar(graph, i.denoise) ?? (sigmas ? resolveScalar(graph, sigmas.inputs.denoise) : undefined));

  // Conditioning lives on the sampler, or on its guider (CFGGuider: positive/negative, BasicGuider: conditioning).
  const condHost = guider ?? node;
  const positiveLink = condHost.inputs.positive ?? condHost.inputs.conditioning ?? condHost.inputs.cond1;
  const negativeLink = condHost.inputs.negative ?? condHost.inputs.cond2;
  const pos = { texts: [] as string[], nodes: [] as string[] };
  const neg = { texts: [] as string[], nodes: [] as string[] };
  conditioningTexts(graph, positiveLink, 'positive', pos, new Set());
  if (negativeLink !== undefined) conditioningTexts(graph, negativeLink, 'negative', neg, new Set());
  let guidance: number | null = null;
  for (const id of [...new Set([positiveLink].filter(isLink).map((l) => linkTarget(l as Link)))]) {
    const g = graph.get(id);
    if (g && 'guidance' in g.inputs) guidance = toNumber(resolveScalar(graph, g.inputs.guidance));
  }

  const model = traceModel(graph, i.model ?? guider?.inputs.model);
  const size = traceSize(graph, i.latent_image ?? i.latent);
  return {
    node: node.id,
    class_type: node.class_type,
    sampler: typeof samplerName === 'string' ? samplerName : null,
    scheduler: typeof scheduler === 'string' ? scheduler : null,
    seed,
    steps,
    cfg,
    denoise,
    model: model.model,
    prompt: joinTexts(pos.texts),
    negative_prompt: negativeLink === undefined ? null : (joinTexts(neg.texts) ?? ''),
    width: size?.width ?? null,
    height: size?.height ?? null,
    loras: dedupeLoras(model.loras),
    modelNode: model.node,
    sizeNode: size?.node ?? null,
    promptNodes: pos.nodes,
    guidance,
  };
}

/** One text stays verbatim; several (combined/concatenated conditioning) are trimmed and joined by lines. */
function joinTexts(texts: string[]): string | null {
  if (texts.length === 0) return null;
  if (texts.length === 1) return texts[0];
  return texts.map((t) => t.trim()).join('\n');
}

export function dedupeLoras(loras: LoraRef[]): LoraRef[] {
  const seen = new Set<string>();
  return loras.filter((l) => (seen.has(l.name) ? false : (seen.add(l.name), true)));
}

/** Samplers upstream of a node (through any input), nearest first. */
function upstreamSamplers(graph: Graph, start: GraphNode, limit = 5000): GraphNode[] {
  const found: GraphNode[] = [];
  const seen = new Set<string>([start.id]);
  const queue: GraphNode[] = [start];
  let visits = 0;
  while (queue.length && visits++ < limit && graph.spend()) {
    const node = queue.shift()!;
    for (const [, l] of graph.linkInputs(node)) {
      const up = graph.get(linkTarget(l));
      if (!up || seen.has(up.id)) continue;
      seen.add(up.id);
      if (isSamplerNode(up)) found.push(up);
      queue.push(up);
    }
  }
  return found;
}

export interface GraphSummary {
  main: WalkedSampler | null;
  stages: WalkedSampler[];
}

/**
 * The main sampler is the first stage of the chain that produced the saved image: start at the
 * save node (a preview only when nothing is saved), find the samplers above it, and take the one
 * with no sampler above itself (the base pass, not the hires/upscale/detailer passes).
 */
export function summarizeGraph(graph: Graph): GraphSummary {
  const all = [...graph.nodes.values()];
  const samplers = all.filter(isSamplerNode);
  if (samplers.length === 0) return { main: null, stages: [] };
  const outputs = all.filter((n) => OUTPUT_CLASS.test(n.class_type) && ('images' in n.inputs || 'image' in n.inputs));
  const saves = outputs.filter((n) => !/preview/i.test(n.class_type));
  const primary = saves[0] ?? outputs[0];

  let chain: GraphNode[] = primary ? upstreamSamplers(graph, primary) : [];
  if (chain.length === 0) chain = samplers;
  const samplerIds = new Set(samplers.map((s) => s.id));
  const roots = chain.filter((s) => !upstreamSamplers(graph, s).some((u) => samplerIds.has(u.id)));
  const mainNode = roots.length ? roots.sort((a, b) => all.indexOf(a) - all.indexOf(b))[0] : chain[chain.length - 1];

  // Stage order: upstream first (fewest samplers above).
  const depthOf = new Map(chain.map((s) => [s.id, upstreamSamplers(graph, s).filter((u) => samplerIds.has(u.id)).length]));
  const orderedChain = [...chain].sort((a, b) => depthOf.get(a.id)! - depthOf.get(b.id)! || all.indexOf(a) - all.indexOf(b));
  const others = samplers.filter((s) => !chain.includes(s));
  const stages = [...orderedChain, ...others].map((s) => walkSampler(graph, s));
  const main = stages.find((s) => s.node === mainNode.id) ?? stages[0];
  return { main, stages };
}
