/**
 * Models `npm run models:download -- <name>` knows: where each comes from and the model.json it
 * gets. ONNX exports whose towers output the projected embedding.
 */
import type { ModelManifest } from './models.js';

export interface CatalogEntry {
  name: string;
  repo: string;
  /** Files to fetch, relative to the repository (kept at the same relative path). */
  files: string[];
  manifest: Omit<ModelManifest, 'name' | 'source'>;
  size_mb: number;
}

export const DEFAULT_MODEL = 'clip-vit-b32-laion2b';

export const CATALOG: CatalogEntry[] = [
  {
    name: 'clip-vit-b32-laion2b',
    repo: 'immich-app/ViT-B-32__laion2b-s34b-b79k',
    files: ['config.json', 'visual/model.onnx', 'visual/preprocess_cfg.json', 'textual/model.onnx', 'textual/tokenizer.json', 'textual/tokenizer_config.json'],
    manifest: {
      family: 'clip',
      description: 'OpenCLIP ViT-B/32 trained on LAION-2B (66.6 % ImageNet zero-shot; OpenAI B/32: 63.3 %), same cost. Recommended default.',
      dim: 512,
      vision: 'visual/model.onnx',
      text: 'textual/model.onnx',
      tokenizer_dir: 'textual',
      vision_input: 'image',
      text_input: 'text',
      text_dtype: 'int32',
      text_max_length: 77,
      pad_to_max_length: true,
    },
    size_mb: 580,
  },
  {
    name: 'clip-vit-b32-openai',
    repo: 'Xenova/clip-vit-base-patch32',
    files: ['onnx/vision_model.onnx', 'onnx/text_model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'preprocessor_config.json'],
    manifest: {
      family: 'clip',
      description: "OpenAI's CLIP ViT-B/32 (63.3 % ImageNet zero-shot). Same cost as the LAION-2B one, lower recall.",
      dim: 512,
      vision: 'onnx/vision_model.onnx',
      text: 'onnx/text_model.onnx',
    },
    size_mb: 600,
  },
  {
    name: 'siglip-b16',
    repo: 'Xenova/siglip-base-patch16-224',
    files: ['onnx/vision_model.onnx', 'onnx/text_model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'preprocessor_config.json'],
    manifest: {
      family: 'siglip',
      description: 'SigLIP ViT-B/16 at 224 px (76 % ImageNet zero-shot): better retrieval, ~4× the image cost of B/32.',
      dim: 768,
      vision: 'onnx/vision_model.onnx',
      text: 'onnx/text_model.onnx',
      text_max_length: 64,
      pad_to_max_length: true,
      resize_mode: 'squash',
    },
    size_mb: 800,
  },
];

export function catalogEntry(name: string): CatalogEntry | null {
  return CATALOG.find((e) => e.name === name) ?? null;
}
