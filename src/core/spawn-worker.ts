/**
 * Starts a worker thread from a module beside the caller: the compiled `.js`, or, when running
 * from TypeScript sources (tests, tsx), the `.ts` file with tsx registered inside the worker.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';

export function spawnWorker(callerUrl: string, moduleBase: string, workerData?: unknown, resourceLimits?: ResourceLimits): Worker {
  if (callerUrl.endsWith('.ts')) {
    const href = new URL(`./${moduleBase}.ts`, callerUrl).href;
    return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(href)}); })`, { eval: true, workerData, resourceLimits });
  }
  return new Worker(new URL(`./${moduleBase}.js`, callerUrl), { workerData, resourceLimits });
}
