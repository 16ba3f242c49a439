/** The gallery's only way to the server: the public REST API, with its error shape. */

import type { AlbumsResult, FoldersResult, ValuesResult, BatchResult, CategoriesResult, ChangeSummary, DuplicatesResult, ExportResult, ImageDetail, ImageSummary, ImagesCount, ListPage, ProblemsPage, Status, TagsResult, TrashResult, UndoResult } from '../http/wire.js';

// The wire types come from the server's response schemas (src/http/wire.ts): type-only imports,
// erased from the bundle.
export type { Album, FolderCount, DuplicateGroup, Problem, Status, TagCount, TagDetail } from '../http/wire.js';
export type Summary = ImageSummary;
export type Detail = ImageDetail;
export type Page = ListPage;
/** A journaled change (GET /api/history, POST /api/undo). */
export type Change = ChangeSummary;

/** Edits answer the id of the change they made (header Vv-Change; absent when nothing changed). */
export interface Changed {
  change?: number | null;
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
  countImages: (query: string) => call<ImagesCount>('GET', `/api/images/count?${query}`),
  search: (query: string) => call<Page>('GET', `/api/search?${query}`),
  similar: (id: number, query: string) => call<Page>('GET', `/api/image/${id}/similar?${query}`),
  image: (id: number) => call<Detail>('GET', `/api/image/${id}`),
  patch: (id: number, patch: Record<string, unknown>) => call<Detail & Changed>('PATCH', `/api/image/${id}`, patch),
  tags: (prefix = '', limit = 300, source?: string) =>
    call<TagsResult>('GET', `/api/tags?limit=${limit}&prefix=${encodeURIComponent(prefix)}${source ? `&source=${source}` : ''}`),
  categories: () => call<CategoriesResult>('GET', '/api/categories'),
  createCategory: (name: string) => call<CategoriesResult & Changed>('POST', '/api/categories', { name }),
  renameCategory: (from: string, to: string) => call<CategoriesResult & Changed>('POST', '/api/categories/rename', { from, to }),
  deleteCategory: (name: string) => call<CategoriesResult & Changed>('DELETE', `/api/categories?name=${encodeURIComponent(name)}`),
  batch: (body: Record<string, unknown>) => call<BatchResult & Changed>('POST', '/api/batch', body),
  trash: (body: Record<string, unknown>) => call<TrashResult & Changed>('POST', '/api/trash', body),
  restore: (ids: number[]) => call<TrashResult & Changed>('POST', '/api/trash/restore', { ids }),
  undo: (change: number) => call<UndoResult>('POST', '/api/undo', { change }),
  exportZip: (body: Record<string, unknown>) => call<ExportResult>('POST', '/api/export', body),
  duplicates: (kind: 'near' | 'batch', offset = 0, filters = '') =>
    call<DuplicatesResult>('GET', `/api/duplicates?kind=${kind}&limit=50&offset=${offset}${filters ? `&${filters}` : ''}`),
  problems: (cursor: string | null) =>
    call<ProblemsPage>('GET', `/api/problems?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
  status: () => call<Status>('GET', '/api/status'),
  folders: () => call<FoldersResult>('GET', '/api/folders'),
  values: (field: 'model' | 'sampler', prefix: string) => call<ValuesResult>('GET', `/api/values?field=${field}&limit=20&prefix=${encodeURIComponent(prefix)}`),
  albums: () => call<AlbumsResult>('GET', '/api/albums'),
  createAlbum: (name: string, query: string) => call<AlbumsResult>('POST', '/api/albums', { name, query }),
  deleteAlbum: (name: string) => call<AlbumsResult>('DELETE', `/api/albums?name=${encodeURIComponent(name)}`),
};
