/**
 * The vector index of one model: usearch HNSW (cosine, f16 by default) persisted in the data dir,
 * with SQLite's stored vectors as the truth. It holds the vectors of present images only: files
 * that vanish are removed and files that come back are re-added, from the store's presence log,
 * live and when a saved file is loaded. A missing, unreadable or stale index file (its generation
 * differs from the store's) is rebuilt from SQLite. Below EXACT_THRESHOLD vectors, a brute-force
 * scan answers instead: exact, and faster than walking a graph at that size.
 */
import fs from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import type * as USearch from 'usearch';
import type { PresenceChanges } from '../db/embeddings.js';

// usearch's ESM build cannot locate its native addon (it recurses looking for it); the CJS build can.
const usearch = createRequire(import.meta.url)('usearch') as typeof USearch;

/** Up to this many vectors, brute force: as fast as the graph there (bench:vectors, docs/BENCHMARKS.md), and exact. */
export const EXACT_THRESHOLD = 2_500;

export interface VectorHit {
  id: number;
  /** Cosine similarity, -1..1. */
  score: number;
}

export interface VectorIndexOptions {
  file: string;
  dim: number;
  /** `f16` halves memory with no measurable recall loss on CLIP vectors; `f32`, `i8` also work. */
  quantization?: 'f16' | 'f32' | 'i8';
  connectivity?: number;
  expansionAdd?: number;
  expansionSearch?: number;
  exactThreshold?: number;
  /** Threads for adding (default: all cores but one, leaving one for the API). */
  threads?: number;
}

interface IndexMeta {
  dim: number;
  count: number;
  generation: string;
  /** The store's presence-log position the saved vectors reflect. */
  presence?: number;
  quantization: string;
}

/** What the index is built from and checked against: the store. */
export interface IndexSource {
  /** The store's embeddings generation (moves on with every stored batch). */
  generation: string;
  /** The store's presence-log position now (read before `rows`). */
  presence?: number;
  /** Stored vectors of present images. */
  count: () => number;
  rows: () => Iterable<{ id: number; vector: Float32Array }>;
  /** Presence changes after a position (absent: a saved file must be at `presence` already). */
  changesSince?: (seq: number) => PresenceChanges;
}

export class VectorIndex {
  private hnsw: USearch.Index;
  /** Brute-force copy while small: ids and their vectors, row by row. */
  private exactIds: number[] = [];
  private exactRows = new Map<number, number>();
  private exactData: Float32Array;
  private dirty = false;
  /** The store's presence-log position this index reflects. */
  presence = 0;
  readonly threads: number;
  rebuiltBecause: string | null = null;

  constructor(private readonly options: VectorIndexOptions) {
    this.threads = options.threads ?? Math.max(1, os.availableParallelism() - 1);
    this.hnsw = this.freshIndex();
    this.exactData = new Float32Array(options.dim * 1024);
  }

  private freshIndex(): USearch.Index {
    return new usearch.Index({
      dimensions: this.options.dim,
      metric: 'cos' as USearch.MetricKind,
      quantization: (this.options.quantization ?? 'f16') as USearch.ScalarKind,
      connectivity: this.options.connectivity ?? 16,
      expansion_add: this.options.expansionAdd ?? 128,
      // 384: recall@50 0.96 at 1M vectors with p95 3 ms (bench:vectors; 96 gave 0.90).
      expansion_search: this.options.expansionSearch ?? 384,
      multi: false,
    });
  }

  get size(): number {
    return this.hnsw.size();
  }

  private get exactLimit(): number {
    return this.options.exactThreshold ?? EXACT_THRESHOLD;
  }

  /**
   * Loads the saved index if it matches the store (same generation; vanished and returned images
   * replayed from the presence log), else rebuilds it from the store's vectors and saves it.
   */
  load(source: IndexSource): void {
    const metaFile = `${this.options.file}.json`;
    const presenceNow = source.presence ?? 0;
    let reason: string | null = null;
    try {
      const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as IndexMeta;
      const savedPresence = meta.presence ?? 0;
      if (meta.dim !== this.options.dim) reason = `dimensions changed (${meta.dim} → ${this.options.dim})`;
      else if (meta.generation !== source.generation) reason = 'index file is older than the stored vectors';
      else if (savedPresence > presenceNow || (savedPresence < presenceNow && !source.changesSince)) reason = 'index file does not match which images are present';
      else {
        this.hnsw.load(this.options.file);
        if (this.hnsw.size() !== meta.count) reason = `index file holds ${this.hnsw.size()} vectors, its description ${meta.count}`;
        else {
          this.presence = savedPresence;
          if (savedPresence < presenceNow) this.applyPresence(source.changesSince!(savedPresence));
          const count = source.count();
          if (this.hnsw.size() !== count) reason = `index file holds ${this.hnsw.size()} vectors, the store ${count}`;
        }
      }
    } catch (err) {
      reason = fs.existsSync(this.options.file) ? `index file unreadable: ${(err as Error).message}` : 'no index file';
    }
    if (reason === null && this.size <= this.exactLimit) {
      // The brute-force copy is not saved: it is rebuilt from the store, which is cheap at this size.
      for (const { id, vector } of source.rows()) this.addExact(id, vector);
    }
    if (reason !== null) {
      this.rebuiltBecause = reason;
      this.hnsw = this.freshIndex();
      this.exactIds = [];
      this.exactRows.clear();
      this.presence = presenceNow;
      const small = source.count() <= this.exactLimit;
      const batchIds: bigint[] = [];
      const batch: Float32Array[] = [];
      const flush = () => {
        if (!batch.length) return;
        const matrix = new Float32Array(batch.length * this.options.dim);
        batch.forEach((v, i) => matrix.set(v, i * this.options.dim));
        this.hnsw.add(BigUint64Array.from(batchIds), matrix, this.threads);
        batchIds.length = 0;
        batch.length = 0;
      };
      for (const { id, vector } of source.rows()) {
        batchIds.push(BigInt(id));
        batch.push(vector);
        if (small) this.addExact(id, vector);
        if (batch.length >= 4096) flush();
      }
      flush();
      this.save(source.generation);
    }
  }

