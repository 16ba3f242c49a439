/**
 * The FUSE operation table over the virtual tree (tree.ts), assembled from modules with one job each:
 * attributes.ts (stat, statfs), handles.ts (reading originals through read-only descriptors),
 * uploads.ts (cp into an association folder), links.ts (ln -s), organize-ops.ts (every edit:
 * mkdir/rmdir/mv/rm/ln/cp as journaled changes), errno.ts (domain errors → errno).
 *
 * Nothing in the mount ever writes, renames or deletes an original, and nothing resolves to one:
 * writes, truncation, chmod, chown and utimens of an entry are EROFS; unlink/rename outside an
 * association folder EPERM. Tag names follow tag-names.ts (EINVAL otherwise); a name over 255
 * bytes is ENAMETOOLONG.
 */
import Fuse from 'fuse-native';
import type { Vault } from '../library/vault.js';
import { Attributes, statfsOf } from './attributes.js';
import { errnoOf, type Callback } from './errno.js';
import { Handles } from './handles.js';
import { Symlinks } from './links.js';
import { nameTooLong, OrganizeOps } from './organize-ops.js';
import { SearchCache, type AsyncSearch } from './search-cache.js';
import { SEARCH_LIMIT, VirtualTree } from './tree.js';
import { Uploads } from './uploads.js';

export interface VfsOptions {
  vault: Vault;
  /** Search used by /search/<query>/ (the API's ranking; may await the CLIP text encoder). */
  search: AsyncSearch;
  /** Absolute mountpoint, to resolve `ln -s /mnt/vault/...` targets. */
  mountpoint: string;
  log?: (message: string) => void;
}

export function createOps(options: VfsOptions) {
  const { vault } = options;
  const log = options.log ?? (() => undefined);
  const searches = new SearchCache(options.search);
  const tree = new VirtualTree(vault.catalog, (q, n) => searches.get(q, n));
  const organize = new OrganizeOps(vault, tree, log);
  const attributes = new Attributes();
  const handles = new Handles(vault);
  const uploads = new Uploads(tree, (hash) => organize.imageWithHash(hash), log);
  const links = new Symlinks(tree, options.mountpoint, vault.root, (relative) => organize.imageAtPath(relative));

  /** Changing an entry's mode, owner or times: only a copy being written may (to no effect). */
  const onlyCopies = (p: string, cb: Callback) => cb(uploads.has(p) ? 0 : Fuse.EROFS);

  const ops = {
    init(cb: Callback) {
      cb(0);
    },

    statfs(_p: string, cb: Callback) {
      cb(0, statfsOf(vault.root, organize.imageCount()));
    },

    getattr(p: string, cb: Callback) {
      const link = links.recentTarget(p);
      if (link !== null) return cb(0, attributes.link(link));
      const upload = uploads.get(p);
      if (upload) return cb(0, attributes.upload(upload));
      const r = tree.resolve(p);
      if (r.type === 'none') return cb(Fuse.ENOENT);
      cb(0, r.type === 'folder' ? attributes.folder() : attributes.file(r.entry));
    },

    readdir(p: string, cb: Callback) {
      const r = tree.resolve(p);
      if (r.type !== 'folder') return cb(r.type === 'file' ? Fuse.ENOTDIR : Fuse.ENOENT);
      cb(0, ...attributes.listing(r.folder, uploads.in(p)));
    },

    open(p: string, flags: number, cb: Callback) {
      const r = tree.resolve(p);
      if (r.type === 'folder') return cb(Fuse.EISDIR);
      if (r.type === 'file') return answerFd(cb, handles.openOriginal(r.entry, flags));
      const upload = uploads.get(p);
      if (!upload) return cb(Fuse.ENOENT);
      cb(0, handles.add(upload));
    },

    read(_p: string, fd: number, buf: Buffer, len: number, pos: number, cb: Callback) {
      handles.read(fd, buf, len, pos, cb);
    },

    // A copy that never matched an image (or stayed empty) does not stay in the folder.
    release(p: string, fd: number, cb: Callback) {
      handles.release(fd, cb, () => uploads.delete(p));
    },

    create(p: string, _mode: number, cb: Callback) {
      if (nameTooLong(p)) return cb(Fuse.ENAMETOOLONG);
      const upload = uploads.begin(p);
      if (typeof upload === 'number') return cb(upload);
      cb(0, handles.add(upload));
    },

    write(_p: string, fd: number, buf: Buffer, len: number, pos: number, cb: Callback) {
      const h = handles.get(fd);
      if (!h) return cb(Fuse.EBADF);
      cb(h.kind === 'upload' ? h.write(buf, len, pos) : Fuse.EROFS);
    },

    /** Closing a copy: its bytes must be a vault image; then the folder's association is applied. */
    flush(p: string, fd: number, cb: Callback) {
      const h = handles.get(fd);
      // Shells flush duplicated descriptors before writing: an empty copy is not judged yet.
      if (h?.kind !== 'upload' || h.size === 0) return cb(0);
      void uploads.finish(p, h).then((image) => (image ? organize.copied(h.path, image, h.association, cb) : cb(Fuse.EPERM)));
    },

    truncate(p: string, size: number, cb: Callback) {
      const upload = uploads.get(p);
      if (!upload) return cb(tree.resolve(p).type === 'none' ? Fuse.ENOENT : Fuse.EROFS);
      upload.truncate(size);
      cb(0);
    },

    ftruncate(p: string, _fd: number, size: number, cb: Callback) {
      ops.truncate(p, size, cb);
    },

    chmod(p: string, _mode: number, cb: Callback) {
      onlyCopies(p, cb);
    },

    chown(p: string, _uid: number, _gid: number, cb: Callback) {
      onlyCopies(p, cb);
    },

    utimens(p: string, _atime: unknown, _mtime: unknown, cb: Callback) {
      onlyCopies(p, cb);
    },

    unlink(p: string, cb: Callback) {
      organize.unlink(p, cb);
    },

    mkdir(p: string, _mode: number, cb: Callback) {
      organize.mkdir(p, cb);
    },

    rmdir(p: string, cb: Callback) {
      organize.rmdir(p, cb);
    },

    rename(src: string, dest: string, cb: Callback) {
      organize.rename(src, dest, cb);
    },

    link(src: string, dest: string, cb: Callback) {
      organize.link(src, dest, cb);
    },

    symlink(target: string, linkPath: string, cb: Callback) {
      organize.symlink(target, linkPath, links, cb);
    },

    readlink(p: string, cb: Callback) {
      const target = links.recentTarget(p);
      cb(target === null ? Fuse.EINVAL : 0, target ?? undefined);
    },
  };

  return preparingSearches(answering(ops, log), searches, (p) => tree.searchQueryAt(p));
}

