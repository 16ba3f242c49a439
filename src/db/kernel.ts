/**
 * The database kernel: the one holder of the better-sqlite3 connection. Repositories get the
 * kernel, never the connection, so that
 *  - every statement is prepared once (`prepare` caches by SQL text);
 *  - every write runs through `write`: SQLite's write lock taken up front (BEGIN IMMEDIATE: a
 *    transaction that reads and then writes never has to upgrade a stale snapshot, which fails at
 *    once with SQLITE_BUSY_SNAPSHOT when another process committed meanwhile), busy answers
 *    retried with backoff, and ONE change version moved per outermost transaction;
 *  - every cache of derived data keys on `version()` (`cached`), which also moves when another
 *    process commits (PRAGMA data_version).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { isBusyError } from '../core/errors.js';
import { MIGRATIONS } from './migrations.js';
import { WalCheckpointer } from './wal-checkpointer.js';
import { BackgroundReads } from './background-reads.js';
import type { TagMatch, TagMatchRequest } from './read-worker.js';
import type { TagRef } from './tag-bitmaps.js';
import { TAG_WRITES_SQL } from './tag-writes.js';

/** How long a write waits for another connection's write lock, per attempt. */
export const DEFAULT_BUSY_TIMEOUT_MS = 10_000;

export interface KernelOptions {
  /** How long a write waits for another process's write lock before retrying (ms). */
  busyTimeoutMs?: number;
  /**
   * The longest one write may block the thread waiting for another process's lock, retries and
   * backoff included (ms); then it fails busy. A serving process sets it low: its event loop
   * must not stall while a scan or mount elsewhere holds the lock. Default: no bound beyond the retries.
   */
  maxWaitMs?: number;
}

/** A prepared statement (the driver's type, re-exported so repositories never import the driver). */
export type Statement<P extends unknown[] | {} = unknown[], R = unknown> = Database.Statement<P, R>;

const RETRIES = 4;
/** Statements prepared per SQL text at most (filter shapes are many; each repository's own are few). */
const MAX_STATEMENTS = 1000;
/** Entries a derived-data cache keeps at most before it starts over. */
const MAX_CACHED = 500;

