/**
 * Worker thread that owns the query text tower (see QueryTextEncoder): texts in, vectors out.
 * ONNX Runtime's node binding runs inference on the calling thread, so here a query's 15–25 ms of
 * text tower (and a vocabulary's seconds) never hold the API's event loop, and a hybrid search
 * ranks its full text on the main thread meanwhile.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Encoder } from './encoder.js';
import type { ModelInfo } from './models.js';

export type TextRequest = { id: number; texts: string[] } | { stop: true };
export type TextReply = { id: number; vectors: Float32Array[] } | { id: number; error: { message: string; code: string | null } };

const encoder = new Encoder(workerData as ModelInfo, 1);

// `stop`: ends once what it holds is answered (terminated during a run, a worker aborted the
// process: see embed-worker.ts).
let held = 0;
let stopping = false;
const exitIfDone = () => {
  if (stopping && held === 0) process.exit(0);
};
parentPort!.on('message', (req: TextRequest) => {
  if ('stop' in req) {
    stopping = true;
    exitIfDone();
    return;
  }
  const { id, texts } = req;
  held++;
  encoder
    .embedTexts(texts)
    .then(
      (vectors) => parentPort!.postMessage({ id, vectors } satisfies TextReply, vectors.map((v) => v.buffer as ArrayBuffer)),
      (err: Error & { code?: string }) => parentPort!.postMessage({ id, error: { message: err.message, code: err.code ?? null } } satisfies TextReply),
    )
    .finally(() => {
      held--;
      exitIfDone();
    });
});
