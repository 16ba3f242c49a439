/** GET /api/history, POST /api/undo: the journal of organizing changes. */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { ApiContext } from '../context.js';
import { historyQuery, undoBody } from '../schemas.js';

/**
 * Edits name the change they were journaled as in this header (absent when nothing changed), so a
 * client can offer to undo exactly that edit: POST /api/undo { change }.
 */
export const CHANGE_HEADER = 'Vv-Change';

export function setChangeHeader(ctx: Context, change: number | null): void {
  if (change !== null) ctx.set(CHANGE_HEADER, String(change));
}

export function historyRoutes(api: ApiContext): Router {
  const router = new Router();
  router.get('/api/history', (ctx) => {
    const q = historyQuery.parse(ctx.query);
    ctx.body = { changes: api.vault.organize.history(q.limit, q.before) };
  });
  // No change and no time: the latest change not yet undone.
  router.post('/api/undo', (ctx) => {
    const body = undoBody.parse(ctx.request.body ?? {});
    ctx.body = api.vault.organize.undo({ change: body.change, since: body.since });
  });
  return router;
}
