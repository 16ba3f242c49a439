/**
 * CLIP / SigLIP encoders: sharp preprocessing (resize the short side, centre crop, normalise,
 * CHW), the model's own BPE / SentencePiece tokenizer (transformers.js, local files only), ONNX
 * Runtime sessions, L2-normalised embeddings. Sessions load once and stay resident. How each tower
 * is fed (names, token type, fixed batch or sequence length, which output) is read from the model
 * (interface.ts), so the Immich, transformers.js CLIP and SigLIP exports all run as they are.
 */
import path from 'node:path';
import type * as ort from 'onnxruntime-node';
import type { ModelInfo } from './models.js';
import { ortOptions } from './ort-options.js';
import { localTokenizer, ModelFailedError, onnxRuntime, type Tokenizer } from './runtime.js';
import { describeAll, ModelUnsupportedError, readTextInterface, readVisionInterface, type TextInterface, type VisionInterface } from './interface.js';

export { ModelFailedError };

/** sharp on first use: the query text worker never decodes an image. */
const imageLibrary = () => import('sharp').then((m) => m.default);

/**
 * "a photo of a cat" under OpenAI's CLIP BPE vocabulary (also open_clip's and Immich's), as
 * bumblebee's test/bumblebee/text/clip_tokenizer_test.exs and the issue give them.
 */
export const KNOWN_CLIP_IDS = [49406, 320, 1125, 539, 320, 2368, 49407];
export const SELF_CHECK_TEXT = 'a photo of a cat';

/**
 * No published ids exist for "a photo of a cat" under SigLIP's SentencePiece vocabulary; these are
 * google/siglip-base-patch16-224's for this sentence (1 is </s>), as huggingface/transformers
 * tests/models/siglip/test_tokenization_siglip.py (test_prepare_batch, test_eos_in_input; commit
 * 046eae0032b26be7ca49b4ec118bf7fa5a93785d) gives them. The capital and the full stop check the
 * reference normalisation too (see normaliseSiglipText).
 */
export const SIGLIP_CHECK_TEXT = 'A long paragraph for summarization.';
export const KNOWN_SIGLIP_IDS = [262, 266, 476, 8532, 270, 4460, 3949, 1682, 1];

export function l2normalize(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] / n;
  return out;
}

/**
 * SigLIP's reference tokenizer (transformers tokenization_siglip.py: `do_lower_case`, then
 * `canonicalize_text` — ASCII punctuation removed, whitespace collapsed, stripped) normalises
 * before SentencePiece; transformers.js does not, so the encoder does it.
 */
