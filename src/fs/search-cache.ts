/**
 * /search/<query>/ in the virtual filesystem ranks like /api/search, which may need the CLIP text
 * encoder (asynchronous). Filesystem calls on a search folder first await `prepare(query)`; the
 * synchronous tree then reads the ranked ids from here. Results live a short while, so a `find`
 * or a file manager's repeated stats see one stable listing.
 */
const TTL_MS = 30_000;
const MAX_QUERIES = 64;

export type AsyncSearch = (query: string, limit: number) => Promise<number[]>;

export class SearchCache {
  private readonly results = new Map<string, { ids: number[]; at: number; limit: number }>();
  private readonly inflight = new Map<string, Promise<void>>();

  constructor(private readonly search: AsyncSearch) {}

  private fresh(query: string, limit: number): number[] | null {
    const r = this.results.get(query);
    return r && r.limit >= limit && Date.now() - r.at < TTL_MS ? r.ids.slice(0, limit) : null;
  }

  prepare(query: string, limit: number): Promise<void> {
    if (this.fresh(query, limit)) return Promise.resolve();
    let job = this.inflight.get(query);
    if (!job) {
      job = this.search(query, limit)
        .then((ids) => {
          if (this.results.size >= MAX_QUERIES) this.results.delete(this.results.keys().next().value!);
          this.results.set(query, { ids, at: Date.now(), limit });
        })
        .catch(() => {
          this.results.set(query, { ids: [], at: Date.now(), limit });
        })
        .finally(() => this.inflight.delete(query));
      this.inflight.set(query, job);
    }
    return job;
  }

  /** Ranked ids prepared for a query (empty when none were prepared). */
  get(query: string, limit: number): number[] {
    return this.fresh(query, limit) ?? this.results.get(query)?.ids.slice(0, limit) ?? [];
  }
}
