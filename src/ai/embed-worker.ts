/**
 * Worker thread that owns the image encoder: decodes and preprocesses a batch of files (sharp; an
 * animation's or video's few sampled frames), runs the vision tower once for the batch, and answers
 * per file a vector — a clip's is the L2-normalised mean of its frames' — or an error. Inference
 * here keeps the API's event loop free while a library is embedded.
 */
import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { Encoder, l2normalize, preprocess } from './encoder.js';
import { FfmpegError } from '../ingest/ffmpeg.js';
import { posterInput, sampledFrames, type FrameSource } from '../ingest/media-frames.js';
import { loadModelInfo } from './models.js';
import { Captioner, loadCaptionerInfo } from './captioner.js';
import { exitWhenIdle } from '../core/worker-stop.js';

export interface EmbedWorkerData {
  modelsDir: string;
  model: string;
  threads: number;
  /** Captioner model folder (captions for images without a prompt), or null. */
  captioner: string | null;
}

/**
 * `embed`: vectors for the files, and captions for those with `caption[i]` (no prompt, no caption
 * yet); `media[i]`: what its frames are (null: a still). `caption`: captions only, for files
 * embedded earlier while the captioner failed.
 */
export type EmbedRequest =
  | { type: 'embed'; id: number; files: string[]; caption: boolean[]; media: (FrameSource | null)[] }
  | { type: 'caption'; id: number; files: string[]; media: (FrameSource | null)[] }
  | { type: 'stop' };
export type EmbedReply =
  | { type: 'ready' }
  | { type: 'fatal'; message: string }
  | { type: 'embedded'; id: number; results: ({ vector: Float32Array; caption?: string } | { error: string })[]; inferMs: number; decodeMs: number; captionError?: string }
  | { type: 'captioned'; id: number; captions: (string | null)[]; captionError?: string };

const data = workerData as EmbedWorkerData;
sharp.concurrency(1);

const info = loadModelInfo(data.modelsDir, data.model);
const encoder = new Encoder(info, data.threads);
const captionerInfo = data.captioner ? loadCaptionerInfo(data.modelsDir, data.captioner) : null;
const captioner = captionerInfo ? new Captioner(captionerInfo, data.threads) : null;

/** A file's frames: a still itself, an animation or video a few frames over its length (the captioner sees the middle one). */
interface Decoded {
  frames: (string | Buffer)[];
  pixels: Float32Array[];
}

const middle = (frames: (string | Buffer)[]) => frames[Math.floor(frames.length / 2)];

/**
 * Captions of the frames given (null: none asked), in one batched decode; a failing captioner costs
 * the captions, not the vectors. A frame that cannot be decoded gets none (not the captioner's failure).
 */
async function captions(frames: (string | Buffer | null)[]): Promise<{ byIndex: Map<number, string>; error?: string }> {
  if (!captioner || frames.every((f) => f === null)) return { byIndex: new Map() };
  const decoded = await Promise.all(frames.map((f) => (f === null ? null : preprocess(f, captionerInfo!.pixels).catch(() => null))));
  const indices = decoded.flatMap((d, i) => (d ? [i] : []));
  if (indices.length === 0) return { byIndex: new Map() };
  try {
    const texts = await captioner.caption(indices.map((i) => decoded[i]!));
    return { byIndex: new Map(indices.map((i, k) => [i, texts[k]])) };
  } catch (err) {
    return { byIndex: new Map(), error: (err as Error).message };
  }
}

async function decode(file: string, media: FrameSource | null): Promise<Decoded> {
  const frames = await sampledFrames(file, media ?? undefined);
  return { frames, pixels: await Promise.all(frames.map((f) => preprocess(f, info))) };
}

/** The L2-normalised mean of a clip's frame vectors (each already normalised): a still's own vector. */
function meanVector(vectors: Float32Array[]): Float32Array {
  if (vectors.length === 1) return vectors[0];
  const sum = new Float32Array(vectors[0].length);
  for (const v of vectors) for (let i = 0; i < v.length; i++) sum[i] += v[i];
  return l2normalize(sum);
}

function failure(reason: unknown): string {
  const err = reason as Error;
  // A video without ffmpeg: the reason as it is (the job retries those once ffmpeg is installed).
  return err instanceof FfmpegError && !err.ran ? err.message : `cannot decode: ${err.message}`;
}

/** One inference at a time: a batch decoded ahead waits here, not in ONNX Runtime's thread pool. */
let inference: Promise<unknown> = Promise.resolve();

async function embed(req: Extract<EmbedRequest, { type: 'embed' }>): Promise<EmbedReply> {
  const decodeStart = performance.now();
  const settled = await Promise.allSettled(req.files.map((f, i) => decode(f, req.media[i] ?? null)));
  const decodeMs = performance.now() - decodeStart;
  const decoded = settled.map((d) => (d.status === 'fulfilled' ? d.value : null));
  const ok = decoded.flatMap((d) => d?.pixels ?? []);
  let inferMs = 0;
  const turn = inference.then(async () => {
    const started = performance.now();
    const vectors = ok.length ? await encoder.embedPixels(ok) : [];
    inferMs = performance.now() - started;
    const captioned = await captions(decoded.map((d, i) => (req.caption[i] && d ? middle(d.frames) : null)));
    return { vectors, captioned };
  });
  inference = turn.catch(() => undefined);
  const { vectors, captioned } = await turn;
  let next = 0;
  const results = settled.map((d, i) => {
    if (d.status === 'rejected') return { error: failure(d.reason) };
    const vector = meanVector(vectors.slice(next, (next += d.value.pixels.length)));
    return { vector, ...(captioned.byIndex.has(i) ? { caption: captioned.byIndex.get(i) } : {}) };
  });
  return { type: 'embedded', id: req.id, results, inferMs, decodeMs, ...(captioned.error ? { captionError: captioned.error } : {}) };
}

/** Captions only (files embedded while the captioner failed), in the same one-at-a-time queue. */
async function caption(req: Extract<EmbedRequest, { type: 'caption' }>): Promise<EmbedReply> {
  // A clip's poster frame (one decode), as the gallery shows it.
  const frames = await Promise.all(req.files.map((f, i) => posterInput(f, req.media[i] ?? undefined).catch(() => null)));
  const turn = inference.then(() => captions(frames));
  inference = turn.catch(() => undefined);
  const { byIndex, error } = await turn;
  return { type: 'captioned', id: req.id, captions: req.files.map((_, i) => byIndex.get(i) ?? null), ...(error ? { captionError: error } : {}) };
}

// `stop`: the worker ends itself once what it holds is answered (see core/worker-stop.ts).
const requests = exitWhenIdle();
parentPort!.on('message', (req: EmbedRequest) => {
  if (req.type === 'stop') return requests.stop();
  requests.track(
    (req.type === 'caption' ? caption(req) : embed(req)).then(
      (reply) => {
        const transfer = reply.type === 'embedded' ? reply.results.flatMap((r) => ('vector' in r ? [r.vector.buffer as ArrayBuffer] : [])) : [];
        parentPort!.postMessage(reply, transfer);
      },
      (err: Error) => parentPort!.postMessage({ type: 'fatal', message: err.message } satisfies EmbedReply),
    ),
  );
});
// The vision half of the self-check before taking work: a model that cannot load or run says so at once.
encoder.checkVision().then(
  () => parentPort!.postMessage({ type: 'ready' } satisfies EmbedReply),
  (err: Error) => parentPort!.postMessage({ type: 'fatal', message: err.message } satisfies EmbedReply),
);
