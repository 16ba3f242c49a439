/**
 * Worker thread that owns the image encoder: decodes and preprocesses a batch of files (sharp),
 * runs the vision tower once for the batch, and answers per image a vector or an error. Inference
 * here keeps the API's event loop free while a library is embedded.
 */
import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { Encoder, preprocess } from './encoder.js';
import { loadModelInfo } from './models.js';

export interface EmbedWorkerData {
  modelsDir: string;
  model: string;
  threads: number;
}

export type EmbedRequest = { type: 'embed'; id: number; files: string[] };
export type EmbedReply =
  | { type: 'ready' }
  | { type: 'fatal'; message: string }
  | { type: 'embedded'; id: number; results: ({ vector: Float32Array } | { error: string })[]; inferMs: number };

const data = workerData as EmbedWorkerData;
sharp.concurrency(1);
const info = loadModelInfo(data.modelsDir, data.model);
const encoder = new Encoder(info, data.threads);

async function embed(req: EmbedRequest): Promise<EmbedReply> {
  const pixels = await Promise.allSettled(req.files.map((f) => preprocess(f, info)));
  const ok = pixels.flatMap((p) => (p.status === 'fulfilled' ? [p.value] : []));
  const started = performance.now();
  const vectors = ok.length ? await encoder.embedPixels(ok) : [];
  const inferMs = performance.now() - started;
  let next = 0;
  const results = pixels.map((p) => (p.status === 'fulfilled' ? { vector: vectors[next++] } : { error: `cannot decode: ${(p.reason as Error).message}` }));
  return { type: 'embedded', id: req.id, results, inferMs };
}

parentPort!.on('message', (req: EmbedRequest) => {
  embed(req).then(
    (reply) => {
      const transfer = reply.type === 'embedded' ? reply.results.flatMap((r) => ('vector' in r ? [r.vector.buffer as ArrayBuffer] : [])) : [];
      parentPort!.postMessage(reply, transfer);
    },
    (err: Error) => parentPort!.postMessage({ type: 'fatal', message: err.message } satisfies EmbedReply),
  );
});
// The vision half of the self-check before taking work: a model that cannot load or run says so at once.
encoder.checkVision().then(
  () => parentPort!.postMessage({ type: 'ready' } satisfies EmbedReply),
  (err: Error) => parentPort!.postMessage({ type: 'fatal', message: err.message } satisfies EmbedReply),
);
