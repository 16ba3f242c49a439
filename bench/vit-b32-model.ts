/**
 * A stand-in for a real CLIP ViT-B/32 image tower, for `bench:embed -- --vit` on machines that
 * cannot download one: the transformers.js CLIP interface (`pixel_values` [batch,3,224,224] →
 * `image_embeds` [batch,512]) with ViT-B/32's cost — 32 px patches (a stride-32 convolution to
 * 768 channels, 49 tokens), then 12 residual blocks of two matrix products 768 → 4608 → 768 (the
 * multiply-adds of a block's attention projections and MLP, 12·768² per token; the attention
 * scores over 49 tokens are < 2 % of it and left out), mean over tokens, projection to 512.
 * ~88 M float32 weights (~350 MB, like the real tower), random: the vectors mean nothing.
 *
 * The `-q8` variant quantizes the block weights as transformers.js' dynamic int8 exports do
 * (DynamicQuantizeLinear on the activations, MatMulInteger against int8 weights, rescale), so its
 * speed against the float one estimates the int8 catalog option's. The text tower and tokenizer are
 * the generated test model's (cheap; the benchmark measures images), projected to 512 — or, with
 * `text: 'vit-b32'` (bench:search, which times queries), a text tower of CLIP ViT-B/32's size and
 * interface: `input_ids` int64 [batch_size, sequence_length] → `last_hidden_state`, `text_embeds`
 * [batch_size, 512]; a 49,408 × 512 token table, 77 positions, 12 blocks of 12·512² multiply-adds
 * per token (width 512), projection 512 → 512: ~63 M random float32 weights (~254 MB, as the
 * transformers.js export's text_model.onnx), with the test model's BPE tokenizer grown to CLIP's
 * 49,408 tokens (so loading it costs about what loading the real one does).
 */
import fs from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { writeTestModel } from '../scripts/make-test-model.js';

const { onnx } = onnxProto;
const { FLOAT, INT8, INT64 } = onnx.TensorProto.DataType;
const WIDTH = 768;
const HIDDEN = 4608;
const LAYERS = 12;
const PATCH = 32;
const DIM = 512;
export const VIT_BENCH_MODEL = 'vv-bench-vit-b32';

let seed = 12345;
/** Uniform in [-scale, scale), a fast deterministic generator (xorshift). */
function randomFloats(n: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    out[i] = ((seed >>> 0) / 4294967296 - 0.5) * 2 * scale;
  }
  return out;
}

function floatTensor(name: string, dims: number[], values: Float32Array) {
  return onnx.TensorProto.create({ name, dims, dataType: FLOAT, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) });
}

function int8Tensor(name: string, dims: number[], values: Int8Array) {
  return onnx.TensorProto.create({ name, dims, dataType: INT8, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) });
}

function node(opType: string, input: string[], output: string[], attribute: ReturnType<typeof onnx.AttributeProto.create>[] = []) {
  return onnx.NodeProto.create({ opType, input, output, attribute });
}

const ints = (name: string, v: number[]) => onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v });
const int = (name: string, i: number) => onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i });

function valueInfo(name: string, elemType: number, dims: (number | string)[]) {
  return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } });
}

function encode(graph: ReturnType<typeof onnx.GraphProto.create>): Uint8Array {
  const m = onnx.ModelProto.create({ irVersion: 8, producerName: 'visionary-vault-bench', opsetImport: [{ domain: '', version: 17 }], graph });
  return onnx.ModelProto.encode(m).finish();
}

/** x · W, in float or as a dynamically quantized int8 product (what the exporter's quantizer emits). */
function matmul(nodes: ReturnType<typeof node>[], inits: ReturnType<typeof floatTensor>[], x: string, name: string, rows: number, cols: number, quantized: boolean): string {
  const w = randomFloats(rows * cols, 1 / Math.sqrt(rows));
  if (!quantized) {
    inits.push(floatTensor(name, [rows, cols], w));
    nodes.push(node('MatMul', [x, name], [`${name}_out`]));
    return `${name}_out`;
  }
  const scale = 1 / Math.sqrt(rows) / 127;
  const q = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) q[i] = Math.round(w[i] / scale);
  inits.push(int8Tensor(name, [rows, cols], q), floatTensor(`${name}_scale`, [], Float32Array.of(scale)));
  nodes.push(
    node('DynamicQuantizeLinear', [x], [`${name}_xq`, `${name}_xs`, `${name}_xz`]),
    node('MatMulInteger', [`${name}_xq`, name, `${name}_xz`], [`${name}_i32`]),
    node('Cast', [`${name}_i32`], [`${name}_f`], [int('to', FLOAT)]),
    node('Mul', [`${name}_xs`, `${name}_scale`], [`${name}_s`]),
    node('Mul', [`${name}_f`, `${name}_s`], [`${name}_out`]),
  );
  return `${name}_out`;
}

