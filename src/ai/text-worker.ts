/**
 * Worker thread that owns the query text tower (see QueryTextEncoder): texts in, vectors out.
 * ONNX Runtime's node binding runs inference on the calling thread, so here a query's 15–25 ms of
 * text tower (and a vocabulary's seconds) never hold the API's event loop, and a hybrid search
 * ranks its full text on the main thread meanwhile.
 */
import { availableParallelism } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { Encoder } from './encoder.js';
import type { ModelInfo } from './models.js';
import { exitWhenIdle } from '../core/worker-stop.js';

export type TextRequest = { id: number; texts: string[] } | { stop: true };
export type TextReply = { id: number; vectors: Float32Array[] } | { id: number; error: { message: string; code: string | null } };

// Two intra-op threads: a query's tower 16–17 → 11–12 ms on a 2-core machine (ViT-B/32 size, a short
// query); the main thread only waits for it once its full-text ranking is done. More threads gain
// little on a dozen tokens.
const QUERY_THREADS = Math.min(2, availableParallelism());
const encoder = new Encoder(workerData as ModelInfo, QUERY_THREADS);

// `stop`: ends once what it holds is answered (see core/worker-stop.ts).
const requests = exitWhenIdle();
parentPort!.on('message', (req: TextRequest) => {
  if ('stop' in req) return requests.stop();
  const { id, texts } = req;
  requests.track(
    encoder.embedTexts(texts).then(
      (vectors) => parentPort!.postMessage({ id, vectors } satisfies TextReply, vectors.map((v) => v.buffer as ArrayBuffer)),
      (err: Error & { code?: string }) => parentPort!.postMessage({ id, error: { message: err.message, code: err.code ?? null } } satisfies TextReply),
    ),
  );
});
