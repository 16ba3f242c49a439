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
import { RequestWorker } from '../core/request-worker.js';
import type { CheckpointReply, CheckpointWorkerData } from './checkpoint-worker.js';

/** WAL size from which the writer waits for a checkpoint (SQLite's default auto-checkpoint is ~4 MB). */
export const CHECKPOINT_BYTES = 8 * 1024 * 1024;

export class WalCheckpointer {
  private readonly worker: RequestWorker<CheckpointReply>;
  private running: Promise<void> | null = null;
  /** Checkpoints run (tests and benchmarks read it). */
  count = 0;

  constructor(
    private readonly file: string,
    busyTimeoutMs: number,
  ) {
    this.worker = new RequestWorker<CheckpointReply>('db/checkpoint-worker', { file, busyTimeoutMs } satisfies CheckpointWorkerData, 'checkpoint worker');
  }

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

  private async send(): Promise<void> {
    this.count++;
    const reply = await this.worker.request((id) => id);
    if (!reply.ok) throw new Error(`WAL checkpoint failed: ${reply.message}`);
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}
