/**
 * Duplicate detection over what the store holds:
 *  - near: perceptual hashes within a few bits (re-encoded, resized, lightly cropped copies),
 *    confirmed by CLIP similarity when both images have a vector; identical files group too;
 *  - batch: one prompt and model over several seeds, and one prompt and seed at several sizes
 *    (hires-fix / upscale pairs).
 * Candidate pairs come from multi-index hashing: the 64-bit hash in four 16-bit bands; two hashes
 * within 3 bits always share a band (pigeonhole), and most within 10 do, so only images sharing a
 * band are compared: ~n·4·(bucket size) comparisons instead of n².
 */
import type { GroupRow, PhashRow } from '../db/duplicates.js';
import type { Store } from '../db/store.js';
import type { ImageFilter } from '../core/types.js';
import { isEmptyFilter } from '../core/filter.js';
import type { AiService } from '../ai/service.js';
import { dot } from '../ai/zero-shot.js';
import { hashHalves, hammingHalves, NEAR_DUPLICATE_BITS } from '../ingest/phash.js';

export interface DuplicateGroup {
  kind: 'near' | 'batch';
  reason: string;
  ids: number[];
}

/** A band value shared by more images than this (flat, blank images) is not paired through. */
const MAX_BUCKET = 2000;
/** CLIP cosine two near-duplicates need when both have vectors. */
export const CONFIRM_COSINE = 0.85;

class UnionFind {
  private readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    while (this.parent[i] !== i) {
      this.parent[i] = this.parent[this.parent[i]];
      i = this.parent[i];
    }
    return i;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

export interface NearOptions {
  maxBits?: number;
  /** CLIP check of candidate pairs: cosine per pair, null when a vector is missing. */
  cosines?: (pairs: [number, number][]) => (number | null)[];
}

export function nearDuplicateGroups(rows: PhashRow[], options: NearOptions = {}): DuplicateGroup[] {
  const maxBits = options.maxBits ?? NEAR_DUPLICATE_BITS;
  const hi = new Uint32Array(rows.length);
  const lo = new Uint32Array(rows.length);
  rows.forEach((r, i) => ([hi[i], lo[i]] = hashHalves(r.phash)));
  const candidates: [number, number][] = [];
  const seenPair = new Set<number>();
  for (let band = 0; band < 4; band++) {
    const buckets = new Map<number, number[]>();
    for (let i = 0; i < rows.length; i++) {
      const word = band < 2 ? hi[i] : lo[i];
      const key = band % 2 === 0 ? word >>> 16 : word & 0xffff;
      const list = buckets.get(key);
      if (list) list.push(i);
      else buckets.set(key, [i]);
    }
    for (const list of buckets.values()) {
      if (list.length < 2 || list.length > MAX_BUCKET) continue;
      for (let a = 0; a < list.length; a++) {
        for (let b = a + 1; b < list.length; b++) {
          const i = list[a];
          const j = list[b];
          const pairKey = i * rows.length + j;
          if (seenPair.has(pairKey)) continue;
          seenPair.add(pairKey);
          if (hammingHalves(hi[i], lo[i], hi[j], lo[j]) <= maxBits) candidates.push([i, j]);
        }
      }
    }
  }
  const cosines = options.cosines?.(candidates.map(([i, j]) => [rows[i].id, rows[j].id]));
  const uf = new UnionFind(rows.length);
  const confirmed = new Set<number>();
  const worst = new Map<number, number>();
  candidates.forEach(([i, j], n) => {
    const identical = rows[i].hash !== null && rows[i].hash === rows[j].hash;
    const cosine = cosines?.[n] ?? null;
    if (!identical && cosine !== null && cosine < CONFIRM_COSINE) return;
    uf.union(i, j);
    if (cosine !== null) confirmed.add(i).add(j);
    worst.set(i, Math.max(worst.get(i) ?? 0, hammingHalves(hi[i], lo[i], hi[j], lo[j])));
  });
  const members = new Map<number, number[]>();
  for (let i = 0; i < rows.length; i++) {
    const root = uf.find(i);
    const list = members.get(root);
    if (list) list.push(i);
    else members.set(root, [i]);
  }
  const groups: DuplicateGroup[] = [];
  for (const list of members.values()) {
    if (list.length < 2) continue;
    const hashes = new Set(list.map((i) => rows[i].hash));
    const bits = Math.max(...list.map((i) => worst.get(i) ?? 0));
    const reason =
      hashes.size === 1 && !hashes.has(null)
        ? 'identical files (same content hash)'
        : `perceptual hashes within ${bits} of 64 bits` + (list.every((i) => confirmed.has(i)) ? `, CLIP similarity ≥ ${CONFIRM_COSINE}` : '');
    groups.push({ kind: 'near', reason, ids: list.map((i) => rows[i].id) });
  }
  return groups.sort((a, b) => b.ids.length - a.ids.length || a.ids[0] - b.ids[0]);
}

function clip(text: string, n = 60): string {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

export function batchGroups(batches: GroupRow[], resizes: GroupRow[]): DuplicateGroup[] {
  const groups: DuplicateGroup[] = [];
  for (const g of resizes) {
    groups.push({ kind: 'batch', reason: `same prompt and seed ${g.seed} at ${g.variants} sizes (hires fix / upscale): “${clip(g.prompt)}”`, ids: g.ids });
  }
  for (const g of batches) {
    groups.push({ kind: 'batch', reason: `same prompt and model${g.model ? ` (${g.model})` : ''} across ${g.variants} seeds: “${clip(g.prompt)}”`, ids: g.ids });
  }
  return groups;
}

export type DuplicateKind = 'near' | 'batch' | 'all';

/** Near-duplicate and batch groups of the library, cached until the data or the vectors change. */
export class DuplicateFinder {
  private cache: { key: string; kind: DuplicateKind; groups: DuplicateGroup[] } | null = null;

  constructor(
    private readonly store: Store,
    private readonly ai: Pick<AiService, 'available' | 'modelName' | 'vectorsOf'>,
  ) {}

  /**
   * Groups of a kind; with a filter (the gallery's sidebar filters), only the images it selects,
   * and only the groups that keep two or more of them.
   */
  groups(kind: DuplicateKind, filter: ImageFilter = {}): DuplicateGroup[] {
    const all = this.allGroups(kind);
    if (isEmptyFilter(filter)) return all;
    const selected = new Set(this.store.idsMatching(filter, Number.MAX_SAFE_INTEGER));
    return all.flatMap((g) => {
      const ids = g.ids.filter((id) => selected.has(id));
      return ids.length >= 2 ? [{ ...g, ids }] : [];
    });
  }

  private allGroups(kind: DuplicateKind): DuplicateGroup[] {
    const key = `${this.store.dataVersion()}:${this.ai.modelName ? this.store.embeddings.generation(this.ai.modelName) : ''}`;
    if (this.cache?.key === key && this.cache.kind === kind) return this.cache.groups;
    const groups: DuplicateGroup[] = [];
    if (kind !== 'batch') {
      const cosines = this.ai.available
        ? (pairs: [number, number][]) => {
            const vectors = this.ai.vectorsOf([...new Set(pairs.flat())]);
            return pairs.map(([a, b]) => {
              const va = vectors.get(a);
              const vb = vectors.get(b);
              return va && vb ? dot(va, vb) : null;
            });
          }
        : undefined;
      groups.push(...nearDuplicateGroups(this.store.duplicates.phashes(), { cosines }));
    }
    if (kind !== 'near') groups.push(...batchGroups(this.store.duplicates.batches(), this.store.duplicates.resizes()));
    this.cache = { key, kind, groups };
    return groups;
  }
}
