/**
 * One fixture per generator and carrier, written by our own code in each generator's format
 * (including the ones the corpus lacks: Midjourney, Easy Diffusion, original Fooocus, DALL·E JPEG).
 */
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { encode as cbor } from 'cborg';
import zlib from 'node:zlib';
import { recordOf } from '../support/records.js';
import { extractMetadata } from '../../src/metadata/extract.js';
import { addJpegJumbf, addJpegMetadata, addPngChunks, addPngText, addWebpMetadata, buildExif, embedStealth, jumbf, pngChunk } from '../../src/demo/embed.js';
import { solidImage } from '../support/fixtures.js';
import { comfyPrompt, makeGeneration } from '../../src/demo/generations.js';

const exifEntry = (key: string, text: string) => ({ key, text, carrier: `jpeg:exif:${key}` });

describe('NovelAI', () => {
  const comment = {
    prompt: '2girls, dancing',
    steps: 28,
    height: 1216,
    width: 832,
    scale: 5.5,
    seed: 123456,
    sampler: 'k_euler_ancestral',
    noise_schedule: 'karras',
    uc: 'lowres',
    v4_prompt: { caption: { base_caption: '2girls, dancing', char_captions: [{ char_caption: 'girl, red hair', centers: [{ x: 0.3, y: 0.5 }] }] } },
    v4_negative_prompt: { caption: { base_caption: 'lowres', char_captions: [{ char_caption: 'hat', centers: [] }] } },
  };
  const chunks = { Title: 'NovelAI generated image', Description: '2girls, dancing', Software: 'NovelAI', Source: 'NovelAI Diffusion V4.5 4BDE2A90', Comment: JSON.stringify(comment) };

  it('reads the PNG chunks, model from Source and v4 character prompts', () => {
    const r = recordOf(chunks);
    expect(r).toMatchObject({ generator: 'novelai', prompt: '2girls, dancing', negative_prompt: 'lowres', seed: 123456, steps: 28, cfg: 5.5, sampler: 'k_euler_ancestral', scheduler: 'karras', width: 832, height: 1216, model: 'NovelAI Diffusion V4.5', model_hash: '4BDE2A90' });
    expect(r.extra.characters).toEqual([{ prompt: 'girl, red hair', negative_prompt: 'hat', centers: [{ x: 0.3, y: 0.5 }] }]);
  });

  it('reads the WebP EXIF dictionary layout', () => {
    expect(recordOf([exifEntry('UserComment', JSON.stringify(chunks))])).toMatchObject({ generator: 'novelai', seed: 123456, prompt: '2girls, dancing' });
  });

  it('reads the hidden alpha-channel copy when the text chunks are gone', async () => {
    const { data, info } = await sharp({ create: { width: 64, height: 64, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 1 } } }).raw().toBuffer({ resolveWithObject: true });
    const stego = embedStealth(data, info.width, info.height, 4, JSON.stringify(chunks), 'stealth_pngcomp');
    const png = await sharp(stego, { raw: { width: 64, height: 64, channels: 4 } }).png().toBuffer();
    const r = await extractMetadata('nai.png', png);
    expect(r).toMatchObject({ generator: 'novelai', seed: 123456, prompt: '2girls, dancing' });
    expect(r.provenance.seed).toMatch(/^stealth:stealth_pngcomp/);
  });
});

