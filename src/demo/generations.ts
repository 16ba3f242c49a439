/**
 * Deterministic, realistic generation parameters for the demo library and benchmarks, with the
 * metadata text A1111 and ComfyUI would write for them.
 */

export interface Generation {
  index: number;
  tool: 'a1111' | 'comfyui';
  subject: string;
  setting: string;
  style: string;
  color: string;
  prompt: string;
  negative: string;
  seed: number;
  steps: number;
  cfg: number;
  sampler: string;
  scheduler: string;
  model: string;
  modelHash: string;
  lora: { name: string; weight: number } | null;
  width: number;
  height: number;
  day: string;
}

const SUBJECTS = ['a red-haired knight', 'a cat', 'a lighthouse', 'a castle', 'a fox', 'an astronaut', 'a dragon', 'a sailing ship', 'a cozy cabin', 'a robot', 'a samurai', 'an owl', 'a city skyline', 'a forest spirit', 'a witch', 'a mountain temple'];
const SETTINGS = ['in the rain', 'at sunset', 'under the stars', 'in a snowy forest', 'on a misty lake', 'in a neon city', 'in a desert', 'in autumn woods'];
const STYLES = ['oil painting', 'watercolor', 'digital art', 'anime style', 'photorealistic', 'pixel art', 'concept art', 'ukiyo-e'];
export const COLORS: Record<string, [number, number, number]> = {
  red: [200, 40, 40],
  blue: [40, 80, 210],
  green: [40, 160, 70],
  golden: [220, 170, 40],
  purple: [130, 50, 180],
  orange: [240, 120, 30],
  teal: [30, 150, 150],
  pink: [230, 100, 170],
};
const MODELS: [string, string][] = [
  ['dreamshaperXL_v21', '4496b36d48'],
  ['juggernautXL_v9', 'c9e3e68f89'],
  ['ponyDiffusionV6XL', '67ab2fd8ec'],
  ['sd_xl_base_1.0', '31e35c80fc'],
];
const A1111_SAMPLERS: [string, string][] = [
  ['DPM++ 2M', 'Karras'],
  ['Euler a', 'Automatic'],
  ['DPM++ SDE', 'Karras'],
  ['DDIM', 'Automatic'],
];
const COMFY_SAMPLERS: [string, string][] = [
  ['euler_ancestral', 'normal'],
  ['dpmpp_2m', 'karras'],
  ['dpmpp_2m_sde', 'exponential'],
  ['euler', 'simple'],
];
const LORAS = ['add_detail', 'film_grain_style', 'watercolor_v2'];
const NEGATIVE = 'lowres, bad anatomy, bad hands, blurry, watermark, signature, jpeg artifacts';
const SIZES: [number, number][] = [
  [512, 512],
  [512, 768],
  [768, 512],
];

