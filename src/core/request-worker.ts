/**
 * A worker thread that answers numbered requests (`{ id, … }` in, a reply carrying the same `id`
 * out), started on the first request and holding the process open only while one is pending. When
 * it fails or exits, every pending request is rejected and the next request starts a new one.
 */
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from './spawn-worker.js';
import { stopWorker } from './worker-stop.js';

/** How a worker that runs native code is closed: asked to stop, terminated only after `graceMs` (see worker-stop.ts). */
export interface StopByMessage {
  message: unknown;
  graceMs: number;
}

export class RequestWorker<Reply extends { id: number }> {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (reply: Reply) => void; reject: (e: Error) => void }>();

  /** `module` as spawnWorker takes it; `name` for the exit error ("checkpoint worker"); `stop`: close by message, not terminate(). */
  constructor(
    private readonly module: string,
    private readonly workerData: unknown,
    private readonly name: string,
    private readonly stop?: StopByMessage,
  ) {}

  /** Posts the message made for a fresh id; resolves the reply with that id. */
  request(message: (id: number) => unknown): Promise<Reply> {
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage(message(id));
    });
  }

  private start(): Worker {
    const worker = spawnWorker(this.module, this.workerData);
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const w = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) worker.unref();
      w?.resolve(reply);
    });
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = null;
      const held = [...this.waiting.values()];
      this.waiting.clear();
      for (const w of held) w.reject(err);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`${this.name} exited (code ${code})`)));
    return worker;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    if (this.stop) await stopWorker(worker, this.stop.message, this.stop.graceMs);
    else await worker.terminate();
  }
}
