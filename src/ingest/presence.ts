/**
 * Is the library there? An unplugged drive, an unmounted share or a renamed folder looks to a walk
 * exactly like every image being deleted. The scanner asks this before it marks anything missing:
 * a root that is gone, unreadable, or empty while the index holds images means the library is
 * offline, and nothing is marked missing.
 */
import fs from 'node:fs';

export class LibraryOfflineError extends Error {
  constructor(readonly reason: string) {
    super(`the library is offline: ${reason}`);
  }
}

/** Null while the library is reachable; else why it is not. `presentImages` is only called for an empty root. */
export function libraryOfflineReason(root: string, presentImages: () => number): string | null {
  let dir: fs.Dir;
  try {
    dir = fs.opendirSync(root);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `${root} is gone (unplugged drive, unmounted share or renamed folder?)`;
    if (code === 'ENOTDIR') return `${root} is not a folder`;
    return `${root} cannot be read (${code ?? (err as Error).message})`;
  }
  let empty: boolean;
  try {
    // One entry is enough: listing a huge root on every check would be wasteful.
    empty = dir.readSync() === null;
  } catch (err) {
    return `${root} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  } finally {
    dir.closeSync();
  }
  if (empty) {
    const n = presentImages();
    if (n > 0) return `${root} is empty while the index holds ${n} images (unmounted drive or share?)`;
  }
  return null;
}
