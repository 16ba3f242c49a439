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
export const SIGLIP_TEXT_LENGTH = 64;

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
 * How the generated files are laid out, named, typed and shaped: each copies a real export's
 * interface, as its exporter writes it (dims named as the exporter names them):
 *   clip     — transformers.js CLIP (Xenova/clip-vit-base-patch32, scripts/extra/clip.py on optimum's
 *              CLIPTextOnnxConfig / ViTOnnxConfig): `onnx/*_model.onnx`; vision `pixel_values` float32
 *              [batch_size, 3, 224, 224] → `last_hidden_state`, `image_embeds` [batch_size, dim]; text
 *              `input_ids` int64 [batch_size, sequence_length] only (no attention mask) → `text_embeds`.
 *   siglip   — transformers.js SigLIP (Xenova/siglip-base-patch16-224, scripts/extra/siglip.py): both
 *              towers output `last_hidden_state` and `pooler_output`; `input_ids` int64 of any length
 *              (the real export accepts unpadded text silently and answers wrong: this one adds a
 *              junk vector per missing pad token, so only text padded to 64 embeds right); a
 *              SentencePiece (Unigram) tokenizer with `</s>` (id 1) as end and pad token and no
 *              lower-casing of its own; 0.5 mean/std; a square resize without crop.
 *   openclip — Immich's open_clip export (immich-app/immich machine-learning/export/
 *              immich_model_exporter/exporters/onnx/models/openclip.py, the default model): `visual/`
 *              and `textual/`, `image` float32 [1, 3, 224, 224] and `text` int32 [1, 77] — batch fixed
 *              at 1 in both towers (its `dynamic_axes` are commented out) — each → `embedding` [1, dim];
 *              visual/preprocess_cfg.json, the tokenizer under textual/.
 */
export type TestModelShape = TestModelFamily | 'openclip';
export const TEST_OPENCLIP_MODEL_NAME = 'vv-test-color-openclip';
export const TEST_MODEL_SHAPES: TestModelShape[] = ['clip', 'siglip', 'openclip'];
export const TEST_MODEL_NAMES: Record<TestModelShape, string> = { clip: TEST_MODEL_NAME, siglip: TEST_SIGLIP_MODEL_NAME, openclip: TEST_OPENCLIP_MODEL_NAME };
/** The sentence every model's self-check tokenizes (the known ids of real CLIP are in encoder.ts). */
export const SELF_CHECK_TEXT = 'a photo of a cat';

interface Layout {
  name: string;
  family: TestModelFamily;
  vision: string;
  text: string;
  tokenizerDir: string;
  imageInput: string;
  /** Outputs besides the embedding (per-token states), listed first as the exporters list them. */
  hiddenOutput: string | null;
  imageOutput: string;
  textInput: string;
  textOutput: string;
  textType: number;
  batch: number | string;
  textLength: number | string;
  manifest: Record<string, unknown>;
}

function layoutOf(shape: TestModelShape): Layout {
  const { INT64, INT32 } = onnx.TensorProto.DataType;
  if (shape === 'siglip') {
    return { name: TEST_SIGLIP_MODEL_NAME, family: 'siglip', vision: 'onnx/vision_model.onnx', text: 'onnx/text_model.onnx', tokenizerDir: '.', imageInput: 'pixel_values', hiddenOutput: 'last_hidden_state', imageOutput: 'pooler_output', textInput: 'input_ids', textOutput: 'pooler_output', textType: INT64, batch: 'batch_size', textLength: 'sequence_length', manifest: {} };
  }
  if (shape === 'openclip') {
    return {
      name: TEST_OPENCLIP_MODEL_NAME,
      family: 'clip',
      vision: 'visual/model.onnx',
      text: 'textual/model.onnx',
      tokenizerDir: 'textual',
      imageInput: 'image',
      hiddenOutput: null,
      imageOutput: 'embedding',
      textInput: 'text',
      textOutput: 'embedding',
      textType: INT32,
      batch: 1,
      textLength: 77,
      // As the catalog entry of the default model says.
      manifest: { tokenizer_dir: 'textual', vision_input: 'image', text_input: 'text', text_dtype: 'int32', text_max_length: 77, pad_to_max_length: true },
    };
  }
  return { name: TEST_MODEL_NAME, family: 'clip', vision: 'onnx/vision_model.onnx', text: 'onnx/text_model.onnx', tokenizerDir: '.', imageInput: 'pixel_values', hiddenOutput: 'last_hidden_state', imageOutput: 'image_embeds', textInput: 'input_ids', textOutput: 'text_embeds', textType: INT64, batch: 'batch_size', textLength: 'sequence_length', manifest: {} };
}

