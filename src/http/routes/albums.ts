/** /api/albums (saved searches), /api/folders (the library's folders), /api/values (filter type-ahead) */
import Router from '@koa/router';
import type { ApiContext } from '../context.js';
import { albumCreate, albumDelete, imagesQuery, searchQuery, valuesQuery } from '../schemas.js';
import { filterFromQuery } from './filter.js';
import { refuseNulBytes } from '../guards.js';
import type { Album, AlbumQuery } from '../../library/albums.js';

/** A query string as the gallery sends it (its /api/images or /api/search query) → what an album saves. */
function albumQueryOf(query: string): AlbumQuery {
  const params = Object.fromEntries(new URLSearchParams(query));
  refuseNulBytes(params);
  for (const key of ['cursor', 'limit', 'sort', 'token']) delete params[key];
  if (params.q) {
    const q = searchQuery.parse(params);
    return { filter: filterFromQuery(q), q: q.q, mode: q.mode ?? null };
  }
  return { filter: filterFromQuery(imagesQuery.parse(params)), q: null, mode: null };
}

/** The saved query as a query string again (the gallery shows an album by loading it). */
function urlQueryOf(query: AlbumQuery): string {
  const p = new URLSearchParams();
  if (query.q) p.set('q', query.q);
  if (query.mode) p.set('mode', query.mode);
  for (const [key, value] of Object.entries(query.filter)) {
    if (value === undefined) continue;
    p.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  return p.toString();
}

const present = (a: Album) => ({ ...a, url_query: urlQueryOf(a.query) });

export function albumRoutes(api: ApiContext): Router {
  const router = new Router();
  const { albums, catalog } = api.vault;

  router.get('/api/albums', (ctx) => {
    ctx.body = { albums: albums.list().map(present) };
  });
  router.post('/api/albums', (ctx) => {
    const body = albumCreate.parse(ctx.request.body ?? {});
    albums.create(body.name, albumQueryOf(body.query));
    ctx.status = 201;
    ctx.body = { albums: albums.list().map(present) };
  });
  router.delete('/api/albums', (ctx) => {
    const { name } = albumDelete.parse(ctx.query);
    albums.delete(name);
    ctx.body = { albums: albums.list().map(present) };
  });

  router.get('/api/folders', (ctx) => {
    ctx.body = { folders: catalog.folders() };
  });
  router.get('/api/values', (ctx) => {
    const q = valuesQuery.parse(ctx.query);
    ctx.body = { values: catalog.values(q.field, q.prefix, q.limit) };
  });
  return router;
}
