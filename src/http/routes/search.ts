/** /api/search (hybrid / semantic / text), /api/image/{id}/similar, /api/duplicates */
import Router from '@koa/router';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { duplicatesQuery, idParam, searchQuery, similarQuery } from '../schemas.js';
import { presentSummary } from '../present.js';
import { filterFromQuery } from './filter.js';

export function searchRoutes(api: ApiContext): Router {
  const router = new Router();
  const { vault } = api;

  router.get('/api/search', async (ctx) => {
    const q = searchQuery.parse(ctx.query);
    const result = await vault.search.search(q.q, filterFromQuery(q), q.limit, q.mode);
    ctx.body = {
      items: result.items.map((i) => ({
        ...presentSummary(i),
        score: i.score,
        ...(i.text_score !== undefined ? { text_score: i.text_score } : {}),
        ...(i.semantic_score !== undefined ? { semantic_score: i.semantic_score } : {}),
      })),
      mode: result.mode,
      ...(result.reason ? { reason: result.reason } : {}),
    };
  });

  router.get('/api/image/:id/similar', (ctx) => {
    const id = idParam.parse(ctx.params.id);
    const q = similarQuery.parse(ctx.query);
    if (!vault.catalog.get(id)) throw new ApiError(404, 'not_found', `image ${id} does not exist`);
    ctx.body = { items: vault.search.similar(id, filterFromQuery(q), q.limit).map((s) => ({ ...presentSummary(s), score: s.score })) };
  });

  router.get('/api/duplicates', (ctx) => {
    const q = duplicatesQuery.parse(ctx.query);
    const groups = vault.duplicates.groups(q.kind ?? 'all', filterFromQuery(q));
    const page = groups.slice(q.offset, q.offset + q.limit);
    const summaries = new Map(vault.catalog.summaries([...new Set(page.flatMap((g) => g.ids))], { missing: 'include' }).map((s) => [s.id, s]));
    ctx.body = {
      groups: page.map((g) => ({
        kind: g.kind,
        reason: g.reason,
        count: g.ids.length,
        items: g.ids.flatMap((id) => (summaries.has(id) ? [presentSummary(summaries.get(id)!)] : [])),
      })),
      total: groups.length,
    };
  });
  return router;
}
