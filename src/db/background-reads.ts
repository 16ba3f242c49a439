/**
 * Read-only queries off the serving thread, on a worker's own connection (read-worker.ts),
 * started on first use. Only for statements whose cost would hold the event loop (a count of two
 * tags at 1M images visits ~250k index rows: 0.4–1 s); a reply reflects the database as committed
 * when the worker ran it.
 */
import { RequestWorker } from '../core/request-worker.js';
import type { ReadReply, ReadRequest, ReadWorkerData } from './read-worker.js';

export class BackgroundReads {
  private readonly worker: RequestWorker<ReadReply>;

  constructor(file: string, busyTimeoutMs: number) {
    this.worker = new RequestWorker<ReadReply>('db/read-worker', { file, busyTimeoutMs } satisfies ReadWorkerData, 'read worker');
  }

  /** The statement's first row (undefined when none). Rejects with the worker's error. */
  async get<T>(sql: string, params: readonly unknown[]): Promise<T | undefined> {
    const reply = await this.worker.request((id) => ({ id, sql, params: [...params] }) satisfies ReadRequest);
    if (!reply.ok) throw new Error(`background read failed: ${reply.message}`);
    return reply.row as T | undefined;
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}
