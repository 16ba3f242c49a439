/**
 * Worker thread that answers read-only queries on its own connection (see BackgroundReads): a
 * count or a page that visits hundreds of thousands of rows runs here, not on the serving thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

export interface ReadWorkerData {
  file: string;
  busyTimeoutMs: number;
}

export interface ReadRequest {
  id: number;
  sql: string;
  params: unknown[];
  /** Every row (`all`) rather than the first (`get`). */
  all: boolean;
}

export type ReadReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; message: string };

const { file, busyTimeoutMs } = workerData as ReadWorkerData;
const db = new Database(file, { readonly: true, timeout: busyTimeoutMs, fileMustExist: true });
db.pragma('cache_size = -32000'); // as the serving connection's (kernel.ts): a page's walk reads the same index pages again

parentPort!.on('message', ({ id, sql, params, all }: ReadRequest) => {
  try {
    const statement = db.prepare(sql);
    parentPort!.postMessage({ id, ok: true, result: all ? statement.all(...params) : statement.get(...params) } satisfies ReadReply);
  } catch (err) {
    parentPort!.postMessage({ id, ok: false, message: (err as Error).message } satisfies ReadReply);
  }
});
