/**
 * A pool of worker threads running ingestFile, so parsing uses every core while the main thread
 * keeps serving the API and writing SQLite. Each worker holds a few jobs at once so it never waits
 * for the main thread between files. A file that takes longer than the timeout (a hostile input the
 * bounds missed) gets its worker terminated and is recorded as failed; the worker's other jobs are
 * handed to a fresh worker. A worker's heap is capped too, so a file the bounds missed costs its
 * worker (replaced, the file recorded as failed) instead of aborting the process.
 */
import os from 'node:os';
import type { ResourceLimits, Worker } from 'node:worker_threads';
import { spawnWorker } from '../core/spawn-worker.js';
import type { ScannedFile } from '../core/types.js';
import type { IngestExtras } from './ingest.js';
import type { FrameSource } from './media-frames.js';
import { creationDate } from './dates.js';
import { emptyRecord } from '../metadata/record.js';

export interface IngestPoolOptions {
  /** Worker threads; 0 runs in-process (tests, one-shot commands). */
  workers?: number;
  timeoutMs?: number;
  /** Jobs sent to one worker before its first result comes back. */
  depth?: number;
  /**
   * The worker module: `ingest-worker` (every job kind) or `meta-worker` (metadata only: loads no
   * image decoder or hasher, so `vv meta` starts fast; `.bundle`: the same as one bundled file).
   */
  worker?: 'ingest-worker' | 'meta-worker' | 'meta-worker.bundle';
  /** Heap limits per worker; over them the worker is replaced and its file fails. */
  resourceLimits?: ResourceLimits;
}

/** Far above what a bounded file needs (bench:hostile peaks under 300 MB); below what takes a machine down. */
const DEFAULT_WORKER_HEAP_MB = 1024;

type JobKind = 'ingest' | 'meta' | 'phash';

interface Pending {
  id: number;
  kind: JobKind;
  absPath: string;
  relPath: string;
  extras: IngestExtras;
  /** `phash` jobs: where to write the thumbnail made from the same decode (null: none). */
  thumbnail?: string | null;
  /** `phash` jobs: an animation's or video's frames. */
  media?: FrameSource;
  resolve: (r: unknown) => void;
}

/** What a pixel job answers: the hash (and whether a thumbnail was written), or why the image could not be decoded. */
export type PhashResult = { hash: string; thumbnail: boolean; damaged?: string } | { error: string };

interface Slot {
  worker: Worker;
  /** Jobs sent to this worker, oldest first; the worker answers them in order. */
  jobs: Pending[];
  timer: NodeJS.Timeout | null;
}

/** One worker per core (measured on 2 cores: 2 workers beat 1; the main thread mostly waits on them). */
export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(8, os.availableParallelism()));
}

function failedResult(relPath: string, reason: string, failure?: ScannedFile['failure']): ScannedFile {
  const record = emptyRecord(relPath);
  record.error = reason;
  return { path: relPath, size: 0, mtimeMs: 0, hash: null, createdAt: creationDate(relPath, null, Date.now()), record, tags: [], rawText: '', ...(failure ? { failure } : {}) };
}

/** The answer a job gets when its worker crashed, timed out or was stopped. */
function failureOf(job: Pending, reason: string, failure?: ScannedFile['failure']): unknown {
  if (job.kind === 'ingest') return failedResult(job.relPath, reason, failure);
  if (job.kind === 'phash') return { error: reason } satisfies PhashResult;
  return JSON.stringify({ ...emptyRecord(job.absPath), error: reason });
}

