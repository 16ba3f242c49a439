/**
 * Long synchronous passes over a whole library (the walk's result, the index of 1M rows) let the
 * event loop run every few ms, so a server that scans keeps answering.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';

/** Longest such a pass runs before it lets the event loop run (ms). */
export const LOOP_SLICE_MS = 20;

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