/** A handle's number, or the errno (negative) refusing the open. */
function answerFd(cb: Callback, fdOrErrno: number): void {
  if (fdOrErrno < 0) cb(fdOrErrno);
  else cb(0, fdOrErrno);
}

/**
 * Every operation answers, even when it throws (an unanswered one hangs the caller until the
 * kernel's timeout): with errno.ts's errno for the error (a busy database EAGAIN, an unexpected one EIO), logged.
 */
function answering<T extends Record<string, unknown>>(ops: T, log: (m: string) => void): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(ops)) {
    if (typeof fn !== 'function') continue;
    wrapped[name] = (...args: unknown[]) => {
      try {
        return (fn as (...a: unknown[]) => unknown)(...args);
      } catch (err) {
        log(`vfs: ${name}: ${(err as Error).message}`);
        const cb = args[args.length - 1];
        if (typeof cb === 'function') (cb as Callback)(errnoOf(err));
      }
    };
  }
  return wrapped as T;
}

/** Wraps every path operation so that a /search/<query>/ path has its ranking ready first. */
function preparingSearches<T extends Record<string, unknown>>(ops: T, searches: SearchCache, searchQueryOf: (path: string) => string | null): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(ops)) {
    if (typeof fn !== 'function') continue;
    wrapped[name] = (...args: unknown[]) => {
      const query = typeof args[0] === 'string' ? searchQueryOf(args[0]) : null;
      if (query === null) return (fn as (...a: unknown[]) => unknown)(...args);
      void searches.prepare(query, SEARCH_LIMIT).then(() => (fn as (...a: unknown[]) => unknown)(...args));
    };
  }
  return wrapped as T;
}