  /** Takes vanished images out and puts returned ones back (both idempotent). */
  applyPresence(changes: PresenceChanges): void {
    const held = this.containsAll(changes.removed);
    const gone = changes.removed.filter((_, n) => held[n]);
    this.remove(gone);
    this.add(changes.restored);
    if (gone.length || changes.restored.length || changes.seq !== this.presence) this.dirty = true;
    this.presence = Math.max(this.presence, changes.seq);
  }

  private containsAll(ids: number[]): boolean[] {
    if (ids.length === 0 || this.hnsw.size() === 0) return ids.map(() => false);
    const found = this.hnsw.contains(BigUint64Array.from(ids.map(BigInt)));
    return Array.isArray(found) ? found : [found];
  }

  has(id: number): boolean {
    return this.containsAll([id])[0];
  }

  private addExact(id: number, vector: Float32Array): void {
    const dim = this.options.dim;
    let row = this.exactRows.get(id);
    if (row === undefined) {
      row = this.exactIds.length;
      if ((row + 1) * dim > this.exactData.length) {
        const grown = new Float32Array(this.exactData.length * 2);
        grown.set(this.exactData);
        this.exactData = grown;
      }
      this.exactIds.push(id);
      this.exactRows.set(id, row);
    }
    this.exactData.set(vector, row * dim);
  }

  /** Adds or replaces vectors (a re-embedded image replaces its old vector). */
  add(items: { id: number; vector: Float32Array }[]): void {
    if (items.length === 0) return;
    const keys = BigUint64Array.from(items.map((i) => BigInt(i.id)));
    const present = this.hnsw.contains(keys) as boolean[];
    const stale = keys.filter((_, n) => present[n]);
    if (stale.length) this.hnsw.remove(stale);
    const matrix = new Float32Array(items.length * this.options.dim);
    items.forEach((item, n) => matrix.set(item.vector, n * this.options.dim));
    this.hnsw.add(keys, matrix, this.threads);
    if (this.hnsw.size() <= this.exactLimit) for (const item of items) this.addExact(item.id, item.vector);
    else this.dropExact();
    this.dirty = true;
  }

  remove(ids: number[]): void {
    if (ids.length === 0) return;
    this.hnsw.remove(BigUint64Array.from(ids.map(BigInt)));
    for (const id of ids) {
      const row = this.exactRows.get(id);
      if (row === undefined) continue;
      // Move the last row into the hole.
      const lastRow = this.exactIds.length - 1;
      const lastId = this.exactIds[lastRow];
      const dim = this.options.dim;
      this.exactData.copyWithin(row * dim, lastRow * dim, (lastRow + 1) * dim);
      this.exactIds[row] = lastId;
      this.exactRows.set(lastId, row);
      this.exactIds.pop();
      this.exactRows.delete(id);
    }
    this.dirty = true;
  }

  private dropExact(): void {
    if (this.exactIds.length === 0) return;
    this.exactIds = [];
    this.exactRows.clear();
    this.exactData = new Float32Array(this.options.dim * 1024);
  }

  get exact(): boolean {
    return this.size <= this.exactLimit && this.exactIds.length === this.size;
  }

  /** The k nearest vectors by cosine, best first. */
  search(query: Float32Array, k: number): VectorHit[] {
    const n = this.size;
    if (n === 0 || k <= 0) return [];
    if (this.exact) return this.searchExact(query, Math.min(k, n));
    const found = this.hnsw.search(query, Math.min(k, n), 1);
    const out: VectorHit[] = [];
    for (let i = 0; i < found.keys.length; i++) out.push({ id: Number(found.keys[i]), score: 1 - found.distances[i] });
    return out;
  }

  private searchExact(query: Float32Array, k: number): VectorHit[] {
    const dim = this.options.dim;
    const found = usearch.exactSearch(this.exactData.subarray(0, this.exactIds.length * dim), query, dim, k, 'cos' as USearch.MetricKind, 1) as USearch.Matches;
    const out: VectorHit[] = [];
    for (let i = 0; i < found.keys.length; i++) out.push({ id: this.exactIds[Number(found.keys[i])], score: 1 - found.distances[i] });
    return out;
  }

  /** Saves the index, the generation of the store it reflects and its presence-log position. */
  save(generation: string): void {
    const tmp = `${this.options.file}.${process.pid}.tmp`;
    this.hnsw.save(tmp);
    fs.renameSync(tmp, this.options.file);
    const meta: IndexMeta = { dim: this.options.dim, count: this.size, generation, presence: this.presence, quantization: this.options.quantization ?? 'f16' };
    fs.writeFileSync(`${this.options.file}.json`, JSON.stringify(meta));
    this.dirty = false;
  }

  get unsaved(): boolean {
    return this.dirty;
  }
}

/** Best k of scored ids (partial selection: k is small next to n). */
export function topK(ids: number[], scores: Float32Array | number[], k: number): VectorHit[] {
  const best: VectorHit[] = [];
  let floor = -Infinity;
  for (let i = 0; i < ids.length; i++) {
    const s = scores[i];
    if (best.length >= k && s <= floor) continue;
    let at = best.length;
    while (at > 0 && best[at - 1].score < s) at--;
    best.splice(at, 0, { id: ids[i], score: s });
    if (best.length > k) best.pop();
    floor = best[best.length - 1].score;
  }
  return best;
}
