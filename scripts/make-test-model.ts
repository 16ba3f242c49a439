/**
 * `node dist/scripts/make-test-model.js [dir]` — writes `vv-test-color`, a tiny CLIP-shaped model
 * pair whose behaviour a test can predict (no download, no weights from anywhere):
 *   image tower: mean colour of the normalised pixels (ReduceMean) × W  → 16-d embedding
 *   text tower:  mean of per-token rows (Gather + ReduceMean); colour words' rows are W × that colour
 * so "red" lands on red images and "blue sky" on blue ones. A real CLIP BPE tokenizer.json (CLIP's
 * normaliser, pre-tokenizer, `</w>` word suffix and merges) with a small vocabulary comes with it.
 */
import fs from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { DEFAULT_VOCABULARY, parseVocabulary } from '../src/ai/vocabulary.js';

const { onnx } = onnxProto;
export const TEST_MODEL_NAME = 'vv-test-color';
/** The same towers shaped like a SigLIP export (see writeTestModel). */
export const TEST_SIGLIP_MODEL_NAME = 'vv-test-color-siglip';
export type TestModelFamily = 'clip' | 'siglip';
const DIM = 16;
const IMAGE_SIZE = 224;
/** Per family: the normalisation its preprocessor_config.json gives (CLIP's, or SigLIP's 0.5s). */
const NORMALISE: Record<TestModelFamily, { mean: number[]; std: number[] }> = {
  clip: { mean: [0.48145466, 0.4578275, 0.40821073], std: [0.26862954, 0.26130258, 0.27577711] },
  siglip: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
};
/** SigLIP text towers take exactly 64 tokens: the encoder must pad to it. */
const SIGLIP_TEXT_LENGTH = 64;

/** Words the text tower knows, with the RGB (0–255) they stand for; other words embed to zero. */
export const COLOR_WORDS: Record<string, [number, number, number]> = {
  red: [220, 30, 30],
  crimson: [200, 20, 60],
  blue: [30, 60, 220],
  navy: [20, 30, 120],
  sky: [110, 160, 235],
  ocean: [20, 90, 170],
  green: [40, 170, 60],
  grass: [70, 160, 50],
  forest: [30, 110, 40],
  yellow: [235, 215, 40],
  golden: [220, 170, 40],
  orange: [245, 130, 30],
  fire: [240, 90, 20],
  purple: [130, 50, 180],
  violet: [140, 70, 200],
  pink: [235, 110, 170],
  teal: [30, 150, 150],
  white: [245, 245, 245],
  snow: [235, 240, 250],
  black: [15, 15, 15],
  night: [20, 24, 60],
  gray: [128, 128, 128],
  brown: [120, 75, 40],
};
const FILLER = ['a', 'an', 'the', 'of', 'photo', 'picture', 'image', 'in', 'with', 'and', 'art', 'painting', 'style'];

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

/** The fixed 3×DIM projection shared by both towers. */
export function projection(): number[][] {
  const r = rng(42);
  return [0, 1, 2].map(() => Array.from({ length: DIM }, () => r()));
}

/** What the image tower computes for a flat colour (used by tests to predict rankings). */
export function colorEmbedding(rgb: [number, number, number], family: TestModelFamily = 'clip'): number[] {
  const w = projection();
  const { mean, std } = NORMALISE[family];
  const x = rgb.map((v, c) => (v / 255 - mean[c]) / std[c]);
  return Array.from({ length: DIM }, (_, d) => x[0] * w[0][d] + x[1] * w[1][d] + x[2] * w[2][d]);
}

function tensor(name: string, dims: number[], values: number[]) {
  return onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: values });
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
}

function intsAttr(name: string, ints: number[]) {
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints });
}

function intAttr(name: string, i: number) {
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i });
}

function model(graph: ReturnType<typeof onnx.GraphProto.create>): Uint8Array {
  const m = onnx.ModelProto.create({ irVersion: 8, producerName: 'visionary-vault', opsetImport: [{ domain: '', version: 17 }], graph });
  return onnx.ModelProto.encode(m).finish();
}

/** Tokens BPE makes of a word under the merges so far (highest-priority pair first, as the tokenizer does). */
function bpe(word: string, ranks: Map<string, number>): string[] {
  let pieces = [...word].map((c, i) => (i === word.length - 1 ? `${c}</w>` : c));
  for (;;) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i < pieces.length - 1; i++) {
      const rank = ranks.get(`${pieces[i]} ${pieces[i + 1]}`);
      if (rank !== undefined && rank < bestRank) {
        bestRank = rank;
        best = i;
      }
    }
    if (best < 0) return pieces;
    pieces = [...pieces.slice(0, best), pieces[best] + pieces[best + 1], ...pieces.slice(best + 2)];
  }
}

