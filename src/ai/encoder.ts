/**
 * CLIP / SigLIP encoders: sharp preprocessing (resize the short side, centre crop, normalise,
 * CHW), the model's own BPE / SentencePiece tokenizer (transformers.js, local files only), ONNX
 * Runtime sessions, L2-normalised embeddings. Sessions load once and stay resident.
 */
import path from 'node:path';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import { AutoTokenizer, env } from '@huggingface/transformers';
import type { ModelInfo } from './models.js';

type Tokenizer = Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;

export function l2normalize(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] / n;
  return out;
}

/** Image → normalised CHW float pixels of size × size. */
export async function preprocess(file: string | Buffer, info: ModelInfo): Promise<Float32Array> {
  const size = info.imageSize;
  const { data } = await sharp(file, { failOn: 'none', limitInputPixels: 268_402_689 })
    .rotate()
    .removeAlpha()
    .resize(size, size, { fit: info.resizeMode === 'squash' ? 'fill' : 'cover', position: 'centre', kernel: 'cubic' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const plane = size * size;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) out[c * plane + i] = (data[i * 3 + c] / 255 - info.mean[c]) / info.std[c];
  }
  return out;
}

function pickOutput(session: ort.InferenceSession, preferred: string[]): string {
  return preferred.find((n) => session.outputNames.includes(n)) ?? session.outputNames[0];
}

export class Encoder {
  private vision: ort.InferenceSession | null = null;
  private text: ort.InferenceSession | null = null;
  private tokenizer: Tokenizer | null = null;
  dim = 0;

  constructor(
    readonly info: ModelInfo,
    private readonly threads = 1,
  ) {}

  private options(): ort.InferenceSession.SessionOptions {
    return { intraOpNumThreads: this.threads, interOpNumThreads: 1, executionProviders: ['cpu'], graphOptimizationLevel: 'all' };
  }

  /** Each tower loads on first use: the server's query encoder never loads the vision tower. */
  private async visionSession(): Promise<ort.InferenceSession> {
    this.vision ??= await ort.InferenceSession.create(path.join(this.info.dir, this.info.manifest.vision), this.options());
    return this.vision;
  }

  private async textSession(): Promise<ort.InferenceSession> {
    this.text ??= await ort.InferenceSession.create(path.join(this.info.dir, this.info.manifest.text), this.options());
    if (!this.tokenizer) {
      // Never reach for the network: the tokenizer files sit beside the model.
      env.allowRemoteModels = false;
      env.allowLocalModels = true;
      const tokenizerDir = path.resolve(this.info.dir, this.info.manifest.tokenizer_dir ?? '.');
      env.localModelPath = `${path.dirname(tokenizerDir)}${path.sep}`;
      this.tokenizer = await AutoTokenizer.from_pretrained(path.basename(tokenizerDir));
    }
    return this.text;
  }

  /** Exports with a fixed batch of 1 (some open_clip ones) are run image by image. */
  private batchable = true;

  /** Embeds already-preprocessed images (one ORT run per batch). */
  async embedPixels(batch: Float32Array[]): Promise<Float32Array[]> {
    await this.visionSession();
    if (batch.length > 1 && this.batchable) {
      try {
        return await this.runVision(batch);
      } catch (err) {
        if (!/dimension|shape/i.test((err as Error).message)) throw err;
        this.batchable = false;
      }
    }
    if (batch.length === 1) return this.runVision(batch);
    const out: Float32Array[] = [];
    for (const px of batch) out.push(...(await this.runVision([px])));
    return out;
  }

  private async runVision(batch: Float32Array[]): Promise<Float32Array[]> {
    const size = this.info.imageSize;
    const input = new Float32Array(batch.length * 3 * size * size);
    batch.forEach((px, i) => input.set(px, i * px.length));
    const session = this.vision!;
    const inputName = this.info.manifest.vision_input ?? (session.inputNames.includes('pixel_values') ? 'pixel_values' : session.inputNames[0]);
    const result = await session.run({ [inputName]: new ort.Tensor('float32', input, [batch.length, 3, size, size]) });
    const out = result[pickOutput(session, ['image_embeds', 'pooler_output'])];
    return this.split(out, batch.length);
  }

  async embedImages(files: (string | Buffer)[]): Promise<Float32Array[]> {
    const pixels = await Promise.all(files.map((f) => preprocess(f, this.info)));
    return this.embedPixels(pixels);
  }

  async embedTexts(texts: string[]): Promise<Float32Array[]> {
    const session = await this.textSession();
    const siglip = this.info.manifest.family === 'siglip';
    const maxLength = this.info.manifest.text_max_length ?? (siglip ? 64 : 77);
    const enc = this.tokenizer!(texts, { padding: siglip || this.info.manifest.pad_to_max_length ? 'max_length' : true, truncation: true, max_length: maxLength });
    const ids = enc.input_ids;
    const int32 = this.info.manifest.text_dtype === 'int32';
    const tensorOf = (data: BigInt64Array, dims: number[]) =>
      int32 ? new ort.Tensor('int32', Int32Array.from(data, Number), dims) : new ort.Tensor('int64', data, dims);
    const inputName = this.info.manifest.text_input ?? (session.inputNames.includes('input_ids') ? 'input_ids' : session.inputNames[0]);
    const feeds: Record<string, ort.Tensor> = { [inputName]: tensorOf(ids.data as BigInt64Array, ids.dims as number[]) };
    if (session.inputNames.includes('attention_mask')) {
      const mask = enc.attention_mask;
      feeds.attention_mask = tensorOf(mask.data as BigInt64Array, mask.dims as number[]);
    }
    const result = await session.run(feeds);
    return this.split(result[pickOutput(session, ['text_embeds', 'pooler_output'])], texts.length);
  }

  private split(tensor: ort.Tensor, n: number): Float32Array[] {
    const data = tensor.data as Float32Array;
    const dim = data.length / n;
    this.dim = dim;
    return Array.from({ length: n }, (_, i) => l2normalize(data.subarray(i * dim, (i + 1) * dim)));
  }

  async close(): Promise<void> {
    await this.vision?.release();
    await this.text?.release();
    this.vision = this.text = null;
  }
}
