/**
 * Rank fusion for hybrid search. Reciprocal rank fusion needs no score calibration: bm25 scores
 * and CLIP cosines live on unrelated scales (and cosines bunch near 0.2–0.3 for any query), but
 * ranks compare. K = 60 is the constant of Cormack et al.; it damps the weight of the very top.
 */
export const RRF_K = 60;

export interface FusedHit {
  id: number;
  score: number;
  /** 1-based rank in each list, when the item was in it. */
  ranks: (number | null)[];
}

export function reciprocalRankFusion(lists: number[][], k = RRF_K): FusedHit[] {
  const fused = new Map<number, FusedHit>();
  lists.forEach((ids, listIndex) => {
    ids.forEach((id, rank) => {
      let hit = fused.get(id);
      if (!hit) {
        hit = { id, score: 0, ranks: lists.map(() => null) };
        fused.set(id, hit);
      }
      hit.score += 1 / (k + rank + 1);
      hit.ranks[listIndex] = rank + 1;
    });
  });
  return [...fused.values()].sort((a, b) => b.score - a.score || a.id - b.id);
}
