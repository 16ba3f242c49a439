/** /api/search: full-text (FTS5, bm25) now; the AI issue adds a hybrid mode. */
import Router from '@koa/router';
import type { ApiContext } from '../context.js';
import { searchQuery } from '../schemas.js';
import { presentSummary } from '../present.js';
import { filterFromQuery } from './filter.js';

export function searchRoutes(api: ApiContext): Router {
  const router = new Router();
  router.get('/api/search', (ctx) => {
    const q = searchQuery.parse(ctx.query);
    const items = api.vault.store.searchText(q.q, filterFromQuery(q), q.limit);
    ctx.body = { items: items.map((i) => ({ ...presentSummary(i), score: i.score })), mode: 'text' };
  });
  return router;
}
