/**
 * Issue 16, the long tail of real files: each fixture is written by our own code the way the named
 * writer writes it (PIL tEXt chunks, Python json.dumps, piexif UserComment…), then read back.
 */
import { describe, expect, it } from 'vitest';
import { emptyRecord, extractMetadata } from '../../src/metadata/extract.js';
import type { MetadataRecord } from '../../src/metadata/types.js';
import sharp from 'sharp';
import { addJpegIptc, addJpegMetadata, addPngText, addWebpMetadata, buildExif, JXL_CODESTREAM_64X48_RGB, jxlContainer, type PngTextChunk } from '../../src/demo/embed.js';
import { deriveTags } from '../../src/ingest/tags.js';
import { solidImage } from '../support/fixtures.js';
import { pyJson } from '../support/python-json.js';
import { recordOf } from '../support/records.js';

async function pngWith(chunks: Record<string, string>, type: PngTextChunk['type'] = 'tEXt') {
  const png = await solidImage('png', [90, 90, 90], 64, 48);
  const file = addPngText(png, Object.entries(chunks).map(([key, text]) => ({ type, key, text })));
  return extractMetadata('fixture.png', file);
}

describe('InvokeAI: every historical layout', () => {
  // lstein/stable-diffusion ldm/dream/pngwriter + args.metadata_dumps: a grid writes `images: [...]`,
  // each with the prompt as weighted sub-prompts, next to the `Dream` command line.
  const dreamGrid = {
    model: 'stable diffusion',
    model_id: 'stable-diffusion-1.4',
    model_hash: 'fe4efff1e174c627256e44ec2991ba279b3816e364b49f9be2abc0b3ff3f8556',
    app_id: 'lstein/stable-diffusion',
    app_version: 'v1.15',
    images: [
      { prompt: [{ prompt: 'a lighthouse on a cliff, oil painting [fog, blurry]', weight: 1.0 }], steps: 50, cfg_scale: 7.5, height: 512, width: 512, seed: 1234, sampler: 'k_lms', variations: [], type: 'txt2img', postprocessing: null },
      { prompt: [{ prompt: 'a lighthouse on a cliff, oil painting [fog, blurry]', weight: 1.0 }], steps: 50, cfg_scale: 7.5, height: 512, width: 512, seed: 5678, sampler: 'k_lms', variations: [], type: 'txt2img', postprocessing: null },
    ],
  };

  it('reads sd-metadata written as `images: [...]` (dream.py grids)', async () => {
    const r = await pngWith({ Dream: '"a lighthouse on a cliff, oil painting [fog, blurry]" -s 50 -S 1234 -W 512 -H 512 -C 7.5 -A k_lms -g', 'sd-metadata': pyJson(dreamGrid) });
    expect(r).toMatchObject({ generator: 'invokeai', generator_version: 'v1.15', prompt: 'a lighthouse on a cliff, oil painting', negative_prompt: 'fog, blurry', seed: 1234, steps: 50, cfg: 7.5, sampler: 'k_lms', model: 'stable-diffusion-1.4', width: 512, height: 512 });
    expect(r.extra.grid_seeds).toEqual([1234, 5678]);
  });

  it('keeps weighted sub-prompts and falls back to the Dream chunk when sd-metadata has no prompt', async () => {
    const weighted = { ...dreamGrid, images: undefined, image: { prompt: [{ prompt: 'a red fox', weight: 0.7 }, { prompt: 'a snowy forest', weight: 0.3 }], steps: 30, seed: 9, sampler: 'k_euler', cfg_scale: 7 } };
    expect((await pngWith({ 'sd-metadata': pyJson(weighted) })).prompt).toBe('a red fox:0.7 a snowy forest:0.3');
    const empty = { ...dreamGrid, images: undefined, image: { prompt: '', steps: 30, seed: 9, sampler: 'k_euler', cfg_scale: 7, width: 512, height: 768 } };
    const r = await pngWith({ 'sd-metadata': pyJson(empty), Dream: '"a red fox [lowres]" -s 30 -S 9 -W 512 -H 768 -C 7.0 -A k_euler' });
    expect(r).toMatchObject({ prompt: 'a red fox', negative_prompt: 'lowres', seed: 9, steps: 30, width: 512, height: 768 });
    expect(r.provenance.prompt).toContain('Dream');
  });

  it('reads the InvokeAI 3.0 pre-release `invokeai` chunk (session and invocation node)', async () => {
    const meta = { session_id: '7c1e0a', node: { id: '1', type: 'txt2img', prompt: 'dog in a hat', seed: 178785523, steps: 30, width: 512, height: 640, cfg_scale: 7.5, scheduler: 'lms', model: 'stable-diffusion-1.5' } };
    expect(await pngWith({ invokeai: pyJson(meta) })).toMatchObject({ generator: 'invokeai', prompt: 'dog in a hat', seed: 178785523, steps: 30, cfg: 7.5, sampler: 'lms', model: 'stable-diffusion-1.5', width: 512, height: 640 });
  });

  // InvokeAI 4.x–6.x: the execution graph, values fed along edges (string/integer primitives, collect nodes).
  const graph = {
    id: 'sdxl_graph:x1',
    nodes: {
      'sdxl_model_loader:a': { id: 'sdxl_model_loader:a', type: 'sdxl_model_loader', model: { key: 'k1', hash: 'blake3:00ff', name: 'juggernautXL_v9', base: 'sdxl', type: 'main' } },
      'positive_prompt:b': { id: 'positive_prompt:b', type: 'string', value: 'a castle at dusk, dramatic sky' },
      'pos_cond:c': { id: 'pos_cond:c', type: 'sdxl_compel_prompt', prompt: '', style: '' },
      'pos_cond_collect:d': { id: 'pos_cond_collect:d', type: 'collect', item: null, collection: [] },
      'neg_cond:e': { id: 'neg_cond:e', type: 'sdxl_compel_prompt', prompt: 'watermark, text', style: 'watermark, text' },
      'neg_cond_collect:f': { id: 'neg_cond_collect:f', type: 'collect', item: null, collection: [] },
      'seed:g': { id: 'seed:g', type: 'integer', value: 3951921344 },
      'noise:h': { id: 'noise:h', type: 'noise', seed: 0, width: 1216, height: 832 },
      'lora_loader:l': { id: 'lora_loader:l', type: 'sdxl_lora_loader', lora: { key: 'k2', name: 'add-detail-xl' }, weight: 0.6 },
      'denoise_latents:i': { id: 'denoise_latents:i', type: 'denoise_latents', steps: 28, cfg_scale: 5.5, denoising_start: 0, denoising_end: 1, scheduler: 'dpmpp_2m_k' },
    },
    edges: [
      { source: { node_id: 'positive_prompt:b', field: 'value' }, destination: { node_id: 'pos_cond:c', field: 'prompt' } },
      { source: { node_id: 'pos_cond:c', field: 'conditioning' }, destination: { node_id: 'pos_cond_collect:d', field: 'item' } },
      { source: { node_id: 'pos_cond_collect:d', field: 'collection' }, destination: { node_id: 'denoise_latents:i', field: 'positive_conditioning' } },
      { source: { node_id: 'neg_cond:e', field: 'conditioning' }, destination: { node_id: 'neg_cond_collect:f', field: 'item' } },
      { source: { node_id: 'neg_cond_collect:f', field: 'collection' }, destination: { node_id: 'denoise_latents:i', field: 'negative_conditioning' } },
      { source: { node_id: 'seed:g', field: 'value' }, destination: { node_id: 'noise:h', field: 'seed' } },
      { source: { node_id: 'noise:h', field: 'noise' }, destination: { node_id: 'denoise_latents:i', field: 'noise' } },
    ],
  };

  it('reads a graph-only file through its edges', async () => {
    const r = await pngWith({ invokeai_graph: JSON.stringify(graph) });
    expect(r).toMatchObject({ generator: 'invokeai', prompt: 'a castle at dusk, dramatic sky', negative_prompt: 'watermark, text', seed: 3951921344, steps: 28, cfg: 5.5, sampler: 'dpmpp_2m_k', model: 'juggernautXL_v9', model_hash: 'blake3:00ff', width: 1216, height: 832 });
    expect(r.loras).toEqual([{ name: 'add-detail-xl', weight: 0.6 }]);
  });

  it('prefers the richest source: metadata without a prompt is completed from the graph, canvas regions kept', async () => {
    const meta = { generation_mode: 'sdxl_txt2img', positive_prompt: '', width: 1216, height: 832, seed: 3951921344, cfg_scale: 5.5, steps: 28, scheduler: 'dpmpp_2m_k', app_version: '5.4.2', canvas_v2_metadata: { regionalGuidance: [{ id: 'r1', positivePrompt: 'a red flag', negativePrompt: null, isEnabled: true }] } };
    const r = await pngWith({ invokeai_metadata: JSON.stringify(meta), invokeai_graph: JSON.stringify(graph) }, 'iTXt');
    expect(r).toMatchObject({ generator_version: '5.4.2', prompt: 'a castle at dusk, dramatic sky', negative_prompt: 'watermark, text', model: 'juggernautXL_v9' });
    expect(r.extra.canvas_regions).toEqual([{ positive_prompt: 'a red flag', negative_prompt: null, enabled: true }]);
  });
});