/**
 * CLIP-style BPE tokenizer.json in which every listed word is one token. Merges are found by
 * running BPE with the merges so far and joining what is left from the left: merges added later
 * rank lower, so they never change how an earlier word splits.
 */
function tokenizer(words: string[]): { json: object; ids: Map<string, number> } {
  const vocab = new Map<string, number>();
  const add = (t: string) => {
    if (!vocab.has(t)) vocab.set(t, vocab.size);
  };
  add('<|startoftext|>');
  add('<|endoftext|>');
  for (const c of 'abcdefghijklmnopqrstuvwxyz') {
    add(c);
    add(`${c}</w>`);
  }
  const merges: string[] = [];
  const ranks = new Map<string, number>();
  for (const w of words) {
    let pieces = bpe(w, ranks);
    while (pieces.length > 1) {
      const pair = `${pieces[0]} ${pieces[1]}`;
      ranks.set(pair, merges.length);
      merges.push(pair);
      add(pieces[0] + pieces[1]);
      pieces = [pieces[0] + pieces[1], ...pieces.slice(2)];
    }
  }
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      { id: 0, content: '<|startoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
      { id: 1, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
    ],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }] },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" }, behavior: 'Removed', invert: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: { type: 'RobertaProcessing', sep: ['<|endoftext|>', 1], cls: ['<|startoftext|>', 0], trim_offsets: false, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<|endoftext|>',
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      vocab: Object.fromEntries(vocab),
      merges,
    },
  };
  const ids = new Map<string, number>();
  for (const w of words) ids.set(w, vocab.get(`${w}</w>`)!);
  return { json, ids };
}

function vocabularyWords(): string[] {
  const text = fs.readFileSync(DEFAULT_VOCABULARY, 'utf8');
  return [...new Set(parseVocabulary(text).flatMap((e) => `${e.tag} ${e.text}`.toLowerCase().match(/\p{L}+/gu) ?? []))].filter((w) => /^[a-z]+$/.test(w));
}

/**
 * How the generated files are laid out and named, as the real exports are:
 *   clip     — Hugging Face / Xenova CLIP: `*_model.onnx`, `image_embeds` / `text_embeds`, `input_ids`
 *              of any length, preprocessor_config.json (shortest side + centre crop).
 *   siglip   — Xenova SigLIP: outputs named `pooler_output`, a text input fixed at 64 tokens
 *              (unpadded input fails in ONNX Runtime), 0.5 mean/std, a square resize without crop.
 *   openclip — Immich's open_clip export (the default model): `visual/` and `textual/` folders,
 *              inputs named `image` and `text` (int32, fixed at 77), visual/preprocess_cfg.json,
 *              the tokenizer under textual/.
 */
export type TestModelShape = TestModelFamily | 'openclip';
export const TEST_OPENCLIP_MODEL_NAME = 'vv-test-color-openclip';

interface Layout {
  name: string;
  family: TestModelFamily;
  vision: string;
  text: string;
  tokenizerDir: string;
  imageInput: string;
  imageOutput: string;
  textInput: string;
  textOutput: string;
  textType: number;
  textLength: number | 'sequence';
  manifest: Record<string, unknown>;
}

function layoutOf(shape: TestModelShape): Layout {
  const { INT64, INT32 } = onnx.TensorProto.DataType;
  if (shape === 'siglip') {
    return { name: TEST_SIGLIP_MODEL_NAME, family: 'siglip', vision: 'vision_model.onnx', text: 'text_model.onnx', tokenizerDir: '.', imageInput: 'pixel_values', imageOutput: 'pooler_output', textInput: 'input_ids', textOutput: 'pooler_output', textType: INT64, textLength: SIGLIP_TEXT_LENGTH, manifest: {} };
  }
  if (shape === 'openclip') {
    return {
      name: TEST_OPENCLIP_MODEL_NAME,
      family: 'clip',
      vision: 'visual/model.onnx',
      text: 'textual/model.onnx',
      tokenizerDir: 'textual',
      imageInput: 'image',
      imageOutput: 'embedding',
      textInput: 'text',
      textOutput: 'embedding',
      textType: INT32,
      textLength: 77,
      // As the catalog entry of the default model says.
      manifest: { tokenizer_dir: 'textual', vision_input: 'image', text_input: 'text', text_dtype: 'int32', text_max_length: 77, pad_to_max_length: true },
    };
  }
  return { name: TEST_MODEL_NAME, family: 'clip', vision: 'vision_model.onnx', text: 'text_model.onnx', tokenizerDir: '.', imageInput: 'pixel_values', imageOutput: 'image_embeds', textInput: 'input_ids', textOutput: 'text_embeds', textType: INT64, textLength: 'sequence', manifest: {} };
}

