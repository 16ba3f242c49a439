/** /api/images, /api/image/{id}, /api/image/{id}/file */
import fs from 'node:fs';
import Router from '@koa/router';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { idParam, imagePatch, imagesQuery } from '../schemas.js';
import { presentDetail, presentSummary } from '../present.js';
import { filterFromQuery } from './filter.js';
import { setChangeHeader } from './history.js';

const CONTENT_TYPES: Record<string, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  heic: 'image/heic',
};

export function imageRoutes(api: ApiContext): Router {
  const router = new Router();
  const { store } = api.vault;

  router.get('/api/images', (ctx) => {
    const q = imagesQuery.parse(ctx.query);
    const page = store.listImages(filterFromQuery(q), q.sort, q.cursor ?? null, q.limit);
    ctx.body = { items: page.items.map(presentSummary), next_cursor: page.next_cursor, total: page.total };
  });

  router.get('/api/image/:id', (ctx) => {
    const image = store.getImage(idParam.parse(ctx.params.id));
    if (!image) throw new ApiError(404, 'not_found', `image ${ctx.params.id} does not exist`);
    ctx.body = presentDetail(image);
  });

  router.patch('/api/image/:id', (ctx) => {
    const id = idParam.parse(ctx.params.id);
    const patch = imagePatch.parse(ctx.request.body ?? {});
    const { value, change } = store.recordChange({ origin: 'api' }, () => store.patchImage(id, patch));
    setChangeHeader(ctx, change);
    ctx.body = presentDetail(value);
  });

  router.get('/api/image/:id/file', (ctx) => {
    const image = store.getImage(idParam.parse(ctx.params.id));
    if (!image) throw new ApiError(404, 'not_found', `image ${ctx.params.id} does not exist`);
    if (image.missing) throw new ApiError(404, 'missing', `${image.path} is no longer in the library`);
    const abs = api.vault.absolutePath(image.path);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch {
      throw new ApiError(404, 'missing', `${image.path} is no longer in the library`);
    }
    ctx.type = CONTENT_TYPES[image.format ?? ''] ?? 'application/octet-stream';
    ctx.length = stat.size;
    ctx.lastModified = stat.mtime;
    ctx.set('Cache-Control', 'private, max-age=3600');
    ctx.set('Content-Disposition', `inline; filename*=UTF-8''${encodeURIComponent(image.filename)}`);
    ctx.body = fs.createReadStream(abs);
  });

  return router;
}
