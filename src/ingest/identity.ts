/**
 * Which row a changed file belongs to: user data follows the image (its content), not the path.
 *
 * A scan collects the files whose path changed content, and the new paths whose content the index
 * already knows; once every file of the scan is read, they are placed here, in two passes:
 * 1. content that left its row's path (moved, renamed, swapped, or already missing) takes that row,
 *    with every tag, suppression, favorite, rating, category, note, user prompt and embedding;
 * 2. what is left is a new image — except an in-place re-save (an upscale or a metadata edit
 *    written over the file) whose old content exists nowhere, which keeps the path's row.
 * A row whose path now holds another image and whose content went nowhere is left missing
 * (it takes its data to wherever that content reappears later).
 * Deciding after the whole scan makes the result independent of the walk order and batching.
 */
import type { ScannedFile } from '../core/types.js';

export interface RowRef {
  id: number;
  path: string;
  hash: string | null;
}

export interface PendingFile {
  result: ScannedFile;
  /** The row at the file's path when the scan placed it, if any. */
  current: RowRef | null;
}

export interface Placement {
  result: ScannedFile;
  /** The row the file is stored into; null: a new row. */
  rowId: number | null;
  /** moved: a row followed its content here; changed: the path's own row (re-save); new: a new image. */
  kind: 'moved' | 'changed' | 'new';
}

export interface Whereabouts {
  /** Rows with a content hash (missing ones included). */
  rowsWithHash(hash: string): RowRef[];
  /** Whether the file at `path` holds content `hash` now (after this scan's changes). */
  holds(path: string, hash: string): boolean;
}

export interface PlacementPlan {
  placements: Placement[];
  /** Rows that must leave their path before the placements are written (they move, or lose it). */
  displaced: number[];
  /** Rows left without a file: their path holds another image now, their content is nowhere. */
  orphaned: number[];
}

export function placeByContent(pending: PendingFile[], where: Whereabouts): PlacementPlan {
  const taken = new Set<number>();
  const rowFor = new Map<PendingFile, { id: number; kind: Placement['kind'] }>();
  const scanHashes = new Set(pending.map((p) => p.result.hash).filter((h): h is string => h !== null));

  // Pass 1: content follows its row from wherever the row's path no longer holds it.
  for (const item of pending) {
    const hash = item.result.hash;
    if (!hash) continue;
    for (const row of where.rowsWithHash(hash)) {
      if (taken.has(row.id) || row.path === item.result.path || where.holds(row.path, hash)) continue;
      taken.add(row.id);
      rowFor.set(item, { id: row.id, kind: 'moved' });
      break;
    }
  }

  const existsElsewhere = (row: RowRef) =>
    row.hash !== null && (scanHashes.has(row.hash) || where.rowsWithHash(row.hash).some((r) => r.id !== row.id && where.holds(r.path, row.hash!)));

  // Pass 2: the path's own row stays only for a re-save whose old content went nowhere.
  for (const item of pending) {
    if (rowFor.has(item) || !item.current) continue;
    if (taken.has(item.current.id) || existsElsewhere(item.current)) continue;
    taken.add(item.current.id);
    rowFor.set(item, { id: item.current.id, kind: 'changed' });
  }

  const displaced = new Set<number>();
  const orphaned: number[] = [];
  for (const item of pending) {
    const placed = rowFor.get(item);
    if (placed?.kind === 'moved') displaced.add(placed.id);
    if (item.current && !taken.has(item.current.id)) {
      displaced.add(item.current.id);
      orphaned.push(item.current.id);
    }
  }
  return {
    placements: pending.map((item) => {
      const placed = rowFor.get(item);
      return { result: item.result, rowId: placed?.id ?? null, kind: placed?.kind ?? 'new' };
    }),
    displaced: [...displaced],
    orphaned,
  };
}