function writeFile(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
}

/** Writes the test model (`shape`: see TestModelShape) into `dir/<name>`; returns that folder. */
export function writeTestModel(dir: string, shape: TestModelShape = 'clip'): string {
  const l = layoutOf(shape);
  const out = path.join(dir, l.name);
  const { mean, std } = NORMALISE[l.family];

  const vision = onnx.GraphProto.create({
    name: 'vision',
    node: [
      onnx.NodeProto.create({ opType: 'ReduceMean', input: [l.imageInput], output: ['mean_rgb'], attribute: [intsAttr('axes', [2, 3]), intAttr('keepdims', 0)] }),
      onnx.NodeProto.create({ opType: 'MatMul', input: ['mean_rgb', 'W'], output: [l.imageOutput] }),
    ],
    initializer: [tensor('W', [3, DIM], projection().flat())],
    input: [valueInfo(l.imageInput, onnx.TensorProto.DataType.FLOAT, ['batch', 3, IMAGE_SIZE, IMAGE_SIZE])],
    output: [valueInfo(l.imageOutput, onnx.TensorProto.DataType.FLOAT, ['batch', DIM])],
  });
  writeFile(path.join(out, l.vision), model(vision));

  // Every word of the tag vocabulary is a token of its own (embedding to zero), so no word is
  // split into pieces that happen to be colour words ("cente|red").
  const words = [...new Set([...Object.keys(COLOR_WORDS), ...FILLER, ...vocabularyWords()])];
  const tok = tokenizer(words);
  const vocabSize = Object.keys((tok.json as { model: { vocab: object } }).model.vocab).length;
  const table = Array.from({ length: vocabSize }, () => new Array<number>(DIM).fill(0));
  for (const [word, rgb] of Object.entries(COLOR_WORDS)) table[tok.ids.get(word)!] = colorEmbedding(rgb, l.family);
  const text = onnx.GraphProto.create({
    name: 'text',
    node: [
      onnx.NodeProto.create({ opType: 'Gather', input: ['table', l.textInput], output: ['token_embeds'], attribute: [intAttr('axis', 0)] }),
      onnx.NodeProto.create({ opType: 'ReduceMean', input: ['token_embeds'], output: [l.textOutput], attribute: [intsAttr('axes', [1]), intAttr('keepdims', 0)] }),
    ],
    initializer: [tensor('table', [vocabSize, DIM], table.flat())],
    input: [valueInfo(l.textInput, l.textType, ['batch', l.textLength])],
    output: [valueInfo(l.textOutput, onnx.TensorProto.DataType.FLOAT, ['batch', DIM])],
  });
  writeFile(path.join(out, l.text), model(text));
  writeFile(path.join(out, l.tokenizerDir, 'tokenizer.json'), JSON.stringify(tok.json));
  writeFile(
    path.join(out, l.tokenizerDir, 'tokenizer_config.json'),
    JSON.stringify({ tokenizer_class: 'CLIPTokenizer', model_max_length: 77, bos_token: '<|startoftext|>', eos_token: '<|endoftext|>', unk_token: '<|endoftext|>', pad_token: '<|endoftext|>' }),
  );
  if (shape === 'openclip') {
    writeFile(path.join(out, path.dirname(l.vision), 'preprocess_cfg.json'), JSON.stringify({ size: [IMAGE_SIZE, IMAGE_SIZE], mode: 'RGB', mean, std, interpolation: 'bicubic', resize_mode: 'shortest' }));
  } else {
    writeFile(
      path.join(out, 'preprocessor_config.json'),
      JSON.stringify(
        l.family === 'siglip'
          ? { size: { height: IMAGE_SIZE, width: IMAGE_SIZE }, image_mean: mean, image_std: std, do_normalize: true, do_resize: true }
          : { crop_size: { height: IMAGE_SIZE, width: IMAGE_SIZE }, size: { shortest_edge: IMAGE_SIZE }, image_mean: mean, image_std: std, do_center_crop: true, do_normalize: true, do_resize: true },
      ),
    );
  }
  writeFile(
    path.join(out, 'model.json'),
    JSON.stringify(
      {
        name: l.name,
        family: l.family,
        description: 'Generated test model: embeds an image by its mean colour, text by its colour words. For tests only.',
        dim: DIM,
        vision: l.vision,
        text: l.text,
        ...l.manifest,
      },
      null,
      2,
    ),
  );
  return out;
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const dir = process.argv[2] ?? path.resolve(import.meta.dirname, '../../models');
  console.log(`wrote ${writeTestModel(dir)}`);
}
