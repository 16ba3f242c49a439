/**
 * Read-only queries off the serving thread, on a worker's own connection (read-worker.ts),
 * started on first use. Only for statements whose cost would hold the event loop (a count of two
 * tags at 1M images visits ~250k index rows: 0.4–1 s); a reply reflects the database as committed
 * when the worker ran it.
 */
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../core/spawn-worker.js';
import type { ReadReply, ReadRequest, ReadWorkerData } from './read-worker.js';

export class BackgroundReads {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (row: unknown) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly file: string,
    private readonly busyTimeoutMs: number,
  ) {}

  /** The statement's first row (undefined when none). Rejects with the worker's error. */
  get<T>(sql: string, params: readonly unknown[]): Promise<T | undefined> {
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (row: unknown) => void, reject });
      worker.ref();
      worker.postMessage({ id, sql, params: [...params] } satisfies ReadRequest);
    });
  }

  private start(): Worker {
    const data: ReadWorkerData = { file: this.file, busyTimeoutMs: this.busyTimeoutMs };
    const worker = spawnWorker('db/read-worker', data);
    worker.unref();
    worker.on('message', (reply: ReadReply) => {
      const w = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) worker.unref();
      if (reply.ok) w?.resolve(reply.row);
      else w?.reject(new Error(`background read failed: ${reply.message}`));
    });
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = null;
      const held = [...this.waiting.values()];
      this.waiting.clear();
      for (const w of held) w.reject(err);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`read worker exited (code ${code})`)));
    return worker;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }
}
