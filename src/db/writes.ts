/**
 * The store's one write path. Every write of every store module (Store, DuplicateQueries,
 * EmbeddingStore) runs through `atomic`, so that:
 *  - it takes SQLite's write lock up front (BEGIN IMMEDIATE): a transaction that reads and then
 *    writes never has to upgrade a stale read snapshot, which fails at once with
 *    SQLITE_BUSY_SNAPSHOT when another process (a `vv scan`, `vv mount`) committed meanwhile;
 *  - it waits for another process's write lock (the connection's busy timeout) and, should SQLite
 *    still answer busy or locked, retries with backoff before giving up;
 *  - it moves the one change version every cache of derived data watches.
 */
import type Database from 'better-sqlite3';
import { isBusyError } from '../core/errors.js';

/** How long a write waits for another connection's write lock, per attempt. */
export const DEFAULT_BUSY_TIMEOUT_MS = 10_000;

const RETRIES = 4;

/** Blocks the thread: a store call is synchronous, and SQLite's own busy wait blocks the same way. */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export class WritePath {
  private version = 0;
  private readonly rollbackListeners: (() => void)[] = [];

  constructor(private readonly db: Database.Database) {}

  /**
   * Runs fn as one immediate write transaction, or inside the caller's (no per-call savepoint:
   * they are costly in batches). Retried whole when SQLite answers busy; fn must not keep state
   * outside the database that a rollback would leave wrong (see onRollback).
   */
  atomic<T>(fn: () => T): T {
    if (this.db.inTransaction) {
      this.version++;
      return fn();
    }
    for (let attempt = 0; ; attempt++) {
      try {
        return this.db.transaction(fn).immediate();
      } catch (err) {
        for (const l of this.rollbackListeners) l();
        if (!isBusyError(err) || attempt >= RETRIES) throw err;
        sleep(25 * 2 ** attempt * (1 + Math.random()));
      } finally {
        this.version++;
      }
    }
  }

  /** Called after a transaction rolled back (caches of rows it created must be forgotten). */
  onRollback(listener: () => void): void {
    this.rollbackListeners.push(listener);
  }

  /**
   * Changes whenever any connection changed the data: this one's writes (the version) or another
   * process's (PRAGMA data_version moves only for other connections' commits).
   */
  dataVersion(): string {
    return `${this.version}:${this.db.pragma('data_version', { simple: true })}`;
  }
}