describe('hidden LSB payloads', () => {
  const infotext = 'a fox\nNegative prompt: blurry\nSteps: 12, Sampler: Euler, CFG scale: 4, Seed: 99, Size: 64x64';
  it.each([
    ['stealth_pnginfo', 4],
    ['stealth_rgbinfo', 3],
    ['stealth_rgbcomp', 4],
  ] as const)('reads %s', async (mode, channels) => {
    const { data } = await sharp({ create: { width: 48, height: 80, channels, background: { r: 200, g: 100, b: 50, alpha: 1 } } }).raw().toBuffer({ resolveWithObject: true });
    const png = await sharp(embedStealth(data, 48, 80, channels, infotext, mode), { raw: { width: 48, height: 80, channels } }).png().toBuffer();
    const r = await extractMetadata('s.png', png);
    expect(r).toMatchObject({ generator: 'a1111', prompt: 'a fox', seed: 99, steps: 12 });
  });

  it('bounds a gzip bomb in a stealth payload', async () => {
    const side = 460;
    const { data } = await sharp({ create: { width: side, height: side, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 1 } } }).raw().toBuffer({ resolveWithObject: true });
    const bomb = zlib.gzipSync(Buffer.alloc(20 * 1024 * 1024), { level: 9 }); // 20 MB of zeros in ~20 KB
    const header = Buffer.concat([Buffer.from('stealth_pngcomp', 'latin1'), Buffer.alloc(4)]);
    header.writeUInt32BE(bomb.length * 8, 15);
    const bits = Buffer.from(data);
    let n = 0;
    for (const byte of Buffer.concat([header, bomb])) {
      for (let b = 7; b >= 0; b--, n++) {
        const x = Math.floor(n / side);
        const y = n % side;
        const i = (y * side + x) * 4 + 3;
        bits[i] = (bits[i] & 0xfe) | ((byte >> b) & 1);
      }
    }
    const png = await sharp(bits, { raw: { width: side, height: side, channels: 4 } }).png().toBuffer();
    const r = await extractMetadata('bomb.png', png);
    expect(r.error).toBeUndefined();
    expect(r.warnings.some((w) => /LSB payload unreadable/.test(w))).toBe(true);
  });
});

describe('InvokeAI', () => {
  it('reads invokeai_metadata (3.x+)', () => {
    const meta = { positive_prompt: 'castle', negative_prompt: 'ugly', width: 1024, height: 768, seed: 5, steps: 30, cfg_scale: 6.5, scheduler: 'dpmpp_2m_k', model: { name: 'juggernautXL', hash: 'blake3:abc' }, loras: [{ model: { name: 'detail' }, weight: 0.7 }], app_version: '5.6.0' };
    expect(recordOf({ invokeai_metadata: meta })).toMatchObject({ generator: 'invokeai', generator_version: '5.6.0', prompt: 'castle', negative_prompt: 'ugly', seed: 5, steps: 30, cfg: 6.5, sampler: 'dpmpp_2m_k', model: 'juggernautXL', model_hash: 'blake3:abc', width: 1024, height: 768, loras: [{ name: 'detail', weight: 0.7 }] });
  });

  it('reads sd-metadata (2.x) with the negative prompt in brackets', () => {
    const meta = { model: 'stable diffusion', model_weights: 'stable-diffusion-1.5', model_hash: 'cc6cb27103', app_id: 'invoke-ai/InvokeAI', app_version: '2.3.5', image: { prompt: [{ prompt: 'a lighthouse [fog, blur]', weight: 1 }], steps: 50, cfg_scale: 7.5, height: 512, width: 512, seed: 42, sampler: 'k_lms', type: 'txt2img' } };
    expect(recordOf({ 'sd-metadata': meta })).toMatchObject({ generator: 'invokeai', prompt: 'a lighthouse', negative_prompt: 'fog, blur', steps: 50, cfg: 7.5, seed: 42, sampler: 'k_lms', model: 'stable-diffusion-1.5', model_hash: 'cc6cb27103', width: 512 });
  });

  it('reads the Dream command line (1.x)', () => {
    expect(recordOf({ Dream: '"a cat [dog]" -s 40 -S 3456 -W 640 -H 448 -C 8.5 -A k_euler_a' })).toMatchObject({ generator: 'invokeai', prompt: 'a cat', negative_prompt: 'dog', steps: 40, seed: 3456, width: 640, height: 448, cfg: 8.5, sampler: 'k_euler_a' });
  });
});

