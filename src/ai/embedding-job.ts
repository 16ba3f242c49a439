/**
 * The background embedding pass: every present image without a current vector goes through the
 * encoder worker in batches; each batch's vectors are committed to SQLite, added to the vector
 * index and zero-shot tagged before the next. Killed at any point, the next run starts from what
 * SQLite holds: nothing stored is embedded again and nothing is skipped.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { Store } from '../db/store.js';
import { EMBEDDING_SLICE_IDS, type EmbeddingResult, type EmbeddingTask } from '../db/embeddings.js';
import { spawnWorker } from '../core/spawn-worker.js';
import { stopWorker } from '../core/worker-stop.js';
import { locateFfmpeg, NO_VIDEO_DECODER } from '../ingest/ffmpeg.js';
import type { FrameSource } from '../ingest/media-frames.js';
import type { EmbedReply, EmbedRequest, EmbedWorkerData } from './embed-worker.js';
import type { VectorIndex } from './vector-index.js';
import { loadModelInfo } from './models.js';
import type { ZeroShotTagger } from './zero-shot.js';

export interface EmbeddingProgress {
  running: boolean;
  model: string;
  /** Present images with a current vector (or a recorded failure). */
  done: number;
  total: number;
  /** Images per second in the current (or last) run. */
  per_second: number;
  failed: number;
  /** Embedded in the current (or last) run; reused vectors of identical files are not counted. */
  embedded: number;
  reused: number;
  /** Captions made (or taken from an identical file) for the images embedded in the current (or last) run. */
  captioned: number;
  /** Captions made in the current (or last) run for images embedded earlier while the captioner failed. */
  caption_retried: number;
  /** The captioner's failure in the current (or last) run (the vectors are kept). */
  caption_error: string | null;
  /** Time inside ONNX Runtime vs. the whole run, in ms (the rest is decoding, preprocessing, storing). */
  infer_ms: number;
  /** Time decoding and preprocessing images in the worker (overlaps inference of the batch before). */
  decode_ms: number;
  elapsed_ms: number;
  /** Of elapsed_ms, starting the encoder workers (loading the model into each, its self-check). */
  start_ms: number;
  error: string | null;
}

export interface EmbeddingJobOptions {
  store: Store;
  root: string;
  modelsDir: string;
  model: string;
  index: VectorIndex;
  /** Tagger for new vectors (null: no zero-shot tags). */
  tagger: () => Promise<ZeroShotTagger | null>;
  /** Captioner folder: images without a prompt get a caption in the same pass (null: none). */
  captioner?: string | null;
  /** A captioner failure (the vectors are kept; the next pass captions those images). */
  onCaptionError?: (message: string) => void;
  batchSize?: number;
  /** ONNX Runtime threads in all (default: every core, VV_EMBED_THREADS). */
  threads?: number;
  /** Encoder workers sharing them (default: see embedLanes, VV_EMBED_LANES). */
  lanes?: number;
  /** Save the vector index at most this often while running (it is always saved at the end). */
  saveEveryMs?: number;
  onProgress?: (p: EmbeddingProgress) => void;
}

/** What a task's frames are, for the worker (null: a still). */
function frameSource(t: EmbeddingTask): FrameSource | null {
  return t.media_type === 'image' ? null : { media_type: t.media_type, duration_s: t.duration_s, format: t.format, frame_count: t.frame_count };
}

/**
 * ONNX Runtime intra-op threads for the embedding worker: every core (VV_EMBED_THREADS overrides).
 * Inference is nearly all of an image's cost with a real model, so a core kept back for decoding
 * would idle most of the time. Decoding the next batch and the API's requests still get their
 * turns: idle inference threads sleep instead of spinning (ort-options.ts), and the scheduler runs
 * a thread that wakes (a request) ahead of ones that have been running. Not a lower priority: on a
 * busy machine that starved embedding (0.3 images/s at load 17 on 2 cores).
 */