describe('control characters', () => {
  it('strips padding NULs from a piexif UNICODE UserComment, everywhere in the record', async () => {
    // Writers that pad the UserComment buffer leave NULs after the prompt line and after the last value.
    const text = 'masterpiece, 1girl, (red hair:1.6)\u0000\u0000\u0000\nNegative prompt: lowres\u0000\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 64x48, Model: anyModel\u0000\u0000';
    const jpeg = addJpegMetadata(await solidImage('jpeg', [1, 2, 3], 64, 48), { exif: buildExif({ byteOrder: 'le', UserComment: { text, encoding: 'unicode-be' } }) });
    const r = await extractMetadata('padded.jpg', jpeg);
    expect(r).toMatchObject({ generator: 'a1111', prompt: 'masterpiece, 1girl, (red hair:1.6)', negative_prompt: 'lowres', seed: 42, model: 'anyModel' });
    expect(JSON.stringify({ ...r, raw: null })).not.toMatch(/\\u00(0[0-8bcef]|1[0-9a-f])/);
    expect(deriveTags(r).map((t) => t.name)).toContain('red hair');
  });

  it('strips C0 controls inside JSON strings and PNG text but keeps tabs and line breaks', async () => {
    const prompt = { '3': { class_type: 'KSampler', inputs: { seed: 7, steps: 20, cfg: 6, sampler_name: 'euler', scheduler: 'normal', denoise: 1, model: ['4', 0], positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0] } }, '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sd15.safetensors' } }, '5': { class_type: 'EmptyLatentImage', inputs: { width: 64, height: 48, batch_size: 1 } }, '6': { class_type: 'CLIPTextEncode', inputs: { text: 'a cat\u0000,\tsitting\u001b[0m\r\non a mat\u0007', clip: ['4', 1] } }, '7': { class_type: 'CLIPTextEncode', inputs: { text: 'blurry\u0000\u0000', clip: ['4', 1] } } };
    const r = await pngWith({ prompt: JSON.stringify(prompt) });
    expect(r).toMatchObject({ generator: 'comfyui', prompt: 'a cat,\tsitting[0m\r\non a mat', negative_prompt: 'blurry' });
    const a = await pngWith({ parameters: 'a dog\u0008\u000b, park\nSteps: 10, Sampler: Euler, CFG scale: 5, Seed: 1\u0000, Size: 64x48' });
    expect(a).toMatchObject({ prompt: 'a dog, park', seed: 1 });
    expect(a.raw.parameters).toContain('\u0008');
  });
});

