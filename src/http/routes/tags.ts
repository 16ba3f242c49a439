/** /api/tags, /api/categories */
import Router from '@koa/router';
import type { ApiContext } from '../context.js';
import { categoryCreate, categoryDelete, categoryRename, tagsQuery } from '../schemas.js';
import { setChangeHeader } from './history.js';

export function tagRoutes(api: ApiContext): Router {
  const router = new Router();
  router.get('/api/tags', (ctx) => {
    const q = tagsQuery.parse(ctx.query);
    ctx.body = { tags: api.vault.catalog.tags(q.prefix, q.limit, q.source) };
  });
  router.get('/api/categories', (ctx) => {
    ctx.body = { categories: api.vault.catalog.categories() };
  });
  router.post('/api/categories', (ctx) => {
    const { name } = categoryCreate.parse(ctx.request.body ?? {});
    const { change } = api.vault.organize.createCategory(name);
    ctx.status = 201;
    setChangeHeader(ctx, change);
    ctx.body = { categories: api.vault.catalog.categories() };
  });
  // Rename, or move (nest) by renaming "a" to "b/a": nested categories follow.
  router.post('/api/categories/rename', (ctx) => {
    const { from, to } = categoryRename.parse(ctx.request.body ?? {});
    const { change } = api.vault.organize.renameCategory(from, to);
    setChangeHeader(ctx, change);
    ctx.body = { categories: api.vault.catalog.categories() };
  });
  // Deletes the category and those nested in it; the images stay (only the associations go).
  router.delete('/api/categories', (ctx) => {
    const { name } = categoryDelete.parse(ctx.query);
    const { change } = api.vault.organize.deleteCategory(name, true);
    setChangeHeader(ctx, change);
    ctx.body = { categories: api.vault.catalog.categories() };
  });
  return router;
}
