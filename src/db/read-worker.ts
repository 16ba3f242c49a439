/**
 * Worker thread that answers read-only queries on its own connection (see BackgroundReads): a
 * count that visits hundreds of thousands of rows runs here, not on the serving thread.
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
}

export type ReadReply = { id: number; ok: true; row: unknown } | { id: number; ok: false; message: string };

const { file, busyTimeoutMs } = workerData as ReadWorkerData;
const db = new Database(file, { readonly: true, timeout: busyTimeoutMs, fileMustExist: true });

parentPort!.on('message', ({ id, sql, params }: ReadRequest) => {
  try {
    parentPort!.postMessage({ id, ok: true, row: db.prepare(sql).get(...params) } satisfies ReadReply);
  } catch (err) {
    parentPort!.postMessage({ id, ok: false, message: (err as Error).message } satisfies ReadReply);
  }
});