describe('tags from sentence prompts and AIR URNs', () => {
  const tagNames = (prompt: string, extra: Partial<MetadataRecord> = {}) => deriveTags({ ...emptyRecord('x.png'), prompt, ...extra }).map((t) => t.name);

  it('takes only clear tags from natural-language prompts', () => {
    const flux = 'A cinematic photo of a young man with dark brown hair, which is styled in loose waves, standing on an illuminated staircase. He is dressed in a stylish black suit, bokeh, film grain, neon lights. A sign reads "Hello now in ComfyUI", e.g. a poster.';
    const tags = tagNames(flux);
    expect(tags).toEqual(expect.arrayContaining(['bokeh', 'film grain', 'neon lights']));
    for (const junk of ['dark brown hair is styled in loose', 'which is styled in loose waves', 'illuminated staircase', 'now in comfyui"', 'e', 'g']) expect(tags).not.toContain(junk);
    expect(tags.filter((t) => !t.includes(':')).every((t) => t.split(' ').length <= 3 && !/\b(a|an|the|is|he)\b/.test(t))).toBe(true);
  });

  it('keeps tag-style prompts whole, articles included', () => {
    expect(tagNames('masterpiece, a red-haired knight, in the rain, looking at viewer, (long hair:1.2), 1girl')).toEqual(['masterpiece', 'a red-haired knight', 'in the rain', 'looking at viewer', 'long hair', '1girl']);
  });

  it('maps AIR URNs in prompts, LoRA syntax, embeddings, models and LoRAs to civitai model references', () => {
    const prompt = 'masterpiece, 1girl, <lora:urn:air:sdxl:lora:civitai:384756@563234:0.8>, embedding:urn:air:sdxl:embedding:civitai:220262@247847, urn:air:flux1:lora:civitai:11111@22222';
    const tags = tagNames(prompt, { model: 'urn:air:sdxl:checkpoint:civitai:101055@128078', loras: [{ name: 'urn:air:sdxl:lora:civitai:5@6', weight: 1 }] });
    expect(tags).toEqual(expect.arrayContaining(['masterpiece', '1girl', 'lora:civitai:model/384756@563234', 'embedding:civitai:model/220262@247847', 'lora:civitai:model/11111@22222', 'model:civitai:model/101055@128078', 'lora:civitai:model/5@6']));
    expect(tags.some((t) => /^:|air:|@\d+$/.test(t) && !t.includes('civitai:model/'))).toBe(false);
    expect(tags).toHaveLength(7);
  });
});