/** Blocks the thread: a store call is synchronous, and SQLite's own busy wait blocks the same way. */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export class Kernel {
  private changes = 0;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly caches = new Map<string, { version: string; value: unknown; at: number }>();
  /** Set while a scan writes in bulk: the version then moves every batch. */
  private bulkWriting = false;
  private readonly rollbackListeners: (() => void)[] = [];
  private readonly commitListeners: (() => void)[] = [];
  /** A serving process's checkpoints while it writes in bulk (see WalCheckpointer). */
  private checkpointer: WalCheckpointer | null = null;
  /**
   * Costly reads answered off the serving thread (see BackgroundReads), started on first use: pages
   * and counts on a worker each, so that a page never waits behind a count of the seconds before.
   */
  private readonly backgroundReads: Partial<Record<'page' | 'count', BackgroundReads>> = {};

  private constructor(
    private readonly db: Database.Database,
    private readonly file: string,
    private readonly maxWaitMs: number | null,
    /** How long `write` may wait for another process's lock in all, retries included (ms). */
    readonly lockBudgetMs: number,
  ) {}

  static open(dataDir: string, options: KernelOptions = {}): Kernel {
    fs.mkdirSync(dataDir, { recursive: true });
    return Kernel.openFile(path.join(dataDir, 'vault.db'), options);
  }

  /** Several processes (serve, mount, scan) may open one file at once: every step waits for the others. */
  static openFile(file: string, options: KernelOptions = {}): Kernel {
    const busy = Math.min(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS, options.maxWaitMs ?? Infinity);
    const db = new Database(file, { timeout: busy });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('cache_size = -32000');
    // Statement journals in memory: every statement with triggers (an image's tags, counts) keeps
    // one, and on disk each cost a write() per page: storing scanned images ran 1.6-1.8x slower
    // (docs/BENCHMARKS.md, "One million images").
    db.pragma('temp_store = MEMORY');
    const kernel = new Kernel(db, file, options.maxWaitMs ?? null, (options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS) * (RETRIES + 1));
    kernel.migrate();
    db.exec(TAG_WRITES_SQL); // temp triggers: which tags this connection's writes touched (the page worker's tag bitmaps)
    return kernel;
  }

  /** Each migration under the write lock, re-checking the version: another process may have run it. */
  private migrate(): void {
    const applied = () => this.db.pragma('user_version', { simple: true }) as number;
    for (const m of MIGRATIONS) {
      if (m.version <= applied()) continue;
      this.write(() => {
        if (m.version <= applied()) return;
        this.db.exec(m.sql);
        m.after?.(this.db);
        this.db.pragma(`user_version = ${m.version}`);
      });
    }
  }

  /** The statement for a SQL text, prepared on first use. */
  prepare<P extends unknown[] | {} = unknown[], R = unknown>(sql: string): Statement<P, R> {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      if (this.statements.size >= MAX_STATEMENTS) this.statements.clear();
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt as Statement<P, R>;
  }

  /**
   * Runs fn as one immediate write transaction, or inside the caller's (no per-call savepoint:
   * they are costly in batches). Retried whole when SQLite answers busy; fn must not keep state
   * outside the database that a rollback would leave wrong (see onRollback). The outermost call
   * moves the change version once, when it ends (committed or rolled back).
   */
  write<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    const deadline = this.maxWaitMs === null ? Infinity : performance.now() + this.maxWaitMs;
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          return this.db.transaction(() => this.beforeCommit(fn())).immediate();
        } catch (err) {
          for (const l of this.rollbackListeners) l();
          const left = deadline - performance.now();
          if (!isBusyError(err) || attempt >= RETRIES || left <= 0) throw err;
          sleep(Math.min(left, 25 * 2 ** attempt * (1 + Math.random())));
        }
      }
    } finally {
      this.changes++;
    }
  }

  /**
   * One attempt at fn as an immediate write transaction, waiting at most waitMs for another
   * process's lock, then failing busy: a caller that must not block its thread long (a scan
   * inside a server) waits between attempts without holding the thread, and retries.
   */
  tryWrite<T>(fn: () => T, waitMs: number): T {
    if (this.db.inTransaction) return fn();
    const usual = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.round(waitMs))}`);
    try {
      return this.db.transaction(() => this.beforeCommit(fn())).immediate();
    } catch (err) {
      for (const l of this.rollbackListeners) l();
      throw err;
    } finally {
      this.db.pragma(`busy_timeout = ${usual}`);
      this.changes++;
    }
  }

  /** Runs the work deferred to the end of the transaction, inside it; passes fn's result on. */
  private beforeCommit<T>(result: T): T {
    for (const l of this.commitListeners) l();
    return result;
  }

  /**
   * Called at the end of every write transaction, inside it, before it commits: work gathered
   * row by row and written in one statement (the full-text index: see FullTextIndex).
   */
  onBeforeCommit(listener: () => void): void {
    this.commitListeners.push(listener);
  }

  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  /** Called after a transaction rolled back (caches of rows it created must be forgotten). */
  onRollback(listener: () => void): void {
    this.rollbackListeners.push(listener);
  }

  /**
   * Changes whenever any connection changed the data: this one's writes (the change count) or
   * another process's (PRAGMA data_version moves only for other connections' commits).
   */
  version(): string {
    return `${this.changes}:${this.othersVersion()}`;
  }

  /** Moves only when another connection commits (PRAGMA data_version). */
  othersVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /**
   * A value derived from the data, computed again once the version moved. Inside a write
   * transaction nothing is kept (the transaction's own writes are not yet a version).
   */
  cached<T>(key: string, compute: () => T): T {
    if (this.db.inTransaction) return compute();
    const version = this.version();
    const hit = this.caches.get(key);
    if (hit && hit.version === version) return hit.value as T;
    return this.remember(key, version, compute());
  }

  /**
   * As `cached`, but while this connection writes in bulk (a scan: the version moves every batch)
   * a value up to `maxLagMs` old is kept: a count over the library is not paid on every request
   * of a running scan, and it is at most that late.
   */
  cachedLagging<T>(key: string, maxLagMs: number, compute: () => T): T {
    if (this.db.inTransaction) return compute();
    const version = this.version();
    const hit = this.caches.get(key);
    if (hit && (hit.version === version || (this.bulkWriting && performance.now() - hit.at < maxLagMs))) return hit.value as T;
    return this.remember(key, version, compute());
  }

  /** The cached value for a key when it is current (no computation). */
  peek<T>(key: string): T | undefined {
    const hit = this.caches.get(key);
    return hit && !this.db.inTransaction && hit.version === this.version() ? (hit.value as T) : undefined;
  }

  /** As `peek`, with `cachedLagging`'s allowance while this connection writes in bulk. */
  peekLagging<T>(key: string, maxLagMs: number): T | undefined {
    const hit = this.caches.get(key);
    if (!hit || this.db.inTransaction) return undefined;
    return hit.version === this.version() || (this.bulkWriting && performance.now() - hit.at < maxLagMs) ? (hit.value as T) : undefined;
  }

  /** Runs a read-only statement (a count) on another thread and connection; resolves its first row. */
  getInBackground<T>(sql: string, params: readonly unknown[]): Promise<T | undefined> {
    return this.reads('count').get<T>(sql, params);
  }

  /** Every row of a read-only statement (a page), on another thread and connection. */
  allInBackground<T>(sql: string, params: readonly unknown[]): Promise<T[]> {
    return this.reads('page').all<T>(sql, params);
  }

  /** A filter's tag part matched by bitmaps, then its page or count, on the page worker (see TagBitmaps). */
  matchTagsInBackground(request: Omit<TagMatchRequest, 'id' | 'kind'>): Promise<TagMatch> {
    return this.reads('page').matchTags(request);
  }

  /** Builds these tags' bitmaps on the page worker ahead of their first filter. */
  warmTagBitmapsInBackground(tags: TagRef[]): Promise<number> {
    return this.reads('page').warmTags(tags);
  }

  private reads(purpose: 'page' | 'count'): BackgroundReads {
    return (this.backgroundReads[purpose] ??= new BackgroundReads(this.file, this.lockBudgetMs));
  }

  /** Caches a value computed elsewhere (`getInBackground`) for the version it was asked at. */
  rememberAt<T>(key: string, version: string, value: T): void {
    if (this.db.open) this.remember(key, version, value);
  }

  private remember<T>(key: string, version: string, value: T): T {
    if (this.caches.size >= MAX_CACHED) this.caches.clear();
    this.caches.set(key, { version, value, at: performance.now() });
    return value;
  }

  /**
   * Bulk writing (scans). A process that does not serve checkpoints less often while it lasts
   * (checkpoints in the middle of a large scan cost more than the writes), then folds the WAL back
   * in. A serving process (one that bounds its waits) checkpoints in a worker thread instead, when
   * its writer asks `walRoom()` between transactions: the commit that crosses the auto-checkpoint
   * size would run it on the event loop (70–320 ms).
   */
  bulk(on: boolean): void {
    this.bulkWriting = on;
    if (this.maxWaitMs === null) {
      this.db.pragma(`wal_autocheckpoint = ${on ? 20000 : 1000}`);
      if (!on) this.db.pragma('wal_checkpoint(PASSIVE)');
      return;
    }
    this.db.pragma(`wal_autocheckpoint = ${on ? 0 : 1000}`);
    if (on && !this.checkpointer) {
      // The worker's checkpoints leave the WAL for this connection's next commit to restart (see
      // checkpoint-worker.ts), which truncates the file then: its size still says what is pending.
      this.db.pragma('journal_size_limit = 0');
      this.checkpointer = new WalCheckpointer(this.file, this.lockBudgetMs);
    } else if (!on) this.checkpointer?.checkpoint().catch(() => undefined); // the rest folded back in, off the thread
  }

  /**
   * Null when a bulk writer may write on; else a checkpoint (in a worker thread) to wait for first,
   * without holding the thread. Rejects when the checkpoint failed (the writer may go on).
   */
  walRoom(): Promise<void> | null {
    return this.bulkWriting ? (this.checkpointer?.room() ?? null) : null;
  }

  /** Checkpoints run off the thread so far (tests, benchmarks). */
  get checkpoints(): number {
    return this.checkpointer?.count ?? 0;
  }

  /**
   * Refreshes the planner's statistics of tables that grew or shrank ~10× since they were last
   * analyzed (or never were), each read bounded by analysis_limit: a few ms at 1M rows. The hot
   * statements do not depend on it (their plans are pinned and asserted); other queries do.
   */
  optimize(): void {
    this.db.pragma('analysis_limit = 1000');
    this.db.pragma('optimize = 0x10002');
  }

  integrityCheck(): string {
    return this.db.pragma('integrity_check', { simple: true }) as string;
  }

  close(): void {
    void this.checkpointer?.close();
    this.checkpointer = null;
    for (const reads of Object.values(this.backgroundReads)) void reads.close();
    this.db.close();
  }

  get isOpen(): boolean {
    return this.db.open;
  }
}
