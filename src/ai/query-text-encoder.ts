/**
 * The query text tower in its own worker thread (src/ai/text-worker.ts), started on the first
 * text and kept: the model loads lazily once and stays resident. Errors come back as the classes
 * the encoder threw (a model that fails is `model_failed`, one of an unsupported shape
 * `model_unsupported`); a worker that dies fails what it held and is started again on the next text.
 */
import { RequestWorker } from '../core/request-worker.js';
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
  private readonly worker: RequestWorker<TextReply>;

  constructor(private readonly model: ModelInfo) {
    this.worker = new RequestWorker<TextReply>('ai/text-worker', model, 'worker', { message: { stop: true } satisfies TextRequest, graceMs: STOP_MS });
  }

  async embedTexts(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    let reply: TextReply;
    try {
      reply = await this.worker.request((id) => ({ id, texts }) satisfies TextRequest);
    } catch (err) {
      throw new ModelFailedError(`${this.model.manifest.name}: text encoder stopped: ${(err as Error).message}`);
    }
    if ('error' in reply) throw errorFrom(reply.error);
    return reply.vectors;
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
  close(): Promise<void> {
    return this.worker.close();
  }
}
