/** The Koa application: error shape, host/token checks, body parsing, one router per resource. */
import crypto from 'node:crypto';
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import type { Vault } from '../library/vault.js';
import { isLoopback } from '../config.js';
import { ApiError, errorMiddleware } from './errors.js';
import { refuseCrossOriginWrites, refuseNulInQuery, refuseUnknownMethods } from './guards.js';
import type { ApiContext } from './context.js';
import { imageRoutes } from './routes/images.js';
import { searchRoutes } from './routes/search.js';
import { tagRoutes } from './routes/tags.js';
import { thumbnailRoutes } from './routes/thumbnails.js';
import { systemRoutes } from './routes/system.js';
import { homeRoutes } from './routes/home.js';
import { batchRoutes } from './routes/batch.js';
import { historyRoutes } from './routes/history.js';
import { albumRoutes } from './routes/albums.js';
import { trashRoutes } from './routes/trash.js';

export interface AppOptions {
  host: string;
  token: string | null;
}

function tokenOf(ctx: Koa.Context): string | null {
  // The scheme is case-insensitive (RFC 7235).
  const bearer = /^bearer\s+(\S.*)$/i.exec(ctx.get('authorization'));
  if (bearer) return bearer[1].trim();
  const header = ctx.get('x-vv-token');
  if (header) return header;
  return typeof ctx.query.token === 'string' ? ctx.query.token : null;
}

function sameSecret(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

/** A client that goes away mid-response (a thumbnail scrolled out of view) is not a server error. */
const CLIENT_GONE = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'ECONNRESET', 'EPIPE', 'ECONNABORTED']);

export function createApp(vault: Vault, options: AppOptions): Koa {
  const app = new Koa();
  const api: ApiContext = { vault, startedAt: new Date().toISOString() };
  const loopback = isLoopback(options.host);

  app.on('error', (err: Error & { code?: string; status?: number; expose?: boolean }) => {
    if ((err.code && CLIENT_GONE.has(err.code)) || err.status === 404 || err.expose) return;
    console.error('[vv] request failed:', err);
  });
  app.use(errorMiddleware);
  app.use(async (ctx, next) => {
    // On loopback, refuse foreign Host headers: a web page cannot reach the API by DNS rebinding.
    if (loopback) {
      const hostname = ctx.hostname.toLowerCase();
      if (hostname && !isLoopback(hostname)) throw new ApiError(403, 'forbidden_host', `requests for host ${hostname} are not served`);
    }
    if (options.token) {
      const given = tokenOf(ctx);
      if (!given || !sameSecret(given, options.token)) {
        throw new ApiError(401, 'unauthorized', 'this server requires a token: Authorization: Bearer <token> or ?token=');
      }
    }
    ctx.set('X-Content-Type-Options', 'nosniff');
    await next();
  });
  app.use(refuseUnknownMethods);
  app.use(refuseCrossOriginWrites);
  app.use(refuseNulInQuery);
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: '8mb', encoding: 'utf-8' }));
  for (const router of [imageRoutes(api), searchRoutes(api), tagRoutes(api), batchRoutes(api), trashRoutes(api), historyRoutes(api), albumRoutes(api), thumbnailRoutes(api), systemRoutes(api), homeRoutes(api)]) {
    app.use(router.routes());
    // Not thrown: the router sets `Allow`, and errorMiddleware gives the 405 its error body.
    app.use(router.allowedMethods());
  }
  return app;
}
