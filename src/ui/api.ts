/** The gallery's only way to the server: the public REST API, with its error shape. */

export interface Summary {
  id: number;
  filename: string;
  path: string;
  width: number | null;
  height: number | null;
  created_at: string;
  favorite: boolean;
  rating: number;
  tags: string[];
  generator: string | null;
  prompt: string | null;
  thumbnail_url: string | null;
  missing: boolean;
  score?: number;
}

export interface TagDetail {
  name: string;
  source: 'prompt' | 'model' | 'user' | 'ai' | 'xmp';
  confidence: number | null;
}

export interface Detail extends Omit<Summary, 'tags'> {
  file_url: string;
  format: string | null;
  size: number;
  params: Record<string, unknown> | null;
  raw: Record<string, unknown>;
  tags: TagDetail[];
  categories: string[];
  notes: string | null;
  /** What a captioning model (ai) or the user says an image without a prompt shows. */
  caption: { text: string; source: 'ai' | 'user' } | null;
  extracted_prompt: string | null;
  user_prompt: string | null;
  error: string | null;
}

export interface Page {
  items: Summary[];
  next_cursor?: string | null;
  total?: number;
  mode?: 'text' | 'semantic' | 'hybrid';
}

export interface TagCount {
  name: string;
  count: number;
}

export interface Status {
  /** Offline: the library folder is gone or emptied (unplugged drive, renamed folder); the index is still served. */
  library: { path: string; online: boolean; reason: string | null; since: string };
  counts: { images: number; missing: number; errors: number; problems?: number };
  scan: { running: boolean; phase: string; done: number; total: number };
  thumbnails: { running: boolean; done: number; total: number };
  embeddings: { available: boolean; running?: boolean; done: number; total: number; per_second: number; model: string | null; reason?: string; error?: string | null };
}

/** A journaled change (GET /api/history, POST /api/undo). */
export interface Change {
  id: number;
  at: string;
  origin: string;
  description: string;
  images: number;
  undone_by: number | null;
}

/** Edits answer the id of the change they made (header Vv-Change; absent when nothing changed). */
export interface Changed {
  change?: number | null;
}

export interface Problem {
  path: string;
  kind: string;
  message: string;
  size: number | null;
  mtime_ms: number | null;
  first_seen: string;
  last_seen: string;
}

export interface DuplicateGroup {
  kind: 'near' | 'batch';
  reason: string;
  count: number;
  items: Summary[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached. Is `vv serve` still running?');
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const err = (json as { error?: { code: string; message: string } } | null)?.error;
    throw new ApiError(res.status, err?.code ?? 'http_error', err?.message ?? `${res.status} ${res.statusText}`);
  }
  // Edits name their journaled change in a header: what the toast's Undo reverses.
  const change = res.headers.get('vv-change');
  if (change && json && typeof json === 'object') (json as Changed).change = Number(change);
  return json as T;
}

export const api = {
  images: (query: string) => call<Page>('GET', `/api/images?${query}`),
  search: (query: string) => call<Page>('GET', `/api/search?${query}`),
  similar: (id: number, query: string) => call<Page>('GET', `/api/image/${id}/similar?${query}`),
  image: (id: number) => call<Detail>('GET', `/api/image/${id}`),
  patch: (id: number, patch: Record<string, unknown>) => call<Detail & Changed>('PATCH', `/api/image/${id}`, patch),
  tags: (prefix = '', limit = 300, source?: string) =>
    call<{ tags: TagCount[] }>('GET', `/api/tags?limit=${limit}&prefix=${encodeURIComponent(prefix)}${source ? `&source=${source}` : ''}`),
  categories: () => call<{ categories: TagCount[] }>('GET', '/api/categories'),
  createCategory: (name: string) => call<{ categories: TagCount[] } & Changed>('POST', '/api/categories', { name }),
  renameCategory: (from: string, to: string) => call<{ categories: TagCount[] } & Changed>('POST', '/api/categories/rename', { from, to }),
  deleteCategory: (name: string) => call<{ categories: TagCount[] } & Changed>('DELETE', `/api/categories?name=${encodeURIComponent(name)}`),
  batch: (body: Record<string, unknown>) => call<{ updated: number; selected: number } & Changed>('POST', '/api/batch', body),
  undo: (change: number) => call<{ change: number | null; reversed: Change[] }>('POST', '/api/undo', { change }),
  exportZip: (body: Record<string, unknown>) => call<{ url: string; count: number }>('POST', '/api/export', body),
  duplicates: (kind: 'near' | 'batch', offset = 0) => call<{ groups: DuplicateGroup[]; total: number }>('GET', `/api/duplicates?kind=${kind}&limit=50&offset=${offset}`),
  problems: (cursor: string | null) =>
    call<{ items: Problem[]; next_cursor: string | null; total: number }>('GET', `/api/problems?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
  status: () => call<Status>('GET', '/api/status'),
};
