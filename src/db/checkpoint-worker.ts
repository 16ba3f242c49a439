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
    // RESTART: every frame copied back, the WAL left for the writer's next commit to start over
    // (and truncate: journal_size_limit, kernel.ts). A TRUNCATE here rewrote the WAL header, which the
    // serving connection took for another connection's commit (PRAGMA data_version moved): every
    // cache keyed on its change version (counts, tag bitmaps) was dropped after each checkpoint.
    db.pragma('wal_checkpoint(RESTART)');
    parentPort!.postMessage({ id, ok: true } satisfies CheckpointReply);
  } catch (err) {
    parentPort!.postMessage({ id, ok: false, message: (err as Error).message } satisfies CheckpointReply);
  }
});
