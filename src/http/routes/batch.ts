/** POST /api/batch (one edit on many images), POST /api/export + GET /api/export/{token}.zip */
import crypto from 'node:crypto';
import Router from '@koa/router';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { batchBody, exportBody, imagesQuery, searchQuery } from '../schemas.js';
import { filterFromQuery } from './filter.js';
import { setChangeHeader } from './history.js';
import type { Selection } from '../../library/selection.js';
import { refuseNulBytes } from '../guards.js';

/** A selection as the gallery sends it: ids, or the query string of the view (search or filter) it selected all of. */
export function selectionOf(body: { ids?: number[]; query?: string; exclude?: number[] }): Selection {
  const exclude = body.exclude;
  if (body.ids) return { ids: body.ids, exclude };
  const params = Object.fromEntries(new URLSearchParams(body.query ?? ''));
  refuseNulBytes(params);
  delete params.cursor;
  delete params.limit;
  if (params.q) {
    const q = searchQuery.parse({ ...params, limit: '500' });
    return { search: { query: q.q, mode: q.mode }, filter: filterFromQuery(q), exclude };
  }
  return { filter: filterFromQuery(imagesQuery.parse(params)), exclude };
}

const EXPORT_TTL_MS = 10 * 60_000;

export function batchRoutes(api: ApiContext): Router {
  const router = new Router();
  const exports = new Map<string, { ids: number[]; metadata: 'none' | 'json' | 'csv' | 'both'; expires: number }>();

  router.post('/api/batch', async (ctx) => {
    const body = batchBody.parse(ctx.request.body ?? {});
    const ids = await api.vault.resolveSelection(selectionOf(body));
    const patch = { tags: body.tags, favorite: body.favorite, rating: body.rating, rejected: body.rejected, categories: body.categories };
    const { value: updated, change } = api.vault.organize.editImages(ids, patch);
    setChangeHeader(ctx, change);
    ctx.body = { updated, selected: ids.length };
  });

  // Two steps so the browser downloads the zip natively (streamed to disk, with progress),
  // instead of holding it in memory as a fetch() blob.
  router.post('/api/export', async (ctx) => {
    const body = exportBody.parse(ctx.request.body ?? {});
    const ids = await api.vault.resolveSelection(selectionOf(body));
    if (ids.length === 0) throw new ApiError(400, 'invalid_input', 'the selection is empty');
    const now = Date.now();
    for (const [k, v] of exports) if (v.expires < now) exports.delete(k);
    const token = crypto.randomBytes(16).toString('hex');
    exports.set(token, { ids, metadata: body.metadata, expires: now + EXPORT_TTL_MS });
    ctx.status = 201;
    ctx.body = { url: `/api/export/${token}.zip`, count: ids.length, expires_at: new Date(now + EXPORT_TTL_MS).toISOString() };
  });

  router.get('/api/export/:file', (ctx) => {
    const m = /^([0-9a-f]{32})\.zip$/.exec(ctx.params.file);
    const job = m ? exports.get(m[1]) : undefined;
    if (!job || job.expires < Date.now()) throw new ApiError(404, 'not_found', 'no such export (they expire after 10 minutes)');
    const { stream } = api.vault.exportZip(job.ids, job.metadata);
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
    ctx.type = 'application/zip';
    ctx.set('Content-Disposition', `attachment; filename="visionary-vault-${stamp}.zip"`);
    ctx.body = stream;
  });
  return router;
}