function writeFile(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
}

function int64(name: string, values: number[], dims: number[] = [values.length]) {
  return onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.INT64, int64Data: values });
}

/**
 * SentencePiece-style (Unigram, Metaspace) tokenizer.json as SigLIP ships one: `</s>` (id 1) ends
 * every sequence and pads it, `<unk>` is 2; every listed word is one piece, letters are pieces
 * too (so other words split into letters, which embed to zero). Only lower-case pieces exist and
 * no normaliser lower-cases: the encoder must normalise as tokenization_siglip.py does.
 */
function unigramTokenizer(words: string[]): { json: object; ids: Map<string, number> } {
  const vocab: [string, number][] = [
    ['<pad>', 0],
    ['</s>', 0],
    ['<unk>', 0],
    ['▁', -5],
  ];
  for (const c of 'abcdefghijklmnopqrstuvwxyz0123456789') vocab.push([c, -10], [`▁${c}`, -10]);
  const ids = new Map<string, number>();
  for (const w of words) {
    const piece = `▁${w}`;
    let id = vocab.findIndex(([p]) => p === piece);
    if (id < 0) {
      id = vocab.length;
      vocab.push([piece, -1]);
    }
    ids.set(w, id);
  }
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      { id: 0, content: '<pad>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: 1, content: '</s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: 2, content: '<unk>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ],
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', add_prefix_space: true, prepend_scheme: 'always', split: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }, { Sequence: { id: 'B', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      special_tokens: { '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } },
    },
    decoder: { type: 'Metaspace', replacement: '▁', add_prefix_space: true, prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 2, vocab, byte_fallback: false },
  };
  return { json, ids };
}

