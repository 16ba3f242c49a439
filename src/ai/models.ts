/**
 * Models on disk: `models/<name>/` (or VV_MODELS_DIR) with a vision and a text ONNX encoder, a
 * tokenizer (tokenizer.json + tokenizer_config.json, as Hugging Face exports ship them) and
 * preprocessor_config.json. `model.json` names the files and the family; downloads write it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../package-root.js';

export type ModelFamily = 'clip' | 'siglip';

export interface ModelManifest {
  name: string;
  family: ModelFamily;
  description?: string;
  /** Embedding size (both towers). */
  dim: number;
  vision: string;
  text: string;
  /** Folder (relative to the model's) holding tokenizer.json; default the model folder. */
  tokenizer_dir?: string;
  /**
   * Which input to feed when a tower has several candidates. Names, token type, batch and
   * sequence length are otherwise read from the model (interface.ts); `text_dtype` is informative.
   */
  vision_input?: string;
  text_input?: string;
  text_dtype?: 'int64' | 'int32';
  /** Longest token sequence (default CLIP 77, SigLIP 64); a tower with a fixed length sets it. */
  text_max_length?: number;
  /** Pad every text to text_max_length even where the tower takes any length. */
  pad_to_max_length?: boolean;
  /** Token ids the self-check expects for "a photo of a cat" (default: CLIP's known ids for family clip). */
  self_check_ids?: number[];
  /** Preprocessing, when no preprocessor_config.json / preprocess_cfg.json says it. */
  image_size?: number;
  image_mean?: number[];
  image_std?: number[];
  /** `shortest`: resize the short side and centre-crop (CLIP); `squash`: resize to a square (SigLIP). */
  resize_mode?: 'shortest' | 'squash';
  /** Where a download came from (repository and revision), for the record. */
  source?: { repo: string; revision: string };
}

export interface ModelInfo {
  manifest: ModelManifest;
  dir: string;
  imageSize: number;
  mean: number[];
  std: number[];
  resizeMode: 'shortest' | 'squash';
}

export const DEFAULT_MODELS_DIR = path.join(PACKAGE_ROOT, 'models');

const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];

export class ModelUnavailableError extends Error {
  readonly code = 'model_unavailable';
}

function readJson(file: string): Record<string, unknown> | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Names of the models present (a folder with model.json whose encoder files exist). */
export function listModels(modelsDir: string): string[] {
  if (!fs.existsSync(modelsDir)) return [];
  return fs
    .readdirSync(modelsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .filter((name) => {
      try {
        loadModelInfo(modelsDir, name);
        return true;
      } catch {
        return false;
      }
    })
    .sort();
}

export function loadModelInfo(modelsDir: string, name: string): ModelInfo {
  const dir = path.join(modelsDir, name);
  const manifest = readJson(path.join(dir, 'model.json')) as ModelManifest | null;
  if (!manifest) throw new ModelUnavailableError(`model ${name} is not installed in ${modelsDir} (npm run models:download -- ${name})`);
  if (!Number.isInteger(manifest.dim) || manifest.dim <= 0) throw new ModelUnavailableError(`model ${name}: model.json must give the embedding size as "dim"`);
  const tokenizerDir = manifest.tokenizer_dir ?? '.';
  for (const file of [manifest.vision, manifest.text, path.join(tokenizerDir, 'tokenizer.json')]) {
    if (!fs.existsSync(path.join(dir, file))) throw new ModelUnavailableError(`model ${name} is incomplete: ${file} is missing`);
  }
  const family = manifest.family ?? 'clip';
  // Hugging Face exports describe preprocessing in preprocessor_config.json, open_clip (Immich) ones in visual/preprocess_cfg.json.
  const hf = readJson(path.join(dir, 'preprocessor_config.json')) ?? {};
  const oc = readJson(path.join(dir, path.dirname(manifest.vision), 'preprocess_cfg.json')) ?? {};
  const crop = hf.crop_size as { height?: number } | number | undefined;
  const size = hf.size as { shortest_edge?: number; height?: number } | number | undefined;
  const ocSize = oc.size as number | number[] | undefined;
  const imageSize =
    manifest.image_size ??
    (Array.isArray(ocSize) ? ocSize[0] : ocSize) ??
    (typeof crop === 'number' ? crop : crop?.height) ??
    (typeof size === 'number' ? size : (size?.shortest_edge ?? size?.height)) ??
    224;
  const mean = manifest.image_mean ?? (oc.mean as number[] | undefined) ?? (hf.image_mean as number[] | undefined) ?? (family === 'siglip' ? [0.5, 0.5, 0.5] : CLIP_MEAN);
  const std = manifest.image_std ?? (oc.std as number[] | undefined) ?? (hf.image_std as number[] | undefined) ?? (family === 'siglip' ? [0.5, 0.5, 0.5] : CLIP_STD);
  const hfSquash = hf.do_center_crop === false;
  const resizeMode = manifest.resize_mode ?? (oc.resize_mode as 'shortest' | 'squash' | undefined) ?? (family === 'siglip' || hfSquash ? 'squash' : 'shortest');
  return { manifest: { ...manifest, family }, dir, imageSize, mean, std, resizeMode };
}

/** The model to use: the configured one, else the only one installed, else none. */
export function chooseModel(modelsDir: string, configured: string | null): ModelInfo | null {
  if (configured === 'none') return null;
  if (configured) return loadModelInfo(modelsDir, configured);
  // Generated test models are used only when named.
  const available = listModels(modelsDir).filter((n) => !n.startsWith('vv-test'));
  return available.length === 1 ? loadModelInfo(modelsDir, available[0]) : null;
}
