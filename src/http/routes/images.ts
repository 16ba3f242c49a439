/** /api/images, /api/image/{id}, /api/image/{id}/file */
import fs from 'node:fs';
import Router from '@koa/router';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { idParam, imagePatch, imagesCountQuery, imagesQuery } from '../schemas.js';
import { presentDetail, presentSummary } from '../present.js';
import { filterFromQuery } from './filter.js';
import { setChangeHeader } from './history.js';
import { rangeOf } from '../range.js';

const CONTENT_TYPES: Record<string, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  heic: 'image/heic',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
};

/** An APNG is a PNG by its bytes; `image/apng` lets browsers that care know it moves. */
function contentType(format: string | null, mediaType: string): string {
  if (format === 'png' && mediaType === 'animation') return 'image/apng';
  return CONTENT_TYPES[format ?? ''] ?? 'application/octet-stream';
}

export function imageRoutes(api: ApiContext): Router {
  const router = new Router();
  const { catalog, organize } = api.vault;

  router.get('/api/images', async (ctx) => {
    const q = imagesQuery.parse(ctx.query);
    const page = await catalog.listOffThread(filterFromQuery(q), q.sort, q.cursor ?? null, q.limit);
    ctx.body = { items: page.items.map(presentSummary), next_cursor: page.next_cursor, total: page.total };
  });

  router.get('/api/images/count', async (ctx) => {
    const q = imagesCountQuery.parse(ctx.query);
    ctx.body = { total: await catalog.countInBackground(filterFromQuery(q)) };
  });

  router.get('/api/image/:id', (ctx) => {
    const image = catalog.get(idParam.parse(ctx.params.id));
    if (!image) throw new ApiError(404, 'not_found', `image ${ctx.params.id} does not exist`);
    ctx.body = presentDetail(image);
  });

  router.patch('/api/image/:id', (ctx) => {
    const id = idParam.parse(ctx.params.id);
    const patch = imagePatch.parse(ctx.request.body ?? {});
    const { value, change } = organize.editImage(id, patch);
    setChangeHeader(ctx, change);
    ctx.body = presentDetail(value);
  });

  router.get('/api/image/:id/file', (ctx) => {
    const image = catalog.get(idParam.parse(ctx.params.id));
    if (!image) throw new ApiError(404, 'not_found', `image ${ctx.params.id} does not exist`);
    if (image.missing) throw new ApiError(404, 'missing', `${image.path} is no longer in the library`);
    // Checked now, not only at scan time: the file may have been replaced by a link that leaves the library.
    const found = api.vault.resolveOriginal(image.path);
    if ('refused' in found) {
      if (found.refused === 'outside') throw new ApiError(403, 'outside_library', `${image.path} now leads outside the library: not served`);
      if (found.refused === 'offline') throw new ApiError(503, 'library_offline', `the library is offline: ${api.vault.library.reason ?? 'its folder cannot be reached'}`);
      throw new ApiError(404, 'missing', `${image.path} is no longer in the library`);
    }
    let fd: number;
    try {
      // The real path has no link left in its last part; O_NOFOLLOW refuses one swapped in since.
      fd = fs.openSync(found.real, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    } catch {
      throw new ApiError(404, 'missing', `${image.path} is no longer in the library`);
    }
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) {
      fs.closeSync(fd);
      throw new ApiError(404, 'missing', `${image.path} is not a file`);
    }
    ctx.type = contentType(image.format, image.media_type);
    ctx.lastModified = stat.mtime;
    ctx.set('Accept-Ranges', 'bytes');
    ctx.set('Cache-Control', 'private, max-age=3600');
    ctx.set('Content-Disposition', `inline; filename*=UTF-8''${encodeURIComponent(image.filename)}`);
    // Players seek with ranges; a range of a file that changed since (If-Range) gets the whole file.
    const ifRange = ctx.get('If-Range');
    const range = ifRange && ifRange !== stat.mtime.toUTCString() ? ({ kind: 'whole' } as const) : rangeOf(ctx.get('Range') || undefined, stat.size);
    if (range.kind === 'unsatisfiable') {
      fs.closeSync(fd);
      ctx.set('Content-Range', `bytes */${stat.size}`);
      throw new ApiError(416, 'range_not_satisfiable', `the range ${ctx.get('Range')} lies outside the file (${stat.size} bytes)`);
    }
    if (range.kind === 'partial') {
      ctx.status = 206;
      ctx.set('Content-Range', `bytes ${range.start}-${range.end}/${stat.size}`);
      ctx.length = range.end - range.start + 1;
      ctx.body = fs.createReadStream(found.real, { fd, start: range.start, end: range.end });
      return;
    }
    ctx.length = stat.size;
    ctx.body = fs.createReadStream(found.real, { fd });
  });

  return router;
}