describe('Fooocus family', () => {
  it('reads the Fooocus JSON scheme', () => {
    const meta = { adm_guidance: '(1.5, 0.8, 0.3)', base_model: 'juggernautXL_v8', base_model_hash: 'aeb7e9e689', full_prompt: ['a cat, cinematic'], guidance_scale: 4, loras: [['sd_xl_offset', 0.1, 'ff00']], negative_prompt: 'bad', performance: 'Speed', prompt: 'a cat', resolution: '(1152, 896)', sampler: 'dpmpp_2m_sde_gpu', scheduler: 'karras', seed: 777, sharpness: 2, steps: 30, styles: "['Fooocus V2']", version: 'Fooocus v2.5.5' };
    const r = recordOf({ parameters: meta, fooocus_scheme: 'fooocus' });
    expect(r).toMatchObject({ generator: 'fooocus', generator_version: 'Fooocus v2.5.5', prompt: 'a cat', negative_prompt: 'bad', seed: 777, steps: 30, cfg: 4, sampler: 'dpmpp_2m_sde_gpu', scheduler: 'karras', model: 'juggernautXL_v8', model_hash: 'aeb7e9e689', width: 1152, height: 896 });
    expect(r.loras).toEqual([{ name: 'sd_xl_offset', weight: 0.1, hash: 'ff00' }]);
    // Same JSON in a JPEG, flagged by Software
    expect(recordOf([exifEntry('UserComment', JSON.stringify(meta)), exifEntry('Software', 'Fooocus v2.5.5')]).generator).toBe('fooocus');
  });

  it('reads Fooocus A1111-scheme infotext as fooocus, RuinedFooocus and Fooocus-MRE JSON', () => {
    expect(recordOf({ parameters: 'a cat\nNegative prompt: bad\nSteps: 30, Sampler: DPM++ 2M SDE Karras, Seed: 1, Size: 1024x1024, Model: juggernaut, Version: Fooocus v2.5.5' }).generator).toBe('fooocus');
    expect(recordOf({ parameters: { Prompt: 'x', Negative: 'y', steps: 30, cfg: 8, width: 1024, height: 1024, seed: 2, sampler_name: 'euler', scheduler: 'karras', base_model_name: 'm.safetensors', software: 'RuinedFooocus' } })).toMatchObject({ generator: 'ruined-fooocus', prompt: 'x', negative_prompt: 'y', cfg: 8, model: 'm.safetensors' });
    expect(recordOf({ Comment: { prompt: 'x', negative_prompt: 'y', seed: 3, steps: 20, cfg: 7, sampler_name: 'dpmpp_2m', scheduler: 'karras', base_model: 'sd_xl', width: 1024, height: 1024, software: 'Fooocus-MRE v2.0.78.5' } })).toMatchObject({ generator: 'fooocus-mre', seed: 3, model: 'sd_xl' });
  });
});