describe('generator payloads in XMP and in JSON graphs of any field', () => {
  const graph = {
    '3': { class_type: 'KSampler', inputs: { seed: 8566257, steps: 20, cfg: 8, sampler_name: 'euler', scheduler: 'normal', denoise: 1, model: ['4', 0], positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0] } },
    '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'v1-5-pruned-emaonly.safetensors' } },
    '5': { class_type: 'EmptyLatentImage', inputs: { width: 512, height: 512, batch_size: 1 } },
    '6': { class_type: 'CLIPTextEncode', inputs: { text: 'beautiful scenery nature glass bottle landscape, purple galaxy bottle', clip: ['4', 1] } },
    '7': { class_type: 'CLIPTextEncode', inputs: { text: 'text, watermark', clip: ['4', 1] } },
    '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'ComfyUI', images: ['8', 0] } },
  };
  const expected = { generator: 'comfyui', prompt: 'beautiful scenery nature glass bottle landscape, purple galaxy bottle', negative_prompt: 'text, watermark', seed: 8566257, steps: 20, cfg: 8, sampler: 'euler', model: 'v1-5-pruned-emaonly.safetensors' };
  const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\n/g, '&#xA;');
  const packet = (body: string, ns = '') =>
    `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" ${ns}>${body}</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;

  it('reads a ComfyUI prompt and workflow from the XMP packet of an AVIF', async () => {
    const xmp = packet(`<comfyui:prompt>${xml(JSON.stringify(graph))}</comfyui:prompt><comfyui:workflow>${xml(JSON.stringify({ nodes: [], links: [] }))}</comfyui:workflow>`, 'xmlns:comfyui="https://comfy.org/ns/metadata/1.0/"');
    const avif = await sharp({ create: { width: 48, height: 32, channels: 3, background: { r: 9, g: 9, b: 9 } } }).avif({ effort: 0 }).withXmp(xmp).toBuffer();
    const r = await extractMetadata('comfy.avif', avif);
    expect(r).toMatchObject({ format: 'avif', ...expected });
    expect(r.provenance.prompt).toContain('avif:xmp');
  });

  it('reads a ComfyUI prompt from the XMP of a JPEG XL, in an xml box or Brotli-compressed in a brob box', async () => {
    const xmp = packet(`<comfyui:prompt>${xml(JSON.stringify(graph))}</comfyui:prompt>`, 'xmlns:comfyui="https://comfy.org/ns/metadata/1.0/"');
    for (const brotli of [false, true]) {
      const r = await extractMetadata('comfy.jxl', jxlContainer(JXL_CODESTREAM_64X48_RGB, [{ type: 'xml ', data: Buffer.from(xmp), brotli }]));
      expect(r).toMatchObject({ format: 'jxl', pixel_width: 64, pixel_height: 48, ...expected });
      expect(r.provenance.prompt).toContain(brotli ? 'jxl:brob:xmp' : 'jxl:xmp');
    }
  });

  it('reads an API graph from XMP dc:description of a JPEG and a UI workflow from a WebP ImageDescription', async () => {
    const xmp = packet(`<dc:description><rdf:Alt><rdf:li xml:lang="x-default">${xml(JSON.stringify(graph))}</rdf:li></rdf:Alt></dc:description>`);
    const jpeg = addJpegMetadata(await solidImage('jpeg', [1, 2, 3], 48, 32), { xmp });
    expect(await extractMetadata('comfy.jpg', jpeg)).toMatchObject(expected);
    const workflow = { last_node_id: 9, last_link_id: 9, nodes: [{ id: 3, type: 'KSampler', inputs: [{ name: 'model', type: 'MODEL', link: 1 }, { name: 'positive', type: 'CONDITIONING', link: 4 }, { name: 'negative', type: 'CONDITIONING', link: 6 }, { name: 'latent_image', type: 'LATENT', link: 2 }], widgets_values: [8566257, 'fixed', 20, 8, 'euler', 'normal', 1] }, { id: 4, type: 'CheckpointLoaderSimple', widgets_values: ['v1-5-pruned-emaonly.safetensors'] }, { id: 6, type: 'CLIPTextEncode', inputs: [{ name: 'clip', type: 'CLIP', link: 3 }], widgets_values: [expected.prompt] }, { id: 7, type: 'CLIPTextEncode', inputs: [{ name: 'clip', type: 'CLIP', link: 5 }], widgets_values: ['text, watermark'] }, { id: 5, type: 'EmptyLatentImage', widgets_values: [512, 512, 1] }], links: [[1, 4, 0, 3, 0, 'MODEL'], [2, 5, 0, 3, 3, 'LATENT'], [3, 4, 1, 6, 0, 'CLIP'], [4, 6, 0, 3, 1, 'CONDITIONING'], [5, 4, 1, 7, 0, 'CLIP'], [6, 7, 0, 3, 2, 'CONDITIONING']], version: 0.4 };
    const webp = addWebpMetadata(await solidImage('webp', [1, 2, 3], 48, 32), 48, 32, { exif: buildExif({ ImageDescription: JSON.stringify(workflow) }) });
    const w = await extractMetadata('comfy.webp', webp);
    expect(w).toMatchObject({ generator: 'comfyui', prompt: expected.prompt, seed: 8566257, steps: 20 });
  });

  it('reads A1111 parameters written as an XMP attribute in a custom namespace', async () => {
    const infotext = 'a watercolor fox\nNegative prompt: blurry\nSteps: 24, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6, Seed: 77, Size: 48x32, Model: dreamshaper_8';
    const xmp = packet('', `xmlns:sd="http://ns.example.org/sd/1.0/" sd:parameters="${xml(infotext)}"`);
    const webp = addWebpMetadata(await solidImage('webp', [1, 2, 3], 48, 32), 48, 32, { xmp });
    expect(await extractMetadata('a1111.webp', webp)).toMatchObject({ generator: 'a1111', prompt: 'a watercolor fox', negative_prompt: 'blurry', seed: 77, steps: 24, model: 'dreamshaper_8' });
  });
});

describe('mojibake repair', () => {
  // ミ (U+30DF) would swap to a lone surrogate, which a UTF-8 writer replaces: such characters are lost for good.
  const infotext = '1girl, 初音, テスト, (masterpiece:1.2)\nNegative prompt: lowres\nSteps: 28, Sampler: Euler a, CFG scale: 5, Seed: 1234, Size: 64x48, Model: animagine';

  it.each(['ascii', 'none'] as const)('repairs a UserComment read with the wrong UTF-16 byte order and saved back as UTF-8 (%s prefix)', async (encoding) => {
    const be = Buffer.from(infotext, 'utf16le').swap16(); // piexif: UTF-16BE
    const misread = be.toString('utf16le'); // …decoded as little-endian by a tool that then saved it as UTF-8
    const jpeg = addJpegMetadata(await solidImage('jpeg', [1, 2, 3], 64, 48), { exif: buildExif({ UserComment: { text: misread, encoding } }) });
    const r = await extractMetadata('swapped.jpg', jpeg);
    expect(r).toMatchObject({ generator: 'a1111', prompt: '1girl, 初音, テスト, (masterpiece:1.2)', negative_prompt: 'lowres', seed: 1234, steps: 28 });
    expect(r.warnings.join()).toMatch(/mojibake \(utf16-byte-swap\)/);
    expect(String(r.raw.UserComment)).toBe(misread.trim());
  });

  it('repairs UTF-8 read as Latin-1 or Windows-1252 and keeps the raw text as found', async () => {
    const latin1 = Buffer.from(infotext, 'utf8').toString('latin1');
    const r = await pngWith({ parameters: latin1 }, 'iTXt');
    expect(r).toMatchObject({ generator: 'a1111', prompt: '1girl, 初音, テスト, (masterpiece:1.2)', seed: 1234 });
    expect(r.raw.parameters).toBe(latin1);
    // Windows-1252 shows E3 83 86 as `ãƒ†`.
    const cp1252 = await pngWith({ parameters: 'ãƒ†ã‚¹ãƒˆ, 1girl\nSteps: 5, Seed: 3, Size: 64x48' }, 'iTXt');
    expect(cp1252.prompt).toBe('テスト, 1girl');
  });

  it('leaves correct Latin-1 and CJK text alone', async () => {
    const r = await pngWith({ parameters: 'café crème, 一二三, Ã la carte\nSteps: 5, Seed: 3, Size: 64x48' }, 'iTXt');
    expect(r.prompt).toBe('café crème, 一二三, Ã la carte');
    expect(r.warnings.join()).not.toMatch(/mojibake/);
  });
});

describe('Midjourney in JPEG: IPTC caption and XMP description', () => {
  const description = 'a café at night, neon signs, rain --ar 3:2 --v 6.1 --stylize 100 --no people Job ID: 3b5d3c2a-1a2b-4c3d-8e9f-0123456789ab';
  const expected = { generator: 'midjourney', generator_version: '6.1', prompt: 'a café at night, neon signs, rain', negative_prompt: 'people', model: 'Midjourney 6.1' };

  it('reads the prompt, flags and job id from an IPTC Caption-Abstract (APP13), with the By-line as author', async () => {
    const jpeg = addJpegIptc(await solidImage('jpeg', [1, 2, 3], 48, 32), { 'Caption-Abstract': description, 'By-line': 'someone', Keywords: ['neon', 'café'] });
    const r = await extractMetadata('mj.jpg', jpeg);
    expect(r).toMatchObject({ ...expected, pixel_width: 48 });
    expect(r.extra).toMatchObject({ job_id: '3b5d3c2a-1a2b-4c3d-8e9f-0123456789ab', aspect_ratio: '3:2', stylize: 100, author: 'someone' });
    expect(r.provenance.prompt).toContain('jpeg:iptc');
    expect(r.raw).toMatchObject({ Keywords: 'neon, café', 'By-line': 'someone' });
  });

  it('reads the same from the XMP dc:description, and ignores an APP13 whose resource claims more than it holds', async () => {
    const xmp = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:description><rdf:Alt><rdf:li xml:lang="x-default">${description}</rdf:li></rdf:Alt></dc:description></rdf:Description></rdf:RDF></x:xmpmeta>`;
    const jpeg = addJpegMetadata(await solidImage('jpeg', [1, 2, 3], 48, 32), { xmp });
    expect(await extractMetadata('mj-xmp.jpg', jpeg)).toMatchObject(expected);
    const lying = addJpegIptc(jpeg, { 'Caption-Abstract': 'not read' });
    const at = lying.indexOf('8BIM', 0, 'latin1');
    lying.writeUInt32BE(0x7fffffff, at + 8);
    const r = await extractMetadata('lying.jpg', lying);
    expect(r).toMatchObject(expected);
    expect(r.raw['Caption-Abstract']).toBeUndefined();
  });
});

