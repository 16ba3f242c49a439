/** The gallery's justified-row layout and its visible-row lookup (pure functions). */
import { describe, expect, it } from 'vitest';
import { aspectOf, justify, visibleRows } from '../../src/ui/layout.js';

describe('justified rows', () => {
  it('fills each full row to the width, keeps aspect ratios and reading order', () => {
    const aspects = [1, 1.5, 0.75, 1, 2, 1, 1, 0.5, 1.33];
    const rows = justify(aspects, 1000, 200, 6);
    expect(rows.flatMap((r) => r.items.map((i) => i.index))).toEqual(aspects.map((_, i) => i));
    for (const row of rows.slice(0, -1)) {
      const last = row.items[row.items.length - 1];
      expect(last.left + last.width).toBeCloseTo(1000, 6);
      for (const it of row.items) expect(it.width / row.height).toBeCloseTo(aspects[it.index], 9);
    }
    // The last, partial row keeps the target height instead of stretching.
    expect(rows[rows.length - 1].height).toBe(200);
    for (let r = 1; r < rows.length; r++) expect(rows[r].top).toBeCloseTo(rows[r - 1].top + rows[r - 1].height + 6, 9);
  });

  it('lays out an append from the last partial row exactly as a full layout would', () => {
    const aspects = Array.from({ length: 500 }, (_, i) => 0.5 + ((i * 37) % 11) / 5);
    const full = justify(aspects, 1200, 200, 6);
    const firstPage = justify(aspects.slice(0, 230), 1200, 200, 6);
    const last = firstPage.pop()!;
    const appended = [...firstPage, ...justify(aspects, 1200, 200, 6, last.items[0].index, last.top)];
    expect(appended).toEqual(full);
  });

  it('finds the rows in a viewport by binary search', () => {
    const rows = justify(Array(10_000).fill(1), 1000, 100, 0);
    expect(rows).toHaveLength(1000);
    const [from, to] = visibleRows(rows, 50_000, 50_900);
    expect(rows[from].top).toBeLessThanOrEqual(50_000);
    expect(rows[from].top + rows[from].height).toBeGreaterThanOrEqual(50_000);
    expect(rows[to - 1].top).toBeLessThan(50_900);
    expect(to - from).toBeLessThanOrEqual(11);
    expect(visibleRows(rows, 1e9, 1e9 + 10)).toEqual([1000, 1000]);
  });

  it('clamps extreme and unknown aspect ratios', () => {
    expect(aspectOf(null, 512)).toBe(1);
    expect(aspectOf(10_000, 100)).toBe(4);
    expect(aspectOf(100, 10_000)).toBe(0.25);
    expect(aspectOf(768, 512)).toBe(1.5);
  });
});
