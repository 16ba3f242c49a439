/**
 * The FUSE operation table over the virtual tree (tree.ts), assembled from modules with one job each:
 * attributes.ts (stat, statfs), handles.ts (reading originals through read-only descriptors),
 * uploads.ts (cp into an association folder), links.ts (ln -s), organize-ops.ts (every edit:
 * mkdir/rmdir/mv/rm/ln/cp as journaled changes), errno.ts (domain errors → errno).
 *
 * Nothing in the mount ever writes, renames or deletes an original, and nothing resolves to one:
 * writes and truncation of an entry are EROFS (copying over one in an association folder replaces
 * it by the copied image, uploads.ts); chmod, chown, utimens and setxattr, which copy tools do after
 * writing, are accepted and change nothing; unlink/rename outside an association folder EPERM, and
 * such folders deny write access. Trashing (trash.ts) takes an entry out of its association folder.
 * Tag names follow tag-names.ts (EINVAL otherwise); a name over 255 bytes is ENAMETOOLONG.
 */
import Fuse from 'fuse-native';
import type { Vault } from '../library/vault.js';
import { Attributes, statfsOf } from './attributes.js';
import { errnoOf, type Callback } from './errno.js';
import { Handles } from './handles.js';
import { Symlinks } from './links.js';
import { nameTooLong, OrganizeOps } from './organize-ops.js';
import { SearchCache, type AsyncSearch } from './search-cache.js';
import { trashPlace, TrashNotes } from './trash.js';
import { SEARCH_LIMIT, VirtualTree } from './tree.js';
import { Uploads } from './uploads.js';

