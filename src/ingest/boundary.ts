/**
 * The library boundary. A symlink in the library is followed only while its real path stays inside
 * the library root's real path (so `evil.png -> /etc/passwd` is never indexed, served or exported),
 * unless the user chose to follow every link (`--follow-symlinks`). Used by the walk, the watcher
 * batches, the sidecar readers (in the extraction workers: plain data only) and, at request time,
 * by file serving and export.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The real root links must stay inside, or null to follow every link. */
export type LinkLimit = string | null;

/** Real path of `abs` when it exists and stays within `limit` (null: any), else null. */
export function realPathWithin(abs: string, limit: LinkLimit): string | null {
  let real: string;
  try {
    real = fs.realpathSync.native(abs);
  } catch {
    return null;
  }
  if (limit === null) return real;
  return real === limit || real.startsWith(limit.endsWith(path.sep) ? limit : limit + path.sep) ? real : null;
}

/**
 * Whether a file found by a walk that follows no folder link may be read: regular files are inside
 * by construction; a symlink only when its target stays inside. One lstat, a realpath only for links.
 */
export function linkStaysInside(abs: string, limit: LinkLimit): boolean {
  if (limit === null) return true;
  try {
    if (!fs.lstatSync(abs).isSymbolicLink()) return true;
  } catch {
    return false;
  }
  return realPathWithin(abs, limit) !== null;
}

export type Resolved = { real: string } | { refused: 'missing' | 'outside' | 'offline' };

export class LibraryBoundary {
  constructor(
    readonly root: string,
    readonly followSymlinks: boolean,
  ) {}

  /** The limit to apply now: the root's real path (re-read: the root itself may be a link that moved); undefined while the root is unreachable. */
  limit(): LinkLimit | undefined {
    if (this.followSymlinks) return null;
    try {
      return fs.realpathSync.native(this.root);
    } catch {
      return undefined;
    }
  }

  /** The real path to open for a library-relative path, checked now (not only at scan time). */
  resolve(relative: string, limit: LinkLimit | undefined = this.limit()): Resolved {
    const abs = path.resolve(this.root, relative);
    if (abs !== this.root && !abs.startsWith(this.root + path.sep)) return { refused: 'outside' };
    if (limit === undefined) return { refused: 'offline' };
    if (!fs.existsSync(abs)) return { refused: 'missing' };
    const real = realPathWithin(abs, limit);
    return real ? { real } : { refused: 'outside' };
  }
}
