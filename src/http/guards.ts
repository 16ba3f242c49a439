/**
 * Request guards that run before any route: methods the API does not implement, cross-origin
 * state changes (a web page posting to the local server: CSRF), and NUL bytes in query strings.
 */
import type { Context, Next } from 'koa';
import { ApiError } from './errors.js';

const IMPLEMENTED = new Set(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE']);
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** TRACE, PROPFIND, … : 501 with the error shape (a known method on the wrong path is the routers' 405). */
export async function refuseUnknownMethods(ctx: Context, next: Next): Promise<void> {
  if (!IMPLEMENTED.has(ctx.method)) throw new ApiError(501, 'not_implemented', `method ${ctx.method} is not implemented`);
  await next();
}

function sameOrigin(origin: string, ctx: Context): boolean {
  try {
    const url = new URL(origin);
    return url.protocol === `${ctx.protocol}:` && url.host.toLowerCase() === ctx.host.toLowerCase();
  } catch {
    return false; // `Origin: null` (sandboxed frames, file://) and garbage
  }
}

/**
 * A browser names the page that sent a request (`Origin`, `Sec-Fetch-Site`): writes from another
 * site are refused, even "simple" ones a page may send without a preflight (text/plain POST).
 * The gallery (same origin) and scripts or CLIs (no Origin) are unaffected; reads stay open.
 */
export async function refuseCrossOriginWrites(ctx: Context, next: Next): Promise<void> {
  if (STATE_CHANGING.has(ctx.method)) {
    const origin = ctx.get('origin');
    if (ctx.get('sec-fetch-site').toLowerCase() === 'cross-site' || (origin && !sameOrigin(origin, ctx))) {
      throw new ApiError(403, 'forbidden_origin', `${ctx.method} from ${origin || 'another site'} is refused: changes are accepted only from this server's own pages or from clients that send no Origin`);
    }
  }
  await next();
}

/** Throws a 400 when a parameter holds a NUL byte (no tag, prompt, path or search term has one). */
export function refuseNulBytes(params: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(params)) {
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => typeof v === 'string' && v.includes('\0'))) throw new ApiError(400, 'invalid_input', `${key}: contains a NUL byte`);
  }
}

export async function refuseNulInQuery(ctx: Context, next: Next): Promise<void> {
  refuseNulBytes(ctx.query);
  await next();
}
