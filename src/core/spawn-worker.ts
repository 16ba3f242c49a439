/**
 * Starts a worker thread from a module of the source tree (`ai/text-worker`): the compiled `.js`,
 * or, when running from TypeScript sources (tests, tsx), the `.ts` file with tsx registered inside
 * the worker. Found from the tree's root, not from the caller: in the program bundle a caller's
 * `import.meta.url` is its chunk's.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';

/** Defined (true) only in the program bundle (dist/program/, scripts/bundle-program.mjs). */
declare const VV_PROGRAM_BUNDLE: boolean | undefined;

const FROM_SOURCES = import.meta.url.endsWith('.ts');
/** src/ or dist/src/: this module's parent folder, or, from a chunk of the program bundle, dist/src/ beside it. */
const SOURCE_ROOT = new URL(typeof VV_PROGRAM_BUNDLE !== 'undefined' && VV_PROGRAM_BUNDLE ? '../src/' : '../', import.meta.url);

export function spawnWorker(module: string, workerData?: unknown, resourceLimits?: ResourceLimits): Worker {
  if (FROM_SOURCES) {
    const href = new URL(`${module}.ts`, SOURCE_ROOT).href;
    return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(href)}); })`, { eval: true, workerData, resourceLimits });
  }
  return new Worker(new URL(`${module}.js`, SOURCE_ROOT), { workerData, resourceLimits });
}
