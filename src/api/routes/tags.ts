/** /api/tags, /api/categories */
import Router from '@koa/router';
import type { ApiContext } from '../context.js';
import { tagsQuery } from '../schemas.js';

export function tagRoutes(api: ApiContext): Router {
  const router = new Router();
  router.get('/api/tags', (ctx) => {
    const q = tagsQuery.parse(ctx.query);
    ctx.body = { tags: api.vault.store.listTags(q.prefix, q.limit) };
  });
  router.get('/api/categories', (ctx) => {
    ctx.body = { categories: api.vault.store.listCategories() };
  });
  return router;
}