export function normaliseSiglipText(text: string): string {
  return text
    .toLowerCase()
    .replace(/[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Image → normalised CHW float pixels of size × size. */
export async function preprocess(file: string | Buffer, info: ModelInfo): Promise<Float32Array> {
  const size = info.imageSize;
  const sharp = await imageLibrary();
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

/** Items in runs of the model's fixed batch (the last run filled up with copies of its first item), or all at once. */
function runsOf<T>(items: T[], batch: number | null, max = 64): T[][] {
  const size = batch ?? max;
  const runs: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    const run = items.slice(i, i + size);
    while (batch !== null && run.length < batch) run.push(run[0]);
    runs.push(run);
  }
  return runs;
}

export interface SelfCheckReport {
  ok: boolean;
  problems: string[];
  vision: VisionInterface & { inputs: string; outputs: string };
  text: TextInterface & { inputs: string; outputs: string };
  /** The sentence tokenized for `ids`. */
  ids_text: string;
  ids: number[];
  expected_ids: number[] | null;
  dim: number;
  ms: { load: number; text: number; image: number };
}

export class Encoder {
  private vision: ort.InferenceSession | null = null;
  private text: ort.InferenceSession | null = null;
  private tokenizer: Tokenizer | null = null;
  visionIo: VisionInterface | null = null;
  textIo: TextInterface | null = null;
  dim = 0;

  constructor(
    readonly info: ModelInfo,
    private readonly threads = 1,
  ) {}

  private options(): ort.InferenceSession.SessionOptions {
    return ortOptions(this.threads);
  }

  private async session(file: string): Promise<ort.InferenceSession> {
    try {
      const { InferenceSession } = await onnxRuntime();
      return await InferenceSession.create(path.join(this.info.dir, file), this.options());
    } catch (err) {
      throw new ModelFailedError(`${this.info.manifest.name}: cannot load ${file}: ${(err as Error).message}`);
    }
  }

  /** Each tower loads on first use: the server's query encoder never loads the vision tower. */
  async visionSession(): Promise<ort.InferenceSession> {
    if (!this.vision) {
      const session = await this.session(this.info.manifest.vision);
      const io = readVisionInterface(session, this.info.manifest.dim, this.info.manifest.vision_input);
      if (io.imageSize !== null && io.imageSize !== this.info.imageSize) {
        throw new ModelUnsupportedError(`vision tower takes ${io.imageSize} px images, the preprocessing config says ${this.info.imageSize}`);
      }
      this.visionIo = io;
      this.vision = session;
    }
    return this.vision;
  }

  async textSession(): Promise<ort.InferenceSession> {
    // The tokenizer loads while ONNX Runtime builds the session (~0.2 s of a first query).
    const tokenizerLoading = this.tokenizer ? null : localTokenizer(path.resolve(this.info.dir, this.info.manifest.tokenizer_dir ?? '.'));
    tokenizerLoading?.catch(() => undefined); // awaited below, unless the session fails first
    if (!this.text) {
      const session = await this.session(this.info.manifest.text);
      this.textIo = readTextInterface(session, this.info.manifest.dim, this.info.manifest.text_input);
      this.text = session;
    }
    if (!this.tokenizer && tokenizerLoading) {
      const tokenizer = await tokenizerLoading;
      this.tokenizer = tokenizer;
      const problem = this.tokenizerProblem(this.encode(tokenizer, this.selfCheckTokens.text));
      if (problem) {
        this.tokenizer = null;
        throw new ModelFailedError(`${this.info.manifest.name}: self-check failed: ${problem}`);
      }
    }
    return this.text;
  }

  /**
   * The sentence the self-check tokenizes and the ids it must get: model.json's ids for "a photo of
   * a cat", else the published ones of the family's reference vocabulary (none for other families).
   */
  get selfCheckTokens(): { text: string; ids: number[] | null } {
    const { self_check_ids: ids, family } = this.info.manifest;
    if (ids) return { text: SELF_CHECK_TEXT, ids };
    if (family === 'siglip') return { text: SIGLIP_CHECK_TEXT, ids: KNOWN_SIGLIP_IDS };
    return { text: SELF_CHECK_TEXT, ids: family === 'clip' ? KNOWN_CLIP_IDS : null };
  }

  private tokenizerProblem(ids: number[]): string | null {
    const { text, ids: expected } = this.selfCheckTokens;
    if (expected && (ids.length !== expected.length || expected.some((id, i) => ids[i] !== id))) {
      return `tokenizer: "${text}" gave [${ids.join(', ')}], expected [${expected.join(', ')}]`;
    }
    if (!expected && ids[ids.length - 1] !== this.tokenizer!.eos_token_id) return `tokenizer: "${text}" does not end with the end token`;
    return null;
  }

  /** One text's ids with special tokens, normalised as the family's reference tokenizer does. */
  private encode(tok: Tokenizer, text: string): number[] {
    return tok.encode(this.siglip ? normaliseSiglipText(text) : text);
  }

  private get siglip(): boolean {
    return this.info.manifest.family === 'siglip';
  }

  /**
   * Token ids per text, as the text tower takes them: special tokens added, truncated so the end
   * token survives (CLIP pools at EOT, SigLIP at the last position), padded to the tower's fixed
   * length — SigLIP always to 64, as it was trained — or to the longest in the run.
   */
  async tokenize(texts: string[]): Promise<number[][]> {
    return (await this.tokenizeWithLengths(texts)).ids;
  }

  private async tokenizeWithLengths(texts: string[]): Promise<{ ids: number[][]; lengths: number[] }> {
    await this.textSession();
    const io = this.textIo!;
    const tok = this.tokenizer!;
    const maxLength = io.length ?? this.info.manifest.text_max_length ?? (this.siglip ? 64 : 77);
    const ids = texts.map((t) => {
      const seq = this.encode(tok, t);
      return seq.length > maxLength ? [...seq.slice(0, maxLength - 1), seq[seq.length - 1]] : seq;
    });
    const padTo = io.length ?? (this.siglip || this.info.manifest.pad_to_max_length ? maxLength : Math.max(...ids.map((s) => s.length)));
    const pad = tok.pad_token_id ?? tok.eos_token_id ?? 0;
    return { ids: ids.map((s) => [...s, ...new Array<number>(padTo - s.length).fill(pad)]), lengths: ids.map((s) => s.length) };
  }

  /** Embeds already-preprocessed images: batched where the export allows, one per run where its batch is fixed. */
  async embedPixels(batch: Float32Array[]): Promise<Float32Array[]> {
    if (batch.length === 0) return [];
    const session = await this.visionSession();
    const io = this.visionIo!;
    const size = this.info.imageSize;
    const { Tensor } = await onnxRuntime();
    const out: Float32Array[] = [];
    for (const run of runsOf(batch, io.batch, 32)) {
      const input = new Float32Array(run.length * 3 * size * size);
      run.forEach((px, i) => input.set(px, i * px.length));
      const result = await this.run(session, { [io.input]: new Tensor('float32', input, [run.length, 3, size, size]) }, io.output);
      out.push(...this.split(result, run.length));
    }
    return out.slice(0, batch.length);
  }

  async embedImages(files: (string | Buffer)[]): Promise<Float32Array[]> {
    const pixels = await Promise.all(files.map((f) => preprocess(f, this.info)));
    return this.embedPixels(pixels);
  }

  async embedTexts(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const session = await this.textSession();
    const io = this.textIo!;
    const { Tensor } = await onnxRuntime();
    const tensor = (rows: number[][], type: 'int32' | 'int64') => {
      const dims = [rows.length, rows[0].length];
      const flat = rows.flat();
      return type === 'int32' ? new Tensor('int32', Int32Array.from(flat), dims) : new Tensor('int64', BigInt64Array.from(flat, BigInt), dims);
    };
    const out: Float32Array[] = [];
    for (const run of runsOf(texts, io.batch)) {
      const { ids, lengths } = await this.tokenizeWithLengths(run);
      const feeds: Record<string, ort.Tensor> = { [io.input]: tensor(ids, io.tokenType) };
      if (io.mask) feeds[io.mask.name] = tensor(ids.map((row, r) => row.map((_, i) => (i < lengths[r] ? 1 : 0))), io.mask.type);
      out.push(...this.split(await this.run(session, feeds, io.output), run.length));
    }
    return out.slice(0, texts.length);
  }

  private async run(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, output: string): Promise<ort.Tensor> {
    try {
      return (await session.run(feeds, [output]))[output];
    } catch (err) {
      throw new ModelFailedError(`${this.info.manifest.name}: ${(err as Error).message}`);
    }
  }

  private split(tensor: ort.Tensor, n: number): Float32Array[] {
    const data = tensor.data as Float32Array;
    const dim = data.length / n;
    if (dim !== this.info.manifest.dim) throw new ModelFailedError(`${this.info.manifest.name}: the model gave ${dim}-d embeddings, model.json says ${this.info.manifest.dim}`);
    this.dim = dim;
    return Array.from({ length: n }, (_, i) => l2normalize(data.subarray(i * dim, (i + 1) * dim)));
  }

  /**
   * Loads both towers and checks them: the tokenizer gives the known ids (see selfCheckTokens:
   * CLIP's or SigLIP's published ids, or the ids model.json lists), one text and one image embed to finite
   * vectors of the model's dimension.
   */
  async selfCheck(): Promise<SelfCheckReport> {
    const problems: string[] = [];
    let t = performance.now();
    const vision = await this.visionSession();
    const text = await this.textSession();
    const load = performance.now() - t;
    const check = this.selfCheckTokens;
    const { ids, lengths } = await this.tokenizeWithLengths([check.text]);
    const unpadded = ids[0].slice(0, lengths[0]);
    t = performance.now();
    const [tv] = await this.embedTexts([SELF_CHECK_TEXT]);
    const textMs = performance.now() - t;
    t = performance.now();
    const imageProblem = await this.checkVision().then(
      () => null,
      (err: Error) => err.message,
    );
    const imageMs = performance.now() - t;
    if (imageProblem) problems.push(imageProblem);
    const textProblem = this.vectorProblem('text', tv);
    if (textProblem) problems.push(textProblem);
    return {
      ok: problems.length === 0,
      problems,
      vision: { ...this.visionIo!, inputs: describeAll(vision.inputMetadata), outputs: describeAll(vision.outputMetadata) },
      text: { ...this.textIo!, inputs: describeAll(text.inputMetadata), outputs: describeAll(text.outputMetadata) },
      ids_text: check.text,
      ids: unpadded,
      expected_ids: check.ids,
      dim: this.info.manifest.dim,
      ms: { load: Math.round(load), text: Math.round(textMs), image: Math.round(imageMs) },
    };
  }

  private vectorProblem(what: string, v: Float32Array): string | null {
    if (v.length !== this.info.manifest.dim) return `${what} embedding has ${v.length} dimensions, expected ${this.info.manifest.dim}`;
    if (!v.every(Number.isFinite)) return `${what} embedding is not finite`;
    return null;
  }

  /** The vision half of the self-check (the embedding worker runs it at start): one image, a finite vector of the model's size. */
  async checkVision(): Promise<void> {
    const sharp = await imageLibrary();
    const image = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 120, b: 40 } } }).png().toBuffer();
    const [v] = await this.embedImages([image]);
    const problem = this.vectorProblem('image', v);
    if (problem) throw new ModelFailedError(`${this.info.manifest.name}: self-check failed: ${problem}`);
  }

  async close(): Promise<void> {
    await this.vision?.release();
    await this.text?.release();
    this.vision = this.text = null;
  }
}
