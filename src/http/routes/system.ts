/** /api/status, /api/scan, /api/problems, /api/openapi.json */
import Router from '@koa/router';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { openApiDocument } from '../openapi.js';
import { problemsQuery } from '../schemas.js';
import { locateFfmpeg } from '../../ingest/ffmpeg.js';

/** Whether videos get posters and previews, and if not, why. */
function videoStatus() {
  const ffmpeg = locateFfmpeg();
  return { ffmpeg: ffmpeg.path, posters: ffmpeg.path !== null, reason: ffmpeg.reason };
}

export function systemRoutes(api: ApiContext): Router {
  const router = new Router();
  router.get('/api/status', (ctx) => {
    const { vault } = api;
    const scan = vault.scanner.status;
    ctx.body = {
      library: vault.library,
      started_at: api.startedAt,
      watching: vault.watching,
      counts: vault.catalog.counts(),
      scan: { ...scan, failures: scan.failures.slice(0, 50), warned: scan.warned.slice(0, 50), last: vault.catalog.lastScan() },
      mount: vault.mount,
      thumbnails: vault.thumbnails.progress,
      embeddings: vault.ai.status(),
      video: videoStatus(),
      trash: { enabled: vault.trash.enabled },
    };
  });
  router.post('/api/scan', (ctx) => {
    // Scanning a library that is not there would read as every image deleted: refused, nothing changes.
    if (!api.vault.checkLibrary()) throw new ApiError(503, 'library_offline', `the library is offline, nothing was scanned: ${api.vault.library.reason}`);
    if (!api.vault.scanner.status.running) api.vault.scanInBackground();
    ctx.status = 202;
    ctx.body = { scan: api.vault.scanner.status };
  });
  // Every problem file the scans found, kept in the database (the status lists only this scan's first few).
  router.get('/api/problems', (ctx) => {
    const q = problemsQuery.parse(ctx.query);
    const page = api.vault.catalog.problems(q.limit, q.cursor ?? null);
    if (!page) throw new ApiError(400, 'invalid_input', 'cursor is not one this server issued');
    ctx.body = page;
  });
  router.get('/api/openapi.json', (ctx) => {
    ctx.body = openApiDocument();
  });
  return router;
}
