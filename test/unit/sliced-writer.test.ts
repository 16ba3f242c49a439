/**
 * The scanner's writer: a queue written in short transactions with the event loop let run between
 * them. Every item is written exactly once whether a drain ends at once (all in one slice) or
 * across many; a slice that meets another connection's write lock is tried again later with the
 * thread free meanwhile; a failed write stops it and is reported.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/db/store.js';
import { isBusyError } from '../../src/core/errors.js';
import { SlicedWriter } from '../../src/ingest/sliced-writer.js';
import { tempDir } from '../support/fixtures.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function setup(sliceItems: number, store = Store.openFile(':memory:'), lockBudgetMs = 5000) {
  cleanups.push(() => store.close());
  const slices: string[][] = [];
  /** Writes up to sliceItems keys per transaction (the deadline is ignored: counts, not clocks, decide). */
  const writer = new SlicedWriter<string>(
    (keys) => {
      const slice = keys.slice(0, sliceItems);
      store.tryBatch(() => {
        for (const k of slice) {
          if (store.getSetting(k) !== null) throw new Error(`${k} written twice`);
          store.setSetting(k, 'v');
        }
      }, 20);
      slices.push(slice);
      return slice.length;
    },
    { sliceMs: 25, lockBudgetMs },
  );
  const written = (keys: string[]) => keys.filter((k) => store.getSetting(k) === 'v');
  return { store, writer, slices, written };
}

const keys = (from: number, n: number) => Array.from({ length: n }, (_, i) => `k${from + i}`);

describe('sliced writer', () => {
  it('writes again after a drain that ended without yielding (all in one slice)', async () => {
    const { writer, written } = setup(100);
    for (const k of keys(0, 3)) writer.push(k);
    await writer.flush();
    expect(written(keys(0, 3))).toHaveLength(3);
    // The drain above never awaited: the next flush must start a new one, not return the old.
    for (const k of keys(3, 3)) writer.push(k);
    await writer.flush();
    expect(written(keys(0, 6))).toEqual(keys(0, 6));
    for (const k of keys(6, 2)) writer.push(k);
    await writer.finish();
    expect(written(keys(0, 8))).toEqual(keys(0, 8));
    expect(writer.length).toBe(0);
  });

  it('lets the event loop run between slices, and keeps items pushed meanwhile', async () => {
    const { writer, slices, written } = setup(4);
    for (const k of keys(0, 10)) writer.push(k);
    // Runs only if the drain yields after its first slice; what it pushes is written by that drain.
    const pushedDuring: string[] = [];
    const during = setImmediate(() => {
      pushedDuring.push('late');
      writer.push('late');
    });
    const drained = writer.flush();
    // A second flush while draining joins the running drain (one writer at a time).
    expect(writer.flush()).toBe(drained);
    await drained;
    clearImmediate(during);
    expect(pushedDuring).toEqual(['late']);
    expect(writer.length).toBe(0);
    await writer.finish();
    expect(slices.map((s) => s.length)).toEqual([4, 4, 3]);
    expect(slices.flat()).toEqual([...keys(0, 10), 'late']);
    expect(written([...keys(0, 10), 'late'])).toHaveLength(11);
  });

  it('stops at a failed write and reports it from finish, leaving the rest unwritten', async () => {
    const store = Store.openFile(':memory:');
    cleanups.push(() => store.close());
    let calls = 0;
    const writer = new SlicedWriter<string>((items) => {
      calls++;
      if (calls === 2) throw new Error('database is locked');
      store.batch(() => store.setSetting(items[0], 'v'));
      return 1;
    }, { sliceMs: 25, lockBudgetMs: 5000 });
    for (const k of keys(0, 5)) writer.push(k);
    await writer.flush();
    expect(writer.failed).toBe(true);
    await expect(writer.finish()).rejects.toThrow('database is locked');
    expect(calls).toBe(2);
    expect(store.getSetting('k0')).toBe('v');
    expect(store.getSetting('k1')).toBeNull();
  });

  /** A data dir and a second connection to its database, as another process would hold it. */
  function lockedByAnother() {
    const dir = tempDir('vv-sliced-');
    const store = Store.open(dir);
    const other = new Database(path.join(dir, 'vault.db'));
    cleanups.push(() => other.close());
    other.exec('BEGIN IMMEDIATE');
    return { store, other };
  }

  it('waits for another connection holding the write lock on a timer, the thread free, then writes everything once', async () => {
    const { store, other } = lockedByAnother();
    const { writer, written, slices } = setup(2, store);
    for (const k of keys(0, 5)) writer.push(k);
    // The lock is given back by a timer: it can fire only if the writer does not block the thread.
    let released = false;
    setTimeout(() => {
      other.exec('COMMIT');
      released = true;
    }, 150);
    await writer.finish();
    expect(released).toBe(true);
    expect(written(keys(0, 5))).toEqual(keys(0, 5));
    expect(slices.map((s) => s.length)).toEqual([2, 2, 1]);
  });

  it('fails busy once the lock budget is spent, writing nothing, and the thread stays free meanwhile', async () => {
    const { store, other } = lockedByAnother();
    const { writer, written } = setup(2, store, 300);
    for (const k of keys(0, 3)) writer.push(k);
    let ticks = 0;
    const ticking = setInterval(() => ticks++, 10);
    const t0 = performance.now();
    const error = await writer.finish().then(() => null, (err: unknown) => err);
    clearInterval(ticking);
    other.exec('ROLLBACK');
    expect(isBusyError(error)).toBe(true);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(300);
    expect(ticks).toBeGreaterThan(3);
    expect(written(keys(0, 3))).toEqual([]);
  });
});
