/**
 * Selections: what a batch edit or an export acts on — the ids the gallery picked, or every image a
 * filter or search selects (not only the pages loaded), less the ones unticked.
 */
import type { ImageFilter } from '../core/types.js';
import type { Catalog } from './catalog.js';
import type { Search, SearchMode } from './search.js';

export type Selection =
  | { ids: number[]; exclude?: number[] }
  | { filter: ImageFilter; exclude?: number[] }
  | { search: { query: string; mode?: SearchMode }; filter: ImageFilter; exclude?: number[] };

/** A search selects what it ranks, up to this many. */
export const SEARCH_SELECTION_LIMIT = 10_000;
/** A filter selects everything it matches, up to this many. */
const FILTER_SELECTION_LIMIT = 10_000_000;

export async function resolveSelection(selection: Selection, catalog: Catalog, search: Search): Promise<number[]> {
  let ids: number[];
  if ('ids' in selection) ids = selection.ids;
  else if ('search' in selection) {
    ids = (await search.search(selection.search.query, selection.filter, SEARCH_SELECTION_LIMIT, selection.search.mode)).items.map((i) => i.id);
  } else ids = catalog.ids(selection.filter, FILTER_SELECTION_LIMIT);
  const exclude = new Set(selection.exclude ?? []);
  return exclude.size ? ids.filter((id) => !exclude.has(id)) : ids;
}
