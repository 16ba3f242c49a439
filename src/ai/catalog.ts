/**
 * Models `npm run models:download -- <name>` knows: the repository, the commit every file is
 * fetched from, and per file the size and sha256 where a public reference gives them (models/
 * README.md lists the sources). A file pinned by commit only is checked against what the hub lists
 * for that commit (size, LFS sha256 or git blob sha1) — a later re-export on `main` cannot change it.
 */
import type { ModelManifest } from './models.js';
import type { CaptionerManifest } from './captioner.js';

export interface PinnedFile {
  path: string;
  size?: number;
  /** sha256 of the content (the LFS oid for LFS files). */
  sha256?: string;
  /** git blob id (sha1 of "blob <size>\0" + content) for files stored in git itself. */
  git_sha1?: string;
}

export interface CatalogEntry {
  name: string;
  repo: string;
  /** The commit every file is fetched from (never a branch). */
  revision: string;
  /** Files to fetch, relative to the repository (kept at the same relative path). */
  files: PinnedFile[];
  manifest: Omit<ModelManifest, 'name' | 'source'> | Omit<CaptionerManifest, 'name' | 'source'>;
  size_mb: number;
  /** What the entry trades (quantized variants). */
  tradeoff?: string;
}

export const DEFAULT_MODEL = 'clip-vit-b32-laion2b';
export const DEFAULT_CAPTIONER = 'vit-gpt2-captions';

const IMMICH_LAION = '19a057a0fb927cf239541300e74237cd56c7ffe2';
const XENOVA_CLIP = 'd15189d7028b43f1d3e65039190477f6af591c2a';
const XENOVA_SIGLIP = '4649052661e53c7000355844105f8a1792088239';
/**
 * Xenova/vit-gpt2-image-captioning: the commit public model catalogues pin (a transformers.js
 * manifest giving the two int8 ONNX files' sizes at this revision; a Go ONNX test suite's caption
 * references). The sha256 of those files: public download catalogues (Dart, Java) fetching them
 * from the repository, and a git-lfs pointer of each in a public mirror of the repository, whose
 * sizes equal the pinned ones. models/README.md lists them.
 */
const XENOVA_VIT_GPT2 = '215b4edcb7ec1fad5905a18a03f7b2007f6fabd0';

const clipOpenAiManifest = {
  family: 'clip',
  dim: 512,
} as const;

