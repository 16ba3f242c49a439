/**
 * ONNX Runtime and the tokenizers (transformers.js) load on first use, not at start: together they
 * cost ~0.4 s of every start-up (serve, scan), which a vault without a model, or one that has not
 * answered a semantic query yet, never needs.
 */
import path from 'node:path';
import type * as Ort from 'onnxruntime-node';
import type * as Transformers from '@huggingface/transformers';

let ort: Promise<typeof Ort> | null = null;
let transformers: Promise<typeof Transformers> | null = null;

export const onnxRuntime = (): Promise<typeof Ort> => (ort ??= import('onnxruntime-node'));

/** A tokenizer from the files beside a model; never reaches for the network. */
export async function localTokenizer(dir: string) {
  const { AutoTokenizer, env } = await (transformers ??= import('@huggingface/transformers'));
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${path.dirname(dir)}${path.sep}`;
  return AutoTokenizer.from_pretrained(path.basename(dir));
}

export type Tokenizer = Awaited<ReturnType<typeof localTokenizer>>;

/** A model that loaded but failed to run (or to pass its self-check): shown, logged, retried later. */
export class ModelFailedError extends Error {
  readonly code = 'model_failed';
}