/** Writes the test model (`shape`: see TestModelShape) into `dir/<name>`; returns that folder. */
export function writeTestModel(dir: string, shape: TestModelShape = 'clip'): string {
  const l = layoutOf(shape);
  const out = path.join(dir, l.name);
  const { mean, std } = NORMALISE[l.family];
  const { FLOAT } = onnx.TensorProto.DataType;

  const visionNodes = [
    onnx.NodeProto.create({ opType: 'ReduceMean', input: [l.imageInput], output: ['mean_rgb'], attribute: [intsAttr('axes', [2, 3]), intAttr('keepdims', 0)] }),
    onnx.NodeProto.create({ opType: 'MatMul', input: ['mean_rgb', 'W'], output: [l.imageOutput] }),
  ];
  const visionOutputs = [valueInfo(l.imageOutput, FLOAT, [l.batch, DIM])];
  if (l.hiddenOutput) {
    // One "patch" state per image: [batch, 1, dim], listed before the pooled output as the exports do.
    visionNodes.push(onnx.NodeProto.create({ opType: 'Unsqueeze', input: [l.imageOutput, 'axis1'], output: [l.hiddenOutput] }));
    visionOutputs.unshift(valueInfo(l.hiddenOutput, FLOAT, [l.batch, 1, DIM]));
  }
  const vision = onnx.GraphProto.create({
    name: 'vision',
    node: visionNodes,
    initializer: [tensor('W', [3, DIM], projection().flat()), ...(l.hiddenOutput ? [int64('axis1', [1])] : [])],
    input: [valueInfo(l.imageInput, FLOAT, [l.batch, 3, IMAGE_SIZE, IMAGE_SIZE])],
    output: visionOutputs,
  });
  writeFile(path.join(out, l.vision), model(vision));

  // Every word of the tag vocabulary is a token of its own (embedding to zero), so no word is
  // split into pieces that happen to be colour words ("cente|red").
  const words = [...new Set([...Object.keys(COLOR_WORDS), ...FILLER, 'cat', ...vocabularyWords()])];
  const tok = l.family === 'siglip' ? unigramTokenizer(words) : tokenizer(words);
  const vocabSize = l.family === 'siglip' ? (tok.json as { model: { vocab: unknown[] } }).model.vocab.length : Object.keys((tok.json as { model: { vocab: object } }).model.vocab).length;
  const table = Array.from({ length: vocabSize }, () => new Array<number>(DIM).fill(0));
  for (const [word, rgb] of Object.entries(COLOR_WORDS)) table[tok.ids.get(word)!] = colorEmbedding(rgb, l.family);
  const textNodes = [onnx.NodeProto.create({ opType: 'Gather', input: ['table', l.textInput], output: ['token_embeds'], attribute: [intAttr('axis', 0)] })];
  const textInits = [tensor('table', [vocabSize, DIM], table.flat())];
  const textOutputs = [valueInfo(l.textOutput, FLOAT, [l.batch, DIM])];
  if (l.family === 'siglip') {
    // pooled = Σ token rows + (64 − sequence_length) × junk: right only when padded to 64, as the
    // real tower (trained on 64 padded tokens, pooled at the last position) is.
    textNodes.push(
      onnx.NodeProto.create({ opType: 'ReduceSum', input: ['token_embeds', 'axis1'], output: ['summed'], attribute: [intAttr('keepdims', 0)] }),
      onnx.NodeProto.create({ opType: 'Shape', input: [l.textInput], output: ['ids_shape'] }),
      onnx.NodeProto.create({ opType: 'Gather', input: ['ids_shape', 'axis1'], output: ['seq_len'], attribute: [intAttr('axis', 0)] }),
      onnx.NodeProto.create({ opType: 'Sub', input: ['full_length', 'seq_len'], output: ['missing'] }),
      onnx.NodeProto.create({ opType: 'Cast', input: ['missing'], output: ['missing_f'], attribute: [intAttr('to', FLOAT)] }),
      onnx.NodeProto.create({ opType: 'Mul', input: ['missing_f', 'junk'], output: ['offset'] }),
      onnx.NodeProto.create({ opType: 'Add', input: ['summed', 'offset'], output: [l.textOutput] }),
      onnx.NodeProto.create({ opType: 'Identity', input: ['token_embeds'], output: [l.hiddenOutput!] }),
    );
    textInits.push(int64('axis1', [1]), int64('full_length', [SIGLIP_TEXT_LENGTH]), tensor('junk', [DIM], Array.from({ length: DIM }, (_, i) => (i % 2 ? 1 : -1))));
    textOutputs.unshift(valueInfo(l.hiddenOutput!, FLOAT, [l.batch, l.textLength, DIM]));
  } else {
    textNodes.push(onnx.NodeProto.create({ opType: 'ReduceMean', input: ['token_embeds'], output: [l.textOutput], attribute: [intsAttr('axes', [1]), intAttr('keepdims', 0)] }));
  }
  const text = onnx.GraphProto.create({
    name: 'text',
    node: textNodes,
    initializer: textInits,
    input: [valueInfo(l.textInput, l.textType, [l.batch, l.textLength])],
    output: textOutputs,
  });
  writeFile(path.join(out, l.text), model(text));
  writeFile(path.join(out, l.tokenizerDir, 'tokenizer.json'), JSON.stringify(tok.json));
  writeFile(
    path.join(out, l.tokenizerDir, 'tokenizer_config.json'),
    JSON.stringify(
      l.family === 'siglip'
        ? { tokenizer_class: 'SiglipTokenizer', model_max_length: SIGLIP_TEXT_LENGTH, do_lower_case: true, eos_token: '</s>', pad_token: '</s>', unk_token: '<unk>' }
        : { tokenizer_class: 'CLIPTokenizer', model_max_length: 77, bos_token: '<|startoftext|>', eos_token: '<|endoftext|>', unk_token: '<|endoftext|>', pad_token: '<|endoftext|>' },
    ),
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
  // The ids the self-check must get for its sentence, from this vocabulary (real models: the known ones).
  const selfCheckIds =
    l.family === 'siglip' ? [...SELF_CHECK_TEXT.split(' ').map((w) => tok.ids.get(w)!), 1] : [0, ...SELF_CHECK_TEXT.split(' ').map((w) => tok.ids.get(w)!), 1];
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
        self_check_ids: selfCheckIds,
        ...l.manifest,
      },
      null,
      2,
    ),
  );
  return out;
}

/**
 * Replaces a test model's vision tower by one the loader must refuse: `nhwc` (channels last, as
 * TensorFlow exports are), `uint8` (raw-pixel input) or `dim` (a 32-d output where model.json
 * says 16). Returns the model folder.
 */
