/**
 * A validated query → the library's ImageFilter: exactly the filter keys the query schema declares
 * (src/http/schemas.ts `imageFilterQuery`), whatever else the query holds (paging, search, token).
 */
import type { z } from 'zod';
import type { ImageFilter } from '../../core/types.js';
import { imageFilterQuery } from '../schemas.js';

type FilterQuery = typeof imageFilterQuery;
/** What the query schema yields for the filter keys. */
export type QueryFilter = { [K in keyof FilterQuery]?: z.output<FilterQuery[K]> };

// The query schema and ImageFilter must not drift apart: every key the schema parses is a filter
// field of the same type, and every filter field but the internal `ids` can be given in a query.
type Holds<T extends true> = T;
export type SchemaFitsFilter = Holds<QueryFilter extends ImageFilter ? true : false>;
export type FilterFitsSchema = Holds<Exclude<keyof ImageFilter, 'ids'> extends keyof QueryFilter ? true : false>;

const FILTER_KEYS = Object.keys(imageFilterQuery) as (keyof FilterQuery)[];

export function filterFromQuery(q: QueryFilter): ImageFilter {
  const filter: Record<string, unknown> = {};
  for (const key of FILTER_KEYS) if (q[key] !== undefined) filter[key] = q[key];
  return filter as ImageFilter;
}
