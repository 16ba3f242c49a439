/**
 * Long synchronous passes over a whole library (the walk's result, the index of 1M rows) let the
 * event loop run every few ms, so a server that scans keeps answering.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Store } from '../db/store.js';
import type { ScanIndexEntry } from '../core/types.js';

/** Longest such a pass runs before it lets the event loop run (ms). */
export const LOOP_SLICE_MS = 20;
/** Rows of the scan index read per statement (a few ms each). */
const INDEX_PAGE_ROWS = 2000;

/** `if (slices.due()) await slices.pause()` in a loop: yields once LOOP_SLICE_MS has passed. */
export function loopSlices(sliceMs = LOOP_SLICE_MS) {
  let since = performance.now();
  return {
    due: () => performance.now() - since > sliceMs,
    async pause(): Promise<void> {
      await yieldToLoop();
      since = performance.now();
    },
  };
}

/** Every row by path, read in pages by id with the event loop let run between them. */
export async function loadScanIndex(store: Store): Promise<Map<string, ScanIndexEntry>> {
  const index = new Map<string, ScanIndexEntry>();
  const slices = loopSlices();
  for (let after = 0; ; ) {
    const page = store.scanIndexPage(after, INDEX_PAGE_ROWS);
    for (const row of page) index.set(row.path, row.entry);
    if (page.length < INDEX_PAGE_ROWS) return index;
    after = page[page.length - 1].entry.id;
    if (slices.due()) await slices.pause();
  }
}
