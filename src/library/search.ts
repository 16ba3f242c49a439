/**
 * Search: full text (bm25), CLIP (semantic), or both fused by rank (hybrid), under the same
 * filter /api/images applies. Hybrid search outlives a failing model: full text alone, saying why.
 */
import type { ImageFilter, ImageSummary } from '../core/types.js';
import type { Store } from '../db/store.js';
import type { AiService } from '../ai/service.js';
import { ModelUnavailableError } from '../ai/models.js';
import { reciprocalRankFusion } from '../ai/hybrid.js';
import type { VectorHit } from '../ai/vector-index.js';

export type SearchMode = 'text' | 'semantic' | 'hybrid';

export interface SearchHit extends ImageSummary {
  score: number;
  /** bm25 (higher is better) when the text index matched, cosine when CLIP ranked it. */
  text_score?: number;
  semantic_score?: number;
}

export interface SearchResult {
  mode: SearchMode;
  items: SearchHit[];
  /** Why the mode asked for was not the one answered (a failing model). */
  reason?: string;
}

/** Candidates taken from each ranking before fusion. */
const FUSION_DEPTH = 200;

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

export class Search {
  constructor(
    private readonly store: Store,
    private readonly ai: Pick<AiService, 'available' | 'semantic' | 'similar'>,
    private readonly log: (message: string) => void,
  ) {}

  /** `hybrid` when a model is present, else `text`, unless a mode is asked for. */
  async search(query: string, requested: ImageFilter, limit: number, mode?: SearchMode): Promise<SearchResult> {
    const effective: SearchMode = mode ?? (this.ai.available ? 'hybrid' : 'text');
    // Compiled once: the text ranking, the vector candidates and the fused summaries share it.
    const filter = this.store.compileFilter(requested);
    const textOnly = () => this.store.searchText(query, filter, limit).map((s) => ({ ...s, text_score: s.score }));
    if (effective === 'text') return { mode: 'text', items: textOnly() };
    // The query's text tower runs in its own thread: a hybrid search ranks its full text meanwhile.
    const semanticPending = this.ai.semantic(query, filter, effective === 'semantic' ? limit : Math.max(limit, FUSION_DEPTH));
    semanticPending.catch(() => undefined); // awaited below; not unhandled if the full text throws first
    // Ids only: the summaries are built for the fused results kept, not for every candidate.
    const text = effective === 'hybrid' ? this.store.searchTextIds(query, filter, Math.max(limit, FUSION_DEPTH)) : [];
    let semantic: VectorHit[];
    try {
      semantic = await semanticPending;
    } catch (err) {
      if (effective === 'semantic' || err instanceof ModelUnavailableError) throw err;
      this.log(`[vv ai] semantic half of a search failed, answering with full text: ${(err as Error).message}`);
      return { mode: 'text', items: textOnly(), reason: `semantic search failed: ${(err as Error).message}` };
    }
    if (effective === 'semantic') {
      const cosine = new Map(semantic.map((h) => [h.id, round(h.score)]));
      const items = this.store.summariesFor(semantic.map((h) => h.id), filter).map((s) => ({ ...s, score: cosine.get(s.id)!, semantic_score: cosine.get(s.id)! }));
      return { mode: 'semantic', items };
    }
    const fused = reciprocalRankFusion([text.map((t) => t.id), semantic.map((h) => h.id)]).slice(0, limit);
    const bm25 = new Map(text.map((t) => [t.id, t.score]));
    const cosine = new Map(semantic.map((h) => [h.id, h.score]));
    const summaries = new Map(this.store.summariesFor(fused.map((f) => f.id), filter).map((s) => [s.id, s]));
    const items: SearchHit[] = [];
    for (const f of fused) {
      const summary = summaries.get(f.id);
      if (!summary) continue;
      const hit: SearchHit = { ...summary, score: round(f.score) };
      if (bm25.has(f.id)) hit.text_score = bm25.get(f.id)!;
      if (cosine.has(f.id)) hit.semantic_score = round(cosine.get(f.id)!);
      items.push(hit);
    }
    return { mode: 'hybrid', items };
  }

  /** Top results by id, as /api/search ranks them (the mount's /search/ folders). */
  async ids(query: string, limit: number): Promise<number[]> {
    return (await this.search(query, {}, limit)).items.map((i) => i.id);
  }

  /** Images that look like image `id`, by CLIP, under a filter; each with its cosine. */
  similar(id: number, filter: ImageFilter, limit: number): SearchHit[] {
    const hits = this.ai.similar(id, filter, limit);
    const score = new Map(hits.map((h) => [h.id, round(h.score)]));
    return this.store.summariesFor(hits.map((h) => h.id)).map((s) => ({ ...s, score: score.get(s.id)! }));
  }
}