describe('Krita AI Diffusion', () => {
  // ai_diffusion/text.py create_img_metadata, written by Image.save_png_with_metadata as an
  // uncompressed iTXt `parameters` chunk right after IHDR (save_png_w_itxt). Python's str() of the
  // guidance float gives `7.0`; LoRAs are appended to the prompt; an empty negative keeps its line.
  function kritaText(m: { prompt: string; negative: string; sampler: string; steps: number; guidance: string; checkpoint: string; seed: number; width: number; height: number; loras: [string, number][]; strength?: number; mode: string }) {
    const loraTags = m.loras.map(([name, weight]) => ` <lora:${name}:${weight}>`).join('');
    let last = `Steps: ${m.steps}, Sampler: ${m.sampler}, CFG scale: ${m.guidance}, Seed: ${m.seed}, Size: ${m.width}x${m.height}, Model hash: unknown, Model: ${m.checkpoint}`;
    if (m.strength !== undefined && m.strength !== 1) last += `, Denoising strength: ${m.strength}`;
    last += `, Mode: ${m.mode}`;
    return [`${m.prompt.trim()}${loraTags}`, `Negative prompt: ${m.negative}`, last].join('\n');
  }

  it('reads a generated image: its own generator name, no placeholder hash, LoRAs from the prompt', async () => {
    const text = kritaText({ prompt: 'a castle on a hill, golden hour', negative: '', sampler: 'DPM++ 2M', steps: 20, guidance: '7.0', checkpoint: 'zavychromaxl_v80.safetensors', seed: 1234567, width: 1024, height: 1024, loras: [['detail_tweaker', 0.8]], mode: 'Generate' });
    const r = await pngWith({ parameters: text }, 'iTXt');
    expect(r).toMatchObject({ generator: 'krita-ai-diffusion', prompt: 'a castle on a hill, golden hour <lora:detail_tweaker:0.8>', steps: 20, sampler: 'DPM++ 2M', cfg: 7, seed: 1234567, width: 1024, height: 1024, model: 'zavychromaxl_v80.safetensors', model_hash: null });
    expect(r.negative_prompt ?? '').toBe('');
    expect(r.loras).toEqual([{ name: 'detail_tweaker', weight: 0.8 }]);
    expect(r.extra).toMatchObject({ Mode: 'Generate' });
  });

  it('reads a refined region with its denoising strength and inpaint mode', async () => {
    const text = kritaText({ prompt: 'red scarf', negative: 'blurry, lowres', sampler: 'Euler a', steps: 24, guidance: '5.5', checkpoint: 'juggernautXL', seed: 42, width: 640, height: 512, loras: [], strength: 0.65, mode: 'Refine Region (Fill)' });
    const r = await pngWith({ parameters: text }, 'iTXt');
    expect(r).toMatchObject({ generator: 'krita-ai-diffusion', prompt: 'red scarf', negative_prompt: 'blurry, lowres', cfg: 5.5, seed: 42, model_hash: null });
    expect(r.extra).toMatchObject({ 'Denoising strength': '0.65', Mode: 'Refine Region (Fill)' });
  });
});

