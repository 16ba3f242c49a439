/**
 * Ending a worker thread that runs native code (ONNX Runtime, sharp): terminate() while such a call
 * ran aborted the whole process ("terminate called after throwing an instance of 'Napi::Error'").
 * The parent asks it to stop; the worker ends itself once it has answered what it holds.
 */
import type { Worker } from 'node:worker_threads';

/** Parent side: posts `stopMessage` and resolves when the worker has ended; terminates it after `graceMs`. */
export function stopWorker(worker: Worker, stopMessage: unknown, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => void worker.terminate().then(() => resolve()), graceMs);
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    worker.postMessage(stopMessage);
  });
}

/** Worker side: `track` each request's work; after `stop`, the thread exits once none is left. */
export function exitWhenIdle(): { track(work: Promise<unknown>): void; stop(): void } {
  let held = 0;
  let stopping = false;
  const exitIfDone = () => {
    if (stopping && held === 0) process.exit(0);
  };
  return {
    track(work) {
      held++;
      void work.finally(() => {
        held--;
        exitIfDone();
      });
    },
    stop() {
      stopping = true;
      exitIfDone();
    },
  };
}
