/** Facts about an ImageFilter that every layer agrees on (the one place they are computed). */
import type { ImageFilter } from './types.js';

/** Fields that only modify another field (`dir`, `category`) and select nothing on their own. */
const MODIFIERS: ReadonlySet<string> = new Set(['subfolders', 'subcategories']);

/** True when a filter selects every present image (no field set beyond the default `missing: 'exclude'`). */
export function isEmptyFilter(filter: ImageFilter): boolean {
  return Object.entries(filter).every(([k, v]) => v === undefined || MODIFIERS.has(k) || (k === 'missing' && v === 'exclude'));
}

/** The one tag a filter asks for when that is all it asks (its count is kept by triggers). */
export function singleTag(filter: ImageFilter): string | null {
  if (filter.tags?.length !== 1) return null;
  return isEmptyFilter({ ...filter, tags: undefined }) ? filter.tags[0] : null;
}
