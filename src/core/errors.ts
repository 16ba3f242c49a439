/**
 * The domain's one error type. Every rule the library enforces fails with a VaultError whose
 * `code` says what went wrong; each adapter maps the code once (HTTP status in src/http/errors.ts,
 * errno in src/fs/, exit status in the CLI).
 */
export type VaultErrorCode = 'not_found' | 'invalid_input' | 'conflict' | 'busy' | 'trash_disabled';

export class VaultError extends Error {
  constructor(
    readonly code: VaultErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class NotFoundError extends VaultError {
  constructor(message: string) {
    super('not_found', message);
  }
}

export class InvalidInputError extends VaultError {
  constructor(message: string) {
    super('invalid_input', message);
  }
}

export class ConflictError extends VaultError {
  constructor(message: string) {
    super('conflict', message);
  }
}

/** Moving originals to the trash was asked for, but the vault was not started with --allow-trash (or this platform has no trash it knows). */
export class TrashDisabledError extends VaultError {
  constructor(message = 'moving originals to the trash is off: start the server with --allow-trash (or set VV_ALLOW_TRASH=true)') {
    super('trash_disabled', message);
  }
}

const SQLITE_BUSY_CODES = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_BUSY_TIMEOUT', 'SQLITE_LOCKED', 'SQLITE_LOCKED_SHAREDCACHE']);

/**
 * The database refused for now because another process (a scan, a mount) holds its lock: worth
 * retrying later. SQLite's own errors are recognised by their code, so no adapter needs the driver.
 */
export function isBusyError(err: unknown): boolean {
  if (err instanceof VaultError) return err.code === 'busy';
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && SQLITE_BUSY_CODES.has(code);
}
