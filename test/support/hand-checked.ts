/**
 * Corpus files without expected values in their source repos, checked by hand against their raw
 * chunks (ComfyUI graphs read node by node, NovelAI alpha payloads, XMP packets). Prompts are
 * checked by their opening words.
 */
export interface HandChecked {
  generator: string | null;
  prompt_starts?: string;
  no_prompt?: true;
  fields?: Record<string, unknown>;
  loras?: string[];
  samplers?: number;
}

export const HAND_CHECKED: Record<string, HandChecked> = {
  'comfyanonymous__ComfyUI_examples/2_pass_txt2img/hiresfix_latent_workflow.png': { generator: 'comfyui', prompt_starts: 'masterpiece HDR victorian portrait painting of woman', fields: { seed: 89848141647836, steps: 12, sampler: 'dpmpp_sde', model: 'v2-1_768-ema-pruned.ckpt', size: '768x768' }, samplers: 2 },
  'comfyanonymous__ComfyUI_examples/sdxl/sdxl_refiner_prompt_example.png': { generator: 'comfyui', prompt_starts: 'daytime sky nature dark blue galaxy bottle', fields: { seed: 6767725640732, steps: 25, cfg: 8, sampler: 'euler', model: 'sd_xl_base_1.0.safetensors', negative_prompt: 'text, watermark' }, samplers: 2 },
  'comfyanonymous__ComfyUI_examples/lcm/lcm_basic_example.png': { generator: 'comfyui', prompt_starts: 'evening sunset scenery blue sky nature', fields: { seed: 167055194337639, steps: 5, cfg: 1.8, sampler: 'lcm', scheduler: 'sgm_uniform', model: 'sd_xl_1.0.safetensors' }, loras: ['lcm_lora_sdxl.safetensors'] },
  'comfyanonymous__ComfyUI_examples/lora/lora_multiple.png': { generator: 'comfyui', prompt_starts: 'masterpiece best quality girl', fields: { model: 'v1-5-pruned-emaonly.ckpt' }, loras: ['epiNoiseoffset_v2.safetensors', 'theovercomer8sContrastFix_sd15.safetensors'] },
  'comfyanonymous__ComfyUI_examples/flux/flux_dev_example.png': { generator: 'comfyui', prompt_starts: 'cute anime girl with massive fluffy fennec ears', fields: { sampler: 'euler', scheduler: 'simple', steps: 20, model: 'flux1-dev.safetensors', size: '1024x1024' } },
  'comfyanonymous__ComfyUI_examples/sd3/sd3.5_simple_example.png': { generator: 'comfyui', prompt_starts: 'a bottle with a pink and red galaxy', fields: { model: 'sd3.5_large_fp8_scaled.safetensors' } },
  'comfyanonymous__ComfyUI_examples/wan/text_to_video_wan.webp': { generator: 'comfyui', prompt_starts: 'a fox moving quickly in a beautiful winter scenery', fields: { size: '832x480' } },
  'comfyanonymous__ComfyUI_examples/video/image_to_video.webp': { generator: 'comfyui', no_prompt: true, fields: { model: 'svd.safetensors' } },
  'comfyanonymous__ComfyUI_examples/img2img/img2img_workflow.png': { generator: 'comfyui', prompt_starts: 'photograph of victorian woman with wings' },
  'comfyanonymous__ComfyUI_examples/textual_inversion_embeddings/embedding_example.png': { generator: 'comfyui', prompt_starts: 'photograph in the style of embedding:SDA768' },
  'Ktiseos-Nyx__Dataset-Tools/tests/Comfy_UI_DATA/_24ce8885-24e4-45a7-a82d-1146cfc5690d.jpg': { generator: 'c2pa', no_prompt: true, fields: { c2pa_claim_generator: 'Microsoft_Responsible_AI/1.0', ai_generated: true } },
  'Ktiseos-Nyx__Dataset-Tools/tests/Comfy_UI_DATA/wild_05724_.png': { generator: null, no_prompt: true, fields: { format: 'jpeg' } },
  'Ktiseos-Nyx__Dataset-Tools/tests/Comfy_UI_DATA/w1z_m4ch1n4__gentleman_cyborg_robot_with_a_fish_bowl_head__with_a_small_goldfish_2050777441.png': { generator: 'drawthings', prompt_starts: 'w1z_m4ch1n4. gentleman cyborg robot', fields: { seed: 2050777441, steps: 26, cfg: 3.5, model: 'flux_1_dev_q8p.ckpt', size: '768x1024' } },
  'Ktiseos-Nyx__Dataset-Tools/tests/Comfy_UI_DATA/shuttle-3.1-aesthetic_c-hr_Seed1824549599_Steps20_CFG3.jpg': { generator: 'sdnext', prompt_starts: 'one orange toyota c-hr 2019', fields: { seed: 1824549599, steps: 20, cfg: 3, model: 'Chroma' } },
  'Ktiseos-Nyx__Dataset-Tools/tests/Comfy_UI_DATA/Elysian_e000001_02_20250321072508.png': { generator: 'a1111', prompt_starts: 'Elysian, an ethereal vision', fields: { steps: 30, sampler: 'DDIM', cfg: 7.5, model: '132760.safetensors' } },
  'Ktiseos-Nyx__Dataset-Tools/tests/Comfy_UI_DATA/JossyLoRa_e000003_02_20241030181251.png': { generator: 'a1111', prompt_starts: 'grin, facial hair', fields: { format: 'jpeg', model: '691639.safetensors' } },
  'Ktiseos-Nyx__Dataset-Tools/tests/Comfy_UI_DATA/68295CAE9DE493031ACD8C135AD863E5E7C53D368852AD5FC14F661E6D489A58.jpeg': { generator: 'civitai', prompt_starts: 'Vhs tape,e, wide angle', fields: { seed: 1664289237, steps: 40, sampler: 'Euler a' } },
  'Ktiseos-Nyx__Dataset-Tools/tests/data/a111_yodayo_test_thancred.jpeg': { generator: 'a1111', prompt_starts: 'masterpiece, very aesthetic, absurdres', fields: { seed: 2679052167, steps: 25 } },
  'Ktiseos-Nyx__Dataset-Tools/tests/data/CivitaiComfyui_Test.jpeg': { generator: 'civitai', prompt_starts: 'embedding:urn:air:sdxl:embedding:civitai:384756@563234', fields: { seed: 1816877408, steps: 30 } },
  'Ktiseos-Nyx__Dataset-Tools/tests/data/ComfyUI_TIPO_.jpeg': { generator: 'comfyui', prompt_starts: 'A highly detailed anime-style character', fields: { seed: 8871 } },
  'LlmKira__novelai-python/playground/image_metadata/sample-0316.png': { generator: 'novelai', prompt_starts: 'silvery white, best quality', fields: { seed: 1148692016, steps: 28, model: 'Stable Diffusion XL', model_hash: 'C1E1DE52' } },
  'LlmKira__novelai-python/playground/image_metadata/sample-0317.png': { generator: 'novelai', prompt_starts: 'masterpiece, best quality,  silvery white', fields: { seed: 4091185279 } },
  'LlmKira__novelai-python/playground/image_metadata/sample-0316-out.png': { generator: 'novelai', prompt_starts: 'silvery white, best quality', fields: { seed: 1148692016 } },
  'enslo__sd-metadata/samples/png/invokeai-en.png': { generator: 'invokeai', prompt_starts: 'general, masterpiece', fields: { seed: 1860920704, sampler: 'euler_a' } },
  'enslo__sd-metadata/samples/png/novelai-ref.png': { generator: 'novelai', prompt_starts: '1girl, solo, dancing', fields: { seed: 949223552 } },
  'enslo__sd-metadata/samples/png/forge-classic-en.png': { generator: 'forge-classic', prompt_starts: 'general, masterpiece', fields: { seed: 1239240392 } },
  'enslo__sd-metadata/samples/png/sd-next-en.png': { generator: 'sdnext', prompt_starts: 'general, masterpiece', fields: { seed: 2251068289 } },
  'comfyanonymous__ComfyUI_examples/controlnet/controlnet_example.png': { generator: 'comfyui', prompt_starts: '(solo) girl (flat chest:0.9)', fields: { sampler: 'uni_pc', model: 'Anything-V3.0.ckpt' } },
  'comfyanonymous__ComfyUI_examples/gligen/gligen_textbox_example.png': { generator: 'comfyui', prompt_starts: 'sun', fields: { model: 'v1-5-pruned-emaonly.ckpt', size: '768x768' } },
  'comfyanonymous__ComfyUI_examples/hypernetworks/hypernetwork_example_output.png': { generator: 'comfyui', prompt_starts: 'woman (fennec ears fox ears:1.1), marble statue' },
  'comfyanonymous__ComfyUI_examples/inpaint/inpaint_example.png': { generator: 'comfyui', prompt_starts: 'closeup photograph of maine coon', fields: { model: '512-inpainting-ema.safetensors' } },
  'comfyanonymous__ComfyUI_examples/model_merging/model_merging_lora.png': { generator: 'comfyui', prompt_starts: 'beautiful scenery nature glass bottle landscape', loras: ['theovercomer8sContrastFix_sd15.safetensors'] },
  'comfyanonymous__ComfyUI_examples/sdturbo/sdxlturbo_example.png': { generator: 'comfyui', prompt_starts: 'beautiful landscape scenery glass bottle', fields: { steps: 1, cfg: 1, sampler: 'euler_ancestral', model: 'sd_xl_turbo_1.0_fp16.safetensors' } },
  'comfyanonymous__ComfyUI_examples/upscale_models/esrgan_example.png': { generator: 'comfyui', prompt_starts: 'masterpiece best quality girl standing in victorian clothing' },
  'comfyanonymous__ComfyUI_examples/z_image/z_image_turbo_example.png': { generator: 'comfyui', prompt_starts: 'cute anime style girl with massive fluffy fennec ears', fields: { steps: 9, model: 'z_image_turbo_bf16.safetensors' } },
  'comfyanonymous__ComfyUI_examples/lora/lora.png': { generator: 'comfyui', prompt_starts: 'masterpiece best quality girl', loras: ['epiNoiseoffset_v2.safetensors'] },
};
