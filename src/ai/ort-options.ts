/**
 * ONNX Runtime session options for every model the vault runs (CPU): `threads` intra-op threads,
 * full graph optimisation, and idle pool threads that sleep instead of spinning — with every core
 * given to inference, decoding the next batch and the API's requests would otherwise wait behind
 * threads busy-waiting for work.
 */
import type { InferenceSession } from 'onnxruntime-node';

export function ortOptions(threads: number): InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}