describe('SwarmUI, Draw Things, Easy Diffusion, Midjourney, HF Space, Tensor.Art, Stability Matrix, Civitai, kohya', () => {
  it('SwarmUI: sui_image_params, with LoRAs', () => {
    const params = { sui_image_params: { prompt: 'a knight', negativeprompt: 'bad', model: 'juggernautXL', seed: 11, steps: 25, cfgscale: 6, width: 896, height: 1152, sampler: 'dpmpp_2m', scheduler: 'karras', loras: ['detail', 'style'], loraweights: ['0.6', '1'], swarm_version: '0.9.4' }, sui_models: [{ name: 'juggernautXL.safetensors', param: 'model', hash: '0xabc' }] };
    const r = recordOf([exifEntry('UserComment', JSON.stringify(params, null, 2))]);
    expect(r).toMatchObject({ generator: 'swarmui', generator_version: '0.9.4', prompt: 'a knight', negative_prompt: 'bad', seed: 11, steps: 25, cfg: 6, width: 896, height: 1152, sampler: 'dpmpp_2m', scheduler: 'karras', model: 'juggernautXL', model_hash: '0xabc' });
    expect(r.loras).toEqual([{ name: 'detail', weight: 0.6 }, { name: 'style', weight: 1 }]);
  });

  it('StableSwarmUI (older): backend-named sampler and scheduler, date inside the params, no sui_models', async () => {
    // Swarm writes Formatting.Indented JSON into the PNG `parameters` text chunk.
    const params = { sui_image_params: { prompt: 'a lighthouse, stormy sea', negativeprompt: 'blurry', images: 1, seed: 1180353530, steps: 30, cfgscale: 7, aspectratio: '1:1', width: 1024, height: 1024, model: 'OfficialStableDiffusion/sd_xl_base_1.0', comfyuisampler: 'dpmpp_2m_sde', comfyuischeduler: 'karras', swarm_version: '0.5.8.2', date: '2023-10-06', generation_time: '0.02 (prep) and 6.91 (gen) seconds' } };
    const png = addPngText(await solidImage('png', [9, 9, 9], 32, 32), [{ type: 'tEXt', key: 'parameters', text: JSON.stringify(params, null, 2) }]);
    const r = await extractMetadata('swarm-old.png', png);
    expect(r).toMatchObject({ generator: 'swarmui', generator_version: '0.5.8.2', prompt: 'a lighthouse, stormy sea', negative_prompt: 'blurry', seed: 1180353530, steps: 30, cfg: 7, sampler: 'dpmpp_2m_sde', scheduler: 'karras', model: 'OfficialStableDiffusion/sd_xl_base_1.0', width: 1024, height: 1024 });
    expect(r.extra).toMatchObject({ date: '2023-10-06', aspectratio: '1:1' });
  });

  it('Draw Things: XMP settings JSON', () => {
    const settings = { c: 'a robot, fish bowl head', uc: 'blurry', seed: 2050777441, steps: 26, scale: 3.5, sampler: 'Euler A Trailing', model: 'flux_1_dev_q8p.ckpt', size: '768x1024', lora: [{ model: 'machina_lora_f16.ckpt', weight: 0.8 }] };
    const r = recordOf([
      { key: 'xmp:CreatorTool', text: 'Draw Things', carrier: 'png:iTXt:xmp' },
      { key: 'exif:UserComment', text: JSON.stringify(settings), carrier: 'png:iTXt:xmp:exif:UserComment' },
      { key: 'dc:description', text: 'a robot, fish bowl head\nSteps: 26, Sampler: Euler A Trailing, Guidance Scale: 3.5, Seed: 2050777441, Size: 768x1024, Model: flux_1_dev_q8p.ckpt', carrier: 'png:iTXt:xmp:dc:description' },
    ]);
    expect(r).toMatchObject({ generator: 'drawthings', prompt: 'a robot, fish bowl head', negative_prompt: 'blurry', seed: 2050777441, steps: 26, cfg: 3.5, sampler: 'Euler A Trailing', model: 'flux_1_dev_q8p.ckpt', width: 768, height: 1024, loras: [{ name: 'machina_lora_f16.ckpt', weight: 0.8 }] });
  });

  it('Draw Things: a PNG with its XMP packet in iTXt, read end to end', async () => {
    // Draw Things (Swift, Apple's XMP core) writes one iTXt `XML:com.adobe.xmp`: the infotext-like
    // description in dc:description, the settings JSON in exif:UserComment, itself as CreatorTool.
    const settings = { c: 'a robot, fish bowl head', uc: 'blurry', seed: 2050777441, steps: 26, scale: 3.5, sampler: 'Euler A Trailing', model: 'flux_1_dev_q8p.ckpt', size: '768x1024', strength: 1, lora: [{ model: 'machina_lora_f16.ckpt', weight: 0.8 }] };
    const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    const alt = (t: string) => `<rdf:Alt><rdf:li xml:lang="x-default">${esc(t)}</rdf:li></rdf:Alt>`;
    const description = 'a robot, fish bowl head\nSteps: 26, Sampler: Euler A Trailing, Guidance Scale: 3.5, Seed: 2050777441, Size: 768x1024, Model: flux_1_dev_q8p.ckpt';
    const xmp = `<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 6.0.0"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"><dc:description>${alt(description)}</dc:description><exif:UserComment>${alt(JSON.stringify(settings))}</exif:UserComment><xmp:CreatorTool>Draw Things</xmp:CreatorTool></rdf:Description></rdf:RDF></x:xmpmeta>`;
    const png = addPngText(await solidImage('png', [9, 9, 9], 48, 64), [{ type: 'iTXt', key: 'XML:com.adobe.xmp', text: xmp }]);
    const r = await extractMetadata('drawthings.png', png);
    expect(r).toMatchObject({ generator: 'drawthings', prompt: 'a robot, fish bowl head', negative_prompt: 'blurry', seed: 2050777441, steps: 26, cfg: 3.5, sampler: 'Euler A Trailing', model: 'flux_1_dev_q8p.ckpt', width: 768, height: 1024, pixel_width: 48, pixel_height: 64, loras: [{ name: 'machina_lora_f16.ckpt', weight: 0.8 }] });
  });

  it('Easy Diffusion: one chunk per setting, and JSON', () => {
    const settings = { prompt: 'a cabin', negative_prompt: 'people', seed: '1234', use_stable_diffusion_model: 'sd-v1-5', sampler_name: 'euler_a', num_inference_steps: '25', guidance_scale: '7.5', width: '512', height: '768', use_lora_model: 'lora_a', lora_alpha: '0.5' };
    const expected = { generator: 'easydiffusion', prompt: 'a cabin', negative_prompt: 'people', seed: 1234, model: 'sd-v1-5', sampler: 'euler_a', steps: 25, cfg: 7.5, width: 512, height: 768, loras: [{ name: 'lora_a', weight: 0.5 }] };
    expect(recordOf(settings)).toMatchObject(expected);
    expect(recordOf([exifEntry('UserComment', JSON.stringify({ ...settings, seed: 1234 }))])).toMatchObject(expected);
  });

  it('Midjourney: prompt, flags and job id from the PNG Description', () => {
    const r = recordOf({ Description: 'a red fox in the snow, cinematic --ar 16:9 --v 6.1 --stylize 250 --no people, text Job ID: 3b5d3c2a-1a2b-4c3d-8e9f-0123456789ab', Author: 'someone' });
    expect(r).toMatchObject({ generator: 'midjourney', generator_version: '6.1', prompt: 'a red fox in the snow, cinematic', negative_prompt: 'people, text', model: 'Midjourney 6.1' });
    expect(r.extra).toMatchObject({ job_id: '3b5d3c2a-1a2b-4c3d-8e9f-0123456789ab', aspect_ratio: '16:9', stylize: 250, author: 'someone' });
    expect(recordOf({ Description: 'cute cat --niji 6 --ar 2:3 --style cute' })).toMatchObject({ generator: 'midjourney', model: 'Niji 6' });
  });

  it('Hugging Face Space, Tensor.Art and Stability Matrix JSON', () => {
    expect(recordOf({ parameters: { prompt: 'p', negative_prompt: 'n', resolution: '896 x 1152', guidance_scale: 5, num_inference_steps: 28, seed: 9, sampler: 'Euler a', Model: 'Animagine XL 4.0', 'Model hash': 'abc' } })).toMatchObject({ generator: 'hf-space', width: 896, height: 1152, cfg: 5, steps: 28, model: 'Animagine XL 4.0', model_hash: 'abc' });
    const g = makeGeneration(1);
    const tensor = recordOf({ generation_data: `${JSON.stringify({ prompt: 'p', negativePrompt: 'n', width: 768, height: 768, steps: 22, cfgScale: 6, seed: '-1', baseModel: { modelFileName: 'WAI-16', hash: 'FFEE' }, ksamplerName: 'euler', schedule: 'normal' })}\0`, prompt: comfyPrompt(g) });
    expect(tensor).toMatchObject({ generator: 'tensorart', prompt: 'p', seed: g.seed, steps: 22, model: 'WAI-16', model_hash: 'FFEE', sampler: 'euler', scheduler: 'normal' });
    const sm = recordOf({ 'parameters-json': { PositivePrompt: 'p', NegativePrompt: 'n', Steps: 20, Sampler: 'Euler Ancestral Karras', CfgScale: 5, Seed: 8, Width: 1536, Height: 1536, ModelName: 'm.safetensors', ModelHash: 'AA' }, prompt: comfyPrompt(g) });
    expect(sm).toMatchObject({ generator: 'stability-matrix', prompt: 'p', seed: 8, sampler: g.sampler, model: 'm.safetensors', model_hash: 'AA', width: g.width });
  });

  it('Civitai: a graph without sampler plus its extraMetadata form', () => {
    const graph = { '12': { class_type: 'SaveImage', inputs: { images: ['19', 0] } }, '19': { class_type: 'ImageUpscaleWithModel', inputs: { image: ['17', 0] } }, '17': { class_type: 'LoadImage', inputs: { image: 'https://x' } }, extraMetadata: JSON.stringify({ prompt: 'p', negativePrompt: 'n', cfgScale: 5, sampler: 'Euler a', seed: 5, steps: 25, width: 1024, height: 1024, baseModel: 'Illustrious' }) };
    expect(recordOf([exifEntry('UserComment', JSON.stringify(graph))])).toMatchObject({ generator: 'civitai', prompt: 'p', sampler: 'Euler a', model: 'Illustrious', width: 1024, seed: 5 });
  });

  it('kohya sd-scripts sample prompts', () => {
    expect(recordOf([exifEntry('UserComment', 'masterpiece, a girl --n lowres, bad --w 768 --h 1024 --d 42 --l 7.5 --s 28')])).toMatchObject({ generator: 'kohya', prompt: 'masterpiece, a girl', negative_prompt: 'lowres, bad', width: 768, height: 1024, seed: 42, cfg: 7.5, steps: 28 });
  });
});