export function embedThreads(): number {
  const fromEnv = Number(process.env.VV_EMBED_THREADS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : os.availableParallelism();
}

/** A vision tower up to this size runs in one worker per thread; a larger one once, with every thread. */
const LANE_MODEL_BYTES = 256 * 1024 * 1024;

/**
 * How many encoder workers ("lanes") share the threads: one per thread when the vision tower is
 * small enough to hold once per lane (VV_EMBED_LANES overrides). ONNX Runtime runs a session's
 * calls one at a time, and one call's threads wait on each other at every layer, so a core taken
 * by decoding stalls both; lanes of one thread each never wait on each other and decode between
 * their own inferences (bench:embed -- --vit: int8 ViT-B/32 stand-in on 2 cores, see
 * docs/BENCHMARKS.md). A float ViT-B/32 (351 MB) runs once with every thread: memory.
 */
export function embedLanes(threads: number, visionBytes: number): number {
  const fromEnv = Number(process.env.VV_EMBED_LANES);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return Math.min(fromEnv, threads);
  return visionBytes <= LANE_MODEL_BYTES ? threads : 1;
}

/** Slices of the library's ids counted or walked in a row before the event loop gets a turn. */
const SLICE_BUDGET_MS = 8;

const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Lane {
  worker: Worker;
  /** Requests sent to this worker and not answered yet. */
  inFlight: number;
  /** Set once its thread ended. */
  exited: boolean;
}

/** How long a stopping worker may take to answer what it holds before it is terminated. */
const WORKER_STOP_MS = 30_000;

/** Lets a worker answer what it holds and end itself (see core/worker-stop.ts). */
function stopLane(lane: Lane): Promise<void> {
  return lane.exited ? Promise.resolve() : stopWorker(lane.worker, { type: 'stop' } satisfies EmbedRequest, WORKER_STOP_MS);
}

export class EmbeddingJob {
  progress: EmbeddingProgress;
  private lanes: Lane[] = [];
  /** Requests in flight by id: two per lane, so each worker decodes one batch while it infers the other. */
  private pending = new Map<number, { lane: Lane; resolve: (r: EmbedReply) => void; reject: (e: Error) => void }>();
  private stopRequested = false;
  private run: Promise<EmbeddingProgress> | null = null;
  private nextRequest = 1;

  constructor(private readonly o: EmbeddingJobOptions) {
    this.progress = { running: false, model: o.model, done: 0, total: 0, per_second: 0, failed: 0, embedded: 0, reused: 0, captioned: 0, caption_retried: 0, caption_error: null, infer_ms: 0, decode_ms: 0, elapsed_ms: 0, start_ms: 0, error: null };
  }

  /** The data version the counts reflect, and the recount in flight. */
  private countedAt: string | null = null;
  private counting: Promise<void> | null = null;

  /**
   * Counts for status while idle, recounted only after the data changed. A recount walks the
   * library's ids slice by slice: a small library is counted before this returns; a large one
   * goes on between requests (status shows the last counts until it ends).
   */
  refreshCounts(): EmbeddingProgress {
    if (!this.progress.running) void this.recountIfChanged();
    return this.progress;
  }

  /** Resolves when the counts reflect the data version seen at the call (or a later one). */
  private recountIfChanged(): Promise<void> {
    if (this.counting) return this.counting;
    const version = this.o.store.dataVersion();
    if (version === this.countedAt) return Promise.resolve();
    const counting = this.recount(version).finally(() => {
      if (this.counting === counting) this.counting = null;
    });
    this.counting = counting;
    return counting;
  }

  private async recount(version: string): Promise<void> {
    const { store, model } = this.o;
    let eligible = 0;
    let done = 0;
    let turn = performance.now();
    try {
      const end = store.embeddings.maxImageId();
      for (let after = 0; after < end; after += EMBEDDING_SLICE_IDS) {
        if (performance.now() - turn > SLICE_BUDGET_MS) {
          await yieldTurn();
          turn = performance.now();
        }
        const slice = store.embeddings.countsIn(model, after, Math.min(after + EMBEDDING_SLICE_IDS, end));
        eligible += slice.eligible;
        done += slice.done;
      }
      const failed = store.embeddings.failedCount(model);
      if (!this.progress.running) Object.assign(this.progress, { done, total: eligible, failed });
      this.countedAt = version;
    } catch (err) {
      // The store closed under a recount (shutdown): nothing to count any more.
      if (store.isOpen) throw err;
    }
  }

  /**
   * The next images to embed after `after`: the walk goes by id slices and yields between runs of
   * them, so a library with little left to embed is not read in one statement.
   */
  private async nextTasks(after: number, limit: number): Promise<EmbeddingTask[]> {
    const { store, model } = this.o;
    let turn = performance.now();
    while (!this.stopRequested) {
      const end = store.embeddings.maxImageId();
      if (after >= end) return [];
      const upTo = Math.min(after + EMBEDDING_SLICE_IDS, end);
      const tasks = store.embeddings.pending(model, after, upTo, limit);
      if (tasks.length > 0) return tasks;
      after = upTo;
      if (performance.now() - turn > SLICE_BUDGET_MS) {
        await yieldTurn();
        turn = performance.now();
      }
    }
    return [];
  }

  /** Starts a pass (or joins the one running). */
  start(): Promise<EmbeddingProgress> {
    this.run ??= this.pass().finally(() => (this.run = null));
    return this.run;
  }

  stop(): void {
    this.stopRequested = true;
  }

  /** Resolves when no pass is running. */
  async finished(): Promise<void> {
    await this.run?.catch(() => undefined);
  }

  /** The workers fail what they hold, as a crash would, and go (tests of resumption use it). */
  async killWorker(): Promise<void> {
    const lanes = this.lanes;
    this.lanes = [];
    for (const lane of lanes) this.failLane(lane, new Error('embedding worker exited (code 1)'));
    await Promise.all(lanes.map(stopLane));
  }

  /** Workers in use: how many, with how many ONNX Runtime threads each. */
  private layout(): { lanes: number; threads: number } {
    const threads = this.o.threads ?? embedThreads();
    let visionBytes = Infinity;
    try {
      const info = loadModelInfo(this.o.modelsDir, this.o.model);
      visionBytes = fs.statSync(path.join(info.dir, info.manifest.vision)).size;
    } catch {
      // the worker reports what is wrong with the model
    }
    const lanes = this.o.lanes ?? embedLanes(threads, visionBytes);
    return { lanes, threads: Math.max(1, Math.floor(threads / lanes)) };
  }

  private async startWorkers(): Promise<void> {
    const { lanes, threads } = this.layout();
    const started = Array.from({ length: lanes }, () => this.startWorker(threads));
    try {
      await Promise.all(started);
    } catch (err) {
      await Promise.allSettled(started);
      await this.stopWorkers();
      throw err;
    }
  }

  private async stopWorkers(): Promise<void> {
    const lanes = this.lanes;
    this.lanes = [];
    await Promise.all(lanes.map(stopLane));
  }

  private startWorker(threads: number): Promise<void> {
    const data: EmbedWorkerData = {
      modelsDir: this.o.modelsDir,
      model: this.o.model,
      threads,
      captioner: this.o.captioner ?? null,
    };
    const worker = spawnWorker('ai/embed-worker', data);
    const lane: Lane = { worker, inFlight: 0, exited: false };
    this.lanes.push(lane);
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (reply: EmbedReply) => {
        if (reply.type === 'ready') {
          ready = true;
          resolve();
        } else if (reply.type === 'fatal') {
          if (!ready) reject(new Error(reply.message));
          this.failLane(lane, new Error(reply.message));
        } else {
          this.settle(reply);
        }
      });
      const fail = (err: Error) => {
        if (!ready) reject(err);
        this.lanes = this.lanes.filter((l) => l !== lane);
        this.failLane(lane, err); // a worker told to stop answered what it held first: nothing left
      };
      worker.on('error', fail);
      worker.on('exit', (code) => {
        lane.exited = true;
        fail(new Error(`embedding worker exited (code ${code})`));
      });
    });
  }

  /** Fails what one worker holds (the others' requests go on). */
  private failLane(lane: Lane, err: Error): void {
    for (const [id, p] of this.pending) {
      if (p.lane !== lane) continue;
      this.pending.delete(id);
      lane.inFlight--;
      p.reject(err);
    }
  }

  private settle(reply: EmbedReply): void {
    if (reply.type !== 'embedded' && reply.type !== 'captioned') return;
    const p = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if (p) p.lane.inFlight--;
    p?.resolve(reply);
  }

  private request(tasks: EmbeddingTask[], caption: boolean[]): Promise<Extract<EmbedReply, { type: 'embedded' }>> {
    const files = tasks.map((t) => path.join(this.o.root, t.path));
    return this.send({ type: 'embed', id: this.nextRequest++, files, caption, media: tasks.map(frameSource) }) as Promise<Extract<EmbedReply, { type: 'embedded' }>>;
  }

  /** To the lane with the fewest requests in flight. */
  private send(req: Exclude<EmbedRequest, { type: 'stop' }>): Promise<EmbedReply> {
    const lane = this.lanes.reduce<Lane | null>((best, l) => (!best || l.inFlight < best.inFlight ? l : best), null);
    if (!lane) return Promise.reject(new Error('embedding worker is not running'));
    return new Promise((resolve, reject) => {
      this.pending.set(req.id, { lane, resolve, reject });
      lane.inFlight++;
      lane.worker.postMessage(req);
    });
  }

  private async pass(): Promise<EmbeddingProgress> {
    const { store, model, index } = this.o;
    this.stopRequested = false;
    const started = performance.now();
    // Videos recorded as "no video decoder" are embedded once ffmpeg is there (not retried while it is not).
    if (locateFfmpeg().path) store.embeddings.forgetFailures(model, NO_VIDEO_DECODER);
    // Counted once per data version (a recount in flight is awaited, then one for changes since it
    // began): a pass that stores nothing is not counted again at its end.
    await this.recountIfChanged();
    await this.recountIfChanged();
    const { done: doneBefore, total } = this.progress;
    const todo = total - doneBefore;
    this.progress = { ...this.progress, running: true, done: doneBefore, total: doneBefore + todo, per_second: 0, embedded: 0, reused: 0, captioned: 0, caption_retried: 0, caption_error: null, infer_ms: 0, decode_ms: 0, elapsed_ms: 0, start_ms: 0, error: null };
    this.emit();
    // Only a pass with images to embed needs the tagger (building it embeds the vocabulary).
    const tagger = todo > 0 ? await this.o.tagger() : null;
    let lastSave = performance.now();
    try {
      if (todo > 0) {
        await this.startWorkers();
        this.progress.start_ms = Math.round(performance.now() - started);
      }
      let after = 0;
      let exhausted = todo === 0;
      const batchSize = this.o.batchSize ?? 16;
      // Two batches per lane in flight: each worker decodes its next batch while it infers one.
      const depth = 2 * Math.max(1, this.lanes.length);
      const inFlight: Promise<EmbeddingResult[]>[] = [];
      const fill = async () => {
        while (!exhausted && inFlight.length < depth) {
          const tasks = await this.nextTasks(after, batchSize);
          if (tasks.length === 0) {
            exhausted = true;
            return;
          }
          after = tasks[tasks.length - 1].id;
          const sent = this.embedBatch(tasks);
          sent.catch(() => undefined); // awaited below; a failure of a batch never awaited is not unhandled
          inFlight.push(sent);
        }
      };
      await fill();
      while (inFlight.length) {
        const results = await inFlight.shift()!;
        await fill();
        store.embeddings.save(model, results);
        const stored = results.filter((r): r is EmbeddingResult & { vector: Float32Array } => r.vector !== null);
        index.add(stored.map((r) => ({ id: r.id, vector: r.vector })));
        if (tagger) store.setAiTags(stored.map((r) => ({ id: r.id, tags: tagger.tagsFor(r.vector) })));
        this.progress.done += results.length;
        this.progress.failed += results.length - stored.length;
        this.progress.elapsed_ms = Math.round(performance.now() - started);
        this.progress.per_second = Math.round(((this.progress.embedded + this.progress.reused) / (this.progress.elapsed_ms / 1000)) * 10) / 10;
        if (performance.now() - lastSave > (this.o.saveEveryMs ?? 60_000)) {
          index.save(store.embeddings.generation(model));
          lastSave = performance.now();
        }
        this.emit();
        // Let queued requests run between batches.
        await new Promise((r) => setImmediate(r));
      }
      // A captioner that failed in this pass is not tried again before the next one.
      if (this.o.captioner && !this.progress.caption_error) await this.retryCaptions(batchSize);
    } catch (err) {
      this.progress.error = (err as Error).message;
    } finally {
      if (index.unsaved) index.save(store.embeddings.generation(model));
      await this.stopWorkers();
      this.progress.running = false;
      this.progress.elapsed_ms = Math.round(performance.now() - started);
      await this.recountIfChanged().catch(() => undefined);
      this.emit();
    }
    return this.progress;
  }

  /**
   * Captions the images embedded in earlier passes while the captioner failed: a captioner failure
   * is never permanent, the next pass that finds it working catches up. Stops at the first failure.
   */
  private async retryCaptions(batchSize: number): Promise<void> {
    const { store, model, root } = this.o;
    for (let after = 0; !this.stopRequested; ) {
      const targets = store.captionRetryTargets(model, after, batchSize);
      if (targets.length === 0) return;
      after = targets[targets.length - 1].id;
      if (this.lanes.length === 0) await this.startWorkers();
      const reply = (await this.send({ type: 'caption', id: this.nextRequest++, files: targets.map((t) => path.join(root, t.path)), media: targets.map(frameSource) })) as Extract<EmbedReply, { type: 'captioned' }>;
      if (reply.captionError) {
        this.progress.caption_error = reply.captionError;
        this.o.onCaptionError?.(reply.captionError);
        return;
      }
      const captions = targets.flatMap((t, n) => (reply.captions[n] ? [{ id: t.id, caption: reply.captions[n]! }] : []));
      store.setAiCaptions(captions);
      this.progress.caption_retried += captions.length;
      this.emit();
      await new Promise((r) => setImmediate(r));
    }
  }

  private async embedBatch(tasks: EmbeddingTask[]): Promise<EmbeddingResult[]> {
    const results = new Map<number, EmbeddingResult>();
    const infer: EmbeddingTask[] = [];
    const uncaptioned = this.o.captioner ? this.o.store.needsCaption(tasks.map((t) => t.id)) : new Set<number>();
    const copiedCaptions: { id: number; caption: string }[] = [];
    for (const t of tasks) {
      // A copy of a file already embedded (same content hash) takes its vector: no second inference.
      const known = this.o.store.embeddings.vectorForContent(this.o.model, t.hash);
      // It takes the model's caption of that file too; without one it is run to be captioned.
      const caption = known && uncaptioned.has(t.id) ? this.aiCaptionForContent(t.hash) : null;
      if (known && (caption || !uncaptioned.has(t.id))) {
        results.set(t.id, { id: t.id, hash: t.hash, vector: known });
        if (caption) copiedCaptions.push({ id: t.id, caption });
        this.progress.reused++;
      } else {
        infer.push(t);
      }
    }
    if (copiedCaptions.length) {
      this.o.store.setAiCaptions(copiedCaptions);
      this.progress.captioned += copiedCaptions.length;
    }
    if (infer.length) {
      const reply = await this.request(
        infer,
        infer.map((t) => uncaptioned.has(t.id)),
      );
      this.progress.infer_ms += Math.round(reply.inferMs);
      this.progress.decode_ms += Math.round(reply.decodeMs);
      if (reply.captionError) {
        this.progress.caption_error = reply.captionError;
        this.o.onCaptionError?.(reply.captionError);
      }
      const captions = infer.flatMap((t, n) => {
        const r = reply.results[n];
        return 'caption' in r && r.caption ? [{ id: t.id, caption: r.caption }] : [];
      });
      if (captions.length) {
        this.o.store.setAiCaptions(captions);
        this.progress.captioned += captions.length;
      }
      infer.forEach((t, n) => {
        const r = reply.results[n];
        results.set(t.id, 'vector' in r ? { id: t.id, hash: t.hash, vector: r.vector } : { id: t.id, hash: t.hash, vector: null, error: r.error });
      });
      this.progress.embedded += infer.length;
    }
    return tasks.map((t) => results.get(t.id)!);
  }

  /** The captioning model's caption of a present file with this content (the first such file), if it has one. */
  private aiCaptionForContent(hash: string): string | null {
    const rel = this.o.store.presentPathForHash(hash);
    const id = rel === null ? null : this.o.store.idForPath(rel);
    const caption = id === null ? null : this.o.store.getImage(id)?.caption;
    return caption?.source === 'ai' ? caption.text : null;
  }

  private emit(): void {
    this.o.onProgress?.(this.progress);
  }
}
