/** /api/tags, /api/categories */
import Router from '@koa/router';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { categoryCreate, categoryDelete, categoryRename, tagsQuery } from '../schemas.js';
import { setChangeHeader } from './history.js';

export function tagRoutes(api: ApiContext): Router {
  const router = new Router();
  router.get('/api/tags', (ctx) => {
    const q = tagsQuery.parse(ctx.query);
    ctx.body = { tags: q.source ? api.vault.store.listTagsBySource(q.source, q.prefix, q.limit) : api.vault.store.listTags(q.prefix, q.limit) };
  });
  router.get('/api/categories', (ctx) => {
    ctx.body = { categories: api.vault.store.listCategories() };
  });
  router.post('/api/categories', (ctx) => {
    const { name } = categoryCreate.parse(ctx.request.body ?? {});
    if (api.vault.store.listCategories().some((c) => c.name === name)) throw new ApiError(409, 'conflict', `category ${name} exists`);
    const { change } = api.vault.store.recordChange({ origin: 'api' }, () => api.vault.store.createCategory(name));
    ctx.status = 201;
    setChangeHeader(ctx, change);
    ctx.body = { categories: api.vault.store.listCategories() };
  });
  // Rename, or move (nest) by renaming "a" to "b/a": nested categories follow.
  router.post('/api/categories/rename', (ctx) => {
    const { from, to } = categoryRename.parse(ctx.request.body ?? {});
    if (to === from || to.startsWith(`${from}/`)) throw new ApiError(400, 'invalid_input', 'a category cannot move into itself');
    const { change } = api.vault.store.recordChange({ origin: 'api' }, () => api.vault.store.renameCategory(from, to));
    setChangeHeader(ctx, change);
    ctx.body = { categories: api.vault.store.listCategories() };
  });
  // Deletes the category and those nested in it; the images stay (only the associations go).
  router.delete('/api/categories', (ctx) => {
    const { name } = categoryDelete.parse(ctx.query);
    const { change } = api.vault.store.recordChange({ origin: 'api' }, () => api.vault.store.deleteCategory(name, true));
    setChangeHeader(ctx, change);
    ctx.body = { categories: api.vault.store.listCategories() };
  });
  return router;
}
