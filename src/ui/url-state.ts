/**
 * What the gallery shows, as URL parameters (shareable, and the back button works): the query,
 * the filters, the sort, the view, the open image. Filter keys are exactly /api/images's.
 */

export const FILTER_KEYS = ['tags', 'any', 'not', 'from', 'to', 'favorite', 'rejected', 'min_rating', 'category', 'model', 'sampler', 'generator', 'min_width', 'min_height', 'dir', 'sfw', 'media', 'min_duration'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

export interface ViewState {
  q: string;
  mode: '' | 'hybrid' | 'semantic' | 'text';
  filters: Partial<Record<FilterKey, string>>;
  sort: 'date' | '-date' | 'random';
  view: 'grid' | 'duplicates' | 'similar' | 'problems' | 'trash';
  similar: number | null;
  image: number | null;
}

export function readState(search: string = location.search): ViewState {
  const p = new URLSearchParams(search);
  const filters: ViewState['filters'] = {};
  for (const k of FILTER_KEYS) {
    const v = p.get(k);
    if (v) filters[k] = v;
  }
  const view = p.get('view');
  return {
    q: p.get('q') ?? '',
    mode: (['hybrid', 'semantic', 'text'].includes(p.get('mode') ?? '') ? p.get('mode') : '') as ViewState['mode'],
    filters,
    sort: (['date', '-date', 'random'].includes(p.get('sort') ?? '') ? p.get('sort') : '-date') as ViewState['sort'],
    view: view === 'duplicates' || view === 'similar' || view === 'problems' || view === 'trash' ? view : 'grid',
    similar: Number(p.get('similar')) || null,
    image: Number(p.get('image')) || null,
  };
}

export function writeState(s: ViewState): string {
  const p = new URLSearchParams();
  if (s.q) p.set('q', s.q);
  if (s.mode) p.set('mode', s.mode);
  for (const k of FILTER_KEYS) if (s.filters[k]) p.set(k, s.filters[k]!);
  if (s.sort !== '-date') p.set('sort', s.sort);
  if (s.view !== 'grid') p.set('view', s.view);
  if (s.similar) p.set('similar', String(s.similar));
  if (s.image) p.set('image', String(s.image));
  const text = p.toString();
  return text ? `?${text}` : location.pathname;
}

/** The API query string for the current filters (and search), without paging. */
export function apiQuery(s: ViewState, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  if (s.q && s.view === 'grid') p.set('q', s.q);
  if (s.mode && s.q && s.view === 'grid') p.set('mode', s.mode);
  for (const k of FILTER_KEYS) if (s.filters[k]) p.set(k, s.filters[k]!);
  if (!s.q && s.view === 'grid') p.set('sort', s.sort);
  // The trash lists the originals moved there (no longer in the library: missing).
  if (s.view === 'trash') {
    p.set('trashed', 'true');
    p.set('missing', 'include');
  }
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p.toString();
}

/** Comma lists in tags / any / not. */
export function listOf(value: string | undefined): string[] {
  return value ? value.split(',').filter(Boolean) : [];
}

export function withList(filters: ViewState['filters'], key: 'tags' | 'any' | 'not', names: string[]): ViewState['filters'] {
  const next = { ...filters };
  if (names.length) next[key] = names.join(',');
  else delete next[key];
  return next;
}
