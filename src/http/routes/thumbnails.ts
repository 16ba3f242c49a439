/** /thumbnails/{hash}.webp — the only file names accepted are content hashes. */
import fs from 'node:fs';
import Router from '@koa/router';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';

const NAME = /^([0-9a-f]{16})\.webp$/;

export function thumbnailRoutes(api: ApiContext): Router {
  const router = new Router();
  router.get('/thumbnails/:name', async (ctx) => {
    const m = NAME.exec(ctx.params.name);
    if (!m) throw new ApiError(404, 'not_found', 'no such thumbnail');
    const file = await api.vault.thumbnails.ensure(m[1]);
    ctx.type = 'image/webp';
    // Content-addressed: the bytes behind a name never change.
    ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    ctx.body = fs.createReadStream(file);
  });
  return router;
}
