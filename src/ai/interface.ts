/**
 * What an ONNX tower takes and gives, read from the model itself (ONNX Runtime's input and output
 * metadata) instead of assumed from a layout: the exports in use differ in names, integer type,
 * fixed or dynamic batch and sequence length, and extra outputs.
 *   transformers.js CLIP (scripts/extra/clip.py): `pixel_values` / `input_ids` int64, dynamic
 *     batch and sequence, `image_embeds` / `text_embeds` (+ `last_hidden_state`).
 *   transformers.js SigLIP (scripts/extra/siglip.py): `last_hidden_state` + `pooler_output`.
 *   Immich open_clip (immich_model_exporter …/onnx/models/openclip.py): `image` / `text` int32
 *     [1, 77], `embedding` — batch fixed at 1 (`dynamic_axes` commented out).
 */
import type * as ort from 'onnxruntime-node';

export class ModelUnsupportedError extends Error {
  readonly code = 'model_unsupported';
}

export type TokenType = 'int32' | 'int64';

export interface TowerInterface {
  /** The input fed with pixels or token ids. */
  input: string;
  /** A fixed batch size (1 for Immich's exports) or null when any batch runs. */
  batch: number | null;
  /** The output holding one [batch, dim] embedding per item. */
  output: string;
  dim: number;
}

export interface VisionInterface extends TowerInterface {
  imageSize: number | null;
}

export interface TextInterface extends TowerInterface {
  tokenType: TokenType;
  /** A fixed sequence length (pad to it) or null. */
  length: number | null;
  /** An `attention_mask` input some exports take, and its type. */
  mask: { name: string; type: TokenType } | null;
}

type Meta = ort.InferenceSession.ValueMetadata;
type TensorMeta = Extract<Meta, { isTensor: true }>;

const fixed = (d: number | string | undefined): number | null => (typeof d === 'number' && d > 0 ? d : null);
const describe = (m: Meta) => (m.isTensor ? `${m.name} ${m.type} [${m.shape.join(', ')}]` : `${m.name} (not a tensor)`);
export const describeAll = (ms: readonly Meta[]) => ms.map(describe).join('; ');

/** The [batch, dim] output (an embedding per item), preferring the names exporters give it. */
function embeddingOutput(session: ort.InferenceSession, tower: string, preferred: string[], dim: number): { output: string; dim: number } {
  const outputs = session.outputMetadata.filter((m): m is TensorMeta => m.isTensor && m.type === 'float32' && m.shape.length === 2);
  const chosen = preferred.map((n) => outputs.find((o) => o.name === n)).find(Boolean) ?? (outputs.length === 1 ? outputs[0] : undefined);
  if (!chosen) throw new ModelUnsupportedError(`${tower} tower: no float32 [batch, dim] embedding output among: ${describeAll(session.outputMetadata)}`);
  const got = fixed(chosen.shape[1]);
  if (got !== null && got !== dim) throw new ModelUnsupportedError(`${tower} tower: output ${chosen.name} has ${got} dimensions, model.json says dim ${dim}`);
  return { output: chosen.name, dim };
}

export function readVisionInterface(session: ort.InferenceSession, dim: number, preferredInput?: string): VisionInterface {
  const inputs = session.inputMetadata;
  const candidates = inputs.filter((m): m is TensorMeta => m.isTensor && m.shape.length === 4);
  const input = candidates.find((m) => m.name === preferredInput) ?? candidates[0];
  if (!input) throw new ModelUnsupportedError(`vision tower: no 4-D image input among: ${describeAll(inputs)}`);
  if (input.type !== 'float32') throw new ModelUnsupportedError(`vision tower: input ${describe(input)} is not float32 pixels (quantised-input exports such as uint8 ones are not supported)`);
  const channels = fixed(input.shape[1]);
  if (channels !== 3) {
    const nhwc = fixed(input.shape[3]) === 3;
    throw new ModelUnsupportedError(`vision tower: input ${describe(input)} is ${nhwc ? 'NHWC (channels last)' : 'not [batch, 3, height, width]'}; only NCHW float32 exports are supported`);
  }
  if (inputs.length > 1) throw new ModelUnsupportedError(`vision tower: more inputs than one image: ${describeAll(inputs)}`);
  return { input: input.name, batch: fixed(input.shape[0]), imageSize: fixed(input.shape[2]), ...embeddingOutput(session, 'vision', ['image_embeds', 'embedding', 'pooler_output'], dim) };
}

export function readTextInterface(session: ort.InferenceSession, dim: number, preferredInput?: string): TextInterface {
  const inputs = session.inputMetadata.filter((m): m is TensorMeta => m.isTensor);
  const ints = inputs.filter((m) => m.shape.length === 2 && (m.type === 'int64' || m.type === 'int32'));
  const ids = ints.find((m) => m.name === preferredInput) ?? ints.find((m) => m.name !== 'attention_mask');
  if (!ids) throw new ModelUnsupportedError(`text tower: no 2-D integer token input among: ${describeAll(session.inputMetadata)}`);
  const mask = ints.find((m) => m.name === 'attention_mask') ?? null;
  const others = session.inputMetadata.filter((m) => m.name !== ids.name && m.name !== mask?.name);
  if (others.length) throw new ModelUnsupportedError(`text tower: inputs it cannot feed: ${describeAll(others)}`);
  return {
    input: ids.name,
    tokenType: ids.type as TokenType,
    batch: fixed(ids.shape[0]),
    length: fixed(ids.shape[1]),
    mask: mask ? { name: mask.name, type: mask.type as TokenType } : null,
    ...embeddingOutput(session, 'text', ['text_embeds', 'embedding', 'pooler_output'], dim),
  };
}