describe('C2PA', () => {
  const store = (claim: object, actions: object[], claimLabel = 'c2pa.claim', actionsLabel = 'c2pa.actions') =>
    jumbf({
      label: 'c2pa',
      type: 'c2pa',
      children: [
        {
          label: 'urn:uuid:0000',
          type: 'c2ma',
          children: [
            { label: 'c2pa.assertions', type: 'c2as', children: [{ label: actionsLabel, type: 'cbor', cbor: cbor({ actions }) }] },
            { label: claimLabel, type: 'c2cl', cbor: cbor(claim) },
          ],
        },
      ],
    });

  it('reads a DALL·E JPEG (manifest split over APP11 segments)', async () => {
    const claim = { claim_generator: 'ChatGPT', claim_generator_info: [{ name: 'ChatGPT', version: '1.0' }], 'dc:format': 'image/jpeg', padding: 'x'.repeat(5000) };
    const actions = [{ action: 'c2pa.created', softwareAgent: 'DALL·E', digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia' }];
    const jpeg = addJpegJumbf(await solidImage('jpeg'), store(claim, actions), 1500);
    const r = await extractMetadata('dalle.jpg', jpeg);
    expect(r).toMatchObject({ generator: 'c2pa', c2pa_claim_generator: 'ChatGPT', digital_source_type: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia', ai_generated: true });
    expect(r.extra).toMatchObject({ c2pa_vendor: 'openai', c2pa_software_agent: 'DALL·E' });
  });

  it('reads a v2 claim in a PNG caBX chunk, and keeps a non-AI source type as not AI-generated', async () => {
    const png = addPngChunks(await solidImage('png'), [pngChunk('caBX', store({ claim_generator_info: { name: 'Adobe Photoshop', version: '26' } }, [{ action: 'c2pa.created', digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture' }], 'c2pa.claim.v2', 'c2pa.actions.v2'))]);
    const r = await extractMetadata('photo.png', png);
    expect(r).toMatchObject({ generator: 'c2pa', c2pa_claim_generator: 'Adobe Photoshop', ai_generated: false });
  });

  it('adds C2PA fields beside another generator', async () => {
    const png = addPngText(await solidImage('png'), [{ type: 'tEXt', key: 'parameters', text: 'a cat\nSteps: 20, Sampler: Euler, Seed: 1' }]);
    const withC2pa = addPngChunks(png, [pngChunk('caBX', store({ claim_generator: 'Tool/1.0' }, [{ action: 'c2pa.created', digitalSourceType: 'trainedAlgorithmicMedia' }]))]);
    expect(await extractMetadata('x.png', withC2pa)).toMatchObject({ generator: 'a1111', prompt: 'a cat', c2pa_claim_generator: 'Tool/1.0', ai_generated: true });
  });
});

describe('hostile inputs', () => {
  it('skips a 100 MB text chunk (bounded by the text limit, not kept)', async () => {
    const big = Buffer.alloc(100 * 1024 * 1024, 0x61);
    const png = addPngChunks(await solidImage('png'), [pngChunk('tEXt', Buffer.concat([Buffer.from('parameters\0'), big]))]);
    const r = await extractMetadata('big.png', png);
    expect(r.raw.parameters).toBeUndefined();
    expect(r.warnings.some((w) => /skipped/.test(w))).toBe(true);
  });

  it('keeps invalid JSON as raw text and reports no generator', () => {
    const r = recordOf({ prompt: '{"3": {"class_type": "KSampler", "inputs": {', workflow: '{not json' });
    expect(r.generator).toBeNull();
    expect(r.raw.prompt).toBe('{"3": {"class_type": "KSampler", "inputs": {');
  });

  it('handles a WebP whose EXIF claims more than it has', async () => {
    const webp = addWebpMetadata(await solidImage('webp'), 32, 24, { exif: Buffer.from('MM\0*\0\0\0\x08\0\x01\x92\x86\0\x07\x7f\xff\xff\xff\0\0\0\x1a', 'latin1') });
    const r = await extractMetadata('x.webp', webp);
    expect(r.error).toBeUndefined();
    expect(r.format).toBe('webp');
  });

  it('reads a JPEG whose UserComment is ASCII-prefixed A1111 text with the wrong extension', async () => {
    const jpeg = addJpegMetadata(await solidImage('jpeg'), { exif: buildExif({ UserComment: { text: 'x\nSteps: 5, Sampler: Euler, Seed: 3', encoding: 'ascii' } }) });
    expect(await extractMetadata('lying.png', jpeg)).toMatchObject({ format: 'jpeg', generator: 'a1111', seed: 3 });
  });
});
