/**
 * A queue written in short transactions with the event loop let run between them: a scan running
 * inside a server must not hold its requests for a whole batch, nor block them while another
 * process holds the write lock — a slice that meets the lock busy is tried again after a timer,
 * the thread free meanwhile, until `lockBudgetMs` is spent. One drain runs at a time; a write that
 * fails stops the writer and is kept for `finish` to throw — the items not written are simply not
 * recorded, so the next scan picks their files up.
 */
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { isBusyError } from '../core/errors.js';

/**
 * Writes a prefix of `items` as one transaction, stopping once `deadline` (performance.now()) has
 * passed, and returns how many it wrote (at least one, so the queue always moves). Throws busy
 * (nothing written) when another process holds the write lock.
 */
export type WriteSlice<T> = (items: readonly T[], deadline: number) => number;

export interface SlicedWriterOptions {
  /** Longest one slice's transaction runs (ms). */
  sliceMs: number;
  /** How long a slice may keep meeting a busy lock before the writer fails with that error (ms). */
  lockBudgetMs: number;
  /** Asked before each slice: null to write, else something to wait for first (a WAL checkpoint; its failure is ignored). */
  beforeSlice?: () => Promise<void> | null;
}

/** First wait after a busy slice; it doubles up to MAX_BUSY_PAUSE_MS. */
const FIRST_BUSY_PAUSE_MS = 10;
const MAX_BUSY_PAUSE_MS = 200;

export class SlicedWriter<T> {
  private queue: T[] = [];
  private draining: Promise<void> | null = null;
  private failure: { error: unknown } | null = null;

  constructor(
    private readonly writeSlice: WriteSlice<T>,
    private readonly options: SlicedWriterOptions,
  ) {}

  push(item: T): void {
    this.queue.push(item);
  }

  get length(): number {
    return this.queue.length;
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  /**
   * Starts writing the queue unless a drain is running; resolves when that drain ends. Cleared in
   * `.finally`, never inside the drain: a drain that ends without awaiting would otherwise clear
   * it before it is set, and leave a settled promise that every later flush returns unwritten.
   */
  flush(): Promise<void> {
    this.draining ??= this.drain().finally(() => (this.draining = null));
    return this.draining;
  }

  /** Writes everything queued (waiting for a running drain first); throws the write failure, if any. */
  async finish(): Promise<void> {
    while (this.draining || (this.queue.length > 0 && !this.failure)) await this.flush();
    if (this.failure) throw this.failure.error;
  }

  /** Drops what is queued and waits for a running drain to end (the scan ends with another error). */
  async abandon(): Promise<void> {
    this.queue.length = 0;
    await this.draining;
  }

  private async drain(): Promise<void> {
    let busySince: number | null = null;
    let pause = FIRST_BUSY_PAUSE_MS;
    while (this.queue.length > 0 && !this.failure) {
      const wait = this.options.beforeSlice?.();
      if (wait) await wait.catch(() => undefined);
      try {
        const written = this.writeSlice(this.queue, performance.now() + this.options.sliceMs);
        if (!(written >= 1)) throw new Error(`a write slice wrote ${written} items`);
        this.queue.splice(0, written);
        busySince = null;
        pause = FIRST_BUSY_PAUSE_MS;
      } catch (error) {
        busySince ??= performance.now();
        if (!isBusyError(error) || performance.now() - busySince >= this.options.lockBudgetMs) {
          this.failure = { error };
          return;
        }
        await sleep(pause * (1 + Math.random()));
        pause = Math.min(pause * 2, MAX_BUSY_PAUSE_MS);
        continue;
      }
      if (this.queue.length > 0) await yieldToLoop();
    }
  }
}