/** Writes the image tower alone (what `bench:vit` times). */
export function writeVitVisionTower(file: string, quantized: boolean): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, visionTower(quantized));
}

function visionTower(quantized: boolean): Uint8Array {
  const nodes: ReturnType<typeof node>[] = [];
  const inits: ReturnType<typeof floatTensor>[] = [floatTensor('patch_w', [WIDTH, 3, PATCH, PATCH], randomFloats(WIDTH * 3 * PATCH * PATCH, 1 / Math.sqrt(3 * PATCH * PATCH)))];
  inits.push(onnx.TensorProto.create({ name: 'tokens_shape', dims: [3], dataType: INT64, int64Data: [0, WIDTH, -1] }));
  nodes.push(
    node('Conv', ['pixel_values', 'patch_w'], ['patches'], [ints('kernel_shape', [PATCH, PATCH]), ints('strides', [PATCH, PATCH])]),
    node('Reshape', ['patches', 'tokens_shape'], ['tokens_cf']),
    node('Transpose', ['tokens_cf'], ['x0'], [ints('perm', [0, 2, 1])]),
  );
  let x = 'x0';
  for (let l = 0; l < LAYERS; l++) {
    const up = matmul(nodes, inits, x, `l${l}_up`, WIDTH, HIDDEN, quantized);
    nodes.push(node('Relu', [up], [`l${l}_act`]));
    const down = matmul(nodes, inits, `l${l}_act`, `l${l}_down`, HIDDEN, WIDTH, quantized);
    nodes.push(node('Add', [x, down], [`x${l + 1}`]));
    x = `x${l + 1}`;
  }
  inits.push(floatTensor('proj', [WIDTH, DIM], randomFloats(WIDTH * DIM, 1 / Math.sqrt(WIDTH))));
  nodes.push(node('ReduceMean', [x], ['pooled'], [ints('axes', [1]), int('keepdims', 0)]), node('MatMul', ['pooled', 'proj'], ['image_embeds']));
  const graph = onnx.GraphProto.create({
    name: 'vision',
    node: nodes,
    initializer: inits,
    input: [valueInfo('pixel_values', FLOAT, ['batch_size', 3, 224, 224])],
    output: [valueInfo('image_embeds', FLOAT, ['batch_size', DIM])],
  });
  return encode(graph);
}

const TEXT_WIDTH = 512;
const TEXT_HIDDEN = 3072;
const TEXT_POSITIONS = 77;
/** CLIP's BPE vocabulary size. */
export const CLIP_VOCAB = 49_408;

/** A text tower of CLIP ViT-B/32's size and interface (see the top of this file); random weights. */
function textTower(quantized: boolean): Uint8Array {
  const nodes: ReturnType<typeof node>[] = [];
  const inits: ReturnType<typeof floatTensor>[] = [
    floatTensor('token_embedding', [CLIP_VOCAB, TEXT_WIDTH], randomFloats(CLIP_VOCAB * TEXT_WIDTH, 0.02)),
    floatTensor('position_embedding', [TEXT_POSITIONS, TEXT_WIDTH], randomFloats(TEXT_POSITIONS * TEXT_WIDTH, 0.01)),
    onnx.TensorProto.create({ name: 'zero', dims: [1], dataType: INT64, int64Data: [0] }),
    onnx.TensorProto.create({ name: 'one', dims: [1], dataType: INT64, int64Data: [1] }),
    onnx.TensorProto.create({ name: 'two', dims: [1], dataType: INT64, int64Data: [2] }),
  ];
  nodes.push(
    node('Gather', ['token_embedding', 'input_ids'], ['tokens'], [int('axis', 0)]),
    // Positions 0 … sequence_length − 1 of the table, added to every row.
    node('Shape', ['input_ids'], ['ids_shape']),
    node('Slice', ['ids_shape', 'one', 'two'], ['seq_len']),
    node('Slice', ['position_embedding', 'zero', 'seq_len', 'zero'], ['positions']),
    node('Add', ['tokens', 'positions'], ['t0']),
  );
  let x = 't0';
  for (let l = 0; l < LAYERS; l++) {
    const up = matmul(nodes, inits, x, `t${l}_up`, TEXT_WIDTH, TEXT_HIDDEN, quantized);
    nodes.push(node('Relu', [up], [`t${l}_act`]));
    const down = matmul(nodes, inits, `t${l}_act`, `t${l}_down`, TEXT_HIDDEN, TEXT_WIDTH, quantized);
    nodes.push(node('Add', [x, down], [`t${l + 1}`]));
    x = `t${l + 1}`;
  }
  inits.push(floatTensor('text_projection', [TEXT_WIDTH, DIM], randomFloats(TEXT_WIDTH * DIM, 1 / Math.sqrt(TEXT_WIDTH))));
  nodes.push(
    node('Identity', [x], ['last_hidden_state']),
    node('ReduceMean', [x], ['text_pooled'], [ints('axes', [1]), int('keepdims', 0)]),
    node('MatMul', ['text_pooled', 'text_projection'], ['text_embeds']),
  );
  const graph = onnx.GraphProto.create({
    name: 'text',
    node: nodes,
    initializer: inits,
    input: [valueInfo('input_ids', INT64, ['batch_size', 'sequence_length'])],
    output: [valueInfo('last_hidden_state', FLOAT, ['batch_size', 'sequence_length', TEXT_WIDTH]), valueInfo('text_embeds', FLOAT, ['batch_size', DIM])],
  });
  return encode(graph);
}

