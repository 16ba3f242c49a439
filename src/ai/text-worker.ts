/**
 * Worker thread that owns the query text tower (see QueryTextEncoder): texts in, vectors out.
 * ONNX Runtime's node binding runs inference on the calling thread, so here a query's 15–25 ms of
 * text tower (and a vocabulary's seconds) never hold the API's event loop, and a hybrid search
 * ranks its full text on the main thread meanwhile.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Encoder } from './encoder.js';
import type { ModelInfo } from './models.js';
import { exitWhenIdle } from '../core/worker-stop.js';

export type TextRequest = { id: number; texts: string[] } | { stop: true };
export type TextReply = { id: number; vectors: Float32Array[] } | { id: number; error: { message: string; code: string | null } };

const encoder = new Encoder(workerData as ModelInfo, 1);

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
