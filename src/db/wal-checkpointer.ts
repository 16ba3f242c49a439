/**
 * WAL checkpoints off the serving thread. A commit that crosses SQLite's auto-checkpoint size
 * checkpoints on the thread that made it: copying ~1,000 pages back and syncing the database file
 * held a serving process's event loop 70–320 ms at a time while it scanned. Here the writer turns
 * auto-checkpoints off and, between its transactions, asks `room()`: past CHECKPOINT_BYTES of WAL it
 * waits (without holding the thread) while a worker thread checkpoints on its own connection. The
 * writer pausing is what lets the checkpoint finish: one racing a writer that never stops never
 * catches up, and the WAL grows without bound (587 MB in one benchmark scan).
 */
import fs from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../core/spawn-worker.js';
import type { CheckpointReply, CheckpointWorkerData } from './checkpoint-worker.js';

/** WAL size from which the writer waits for a checkpoint (SQLite's default auto-checkpoint is ~4 MB). */
export const CHECKPOINT_BYTES = 8 * 1024 * 1024;

export class WalCheckpointer {
  private worker: Worker | null = null;
  private running: Promise<void> | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  /** Checkpoints run (tests and benchmarks read it). */
  count = 0;

  constructor(
    private readonly file: string,
    private readonly busyTimeoutMs: number,
  ) {}

  private get walSize(): number {
    try {
      return fs.statSync(`${this.file}-wal`).size;
    } catch {
      return 0;
    }
  }

  /** Null when the writer may go on; else a checkpoint it should wait for. */
  room(): Promise<void> | null {
    if (this.running) return this.running;
    if (this.walSize < CHECKPOINT_BYTES) return null;
    return this.checkpoint();
  }

  /** Checkpoints now (or joins the one running). Rejects with the worker's error. */
  checkpoint(): Promise<void> {
    this.running ??= this.send().finally(() => (this.running = null));
    return this.running;
  }

  private send(): Promise<void> {
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    this.count++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage(id);
    });
  }

  private start(): Worker {
    const data: CheckpointWorkerData = { file: this.file, busyTimeoutMs: this.busyTimeoutMs };
    const worker = spawnWorker('db/checkpoint-worker', data);
    worker.unref();
    worker.on('message', (reply: CheckpointReply) => {
      const w = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) worker.unref();
      if (reply.ok) w?.resolve();
      else w?.reject(new Error(`WAL checkpoint failed: ${reply.message}`));
    });
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = null;
      const held = [...this.waiting.values()];
      this.waiting.clear();
      for (const w of held) w.reject(err);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`checkpoint worker exited (code ${code})`)));
    return worker;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }
}
