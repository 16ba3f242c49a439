/**
 * The mount's one mapping from the domain's errors to errno (the HTTP adapter maps the same codes to
 * statuses), and the retry of an edit the database refused for now.
 */
import Fuse from 'fuse-native';
import { isBusyError, VaultError, type VaultErrorCode } from '../core/errors.js';

/** fuse-native's callback: an errno (negative) or 0 / a count, then the operation's results. */
export type Callback = (code: number, ...args: unknown[]) => void;

const ERRNO_OF_CODE: Record<VaultErrorCode, number> = {
  not_found: Fuse.ENOENT,
  conflict: Fuse.EEXIST,
  invalid_input: Fuse.EINVAL,
  busy: Fuse.EAGAIN,
  trash_disabled: Fuse.EPERM,
};

/** A busy database is never an I/O error: EAGAIN; a domain rule its code's errno; anything else EIO. */
export function errnoOf(err: unknown): number {
  if (isBusyError(err)) return Fuse.EAGAIN;
  if (err instanceof VaultError) return ERRNO_OF_CODE[err.code];
  return Fuse.EIO;
}

/**
 * An edit the store could not write because another process (server, scan) kept the database
 * locked past the store's own waiting is tried again later, off the event loop, this many times
 * (waiting BUSY_RETRY_MS, then twice as long each time); then it answers EAGAIN.
 */
export const BUSY_RETRIES = 4;
export const BUSY_RETRY_MS = 200;

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Runs `work`, again later while it fails busy (at most BUSY_RETRIES more times), then reports how it ended. */
export function retryWhileBusy<T>(work: () => T, done: (outcome: Outcome<T>) => void, attempt = 0): void {
  let outcome: Outcome<T>;
  try {
    outcome = { ok: true, value: work() };
  } catch (error) {
    if (isBusyError(error) && attempt < BUSY_RETRIES) {
      setTimeout(() => retryWhileBusy(work, done, attempt + 1), BUSY_RETRY_MS * 2 ** attempt);
      return;
    }
    outcome = { ok: false, error };
  }
  done(outcome);
}