export const CATALOG: CatalogEntry[] = [
  {
    name: 'clip-vit-b32-laion2b',
    repo: 'immich-app/ViT-B-32__laion2b-s34b-b79k',
    revision: IMMICH_LAION,
    files: [
      { path: 'config.json' },
      { path: 'visual/model.onnx', size: 351_613_724, sha256: 'b9ce24b91a8c62ef8d40ea786051709c93140104cbf2b6b4a2cc270df3838f9c' },
      { path: 'visual/preprocess_cfg.json' },
      { path: 'textual/model.onnx', size: 254_193_396, sha256: '48c25be37b352398f2533c9426dab6f9340535e14e46f884cc894236a5060722' },
      { path: 'textual/tokenizer.json' },
      { path: 'textual/tokenizer_config.json' },
    ],
    manifest: {
      family: 'clip',
      description: 'OpenCLIP ViT-B/32 trained on LAION-2B (66.6 % ImageNet zero-shot; OpenAI B/32: 63.3 %), same cost. Recommended default. Batch fixed at 1 (one image per run).',
      dim: 512,
      vision: 'visual/model.onnx',
      text: 'textual/model.onnx',
      tokenizer_dir: 'textual',
      text_max_length: 77,
    },
    size_mb: 580,
  },
  {
    name: 'clip-vit-b32-openai',
    repo: 'Xenova/clip-vit-base-patch32',
    revision: XENOVA_CLIP,
    files: [
      { path: 'onnx/vision_model.onnx', sha256: 'fd6e1402a588279d1723c7534d4bcba5bc0b14b47dfab0e46f8c47b8270d7d40' },
      { path: 'onnx/text_model.onnx', sha256: '3f6571f5bad13a97c469c1622e1cfc4d9aef78b79fdbfcff804ca357bfada8cc' },
      { path: 'tokenizer.json', size: 2_224_119, git_sha1: 'bc1f77d20440541dd073ebae6f6c401087c7d34e' },
      { path: 'tokenizer_config.json' },
      { path: 'preprocessor_config.json', size: 520, sha256: '6f638fb9401a6d6296feff533ee7efe657b787c49f954f82f5906b36ef2a1b1f' },
    ],
    manifest: {
      ...clipOpenAiManifest,
      description: "OpenAI's CLIP ViT-B/32 (63.3 % ImageNet zero-shot). Same cost as the LAION-2B one, lower recall; batches images.",
      vision: 'onnx/vision_model.onnx',
      text: 'onnx/text_model.onnx',
    },
    size_mb: 600,
  },
  {
    name: 'clip-vit-b32-openai-q8',
    repo: 'Xenova/clip-vit-base-patch32',
    revision: XENOVA_CLIP,
    files: [
      { path: 'onnx/vision_model_quantized.onnx', size: 89_117_001, sha256: '583fd1110a514667812fee7d684952aaf82a99b959760c8d7dca7e0ab9839299' },
      { path: 'onnx/text_model_quantized.onnx', size: 64_504_507, sha256: '73baab855d406190da9faa498cfedf65f15cf309f4cc7385b7b032e6d08e5c3a' },
      { path: 'tokenizer.json', size: 2_224_119, git_sha1: 'bc1f77d20440541dd073ebae6f6c401087c7d34e' },
      { path: 'tokenizer_config.json' },
      { path: 'preprocessor_config.json', size: 520, sha256: '6f638fb9401a6d6296feff533ee7efe657b787c49f954f82f5906b36ef2a1b1f' },
    ],
    manifest: {
      ...clipOpenAiManifest,
      description: "OpenAI's CLIP ViT-B/32, int8-quantized by transformers.js (dynamic quantization of the weights).",
      vision: 'onnx/vision_model_quantized.onnx',
      text: 'onnx/text_model_quantized.onnx',
    },
    size_mb: 155,
    tradeoff: 'about a quarter of the download and memory and faster on CPU, for slightly lower recall (vectors differ from the float model: a library embedded with one must be re-embedded to switch)',
  },
  {
    name: 'siglip-b16',
    repo: 'Xenova/siglip-base-patch16-224',
    revision: XENOVA_SIGLIP,
    files: [
      { path: 'onnx/vision_model.onnx', size: 371_819_850, sha256: 'f89d41bac7f4d4b87e010a467d93f98689d708916ed22f5a07f96fdfa26f475f' },
      { path: 'onnx/text_model.onnx', size: 441_332_132, sha256: '3aa7fdbd20eaa8740cce17bf82913de641fcb632a768fed59f661cdcd0c32553' },
      { path: 'tokenizer.json', size: 2_398_744, sha256: '4a17c975210be5ab4c36b47d8dae4eefb866dbfb1e676e394aad85dc30a3ae08' },
      { path: 'tokenizer_config.json' },
      { path: 'preprocessor_config.json' },
    ],
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
  {
    name: 'siglip-b16-q8',
    repo: 'Xenova/siglip-base-patch16-224',
    revision: XENOVA_SIGLIP,
    files: [
      { path: 'onnx/vision_model_quantized.onnx', size: 99_499_129, sha256: 'ef14a954f3d57e1806666432bd9785004c1dc27100aa260eee0cb0f10a5de058' },
      { path: 'onnx/text_model_quantized.onnx', size: 111_475_220, sha256: 'ad0329b1f35acc66d8953ff2559ce358da8eb0a7011794cf951523d63a4dbce2' },
      { path: 'tokenizer.json', size: 2_398_744, sha256: '4a17c975210be5ab4c36b47d8dae4eefb866dbfb1e676e394aad85dc30a3ae08' },
      { path: 'tokenizer_config.json' },
      { path: 'preprocessor_config.json' },
    ],
    manifest: {
      family: 'siglip',
      description: 'SigLIP ViT-B/16 at 224 px, int8-quantized by transformers.js (dynamic quantization of the weights).',
      dim: 768,
      vision: 'onnx/vision_model_quantized.onnx',
      text: 'onnx/text_model_quantized.onnx',
      text_max_length: 64,
      pad_to_max_length: true,
      resize_mode: 'squash',
    },
    size_mb: 215,
    tradeoff: 'about a quarter of the download and memory and faster on CPU, for slightly lower recall (vectors differ from the float model: a library embedded with one must be re-embedded to switch)',
  },
  {
    name: 'vit-gpt2-captions',
    repo: 'Xenova/vit-gpt2-image-captioning',
    revision: XENOVA_VIT_GPT2,
    files: [
      { path: 'onnx/encoder_model_quantized.onnx', size: 87_453_213, sha256: '6f6e2e27c11303cf533682184543333e7ecb930a734197a0272a1e408aba2766' },
      { path: 'onnx/decoder_model_merged_quantized.onnx', size: 158_599_996, sha256: '1f3ec53b5fc3614c0b54ee786755a7ec3007841f57543f8e241499edfadfa98f' },
      { path: 'tokenizer.json' },
      { path: 'tokenizer_config.json' },
      { path: 'config.json' },
      { path: 'generation_config.json' },
      { path: 'preprocessor_config.json' },
    ],
    manifest: {
      task: 'image-to-text',
      description: 'ViT-GPT2 image captioning (nlpconnect/vit-gpt2-image-captioning, int8 transformers.js export): short English captions for images without a prompt.',
      encoder: 'onnx/encoder_model_quantized.onnx',
      decoder: 'onnx/decoder_model_merged_quantized.onnx',
    },
    size_mb: 250,
  },
];

export function catalogEntry(name: string): CatalogEntry | null {
  return CATALOG.find((e) => e.name === name) ?? null;
}