describe('A1111 extensions into structured extra', () => {
  // Written as modules/processing.py create_infotext does: `key: value` joined by ", ", values with
  // commas or colons quoted (json.dumps); each extension adds its own keys.
  const q = (v: string) => (/[,:"\n]/.test(v) ? JSON.stringify(v) : v);
  const params: [string, string][] = [
    ['Steps', '30'], ['Sampler', 'DPM++ 2M'], ['Schedule type', 'Karras'], ['CFG scale', '7'], ['Seed', '1234'], ['Size', '512x768'], ['Model hash', '6ce0161689'], ['Model', 'v1-5-pruned-emaonly'],
    ['Denoising strength', '0.45'], ['Hires upscale', '2'], ['Hires steps', '15'], ['Hires upscaler', 'R-ESRGAN 4x+'], ['Hires prompt', 'sharp focus, 8k'],
    ['ADetailer model', 'face_yolov8n.pt'], ['ADetailer prompt', 'smile, detailed eyes'], ['ADetailer confidence', '0.3'], ['ADetailer dilate erode', '4'], ['ADetailer mask blur', '4'], ['ADetailer denoising strength', '0.4'], ['ADetailer inpaint only masked', 'True'], ['ADetailer inpaint padding', '32'],
    ['ADetailer model 2nd', 'hand_yolov8n.pt'], ['ADetailer confidence 2nd', '0.35'], ['ADetailer version', '24.11.1'],
    ['ControlNet 0', 'Module: canny, Model: control_v11p_sd15_canny [d14c016b], Weight: 1.0, Resize Mode: Crop and Resize, Processor Res: 512, Threshold A: 100.0, Threshold B: 200.0, Guidance Start: 0.0, Guidance End: 1.0, Pixel Perfect: False, Control Mode: Balanced'],
    ['ControlNet 1', 'Module: openpose_full, Model: control_v11p_sd15_openpose [cab727d4], Weight: 0.8, Guidance Start: 0.0, Guidance End: 0.6, Pixel Perfect: True, Control Mode: My prompt is more important'],
    ['RP Active', 'True'], ['RP Divide mode', 'Matrix'], ['RP Matrix submode', 'Horizontal'], ['RP Calc Mode', 'Attention'], ['RP Ratios', '1,1'], ['RP Base Ratios', '0.2'], ['RP Use Base', 'False'],
    ['Template', '{red|blue} hair, 1girl ADDCOL {cat|dog}'], ['Negative Template', 'lowres'],
    ['Refiner', 'sd_xl_refiner_1.0 [7440042bbd]'], ['Refiner switch at', '0.8'], ['Version', 'v1.10.1'],
  ];
  const infotext = `red hair, 1girl ADDCOL cat\nNegative prompt: lowres\n${params.map(([k, v]) => `${k}: ${q(v)}`).join(', ')}`;

  it('gathers ADetailer units, ControlNet units, Regional Prompter, Dynamic Prompts, hires fix and refiner', () => {
    const r = recordOf({ parameters: infotext });
    expect(r).toMatchObject({ generator: 'a1111', prompt: 'red hair, 1girl ADDCOL cat', seed: 1234, width: 512, height: 768 });
    expect(r.extra.adetailer).toEqual({
      version: '24.11.1',
      units: [
        { unit: 1, model: 'face_yolov8n.pt', prompt: 'smile, detailed eyes', confidence: 0.3, dilate_erode: 4, mask_blur: 4, denoising_strength: 0.4, inpaint_only_masked: true, inpaint_padding: 32 },
        { unit: 2, model: 'hand_yolov8n.pt', confidence: 0.35 },
      ],
    });
    expect(r.extra.controlnet).toEqual([
      { unit: 0, module: 'canny', model: 'control_v11p_sd15_canny', model_hash: 'd14c016b', weight: 1, resize_mode: 'Crop and Resize', processor_res: 512, threshold_a: 100, threshold_b: 200, guidance_start: 0, guidance_end: 1, pixel_perfect: false, control_mode: 'Balanced' },
      { unit: 1, module: 'openpose_full', model: 'control_v11p_sd15_openpose', model_hash: 'cab727d4', weight: 0.8, guidance_start: 0, guidance_end: 0.6, pixel_perfect: true, control_mode: 'My prompt is more important' },
    ]);
    expect(r.extra.regional_prompter).toEqual({ active: true, divide_mode: 'Matrix', matrix_submode: 'Horizontal', calc_mode: 'Attention', ratios: '1,1', base_ratios: 0.2, use_base: false });
    expect(r.extra.dynamic_prompts).toEqual({ template: '{red|blue} hair, 1girl ADDCOL {cat|dog}', negative_template: 'lowres' });
    expect(r.extra.hires).toEqual({ upscale: 2, steps: 15, upscaler: 'R-ESRGAN 4x+', prompt: 'sharp focus, 8k', denoising_strength: 0.45 });
    expect(r.extra.refiner).toEqual({ model: 'sd_xl_refiner_1.0', model_hash: '7440042bbd', switch_at: 0.8 });
    expect(deriveTags(r).map((t) => t.name).filter((t) => !t.includes(':'))).toEqual(['red hair', '1girl', 'cat']);
  });

  it('reads the early per-field ControlNet layout', () => {
    const r = recordOf({ parameters: 'a house\nSteps: 20, Seed: 1, Size: 512x512, ControlNet-0 Enabled: True, ControlNet-0 Module: depth, ControlNet-0 Model: control_sd15_depth [fef5e48e], ControlNet-0 Weight: 1' });
    expect(r.extra.controlnet).toEqual([{ unit: 0, enabled: true, module: 'depth', model: 'control_sd15_depth', model_hash: 'fef5e48e', weight: 1 }]);
  });
});