export function breakVisionTower(modelDir: string, how: 'nhwc' | 'uint8' | 'dim'): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(modelDir, 'model.json'), 'utf8')) as { vision: string };
  const { FLOAT, UINT8 } = onnx.TensorProto.DataType;
  const width = how === 'dim' ? 2 * DIM : DIM;
  const shape = how === 'nhwc' ? ['batch_size', IMAGE_SIZE, IMAGE_SIZE, 3] : ['batch_size', 3, IMAGE_SIZE, IMAGE_SIZE];
  const nodes = [
    ...(how === 'uint8' ? [onnx.NodeProto.create({ opType: 'Cast', input: ['pixels'], output: ['pixels_f'], attribute: [intAttr('to', FLOAT)] })] : []),
    onnx.NodeProto.create({ opType: 'ReduceMean', input: [how === 'uint8' ? 'pixels_f' : 'pixels'], output: ['mean_rgb'], attribute: [intsAttr('axes', how === 'nhwc' ? [1, 2] : [2, 3]), intAttr('keepdims', 0)] }),
    onnx.NodeProto.create({ opType: 'MatMul', input: ['mean_rgb', 'W'], output: ['image_embeds'] }),
  ];
  const graph = onnx.GraphProto.create({
    name: 'vision',
    node: nodes,
    initializer: [tensor('W', [3, width], Array.from({ length: 3 * width }, (_, i) => (i % 7) / 7))],
    input: [valueInfo('pixels', how === 'uint8' ? UINT8 : FLOAT, shape)],
    output: [valueInfo('image_embeds', FLOAT, ['batch_size', width])],
  });
  writeFile(path.join(modelDir, manifest.vision), model(graph));
  return modelDir;
}

export const TEST_CAPTIONER_NAME = 'vv-test-captioner';
/** The test captioner's words: `<|endoftext|>` (start and end, as GPT-2's), then these. */
const CAPTION_VOCAB = ['<|endoftext|>', 'a', 'picture', 'red', 'green', 'blue'];

/**
 * `vv-test-captioner`: a VisionEncoderDecoder export of the transformers.js layout
 * (Xenova/vit-gpt2-image-captioning: onnx/encoder_model.onnx → `last_hidden_state`;
 * onnx/decoder_model_merged.onnx taking `input_ids`, `encoder_hidden_states`, `use_cache_branch`
 * and `past_key_values.0.key/value`, giving `logits` and `present.0.key/value`), whose greedy
 * decode a test can predict: the encoder's state is the image's mean colour; the decoder's logits
 * are a next-word table (start → "a" → colour → "picture" → end) plus the colour's score for each
 * colour word, so a mostly red image reads "a red picture".
 */
