/**
 * A serving process's write never blocks its thread long on another process's lock: with
 * `maxWaitMs` the write gives up busy once that budget (SQLite's wait, retries and backoff) is
 * spent, instead of SQLite's busy timeout on each of several retries.
 */
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Store } from '../../src/db/store.js';
import { isBusyError } from '../../src/core/errors.js';
import { tempDir } from '../support/fixtures.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

describe('write lock waits', () => {
  it('a write with a wait budget fails busy within it while another connection holds the lock, and succeeds once it is free', () => {
    const dir = tempDir('vv-wait-');
    Store.open(dir).close();
    const holder = new Database(path.join(dir, 'vault.db'));
    cleanups.push(() => holder.close());
    // Unbounded, this write would wait 5 × 10 s (busy timeout per retry) on this very thread.
    const store = Store.open(dir, { busyTimeoutMs: 10_000, maxWaitMs: 150 });
    cleanups.push(() => store.close());
    holder.exec('BEGIN IMMEDIATE');
    const t0 = performance.now();
    let error: unknown = null;
    try {
      store.setSetting('k', 'v');
    } catch (err) {
      error = err;
    }
    const waited = performance.now() - t0;
    expect(isBusyError(error)).toBe(true);
    expect(waited).toBeLessThan(3000);
    holder.exec('COMMIT');
    store.setSetting('k', 'v');
    expect(store.getSetting('k')).toBe('v');
  });
});
