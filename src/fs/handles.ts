/**
 * Open files of the mount: an image entry opens its original read-only (a descriptor the library
 * vouches for: inside the library, not through a link leading out); a copy being written opens its
 * in-memory upload. Nothing here ever writes, renames or deletes an original.
 */
import fs from 'node:fs';
import Fuse from 'fuse-native';
import type { Vault } from '../library/vault.js';
import type { Callback } from './errno.js';
import type { FileEntry } from './tree.js';
import type { Upload } from './uploads.js';

interface OriginalHandle {
  kind: 'original';
  fd: number;
}

/** A `.trashinfo` note being written into the trash (trash.ts): its bytes are accepted and dropped. */
interface NoteHandle {
  kind: 'note';
}

export type Handle = OriginalHandle | Upload | NoteHandle;

export class Handles {
  private nextFd = 10;
  private readonly open = new Map<number, Handle>();

  constructor(private readonly vault: Vault) {}

  add(handle: Handle): number {
    const fd = this.nextFd++;
    this.open.set(fd, handle);
    return fd;
  }

  get(fd: number): Handle | undefined {
    return this.open.get(fd);
  }

  /** Opens an image's original for reading; answers its handle's number, or the errno refusing it. */
  openOriginal(entry: FileEntry, flags: number): number {
    if ((flags & 3) !== fs.constants.O_RDONLY || flags & fs.constants.O_TRUNC) return Fuse.EROFS;
    // Checked at open, not only at scan time: the file may since have become a link leading out of the library.
    const found = this.vault.resolveOriginal(entry.path);
    if ('refused' in found) return found.refused === 'outside' ? Fuse.EACCES : Fuse.ENOENT;
    let fd: number;
    try {
      fd = fs.openSync(found.real, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    } catch {
      return Fuse.ENOENT;
    }
    return this.add({ kind: 'original', fd });
  }

  read(fd: number, buf: Buffer, len: number, pos: number, cb: Callback): void {
    const h = this.open.get(fd);
    if (!h) return cb(Fuse.EBADF);
    if (h.kind === 'upload') return cb(h.read(buf, len, pos));
    if (h.kind === 'note') return cb(0);
    fs.read(h.fd, buf, 0, len, pos, (err, n) => cb(err ? Fuse.EIO : n));
  }

  /** Closes a handle and answers; `closedCopy` learns of an upload no other handle has open any more. */
  release(fd: number, cb: Callback, closedCopy: (upload: Upload) => void): void {
    const h = this.open.get(fd);
    this.open.delete(fd);
    if (h?.kind === 'original') return fs.close(h.fd, () => cb(0));
    if (h?.kind === 'upload' && ![...this.open.values()].includes(h)) closedCopy(h);
    cb(0);
  }
}
