/** Every error leaves the API as `{ "error": { "code", "message" } }` with a matching HTTP status. */
import type { Context, Next } from 'koa';
import { ZodError } from 'zod';
import { ThumbnailError } from '../ingest/thumbnails.js';
import { ModelUnavailableError } from '../ai/models.js';
import { ModelFailedError } from '../ai/runtime.js';
import { ModelUnsupportedError } from '../ai/interface.js';
import { isBusyError, VaultError, type VaultErrorCode } from '../core/errors.js';
import { LibraryOfflineError } from '../ingest/presence.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function zodMessage(err: ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`)
    .join('; ');
}

/** The domain's error codes as HTTP statuses. */
const STATUS_OF: Record<VaultErrorCode, number> = { invalid_input: 400, not_found: 404, conflict: 409, busy: 503, trash_disabled: 403 };
const BUSY_MESSAGE = 'the database stayed locked by another process (scan, mount); try again';

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ZodError) return new ApiError(400, 'invalid_input', zodMessage(err));
  if (err instanceof VaultError) return new ApiError(STATUS_OF[err.code], err.code, err.code === 'busy' ? BUSY_MESSAGE : err.message);
  if (err instanceof ModelUnavailableError) return new ApiError(503, 'model_unavailable', err.message);
  if (err instanceof ModelFailedError || err instanceof ModelUnsupportedError) return new ApiError(503, err.code, err.message);
  if (isBusyError(err)) return new ApiError(503, 'busy', BUSY_MESSAGE);
  if (err instanceof LibraryOfflineError) return new ApiError(503, 'library_offline', err.message);
  if (err instanceof ThumbnailError) return new ApiError(err.code === 'not_found' ? 404 : 422, err.code, err.message);
  const e = err as { status?: number; expose?: boolean; message?: string; type?: string };
  // Errors raised by Koa and its body parser (bad JSON, body too large) carry a status.
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    const code = e.status === 413 ? 'payload_too_large' : e.status === 415 ? 'unsupported_media_type' : 'invalid_input';
    return new ApiError(e.status, code, e.message ?? 'bad request');
  }
  return new ApiError(500, 'internal', 'internal error');
}

export async function errorMiddleware(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
    if (ctx.status === 404 && ctx.body === undefined) throw new ApiError(404, 'not_found', `no route for ${ctx.method} ${ctx.path}`);
    if (ctx.status === 405 && !ctx.body) throw new ApiError(405, 'method_not_allowed', `${ctx.method} is not allowed on ${ctx.path} (allowed: ${ctx.response.get('Allow')})`);
  } catch (err) {
    const apiError = toApiError(err);
    if (apiError.status >= 500) console.error(err);
    ctx.status = apiError.status;
    ctx.body = { error: { code: apiError.code, message: apiError.message } };
  }
}
