/** /thumbnails/{hash}.webp and /thumbnails/{hash}.preview.webp — the only file names accepted are content hashes. */
import fs from 'node:fs';
import Router from '@koa/router';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { ThumbnailError } from '../../ingest/thumbnails.js';

const NAME = /^([0-9a-f]{16})(\.preview)?\.webp$/;

/** Stands in for a video's poster while ffmpeg is missing (not cached: the poster comes once it is installed). */
const PLACEHOLDER = `<svg xmlns="http://www.w3.org/2000/svg" width="512" height="288" viewBox="0 0 512 288"><rect width="512" height="288" fill="#222"/><path d="M216 94v100l84-50z" fill="#888"/><text x="256" y="250" fill="#888" font-family="sans-serif" font-size="20" text-anchor="middle">video: no poster without ffmpeg</text></svg>`;

export function thumbnailRoutes(api: ApiContext): Router {
  const router = new Router();
  router.get('/thumbnails/:name', async (ctx) => {
    const m = NAME.exec(ctx.params.name);
    if (!m) throw new ApiError(404, 'not_found', 'no such thumbnail');
    const thumbnails = api.vault.thumbnails;
    let file: string;
    try {
      file = await (m[2] ? thumbnails.ensurePreview(m[1]) : thumbnails.ensure(m[1]));
    } catch (err) {
      if (!(err instanceof ThumbnailError) || err.code !== 'no_decoder') throw err;
      ctx.type = 'image/svg+xml';
      ctx.set('Cache-Control', 'no-store');
      ctx.body = PLACEHOLDER;
      return;
    }
    ctx.type = 'image/webp';
    // Content-addressed: the bytes behind a name never change.
    ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    ctx.body = fs.createReadStream(file);
  });
  return router;
}
