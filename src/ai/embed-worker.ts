/**
 * Worker thread that owns the image encoder: decodes and preprocesses a batch of files (sharp),
 * runs the vision tower once for the batch, and answers per image a vector or an error. Inference
 * here keeps the API's event loop free while a library is embedded.
 */
import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { Encoder, preprocess } from './encoder.js';
import { loadModelInfo } from './models.js';
import { Captioner, loadCaptionerInfo } from './captioner.js';

export interface EmbedWorkerData {
  modelsDir: string;
  model: string;
  threads: number;
  /** Captioner model folder (captions for images without a prompt), or null. */
  captioner: string | null;
}

/** `caption[i]`: also caption file i (it has no prompt and no caption yet). */
export type EmbedRequest = { type: 'embed'; id: number; files: string[]; caption: boolean[] };
export type EmbedReply =
  | { type: 'ready' }
  | { type: 'fatal'; message: string }
  | { type: 'embedded'; id: number; results: ({ vector: Float32Array; caption?: string } | { error: string })[]; inferMs: number; decodeMs: number; captionError?: string };

const data = workerData as EmbedWorkerData;
sharp.concurrency(1);
const info = loadModelInfo(data.modelsDir, data.model);
const encoder = new Encoder(info, data.threads);
const captionerInfo = data.captioner ? loadCaptionerInfo(data.modelsDir, data.captioner) : null;
const captioner = captionerInfo ? new Captioner(captionerInfo, data.threads) : null;

/** Captions for the files asked for, in one batched decode; a failing captioner costs the captions, not the vectors. */
async function captions(req: EmbedRequest, decoded: boolean[]): Promise<{ byIndex: Map<number, string>; error?: string }> {
  const want = req.files.flatMap((f, i) => (req.caption[i] && decoded[i] ? [i] : []));
  if (!captioner || want.length === 0) return { byIndex: new Map() };
  try {
    const pixels = await Promise.all(want.map((i) => preprocess(req.files[i], captionerInfo!.pixels)));
    const texts = await captioner.caption(pixels);
    return { byIndex: new Map(want.map((i, k) => [i, texts[k]])) };
  } catch (err) {
    return { byIndex: new Map(), error: (err as Error).message };
  }
}

/** One inference at a time: a batch decoded ahead waits here, not in ONNX Runtime's thread pool. */
let inference: Promise<unknown> = Promise.resolve();

async function embed(req: EmbedRequest): Promise<EmbedReply> {
  const decodeStart = performance.now();
  const pixels = await Promise.allSettled(req.files.map((f) => preprocess(f, info)));
  const decodeMs = performance.now() - decodeStart;
  const ok = pixels.flatMap((p) => (p.status === 'fulfilled' ? [p.value] : []));
  let inferMs = 0;
  const turn = inference.then(async () => {
    const started = performance.now();
    const vectors = ok.length ? await encoder.embedPixels(ok) : [];
    inferMs = performance.now() - started;
    const captioned = await captions(
      req,
      pixels.map((p) => p.status === 'fulfilled'),
    );
    return { vectors, captioned };
  });
  inference = turn.catch(() => undefined);
  const { vectors, captioned } = await turn;
  let next = 0;
  const results = pixels.map((p, i) => (p.status === 'fulfilled' ? { vector: vectors[next++], ...(captioned.byIndex.has(i) ? { caption: captioned.byIndex.get(i) } : {}) } : { error: `cannot decode: ${(p.reason as Error).message}` }));
  return { type: 'embedded', id: req.id, results, inferMs, decodeMs, ...(captioned.error ? { captionError: captioned.error } : {}) };
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
