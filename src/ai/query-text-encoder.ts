/**
 * The query text tower in its own worker thread (src/ai/text-worker.ts), started on the first
 * text and kept: the model loads lazily once and stays resident. Errors come back as the classes
 * the encoder threw (a model that fails is `model_failed`, one of an unsupported shape
 * `model_unsupported`); a worker that dies fails what it held and is started again on the next text.
 */
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../core/spawn-worker.js';
import { stopWorker } from '../core/worker-stop.js';
import { ModelUnsupportedError } from './interface.js';
import type { ModelInfo } from './models.js';
import { ModelFailedError } from './runtime.js';
import type { TextReply, TextRequest } from './text-worker.js';

/** How long a closing query worker may take to answer what it holds before it is terminated. */
const STOP_MS = 10_000;

function errorFrom(error: { message: string; code: string | null }): Error {
  if (error.code === 'model_unsupported') return new ModelUnsupportedError(error.message);
  if (error.code === 'model_failed') return new ModelFailedError(error.message);
  return new Error(error.message);
}

export class QueryTextEncoder {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: Float32Array[]) => void; reject: (e: Error) => void }>();

  constructor(private readonly model: ModelInfo) {}

  embedTexts(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return Promise.resolve([]);
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, texts });
    });
  }

  private start(): Worker {
    const worker = spawnWorker('ai/text-worker', this.model);
    worker.unref();
    worker.on('message', (reply: TextReply) => {
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (!p) return;
      if ('error' in reply) p.reject(errorFrom(reply.error));
      else p.resolve(reply.vectors);
    });
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = null;
      const held = [...this.pending.values()];
      this.pending.clear();
      for (const p of held) p.reject(new ModelFailedError(`${this.model.manifest.name}: text encoder stopped: ${err.message}`));
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`worker exited (code ${code})`)));
    return worker;
  }

  private warmed: Promise<void> | null = null;

  /**
   * Loads the model in the worker now (one short text) so that a first query does not wait for it;
   * the main thread does none of the work. Resolves when it is loaded or failed to (a failure is
   * left for the first query to report).
   */
  warm(): Promise<void> {
    this.warmed ??= this.embedTexts(['a photo']).then(
      () => undefined,
      () => {
        this.warmed = null;
      },
    );
    return this.warmed;
  }

  /** Lets the worker answer what it holds and end itself (see core/worker-stop.ts). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await stopWorker(worker, { stop: true } satisfies TextRequest, STOP_MS);
  }
}
