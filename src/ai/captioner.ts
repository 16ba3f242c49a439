/**
 * Image captions from a VisionEncoderDecoder export in the transformers.js layout (e.g.
 * Xenova/vit-gpt2-image-captioning: onnx/encoder_model.onnx + onnx/decoder_model_merged.onnx,
 * tokenizer.json, config.json / generation_config.json, preprocessor_config.json): the encoder
 * runs once per batch, then greedy decoding in our own loop over ONNX Runtime. Each step feeds the
 * whole sequence so far with the merged decoder's cache branch off (empty past): captions are a
 * few tokens, so the quadratic cost is small and no key/value bookkeeping is needed.
 */
import fs from 'node:fs';
import path from 'node:path';
import type * as ort from 'onnxruntime-node';
import { localTokenizer, ModelFailedError, onnxRuntime, type Tokenizer } from './runtime.js';
import { ModelUnavailableError, type ModelInfo } from './models.js';
import { ModelUnsupportedError } from './interface.js';
import { ortOptions } from './ort-options.js';

export interface CaptionerManifest {
  name: string;
  task: 'image-to-text';
  description?: string;
  encoder: string;
  decoder: string;
  /** Longest caption in tokens (default: generation_config.json's max_length, else 20). */
  max_tokens?: number;
  source?: { repo: string; revision: string };
}

export interface CaptionerInfo {
  manifest: CaptionerManifest;
  dir: string;
  /** Preprocessing (preprocessor_config.json; ViT: 224 px squashed, 0.5 mean/std). */
  pixels: ModelInfo;
  startId: number;
  eosId: number;
  maxTokens: number;
}

function readJson(file: string): Record<string, unknown> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

export function loadCaptionerInfo(modelsDir: string, name: string): CaptionerInfo {
  const dir = path.join(modelsDir, name);
  const manifest = readJson(path.join(dir, 'model.json')) as unknown as CaptionerManifest;
  if (manifest.task !== 'image-to-text') throw new ModelUnavailableError(`captioner ${name} is not installed in ${modelsDir} (npm run models:download -- ${name})`);
  for (const file of [manifest.encoder, manifest.decoder, 'tokenizer.json']) {
    if (!fs.existsSync(path.join(dir, file))) throw new ModelUnavailableError(`captioner ${name} is incomplete: ${file} is missing`);
  }
  const config = readJson(path.join(dir, 'config.json'));
  const generation = readJson(path.join(dir, 'generation_config.json'));
  const pre = readJson(path.join(dir, 'preprocessor_config.json'));
  const num = (...vs: unknown[]) => vs.find((v): v is number => typeof v === 'number');
  const size = pre.size as { height?: number } | number | undefined;
  const imageSize = (typeof size === 'number' ? size : size?.height) ?? 224;
  const eosId = num(generation.eos_token_id, config.eos_token_id, (config.decoder as Record<string, unknown> | undefined)?.eos_token_id);
  const startId = num(generation.decoder_start_token_id, config.decoder_start_token_id, generation.bos_token_id, eosId);
  if (eosId === undefined || startId === undefined) throw new ModelUnsupportedError(`captioner ${name}: config.json gives no decoder_start_token_id / eos_token_id`);
  const pixels: ModelInfo = {
    manifest: { name, family: 'clip', dim: 0, vision: manifest.encoder, text: manifest.decoder },
    dir,
    imageSize,
    mean: (pre.image_mean as number[] | undefined) ?? [0.5, 0.5, 0.5],
    std: (pre.image_std as number[] | undefined) ?? [0.5, 0.5, 0.5],
    resizeMode: pre.do_center_crop === true ? 'shortest' : 'squash',
  };
  return { manifest, dir, pixels, startId, eosId, maxTokens: Math.min(64, manifest.max_tokens ?? num(generation.max_length, config.max_length) ?? 20) };
}

export function listCaptioners(modelsDir: string): string[] {
  if (!fs.existsSync(modelsDir)) return [];
  return fs
    .readdirSync(modelsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && readJson(path.join(modelsDir, d.name, 'model.json')).task === 'image-to-text')
    .map((d) => d.name)
    .sort();
}

/** The captioner to use: the configured one, else the only one installed (generated test ones only when named), else none. */
export function chooseCaptioner(modelsDir: string, configured: string | null): CaptionerInfo | null {
  if (configured === 'none') return null;
  if (configured) return loadCaptionerInfo(modelsDir, configured);
  const available = listCaptioners(modelsDir).filter((n) => !n.startsWith('vv-test'));
  return available.length === 1 ? loadCaptionerInfo(modelsDir, available[0]) : null;
}

type TensorMeta = Extract<ort.InferenceSession.ValueMetadata, { isTensor: true }>;

