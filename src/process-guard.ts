/**
 * Long-running commands (serve, mount) keep serving when background work fails: a rejected promise
 * or an exception nobody caught is logged, not fatal. Only states the process cannot serve from —
 * the database corrupt, unreadable, gone or read-only, the disk full, memory exhausted — end it,
 * after `onFatal` has had its chance to clean up (unmount, close).
 */
const FATAL_SQLITE = /^SQLITE_(CORRUPT|NOTADB|IOERR|FULL|CANTOPEN|READONLY|NOMEM|PERM)/;

/** Errors after which serving on would only fail again or risk the data. */
export function isFatal(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && FATAL_SQLITE.test(code)) return true;
  return err instanceof Error && /out of memory|allocation failed/i.test(err.message);
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

/** Output whose reader is gone (a parent that died, a closed pipe): nothing more can be shown there. */
function isClosedOutput(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

export function guardProcess(command: string, onFatal: (err: unknown) => Promise<void>): void {
  // A write to stdout or stderr after their reader went away fails again with every line: left
  // uncaught, each failure was logged to the same closed pipe, and the process spun on it at 100 %
  // CPU instead of shutting down when told to.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err) => {
      if (!isClosedOutput(err)) throw err;
    });
  }
  let ending = false;
  const handle = (what: string) => (err: unknown) => {
    if (isClosedOutput(err)) return;
    console.error(`vv ${command}: ${what}: ${describe(err)}`);
    if (!isFatal(err) || ending) return;
    ending = true;
    console.error(`vv ${command}: cannot go on after this error; stopping`);
    // Clean-up gets a few seconds; a hung unmount must not keep a broken process alive.
    setTimeout(() => process.exit(1), 5000).unref();
    onFatal(err).finally(() => process.exit(1));
  };
  process.on('unhandledRejection', handle('background task failed'));
  process.on('uncaughtException', handle('uncaught error'));
}