const W_OK = 2;
const X_OK = 1;

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
  const attributes = new Attributes(vault.root);
  const handles = new Handles(vault);
  const uploads = new Uploads(tree, (hash) => organize.imageWithHash(hash), log);
  const links = new Symlinks(tree, options.mountpoint, vault.root, (relative) => organize.imageAtPath(relative));
  const uid = process.getuid?.() ?? 0;
  const notes = new TrashNotes();

  /** What stands at a path besides the tree: a copy being written, a landed copy, a link just made, the trash. */
  const exists = (p: string) => uploads.has(p) || uploads.landed(p) !== null || trashPlace(p, uid) !== null || links.recentTarget(p) !== null || tree.resolve(p).type !== 'none';

  /** Whether a path may be written: association folders (and /tags, /categories for mkdir), copies, the trash; never an entry. */
  const writable = (p: string): boolean => {
    const place = trashPlace(p, uid);
    if (place) return place.kind !== 'in-files';
    if (uploads.has(p) || uploads.landed(p)) return true;
    const r = tree.resolve(p);
    return r.type === 'folder' && (r.folder.association !== null || p === '/tags' || p === '/categories');
  };

  /**
   * Changing the mode, owner, times or extended attributes of anything in the mount: accepted and
   * ignored (copy tools set them after writing; what the mount shows follows the original).
   */
  const ignoredChange = (p: string, cb: Callback) => cb(exists(p) ? 0 : Fuse.ENOENT);

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
      if (upload && !upload.pending) return cb(0, attributes.upload(upload));
      const trash = trashPlace(p, uid);
      if (trash?.kind === 'in-info' && notes.created(p)) return cb(0, attributes.note(notes.created(p)!));
      if (trash) return trash.kind === 'in-files' || trash.kind === 'in-info' ? cb(Fuse.ENOENT) : cb(0, attributes.trashFolder());
      const r = tree.resolve(p);
      const landed = r.type === 'none' ? uploads.landed(p) : null;
      if (landed) return cb(0, attributes.file(landed.image));
      if (r.type === 'none') return cb(Fuse.ENOENT);
      cb(0, r.type === 'folder' ? attributes.folder() : attributes.file(r.entry));
    },

    /** Write access only where something may be written (GIO's can-trash and can-delete follow it); no entry is executable. */
    access(p: string, mode: number, cb: Callback) {
      if (!exists(p)) return cb(Fuse.ENOENT);
      if (mode & W_OK && !writable(p)) return cb(Fuse.EACCES);
      if (mode & X_OK && tree.resolve(p).type === 'file') return cb(Fuse.EACCES);
      cb(0);
    },

    readdir(p: string, cb: Callback) {
      const trash = trashPlace(p, uid);
      if (trash) return trash.kind === 'folder' ? cb(0, ['files', 'info'], [attributes.trashFolder(), attributes.trashFolder()]) : cb(trash.kind === 'files' || trash.kind === 'info' ? 0 : Fuse.ENOTDIR, [], []);
      const r = tree.resolve(p);
      if (r.type !== 'folder') return cb(r.type === 'file' ? Fuse.ENOTDIR : Fuse.ENOENT);
      cb(0, ...attributes.listing(r.folder, uploads.in(p)));
    },

    open(p: string, flags: number, cb: Callback) {
      if (notes.has(p)) return cb(0, handles.add({ kind: 'note' }));
      const r = tree.resolve(p);
      if (r.type === 'folder') return cb(Fuse.EISDIR);
      // Opened for writing in an association folder: a copy over the entry, once truncated to 0.
      if (r.type === 'file' && (flags & 3) !== 0 && r.folder.association && !uploads.has(p)) {
        const upload = uploads.begin(p);
        return typeof upload === 'number' ? cb(upload) : cb(0, handles.add(upload));
      }
      if (r.type === 'file') return answerFd(cb, handles.openOriginal(r.entry, flags));
      const landed = uploads.landed(p);
      if (landed && !uploads.has(p)) return answerFd(cb, handles.openOriginal(landed.image, flags));
      const upload = uploads.get(p);
      if (!upload) return cb(Fuse.ENOENT);
      cb(0, handles.add(upload));
    },

    read(_p: string, fd: number, buf: Buffer, len: number, pos: number, cb: Callback) {
      handles.read(fd, buf, len, pos, cb);
    },

    // A copy that never matched an image (or stayed empty) does not stay in the folder.
    release(p: string, fd: number, cb: Callback) {
      handles.release(fd, cb, (upload) => uploads.delete(upload));
    },

    create(p: string, _mode: number, cb: Callback) {
      if (nameTooLong(p)) return cb(Fuse.ENAMETOOLONG);
      const trash = trashPlace(p, uid);
      if (trash?.kind === 'in-info') {
        notes.add(p);
        return cb(0, handles.add({ kind: 'note' }));
      }
      if (trash) return cb(Fuse.EPERM);
      const upload = uploads.begin(p);
      if (typeof upload === 'number') return cb(upload);
      cb(0, handles.add(upload));
    },

    write(_p: string, fd: number, buf: Buffer, len: number, pos: number, cb: Callback) {
      const h = handles.get(fd);
      if (!h) return cb(Fuse.EBADF);
      if (h.kind === 'note') return cb(len);
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
      if (notes.has(p)) return cb(0);
      const upload = uploads.get(p);
      if (!upload) return cb(tree.resolve(p).type === 'none' ? Fuse.ENOENT : Fuse.EROFS);
      cb(upload.truncate(size));
    },

    ftruncate(p: string, _fd: number, size: number, cb: Callback) {
      ops.truncate(p, size, cb);
    },

    chmod(p: string, _mode: number, cb: Callback) {
      ignoredChange(p, cb);
    },

    chown(p: string, _uid: number, _gid: number, cb: Callback) {
      ignoredChange(p, cb);
    },

    /** Only a copy being written keeps the time set (so that the copy's writer sees it); anything else ignores it. */
    utimens(p: string, _atime: number, mtime: number, cb: Callback) {
      const upload = uploads.get(p);
      if (upload && !upload.pending && Number.isFinite(mtime)) upload.mtime = new Date(mtime);
      ignoredChange(p, cb);
    },

    setxattr(p: string, _name: string, _value: Buffer, _position: number, _flags: number, cb: Callback) {
      ignoredChange(p, cb);
    },

    unlink(p: string, cb: Callback) {
      const trash = trashPlace(p, uid);
      if (trash) return cb(trash.kind === 'in-info' && notes.delete(p) ? 0 : Fuse.EPERM);
      // A landed copy's writer removing its temporary name: the copy already took effect.
      if (tree.resolve(p).type === 'none' && uploads.landed(p)) {
        uploads.forgetLanded(p);
        return cb(0);
      }
      organize.unlink(p, cb);
    },

    mkdir(p: string, _mode: number, cb: Callback) {
      const trash = trashPlace(p, uid);
      if (trash) return cb(trash.kind === 'in-files' || trash.kind === 'in-info' ? Fuse.EPERM : Fuse.EEXIST);
      organize.mkdir(p, cb);
    },

    rmdir(p: string, cb: Callback) {
      if (trashPlace(p, uid)) return cb(Fuse.EPERM);
      organize.rmdir(p, cb);
    },

    rename(src: string, dest: string, cb: Callback) {
      const from = trashPlace(src, uid);
      const to = trashPlace(dest, uid);
      if (from) return cb(from.kind === 'in-info' && notes.move(src, dest) ? 0 : Fuse.EPERM);
      if (to) return to.kind === 'in-files' ? organize.trash(src, cb) : cb(Fuse.EPERM);
      const open = uploads.get(src);
      if (open && !open.pending) return cb(nameTooLong(dest) ? Fuse.ENAMETOOLONG : uploads.move(src, dest) ? 0 : Fuse.EPERM);
      const landed = tree.resolve(src).type === 'none' ? uploads.landed(src) : null;
      if (landed) return organize.landedRename(src, dest, landed, () => uploads.forgetLanded(src), cb);
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
