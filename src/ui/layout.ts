/**
 * Justified rows ("masonry" that keeps reading order): items keep their aspect ratios, each full
 * row is scaled to the container width, and the rows' offsets let the grid render only what is
 * on screen. Pure: the same input gives the same rows.
 */
export interface LaidOutItem {
  index: number;
  left: number;
  width: number;
}

export interface Row {
  top: number;
  height: number;
  items: LaidOutItem[];
}

export function aspectOf(w: number | null, h: number | null): number {
  if (!w || !h) return 1;
  // Extreme panoramas would make rows of one sliver: clamp.
  return Math.min(4, Math.max(0.25, w / h));
}

/**
 * Lays out items `from` onwards starting at `top` (an append lays out only the new items and the
 * previous partial last row, not the whole list again).
 */
export function justify(aspects: number[], width: number, targetHeight: number, gap: number, from = 0, startTop = 0): Row[] {
  const rows: Row[] = [];
  let top = startTop;
  let start = from;
  while (start < aspects.length) {
    let sum = 0;
    let end = start;
    while (end < aspects.length) {
      sum += aspects[end];
      end++;
      if (sum * targetHeight + (end - start - 1) * gap >= width) break;
    }
    const count = end - start;
    const full = sum * targetHeight + (count - 1) * gap >= width;
    const height = full ? (width - (count - 1) * gap) / sum : targetHeight;
    let left = 0;
    const items: LaidOutItem[] = [];
    for (let i = start; i < end; i++) {
      const w = aspects[i] * height;
      items.push({ index: i, left, width: w });
      left += w + gap;
    }
    rows.push({ top, height, items });
    top += height + gap;
    start = end;
  }
  return rows;
}

/** Rows overlapping [from, to) (binary search on row tops). */
export function visibleRows(rows: Row[], from: number, to: number): [number, number] {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid].top + rows[mid].height < from) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  while (end < rows.length && rows[end].top < to) end++;
  return [lo, end];
}
