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
import { sampledFrames, type FrameSource } from '../ingest/media-frames.js';
import { loadModelInfo } from './models.js';
import { Captioner, loadCaptionerInfo } from './captioner.js';

export interface EmbedWorkerData {
  modelsDir: string;
  model: string;
  threads: number;
  /** Captioner model folder (captions for images without a prompt), or null. */
  captioner: string | null;
}

/** `caption[i]`: also caption file i (it has no prompt and no caption yet); `media[i]`: what its frames are (null: a still). */
export type EmbedRequest = { type: 'embed'; id: number; files: string[]; caption: boolean[]; media: (FrameSource | null)[] };
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

/** A file's frames: a still itself, an animation or video a few frames over its length (the captioner sees the middle one). */
interface Decoded {
  frames: (string | Buffer)[];
  pixels: Float32Array[];
}

/** Captions for the files asked for, in one batched decode; a failing captioner costs the captions, not the vectors. */
async function captions(req: EmbedRequest, decoded: (Decoded | null)[]): Promise<{ byIndex: Map<number, string>; error?: string }> {
  const want = req.files.flatMap((f, i) => (req.caption[i] && decoded[i] ? [i] : []));
  if (!captioner || want.length === 0) return { byIndex: new Map() };
  try {
    const middle = (d: Decoded) => d.frames[Math.floor(d.frames.length / 2)];
    const pixels = await Promise.all(want.map((i) => preprocess(middle(decoded[i]!), captionerInfo!.pixels)));
    const texts = await captioner.caption(pixels);
    return { byIndex: new Map(want.map((i, k) => [i, texts[k]])) };
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

async function embed(req: EmbedRequest): Promise<EmbedReply> {
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
    const captioned = await captions(req, decoded);
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
