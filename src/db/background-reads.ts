/**
 * Read-only queries off the serving thread, on a worker's own connection (read-worker.ts),
 * started on first use. Only for statements whose cost would hold the event loop (a count of two
 * tags at 1M images visits ~250k index rows: 0.4–1 s; a page of a combination that matches almost
 * nothing walks every image); a reply reflects the database as committed when the worker ran it.
 * The page worker also holds the tag bitmaps (tag-bitmaps.ts): one set per serving connection.
 */
import { RequestWorker } from '../core/request-worker.js';
import type { ReadReply, ReadRequest, ReadWorkerData, TagMatch, TagMatchRequest, WarmRequest } from './read-worker.js';
import type { TagRef } from './tag-bitmaps.js';

export class BackgroundReads {
  private readonly worker: RequestWorker<ReadReply>;

  constructor(file: string, busyTimeoutMs: number) {
    this.worker = new RequestWorker<ReadReply>('db/read-worker', { file, busyTimeoutMs } satisfies ReadWorkerData, 'read worker');
  }

  /** The statement's first row (undefined when none). Rejects with the worker's error. */
  async get<T>(sql: string, params: readonly unknown[]): Promise<T | undefined> {
    return (await this.read(sql, params, false)) as T | undefined;
  }

  /** Every row of the statement. */
  async all<T>(sql: string, params: readonly unknown[]): Promise<T[]> {
    return (await this.read(sql, params, true)) as T[];
  }

  /** A filter's tag part matched by the worker's tag bitmaps, and its page or count (see TagMatchRequest). */
  async matchTags(request: Omit<TagMatchRequest, 'id' | 'kind'>): Promise<TagMatch> {
    return (await this.ask((id) => ({ ...request, id, kind: 'tags' }) satisfies TagMatchRequest)) as TagMatch;
  }

  /** Builds these tags' bitmaps on the worker ahead of use; resolves to how many it built (the others were current). */
  async warmTags(tags: TagRef[]): Promise<number> {
    return (await this.ask((id) => ({ id, kind: 'warm', tags }) satisfies WarmRequest)) as number;
  }

  private read(sql: string, params: readonly unknown[], all: boolean): Promise<unknown> {
    return this.ask((id) => ({ id, kind: 'read', sql, params: [...params], all }) satisfies ReadRequest);
  }

  private async ask(message: (id: number) => ReadRequest | TagMatchRequest | WarmRequest): Promise<unknown> {
    const reply = await this.worker.request(message);
    if (!reply.ok) throw new Error(`background read failed: ${reply.message}`);
    return reply.result;
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}