export class IngestPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  private readonly timeoutMs: number;
  private readonly depth: number;
  private readonly workerModule: string;
  private readonly resourceLimits: ResourceLimits;
  readonly size: number;

  constructor(options: IngestPoolOptions = {}) {
    this.size = options.workers ?? defaultWorkerCount();
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.depth = options.depth ?? 128;
    this.workerModule = options.worker ?? 'ingest-worker';
    this.resourceLimits = options.resourceLimits ?? { maxOldGenerationSizeMb: DEFAULT_WORKER_HEAP_MB };
  }

  /** Workers started: none until the first job (each loads the decoders, ~0.3 s of a core: a server's start need not wait behind them). */
  get started(): number {
    return this.slots.length;
  }

  private spawn(): Slot {
    const worker = spawnWorker(`ingest/${this.workerModule}`, undefined, this.resourceLimits);
    const slot: Slot = { worker, jobs: [], timer: null };
    worker.on('message', (msg: { id: number; result: unknown }) => this.finish(slot, msg.id, msg.result));
    worker.on('error', (err) => this.replace(slot, `extraction worker failed: ${err.message}`));
    worker.on('exit', (code) => {
      if (!this.closed && code !== 0) this.replace(slot, `extraction worker exited with code ${code}`);
    });
    worker.unref();
    return slot;
  }

  private armTimer(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    const head = slot.jobs[0];
    if (head) {
      slot.timer = setTimeout(() => this.replace(slot, `reading the file took longer than ${this.timeoutMs} ms and was stopped`, 'timeout'), this.timeoutMs);
    }
  }

  private finish(slot: Slot, id: number, result: unknown): void {
    const index = slot.jobs.findIndex((j) => j.id === id);
    if (index < 0) return;
    const [job] = slot.jobs.splice(index, 1);
    if (index === 0) this.armTimer(slot);
    job.resolve(result);
    this.pump();
  }

  /** Kills a stuck or crashed worker: its oldest job fails, the rest go back in the queue. */
  private replace(slot: Slot, reason: string, failure?: ScannedFile['failure']): void {
    const index = this.slots.indexOf(slot);
    if (index < 0 || this.closed) return;
    if (slot.timer) clearTimeout(slot.timer);
    const [stuck, ...others] = slot.jobs;
    slot.jobs = [];
    void slot.worker.terminate();
    this.slots[index] = this.spawn();
    this.queue.unshift(...others);
    if (stuck) stuck.resolve(failureOf(stuck, reason, failure));
    this.pump();
  }

  /** Hands queued jobs to the least-loaded workers (filling one worker first would idle the rest). */
  private pump(): void {
    if (this.queue.length) while (this.slots.length < this.size) this.slots.push(this.spawn());
    while (this.queue.length) {
      let slot: Slot | null = null;
      for (const s of this.slots) if (s.jobs.length < this.depth && (!slot || s.jobs.length < slot.jobs.length)) slot = s;
      if (!slot) break;
      const job = this.queue.shift()!;
      slot.jobs.push(job);
      if (slot.jobs.length === 1) this.armTimer(slot);
      slot.worker.postMessage({ id: job.id, kind: job.kind, absPath: job.absPath, relPath: job.relPath, extras: job.extras, thumbnail: job.thumbnail ?? null, media: job.media });
    }
    for (const slot of this.slots) {
      if (slot.jobs.length) slot.worker.ref();
      else slot.worker.unref();
    }
  }

  private submit<T>(kind: JobKind, absPath: string, relPath: string, extras: IngestExtras, thumbnail: string | null = null, media?: FrameSource): Promise<T> {
    if (this.closed) return Promise.reject(new Error('ingest pool is closed'));
    return new Promise<T>((resolve) => {
      this.queue.push({ id: this.nextId++, kind, absPath, relPath, extras, thumbnail, media, resolve: resolve as (r: unknown) => void });
      this.pump();
    });
  }

  ingest(absPath: string, relPath: string, extras: IngestExtras = {}): Promise<ScannedFile> {
    // In-process only: the pipeline is loaded on use, so a pool of workers (`vv meta`) starts light.
    if (this.size === 0 && !this.closed) return import('./ingest.js').then((m) => m.ingestFile(absPath, relPath, extras));
    return this.submit('ingest', absPath, relPath, extras);
  }

  /** Metadata only (sparse read, no content hash), in a worker: what `vv meta` prints, as JSON text. */
  metadataJson(absPath: string): Promise<string> {
    if (this.size === 0 && !this.closed) return import('../metadata/file.js').then((m) => m.readMetadataJson(absPath));
    return this.submit('meta', absPath, absPath, {});
  }

  /**
   * Perceptual hash of an image (a full decode: the slow part of a first scan), and its thumbnail
   * written to `thumbnailTarget` from the same decode when one is given.
   */
  pixels(absPath: string, thumbnailTarget: string | null = null, media?: FrameSource): Promise<PhashResult> {
    if (this.size === 0 && !this.closed) {
      // Imported on use: the decoder (sharp) is not loaded by processes that never decode.
      return Promise.all([import('./phash.js'), import('./media-frames.js')])
        .then(async ([{ pixelPass }, { posterInput }]) => pixelPass(await posterInput(absPath, media), thumbnailTarget))
        .catch((err: Error) => ({ error: err.message }));
    }
    return this.submit('phash', absPath, absPath, {}, thumbnailTarget, media);
  }

  /** Stops taking jobs and lets the process end without waiting for the workers to shut down. */
  detach(): void {
    this.closed = true;
    for (const slot of this.slots) {
      if (slot.timer) clearTimeout(slot.timer);
      slot.worker.unref();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const slot of this.slots) if (slot.timer) clearTimeout(slot.timer);
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