/** Small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, list: T[]): T => list[Math.floor(r() * list.length)];

export function makeGeneration(index: number, startDay = '2024-05-01', days = 24): Generation {
  const r = rng(index * 7919 + 17);
  const tool = r() < 0.55 ? 'a1111' : 'comfyui';
  const subject = pick(r, SUBJECTS);
  const setting = pick(r, SETTINGS);
  const style = pick(r, STYLES);
  const color = pick(r, Object.keys(COLORS));
  const [model, modelHash] = pick(r, MODELS);
  const [sampler, scheduler] = pick(r, tool === 'a1111' ? A1111_SAMPLERS : COMFY_SAMPLERS);
  const lora = r() < 0.4 ? { name: pick(r, LORAS), weight: Math.round((0.4 + r() * 0.6) * 100) / 100 } : null;
  const [width, height] = pick(r, SIZES);
  const day = new Date(Date.parse(`${startDay}T00:00:00Z`) + Math.floor(r() * days) * 86_400_000).toISOString().slice(0, 10);
  const emphasis = tool === 'a1111' ? '(masterpiece:1.2), best quality' : 'masterpiece, best quality';
  const loraText = lora && tool === 'a1111' ? `, <lora:${lora.name}:${lora.weight}>` : '';
  const prompt = `${emphasis}, ${subject}, ${setting}, ${color} color palette, ${style}, highly detailed${loraText}`;
  return {
    index,
    tool,
    subject,
    setting,
    style,
    color,
    prompt,
    negative: NEGATIVE,
    seed: Math.floor(r() * 4_294_967_295),
    steps: pick(r, [20, 25, 28, 30, 35]),
    cfg: pick(r, [5, 6, 6.5, 7, 7.5]),
    sampler,
    scheduler,
    model,
    modelHash,
    lora,
    width,
    height,
    day,
  };
}

/** The infotext A1111 writes into the `parameters` chunk / EXIF UserComment. */
export function a1111Infotext(g: Generation): string {
  const params = [
    `Steps: ${g.steps}`,
    `Sampler: ${g.sampler}`,
    `Schedule type: ${g.scheduler}`,
    `CFG scale: ${g.cfg}`,
    `Seed: ${g.seed}`,
    `Size: ${g.width}x${g.height}`,
    `Model hash: ${g.modelHash}`,
    `Model: ${g.model}`,
    ...(g.lora ? [`Lora hashes: "${g.lora.name}: ${g.modelHash.slice(0, 6)}${g.lora.name.length}"`] : []),
    'Version: v1.10.1',
  ];
  return `${g.prompt}\nNegative prompt: ${g.negative}\n${params.join(', ')}`;
}

/** The API graph ComfyUI writes into the `prompt` chunk. */
export function comfyPrompt(g: Generation): Record<string, unknown> {
  const modelSource = g.lora ? ['10', 0] : ['4', 0];
  const clipSource = g.lora ? ['10', 1] : ['4', 1];
  const graph: Record<string, unknown> = {
    '3': {
      class_type: 'KSampler',
      inputs: { seed: g.seed, steps: g.steps, cfg: g.cfg, sampler_name: g.sampler, scheduler: g.scheduler, denoise: 1, model: modelSource, positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0] },
    },
    '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: `${g.model}.safetensors` } },
    '5': { class_type: 'EmptyLatentImage', inputs: { width: g.width, height: g.height, batch_size: 1 } },
    '6': { class_type: 'CLIPTextEncode', inputs: { text: g.prompt, clip: clipSource } },
    '7': { class_type: 'CLIPTextEncode', inputs: { text: g.negative, clip: clipSource } },
    '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
    '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'ComfyUI', images: ['8', 0] } },
  };
  if (g.lora) {
    graph['10'] = { class_type: 'LoraLoader', inputs: { lora_name: `${g.lora.name}.safetensors`, strength_model: g.lora.weight, strength_clip: g.lora.weight, model: ['4', 0], clip: ['4', 1] } };
  }
  return graph;
}

/** A minimal UI workflow matching comfyPrompt (what the `workflow` chunk holds). */
export function comfyWorkflow(g: Generation): Record<string, unknown> {
  const links: [number, number, number, number, number, string][] = [];
  const nodes = Object.entries(comfyPrompt(g)).map(([id, n]) => {
    const node = n as { class_type: string; inputs: Record<string, unknown> };
    const widgets: unknown[] = [];
    const inputs: { name: string; type: string; link: number }[] = [];
    for (const [name, v] of Object.entries(node.inputs)) {
      if (Array.isArray(v)) {
        const linkId = links.length + 1;
        links.push([linkId, Number(v[0]), Number(v[1]), Number(id), inputs.length, name.toUpperCase()]);
        inputs.push({ name, type: name.toUpperCase(), link: linkId });
        continue;
      }
      widgets.push(v);
      if (name === 'seed') widgets.push('randomize'); // the UI's control_after_generate widget
    }
    return { id: Number(id), type: node.class_type, mode: 0, inputs, widgets_values: widgets };
  });
  return { last_node_id: 10, last_link_id: links.length, nodes, links, version: 0.4 };
}
