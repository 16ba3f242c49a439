/**
 * A pool of worker threads running ingestFile, so parsing uses every core while the main thread
 * keeps serving the API and writing SQLite. A file that takes longer than the timeout (a hostile
 * input the bounds missed) gets its worker terminated and is recorded as failed.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ScannedFile } from './store/types.js';
import { creationDate, ingestFile } from './ingest.js';
import { emptyRecord } from './metadata/extract.js';

export interface IngestPoolOptions {
  /** Worker threads; 0 runs in-process (tests, one-shot commands). */
  workers?: number;
  timeoutMs?: number;
}

interface Pending {
  id: number;
  absPath: string;
  relPath: string;
  resolve: (r: ScannedFile) => void;
}

interface Slot {
  worker: Worker;
  job: Pending | null;
  timer: NodeJS.Timeout | null;
}

const IS_SOURCE = import.meta.url.endsWith('.ts');

export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(8, os.availableParallelism()));
}

function timedOut(relPath: string, ms: number): ScannedFile {
  const record = emptyRecord(relPath);
  record.error = `metadata extraction took longer than ${ms} ms and was stopped`;
  return { path: relPath, size: 0, mtimeMs: 0, hash: null, createdAt: creationDate(relPath, null, Date.now()), record, tags: [], rawText: '' };
}

export class IngestPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  private readonly timeoutMs: number;
  private readonly size: number;

  constructor(options: IngestPoolOptions = {}) {
    this.size = options.workers ?? defaultWorkerCount();
    this.timeoutMs = options.timeoutMs ?? 30_000;
    for (let i = 0; i < this.size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const url = new URL(IS_SOURCE ? './ingest-worker.ts' : './ingest-worker.js', import.meta.url);
    const worker = new Worker(url, IS_SOURCE ? { execArgv: ['--import', 'tsx'] } : {});
    const slot: Slot = { worker, job: null, timer: null };
    worker.on('message', (msg: { id: number; result: ScannedFile }) => {
      if (slot.job && slot.job.id === msg.id) this.finish(slot, msg.result);
    });
    worker.on('error', (err) => this.replace(slot, `extraction worker failed: ${err.message}`));
    worker.on('exit', (code) => {
      if (!this.closed && code !== 0) this.replace(slot, `extraction worker exited with code ${code}`);
    });
    worker.unref();
    return slot;
  }

  private finish(slot: Slot, result: ScannedFile): void {
    const job = slot.job!;
    if (slot.timer) clearTimeout(slot.timer);
    slot.job = null;
    slot.timer = null;
    job.resolve(result);
    this.pump();
  }

  /** Kills a stuck or crashed worker, fails its job, and puts a fresh worker in its place. */
  private replace(slot: Slot, reason: string): void {
    const index = this.slots.indexOf(slot);
    if (index < 0 || this.closed) return;
    const job = slot.job;
    if (slot.timer) clearTimeout(slot.timer);
    slot.job = null;
    void slot.worker.terminate();
    this.slots[index] = this.spawn();
    if (job) {
      const result = timedOut(job.relPath, this.timeoutMs);
      result.record.error = reason;
      job.resolve(result);
    }
    this.pump();
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.job || this.queue.length === 0) continue;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.worker.ref();
      slot.timer = setTimeout(() => this.replace(slot, timedOut(job.relPath, this.timeoutMs).record.error!), this.timeoutMs);
      slot.worker.postMessage({ id: job.id, absPath: job.absPath, relPath: job.relPath });
    }
    for (const slot of this.slots) if (!slot.job) slot.worker.unref();
  }

  ingest(absPath: string, relPath: string): Promise<ScannedFile> {
    if (this.closed) return Promise.reject(new Error('ingest pool is closed'));
    if (this.size === 0) return ingestFile(absPath, relPath);
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, absPath, relPath, resolve });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
