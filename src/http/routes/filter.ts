import type { ImageFilter } from '../../core/types.js';

/** Validated query → store filter (drops paging and auth keys). */
export function filterFromQuery(q: Record<string, unknown>): ImageFilter {
  const { sort: _s, limit: _l, cursor: _c, q: _q, token: _t, mode: _m, offset: _o, kind: _k, ...filter } = q;
  return filter as ImageFilter;
}
