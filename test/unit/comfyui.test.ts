import { describe, expect, it } from 'vitest';
import { recordOf } from '../support/records.js';
import { comfyPrompt, comfyWorkflow, makeGeneration } from '../../src/demo/generations.js';

const ckpt = { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sd_xl_base_1.0.safetensors' } };
const latent = { class_type: 'EmptyLatentImage', inputs: { width: 832, height: 1216, batch_size: 1 } };
const save = (from: string) => ({ class_type: 'SaveImage', inputs: { images: [from, 0], filename_prefix: 'ComfyUI' } });
const decode = (from: string) => ({ class_type: 'VAEDecode', inputs: { samples: [from, 0], vae: ['4', 2] } });

describe('ComfyUI graph walk', () => {
  it('follows the sampler to its prompts, checkpoint, LoRA chain and latent size', () => {
    const graph = {
      '3': { class_type: 'KSampler', inputs: { seed: 1234567890123, steps: 30, cfg: 6.5, sampler_name: 'dpmpp_2m', scheduler: 'karras', denoise: 1, model: ['11', 0], positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0] } },
      '4': ckpt,
      '5': latent,
      '6': { class_type: 'CLIPTextEncode', inputs: { text: 'a red fox, <lora:inline:0.3>', clip: ['11', 1] } },
      '7': { class_type: 'CLIPTextEncode', inputs: { text: 'blurry', clip: ['11', 1] } },
      '8': decode('3'),
      '9': save('8'),
      '10': { class_type: 'LoraLoader', inputs: { lora_name: 'detail.safetensors', strength_model: 0.7, strength_clip: 1, model: ['4', 0], clip: ['4', 1] } },
      '11': { class_type: 'LoraLoaderModelOnly', inputs: { lora_name: 'style/film.safetensors', strength_model: 0.4, model: ['10', 0] } },
    };
    const r = recordOf({ prompt: graph });
    expect(r.generator).toBe('comfyui');
    expect(r).toMatchObject({ prompt: 'a red fox, <lora:inline:0.3>', negative_prompt: 'blurry', seed: 1234567890123, steps: 30, cfg: 6.5, sampler: 'dpmpp_2m', scheduler: 'karras', model: 'sd_xl_base_1.0.safetensors', width: 832, height: 1216 });
    expect(r.loras).toEqual([
      { name: 'style/film.safetensors', weight: 0.4 },
      { name: 'detail.safetensors', weight: 0.7 },
      { name: 'inline', weight: 0.3 },
    ]);
    expect(r.provenance.seed).toBe('png:tEXt prompt › node 3 (KSampler).seed');
    expect(r.provenance.model).toContain('node 4 (CheckpointLoaderSimple)');
  });

  it('reads SamplerCustomAdvanced split over noise / guider / sampler / sigmas nodes (Flux)', () => {
    const graph = {
      '13': { class_type: 'SamplerCustomAdvanced', inputs: { noise: ['25', 0], guider: ['22', 0], sampler: ['16', 0], sigmas: ['17', 0], latent_image: ['27', 0] } },
      '25': { class_type: 'RandomNoise', inputs: { noise_seed: 972054013131368 } },
      '22': { class_type: 'BasicGuider', inputs: { model: ['30', 0], conditioning: ['26', 0] } },
      '26': { class_type: 'FluxGuidance', inputs: { guidance: 3.5, conditioning: ['6', 0] } },
      '6': { class_type: 'CLIPTextEncodeFlux', inputs: { clip_l: 'a lighthouse', t5xxl: 'a lighthouse at dawn, photo', guidance: 3.5, clip: ['11', 0] } },
      '16': { class_type: 'KSamplerSelect', inputs: { sampler_name: 'euler' } },
      '17': { class_type: 'BasicScheduler', inputs: { scheduler: 'simple', steps: 20, denoise: 1, model: ['30', 0] } },
      '27': { class_type: 'EmptySD3LatentImage', inputs: { width: 1024, height: 768, batch_size: 1 } },
      '30': { class_type: 'ModelSamplingFlux', inputs: { model: ['12', 0], max_shift: 1.15 } },
      '12': { class_type: 'UNETLoader', inputs: { unet_name: 'flux1-dev.safetensors', weight_dtype: 'default' } },
      '8': { class_type: 'VAEDecode', inputs: { samples: ['13', 0], vae: ['10', 0] } },
      '9': save('8'),
    };
    const r = recordOf({ prompt: graph });
    expect(r).toMatchObject({ prompt: 'a lighthouse at dawn, photo\na lighthouse', seed: 972054013131368, steps: 20, sampler: 'euler', scheduler: 'simple', model: 'flux1-dev.safetensors', width: 1024, height: 768 });
    expect(r.cfg).toBeNull();
    expect(r.extra.guidance).toBe(3.5);
  });

  it('joins SDXL dual text encoders, combined and concatenated conditioning, and routes ControlNet by role', () => {
    const graph = {
      '3': { class_type: 'KSampler', inputs: { seed: 1, steps: 20, cfg: 7, sampler_name: 'euler', scheduler: 'normal', denoise: 1, model: ['4', 0], positive: ['20', 0], negative: ['20', 1], latent_image: ['5', 0] } },
      '4': ckpt,
      '5': latent,
      '20': { class_type: 'ControlNetApplyAdvanced', inputs: { positive: ['12', 0], negative: ['7', 0], control_net: ['21', 0], image: ['22', 0], strength: 1 } },
      '12': { class_type: 'ConditioningCombine', inputs: { conditioning_1: ['6', 0], conditioning_2: ['13', 0] } },
      '13': { class_type: 'ConditioningConcat', inputs: { conditioning_to: ['14', 0], conditioning_from: ['15', 0] } },
      '6': { class_type: 'CLIPTextEncodeSDXL', inputs: { text_g: 'castle', text_l: 'castle, detailed', width: 1024, height: 1024, clip: ['4', 1] } },
      '14': { class_type: 'CLIPTextEncode', inputs: { text: 'sunset sky', clip: ['4', 1] } },
      '15': { class_type: 'ConditioningSetArea', inputs: { conditioning: ['16', 0], width: 64, height: 64, x: 0, y: 0, strength: 1 } },
      '16': { class_type: 'CLIPTextEncode', inputs: { text: 'a dragon', clip: ['4', 1] } },
      '7': { class_type: 'CLIPTextEncode', inputs: { text: 'lowres', clip: ['4', 1] } },
      '8': decode('3'),
      '9': save('8'),
    };
    const r = recordOf({ prompt: graph });
    expect(r.prompt).toBe('castle\ncastle, detailed\nsunset sky\na dragon');
    expect(r.negative_prompt).toBe('lowres');
  });

  it('resolves primitives, seed nodes, reroutes, string concatenation and switches', () => {
    const graph = {
      '3': { class_type: 'KSampler', inputs: { seed: ['40', 0], steps: ['41', 0], cfg: 5, sampler_name: 'euler', scheduler: ['42', 0], denoise: 1, model: ['4', 0], positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0] } },
      '4': ckpt,
      '5': { class_type: 'EmptyLatentImage', inputs: { width: ['43', 0], height: ['43', 0], batch_size: 1 } },
      '6': { class_type: 'CLIPTextEncode', inputs: { text: ['50', 0], clip: ['4', 1] } },
      '7': { class_type: 'CLIPTextEncode', inputs: { text: ['60', 0], clip: ['4', 1] } },
      '40': { class_type: 'CR Seed', inputs: { seed: 99 } },
      '41': { class_type: 'PrimitiveInt', inputs: { value: 24 } },
      '42': { class_type: 'PrimitiveString', inputs: { value: 'karras' } },
      '43': { class_type: 'PrimitiveInt', inputs: { value: 640 } },
      '50': { class_type: 'Reroute', inputs: { '': ['51', 0] } },
      '51': { class_type: 'StringConcatenate', inputs: { string_a: ['52', 0], string_b: 'in the rain', delimiter: ', ' } },
      '52': { class_type: 'PrimitiveStringMultiline', inputs: { value: 'a knight' } },
      '60': { class_type: 'ComfySwitchNode', inputs: { switch: ['61', 0], on_true: ['62', 0], on_false: ['63', 0] } },
      '61': { class_type: 'PrimitiveBoolean', inputs: { value: true } },
      '62': { class_type: 'TextGenerate', inputs: { prompt: 'You are a prompt engineer' } },
      '63': { class_type: 'PrimitiveStringMultiline', inputs: { value: 'ugly' } },
      '8': decode('3'),
      '9': save('8'),
    };
    const r = recordOf({ prompt: graph });
    expect(r).toMatchObject({ seed: 99, steps: 24, scheduler: 'karras', width: 640, height: 640, prompt: 'a knight, in the rain' });
    // The switch picks the LLM branch, whose output is never stored: fall back to the literal branch.
    expect(r.negative_prompt).toBe('ugly');
  });

  it('takes the base pass as the main sampler and lists every stage (hires fix)', () => {
    const graph = {
      '3': { class_type: 'KSampler', inputs: { seed: 1, steps: 25, cfg: 7, sampler_name: 'euler_ancestral', scheduler: 'normal', denoise: 1, model: ['4', 0], positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0] } },
      '4': ckpt,
      '5': latent,
      '6': { class_type: 'CLIPTextEncode', inputs: { text: 'castle', clip: ['4', 1] } },
      '7': { class_type: 'CLIPTextEncode', inputs: { text: 'bad', clip: ['4', 1] } },
      '10': { class_type: 'LatentUpscaleBy', inputs: { samples: ['3', 0], scale_by: 1.5, upscale_method: 'nearest-exact' } },
      '11': { class_type: 'KSampler', inputs: { seed: 2, steps: 12, cfg: 5, sampler_name: 'dpmpp_2m', scheduler: 'karras', denoise: 0.45, model: ['4', 0], positive: ['6', 0], negative: ['7', 0], latent_image: ['10', 0] } },
      '8': decode('11'),
      '9': save('8'),
      '20': { class_type: 'PreviewImage', inputs: { images: ['21', 0] } },
      '21': decode('3'),
    };
    const r = recordOf({ prompt: graph });
    expect(r).toMatchObject({ seed: 1, steps: 25, sampler: 'euler_ancestral', width: 832, height: 1216 });
    expect(r.samplers.map((s) => [s.node, s.denoise])).toEqual([
      ['3', 1],
      ['11', 0.45],
    ]);
    expect(r.samplers[1].width).toBeNull(); // the second pass starts from the first pass's latent
  });

  it('stays bounded on cyclic and very large graphs', () => {
    const cyclic = {
      '1': { class_type: 'KSampler', inputs: { seed: 5, steps: 10, cfg: 1, sampler_name: 'euler', scheduler: 'normal', model: ['2', 0], positive: ['2', 0], negative: ['3', 0], latent_image: ['3', 0] } },
      '2': { class_type: 'Reroute', inputs: { '': ['3', 0] } },
      '3': { class_type: 'Reroute', inputs: { '': ['2', 0] } },
      '9': save('1'),
    };
    expect(recordOf({ prompt: cyclic })).toMatchObject({ generator: 'comfyui', seed: 5, prompt: null, model: null });

    const big: Record<string, unknown> = { '9': save('0') };
    for (let i = 0; i < 10_000; i++) {
      big[String(i)] = { class_type: 'KSampler', inputs: { seed: i, steps: 1, cfg: 1, sampler_name: 'euler', scheduler: 'normal', model: [String(i + 1), 0], positive: [String(i + 1), 0], negative: [String(i + 1), 0], latent_image: [String(i + 1), 0] } };
    }
    // Bounded work, counted rather than timed: node lookups in the graph grow linearly with it.
    let lookups = 0;
    const count = <T extends object>(o: T): T => new Proxy(o, { get: (target, key, receiver) => (lookups++, Reflect.get(target, key, receiver)) });
    const counted = count(Object.fromEntries(Object.entries(big).map(([id, node]) => [id, count({ ...(node as object), inputs: count({ ...(node as { inputs: object }).inputs }) })])));
    const r = recordOf({ prompt: counted });
    expect(r.generator).toBe('comfyui');
    // ~14 per node today; walking the 10,000-node chain again from each node would be ~10^8.
    expect(lookups).toBeLessThan(50 * 10_000);
  });

  it('reads files that carry only the UI workflow', () => {
    const g = makeGeneration(7);
    const r = recordOf({ workflow: comfyWorkflow(g) });
    expect(r).toMatchObject({ generator: 'comfyui', prompt: g.prompt, negative_prompt: g.negative, seed: g.seed, steps: g.steps, cfg: g.cfg, sampler: g.sampler, scheduler: g.scheduler, model: `${g.model}.safetensors`, width: g.width, height: g.height });
    expect(r.extra.source).toBe('workflow');
  });

  it('flattens subgraphs and passes through bypassed nodes in a workflow-only file', () => {
    const sub = {
      id: 'aaaa-bbbb',
      nodes: [
        { id: 3, type: 'KSampler', mode: 0, inputs: [{ name: 'model', link: 1 }, { name: 'positive', link: 2 }, { name: 'negative', link: 3 }, { name: 'latent_image', link: 4 }], widgets_values: [42, true, 18, 5.5, 'euler', 'karras', 1] },
        { id: 6, type: 'CLIPTextEncode', mode: 0, inputs: [{ name: 'clip', link: null }, { name: 'text', link: 5 }], widgets_values: ['stale text'] },
        { id: 7, type: 'CLIPTextEncode', mode: 0, inputs: [{ name: 'clip', link: null }], widgets_values: ['ugly'] },
        { id: 5, type: 'EmptyLatentImage', mode: 0, inputs: [], widgets_values: [640, 960, 1] },
        { id: 8, type: 'VAEDecode', mode: 0, inputs: [{ name: 'samples', link: 6 }] },
        { id: 9, type: 'ModelSamplingDiscrete', mode: 4, inputs: [{ name: 'model', link: 7 }], widgets_values: ['eps', false] },
      ],
      links: [
        { id: 7, origin_id: -10, origin_slot: 0, target_id: 9, target_slot: 0 },
        { id: 1, origin_id: 9, origin_slot: 0, target_id: 3, target_slot: 0 },
        { id: 2, origin_id: 6, origin_slot: 0, target_id: 3, target_slot: 1 },
        { id: 3, origin_id: 7, origin_slot: 0, target_id: 3, target_slot: 2 },
        { id: 4, origin_id: 5, origin_slot: 0, target_id: 3, target_slot: 3 },
        { id: 5, origin_id: -10, origin_slot: 1, target_id: 6, target_slot: 1 },
        { id: 6, origin_id: 3, origin_slot: 0, target_id: 8, target_slot: 0 },
        { id: 8, origin_id: 8, origin_slot: 0, target_id: -20, target_slot: 0 },
      ],
    };
    const workflow = {
      nodes: [
        { id: 4, type: 'CheckpointLoaderSimple', mode: 0, widgets_values: ['dreamshaper_8.safetensors'] },
        { id: 12, type: 'PrimitiveStringMultiline', mode: 0, widgets_values: ['a castle in the clouds'] },
        { id: 30, type: 'aaaa-bbbb', mode: 0, inputs: [{ name: 'model', link: 10 }, { name: 'text', link: 11 }] },
        { id: 31, type: 'SaveImage', mode: 0, inputs: [{ name: 'images', link: 12 }], widgets_values: ['ComfyUI'] },
        { id: 40, type: 'KSampler', mode: 2, inputs: [], widgets_values: [1, true, 1, 1, 'euler', 'normal', 1] },
      ],
      links: [
        [10, 4, 0, 30, 0, 'MODEL'],
        [11, 12, 0, 30, 1, 'STRING'],
        [12, 30, 0, 31, 0, 'IMAGE'],
      ],
      definitions: { subgraphs: [sub] },
    };
    const r = recordOf({ workflow });
    expect(r).toMatchObject({ generator: 'comfyui', prompt: 'a castle in the clouds', negative_prompt: 'ugly', seed: 42, steps: 18, cfg: 5.5, sampler: 'euler', scheduler: 'karras', model: 'dreamshaper_8.safetensors', width: 640, height: 960 });
    expect(r.samplers.map((s) => s.node)).toEqual(['30:3']); // the muted sampler (mode 2) is gone
  });

  it('finds the graph in JPEG/WebP EXIF layouts of the ComfyUI save nodes', () => {
    const g = makeGeneration(3);
    const expected = { generator: 'comfyui', prompt: g.prompt, seed: g.seed, model: `${g.model}.safetensors` };
    const exif = (key: string, text: string) => [{ key, text, carrier: `jpeg:exif:${key}` }];
    expect(recordOf(exif('UserComment', JSON.stringify({ prompt: comfyPrompt(g), workflow: comfyWorkflow(g) })))).toMatchObject(expected);
    expect(recordOf([...exif('Make', `Prompt: ${JSON.stringify(comfyPrompt(g))}`), ...exif('ImageDescription', `Workflow: ${JSON.stringify(comfyWorkflow(g))}`)])).toMatchObject(expected);
    expect(recordOf([...exif('Model', `prompt:${JSON.stringify(comfyPrompt(g))}`), ...exif('Make', `workflow:${JSON.stringify(comfyWorkflow(g))}`)])).toMatchObject(expected);
    expect(recordOf(exif('UserComment', JSON.stringify(comfyPrompt(g))))).toMatchObject(expected);
  });

  it('keeps 64-bit seeds exact', () => {
    const graph = { '3': { class_type: 'KSampler', inputs: { seed: 0, steps: 1, cfg: 1, sampler_name: 'euler', scheduler: 'normal' } } };
    const text = JSON.stringify(graph).replace('"seed":0', '"seed":18446744073709551615');
    expect(recordOf({ prompt: text }).seed).toBe('18446744073709551615');
  });
});
