/**
 * Zero-shot tagging: an image's cosine to every vocabulary text, then the tags whose score stands
 * out from that image's own score distribution. Raw CLIP cosines sit near 0.2–0.3 for any text, so
 * a fixed threshold either tags everything or nothing; a z-score over the vocabulary does not care
 * where the image's scores cluster.
 */
import type { VocabularyEntry } from './vocabulary.js';

/** Standard deviations above the image's mean score a tag needs. */
export const MIN_Z = 2.5;
/** Tags per image at most (the best-standing ones). */
export const MAX_TAGS = 6;

export interface ZeroShotTag {
  name: string;
  /** 0.5 at the threshold, towards 1 as the tag stands further out. */
  confidence: number;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export class ZeroShotTagger {
  constructor(
    private readonly entries: VocabularyEntry[],
    private readonly textVectors: Float32Array[],
  ) {}

  tagsFor(image: Float32Array): ZeroShotTag[] {
    const n = this.entries.length;
    if (n < 3) return [];
    const scores = this.textVectors.map((t) => dot(image, t));
    let mean = 0;
    for (const s of scores) mean += s;
    mean /= n;
    let variance = 0;
    for (const s of scores) variance += (s - mean) ** 2;
    const sd = Math.sqrt(variance / n);
    if (sd < 1e-6) return [];
    return scores
      .map((s, i) => ({ i, z: (s - mean) / sd }))
      .filter((x) => x.z >= MIN_Z)
      .sort((a, b) => b.z - a.z)
      .slice(0, MAX_TAGS)
      .map(({ i, z }) => ({ name: this.entries[i].tag, confidence: Math.round((1 / (1 + Math.exp(-(z - MIN_Z)))) * 1000) / 1000 }));
  }
}