export function writeTestCaptioner(dir: string): string {
  const out = path.join(dir, TEST_CAPTIONER_NAME);
  const { FLOAT, INT64, BOOL } = onnx.TensorProto.DataType;
  const V = CAPTION_VOCAB.length;
  const id = (w: string) => CAPTION_VOCAB.indexOf(w);
  const encoder = onnx.GraphProto.create({
    name: 'encoder',
    node: [
      onnx.NodeProto.create({ opType: 'ReduceMean', input: ['pixel_values'], output: ['mean_rgb'], attribute: [intsAttr('axes', [2, 3]), intAttr('keepdims', 0)] }),
      onnx.NodeProto.create({ opType: 'Unsqueeze', input: ['mean_rgb', 'axis1'], output: ['last_hidden_state'] }),
    ],
    initializer: [int64('axis1', [1])],
    input: [valueInfo('pixel_values', FLOAT, ['batch_size', 3, IMAGE_SIZE, IMAGE_SIZE])],
    output: [valueInfo('last_hidden_state', FLOAT, ['batch_size', 1, 3])],
  });
  writeFile(path.join(out, 'onnx/encoder_model.onnx'), model(encoder));
  const next = Array.from({ length: V }, () => new Array<number>(V).fill(0));
  next[id('<|endoftext|>')][id('a')] = 10;
  for (const c of ['red', 'green', 'blue']) {
    next[id('a')][id(c)] = 5;
    next[id(c)][id('picture')] = 10;
  }
  next[id('picture')][id('<|endoftext|>')] = 10;
  // Colour score per colour word from the mean normalised RGB: that channel minus half the others.
  const colour = [0, 1, 2].map((ch) => CAPTION_VOCAB.map((w) => (['red', 'green', 'blue'].indexOf(w) === ch ? 1 : ['red', 'green', 'blue'].includes(w) ? -0.5 : 0)));
  const decoder = onnx.GraphProto.create({
    name: 'decoder',
    node: [
      onnx.NodeProto.create({ opType: 'Gather', input: ['next', 'input_ids'], output: ['by_word'], attribute: [intAttr('axis', 0)] }),
      onnx.NodeProto.create({ opType: 'ReduceMean', input: ['encoder_hidden_states'], output: ['image'], attribute: [intsAttr('axes', [1]), intAttr('keepdims', 1)] }),
      onnx.NodeProto.create({ opType: 'MatMul', input: ['image', 'colour'], output: ['by_colour'] }),
      onnx.NodeProto.create({ opType: 'Add', input: ['by_word', 'by_colour'], output: ['logits'] }),
      // The cache branch is never taken here; the past passes through as the present, as shapes go.
      onnx.NodeProto.create({ opType: 'Identity', input: ['past_key_values.0.key'], output: ['present.0.key'] }),
      onnx.NodeProto.create({ opType: 'Identity', input: ['past_key_values.0.value'], output: ['present.0.value'] }),
      onnx.NodeProto.create({ opType: 'Identity', input: ['use_cache_branch'], output: ['cache_branch_used'] }),
    ],
    initializer: [tensor('next', [V, V], next.flat()), tensor('colour', [3, V], colour.flat())],
    input: [
      valueInfo('input_ids', INT64, ['batch_size', 'decoder_sequence_length']),
      valueInfo('encoder_hidden_states', FLOAT, ['batch_size', 'encoder_sequence_length', 3]),
      valueInfo('use_cache_branch', BOOL, [1]),
      valueInfo('past_key_values.0.key', FLOAT, ['batch_size', 2, 'past_decoder_sequence_length', 4]),
      valueInfo('past_key_values.0.value', FLOAT, ['batch_size', 2, 'past_decoder_sequence_length', 4]),
    ],
    output: [
      valueInfo('logits', FLOAT, ['batch_size', 'decoder_sequence_length', V]),
      valueInfo('present.0.key', FLOAT, ['batch_size', 2, 'past_decoder_sequence_length', 4]),
      valueInfo('present.0.value', FLOAT, ['batch_size', 2, 'past_decoder_sequence_length', 4]),
      valueInfo('cache_branch_used', BOOL, [1]),
    ],
  });
  writeFile(path.join(out, 'onnx/decoder_model_merged.onnx'), model(decoder));
  writeFile(
    path.join(out, 'tokenizer.json'),
    JSON.stringify({
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [{ id: 0, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
      normalizer: null,
      pre_tokenizer: { type: 'Whitespace' },
      post_processor: null,
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: { type: 'WordLevel', vocab: Object.fromEntries(CAPTION_VOCAB.map((w, i) => [w, i])), unk_token: '<|endoftext|>' },
    }),
  );
  writeFile(path.join(out, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'GPT2Tokenizer', bos_token: '<|endoftext|>', eos_token: '<|endoftext|>', unk_token: '<|endoftext|>' }));
  writeFile(path.join(out, 'config.json'), JSON.stringify({ model_type: 'vision-encoder-decoder', decoder_start_token_id: 0, eos_token_id: 0, pad_token_id: 0 }));
  writeFile(path.join(out, 'generation_config.json'), JSON.stringify({ decoder_start_token_id: 0, eos_token_id: 0, max_length: 8 }));
  writeFile(path.join(out, 'preprocessor_config.json'), JSON.stringify({ do_normalize: true, do_resize: true, image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5], size: { height: IMAGE_SIZE, width: IMAGE_SIZE } }));
  writeFile(
    path.join(out, 'model.json'),
    JSON.stringify({ name: TEST_CAPTIONER_NAME, task: 'image-to-text', description: 'Generated test captioner: "a <dominant colour> picture". For tests only.', encoder: 'onnx/encoder_model.onnx', decoder: 'onnx/decoder_model_merged.onnx' }, null, 2),
  );
  return out;
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const dir = process.argv[2] ?? path.resolve(import.meta.dirname, '../../models');
  console.log(`wrote ${writeTestModel(dir)}`);
}