/**
 * Grows the test model's BPE tokenizer.json to CLIP's vocabulary size with made-up merges of its
 * tokens. Merges added last rank lowest, so every word the test vocabulary knows still encodes to
 * the same single token (and the self-check's ids hold).
 */
function growTokenizer(file: string): void {
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { model: { vocab: Record<string, number>; merges: string[] } };
  const { vocab, merges } = json.model;
  const tokens = Object.keys(vocab).filter((t) => !t.startsWith('<|'));
  let size = Object.keys(vocab).length;
  let r = 7;
  const pick = () => {
    r = (Math.imul(r, 1103515245) + 12345) >>> 0;
    return tokens[r % tokens.length];
  };
  while (size < CLIP_VOCAB) {
    const a = pick();
    const b = pick();
    if (a.endsWith('</w>') || a.length + b.length > 16) continue;
    const joined = a + b;
    if (joined in vocab) continue;
    vocab[joined] = size++;
    merges.push(`${a} ${b}`);
    tokens.push(joined);
  }
  fs.writeFileSync(file, JSON.stringify(json));
}

/** The test model's text tower with its 16-d output projected to 512 (so both towers agree on dim). */
function widenTextTower(file: string): void {
  const m = onnx.ModelProto.decode(fs.readFileSync(file));
  const graph = m.graph!;
  const outputs = graph.output!;
  const out = outputs[outputs.length - 1];
  const pooled = out.name!;
  for (const n of graph.node!) n.output = n.output!.map((o) => (o === pooled ? `${pooled}_16` : o));
  graph.initializer!.push(floatTensor('widen', [16, DIM], randomFloats(16 * DIM, 0.25)));
  graph.node!.push(node('MatMul', [`${pooled}_16`, 'widen'], [pooled]));
  out.type!.tensorType!.shape!.dim![1] = { dimValue: DIM };
  fs.writeFileSync(file, onnx.ModelProto.encode(m).finish());
}

/**
 * Writes `vv-bench-vit-b32` (float) or `vv-bench-vit-b32-q8` into a models folder; returns its name.
 * `text`: the generated test model's text tower widened to 512 (cheap), or one of ViT-B/32's size.
 */
export function writeVitBenchModel(modelsDir: string, quantized: boolean, text: 'test' | 'vit-b32' = 'test'): string {
  const name = `${VIT_BENCH_MODEL}${quantized ? '-q8' : ''}`;
  const base = writeTestModel(modelsDir, 'clip');
  const out = path.join(modelsDir, name);
  fs.rmSync(out, { recursive: true, force: true });
  fs.renameSync(base, out);
  writeVitVisionTower(path.join(out, 'onnx/vision_model.onnx'), quantized);
  if (text === 'vit-b32') {
    fs.writeFileSync(path.join(out, 'onnx/text_model.onnx'), textTower(quantized));
    growTokenizer(path.join(out, 'tokenizer.json'));
  } else widenTextTower(path.join(out, 'onnx/text_model.onnx'));
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(out, 'model.json'), JSON.stringify({ ...manifest, name, dim: DIM, description: `Benchmark stand-in with ViT-B/32's image${text === 'vit-b32' ? ' and text' : ''} cost${quantized ? ', int8' : ''}; random weights.` }, null, 2));
  return name;
}