export class Captioner {
  private encoder: ort.InferenceSession | null = null;
  private decoder: ort.InferenceSession | null = null;
  private tokenizer: Tokenizer | null = null;

  constructor(
    readonly info: CaptionerInfo,
    private readonly threads = 1,
  ) {}

  private async load(): Promise<void> {
    const options = ortOptions(this.threads);
    const { InferenceSession } = await onnxRuntime();
    const open = async (file: string) => {
      try {
        return await InferenceSession.create(path.join(this.info.dir, file), options);
      } catch (err) {
        throw new ModelFailedError(`${this.info.manifest.name}: cannot load ${file}: ${(err as Error).message}`);
      }
    };
    this.encoder ??= await open(this.info.manifest.encoder);
    this.decoder ??= await open(this.info.manifest.decoder);
    this.tokenizer ??= await localTokenizer(this.info.dir);
  }

  /** Captions for already-preprocessed images (see `info.pixels`), one greedy decode per image, batched. */
  async caption(batch: Float32Array[]): Promise<string[]> {
    if (batch.length === 0) return [];
    await this.load();
    const { Tensor } = await onnxRuntime();
    const encoder = this.encoder!;
    const decoder = this.decoder!;
    const n = batch.length;
    const size = this.info.pixels.imageSize;
    const pixelInput = encoder.inputMetadata.find((m): m is TensorMeta => m.isTensor && m.shape.length === 4);
    if (!pixelInput || pixelInput.type !== 'float32') throw new ModelUnsupportedError(`${this.info.manifest.name}: encoder has no float32 4-D pixel input`);
    const pixels = new Float32Array(n * 3 * size * size);
    batch.forEach((px, i) => pixels.set(px, i * px.length));
    const encoded = await this.run(encoder, { [pixelInput.name]: new Tensor('float32', pixels, [n, 3, size, size]) });
    const hidden = encoded.last_hidden_state ?? encoded[encoder.outputNames[0]];
    const ids: number[][] = Array.from({ length: n }, () => [this.info.startId]);
    const done = new Array<boolean>(n).fill(false);
    for (let step = 0; step < this.info.maxTokens && done.includes(false); step++) {
      const length = ids[0].length;
      const feeds: Record<string, ort.Tensor> = {};
      for (const m of decoder.inputMetadata) {
        if (!m.isTensor) continue;
        if (m.name === 'input_ids') feeds[m.name] = new Tensor('int64', BigInt64Array.from(ids.flat(), BigInt), [n, length]);
        else if (m.name === 'encoder_hidden_states') feeds[m.name] = hidden;
        else if (m.name === 'encoder_attention_mask') feeds[m.name] = new Tensor('int64', new BigInt64Array(n * hidden.dims[1]).fill(1n), [n, hidden.dims[1]]);
        else if (m.name === 'use_cache_branch') feeds[m.name] = new Tensor('bool', [false], [1]);
        else if (m.name.startsWith('past_key_values')) {
          // No cache: every past is empty (its sequence axis 0), batch-sized.
          const dims = m.shape.map((d, i) => (i === 0 ? n : typeof d === 'number' ? d : 0));
          feeds[m.name] = new Tensor('float32', new Float32Array(0), dims);
        } else throw new ModelUnsupportedError(`${this.info.manifest.name}: decoder input ${m.name} is not one a VisionEncoderDecoder export takes`);
      }
      const logits = (await this.run(decoder, feeds, ['logits'])).logits;
      const vocab = logits.dims[2];
      const data = logits.data as Float32Array;
      for (let b = 0; b < n; b++) {
        if (done[b]) {
          ids[b].push(this.info.eosId);
          continue;
        }
        const row = (b * length + (length - 1)) * vocab;
        let best = 0;
        for (let v = 1; v < vocab; v++) if (data[row + v] > data[row + best]) best = v;
        ids[b].push(best);
        if (best === this.info.eosId) done[b] = true;
      }
    }
    return ids.map((seq) => {
      const body = seq.slice(1);
      const end = body.indexOf(this.info.eosId);
      return this.tokenizer!.decode(end < 0 ? body : body.slice(0, end), { skip_special_tokens: true }).trim();
    });
  }

  private async run(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, outputs?: string[]): Promise<ort.InferenceSession.ReturnType> {
    try {
      return await (outputs ? session.run(feeds, outputs) : session.run(feeds));
    } catch (err) {
      throw new ModelFailedError(`${this.info.manifest.name}: ${(err as Error).message}`);
    }
  }

  async close(): Promise<void> {
    await this.encoder?.release();
    await this.decoder?.release();
    this.encoder = this.decoder = null;
  }
}
