/** POST /api/batch (one edit on many images), POST /api/export + GET /api/export/{token}.zip */
import crypto from 'node:crypto';
import Router from '@koa/router';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { batchBody, exportBody, imagesQuery, searchQuery } from '../schemas.js';
import { filterFromQuery } from './filter.js';
import { setChangeHeader } from './history.js';
import { exportZip } from '../../library/export.js';
import { refuseNulBytes } from '../guards.js';

/** Every image a selection names: its ids, or all that its query selects (not only loaded pages). */
async function resolveSelection(api: ApiContext, body: { ids?: number[]; query?: string; exclude?: number[] }): Promise<number[]> {
  let ids: number[];
  if (body.ids) ids = body.ids;
  else {
    const params = Object.fromEntries(new URLSearchParams(body.query ?? ''));
    refuseNulBytes(params);
    delete params.cursor;
    delete params.limit;
    if (params.q) {
      const q = searchQuery.parse({ ...params, limit: '500' });
      // A search selects what it ranks: up to 10,000 results.
      ids = (await api.vault.search(q.q, filterFromQuery(q), 10_000, q.mode)).items.map((i) => i.id);
    } else {
      ids = api.vault.store.idsMatching(filterFromQuery(imagesQuery.parse(params)), 10_000_000);
    }
  }
  const exclude = new Set(body.exclude ?? []);
  return exclude.size ? ids.filter((id) => !exclude.has(id)) : ids;
}

const EXPORT_TTL_MS = 10 * 60_000;

export function batchRoutes(api: ApiContext): Router {
  const router = new Router();
  const exports = new Map<string, { ids: number[]; metadata: 'none' | 'json' | 'csv' | 'both'; expires: number }>();

  router.post('/api/batch', async (ctx) => {
    const body = batchBody.parse(ctx.request.body ?? {});
    const ids = await resolveSelection(api, body);
    const { store } = api.vault;
    const patch = { tags: body.tags, favorite: body.favorite, rating: body.rating, categories: body.categories };
    const { value: updated, change } = store.recordChange({ origin: 'batch' }, () => store.patchImages(ids, patch));
    setChangeHeader(ctx, change);
    ctx.body = { updated, selected: ids.length };
  });

  // Two steps so the browser downloads the zip natively (streamed to disk, with progress),
  // instead of holding it in memory as a fetch() blob.
  router.post('/api/export', async (ctx) => {
    const body = exportBody.parse(ctx.request.body ?? {});
    const ids = await resolveSelection(api, body);
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
    // Each file's real path is checked now, at download time (not only at scan time).
    const limit = api.vault.boundary.limit();
    const { stream } = exportZip(api.vault.store, job.ids, job.metadata, (rel) => {
      const found = api.vault.boundary.resolve(rel, limit);
      return 'real' in found ? found.real : null;
    });
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
    ctx.type = 'application/zip';
    ctx.set('Content-Disposition', `attachment; filename="visionary-vault-${stamp}.zip"`);
    ctx.body = stream;
  });
  return router;
}
