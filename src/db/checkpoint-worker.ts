/**
 * Worker thread that checkpoints a database's WAL on its own connection (see WalCheckpointer): the
 * copy into the database file and its fsync happen here, not on the serving thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

export interface CheckpointWorkerData {
  file: string;
  busyTimeoutMs: number;
}

export type CheckpointReply = { id: number; ok: true } | { id: number; ok: false; message: string };

const { file, busyTimeoutMs } = workerData as CheckpointWorkerData;
const db = new Database(file, { timeout: busyTimeoutMs, fileMustExist: true });

parentPort!.on('message', (id: number) => {
  try {
    // TRUNCATE: every frame copied back and the WAL file emptied, so its size says what is pending.
    db.pragma('wal_checkpoint(TRUNCATE)');
    parentPort!.postMessage({ id, ok: true } satisfies CheckpointReply);
  } catch (err) {
    parentPort!.postMessage({ id, ok: false, message: (err as Error).message } satisfies CheckpointReply);
  }
});
