/** POST /api/trash (move originals to the trash, only with --allow-trash), POST /api/trash/restore */
import Router from '@koa/router';
import type { ApiContext } from '../context.js';
import { restoreBody, trashBody } from '../schemas.js';
import { selectionOf } from './batch.js';
import { setChangeHeader } from './history.js';

export function trashRoutes(api: ApiContext): Router {
  const router = new Router();
  const { trash } = api.vault;

  router.post('/api/trash', async (ctx) => {
    const body = trashBody.parse(ctx.request.body ?? {});
    const ids = body.rejected ? trash.rejectedIds() : await api.vault.resolveSelection(selectionOf(body));
    const { value: moved, change } = trash.moveToTrash(ids);
    setChangeHeader(ctx, change);
    ctx.body = { moved, selected: ids.length };
  });

  router.post('/api/trash/restore', (ctx) => {
    const body = restoreBody.parse(ctx.request.body ?? {});
    const { value: moved, change } = trash.restore(body.ids);
    setChangeHeader(ctx, change);
    ctx.body = { moved, selected: body.ids.length };
  });
  return router;
}
