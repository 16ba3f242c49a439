/**
 * FUSE operations over the virtual tree. Image entries are read-only regular files (mode 0444)
 * with the originals' size, times and bytes (read from a read-only descriptor); nothing here ever
 * writes, renames or deletes an original, and nothing in the mount resolves to one.
 *
 * Organizing by ordinary file operations edits the index instead:
 *   mkdir/rmdir/mv in /categories  → create / delete (empty) / rename categories
 *   mkdir/rmdir in /tags           → create / delete (empty) tags; mv renames a tag
 *   cp / ln / ln -s / mv of an entry into /tags/t, /categories/c, /favorites → tag, categorize,
 *     favorite (cp is recognised by the bytes: the copy must equal a vault image, by content hash)
 *   rm in /tags/t, /categories/c, /favorites → removes that association only
 * Anything else that would change a file is refused: EPERM for unlink/rename elsewhere, EROFS for
 * writes, truncation, chmod, chown and utimens of an entry. Tag names follow tag-names.ts (EINVAL
 * otherwise); a name over 255 bytes is ENAMETOOLONG.
 */
import fs from 'node:fs';
import path from 'node:path';
import Fuse from 'fuse-native';
import type { Vault } from '../library/vault.js';
import type { FileEntry } from '../db/views.js';
import { contentHash, MAX_FILE_BYTES } from '../ingest/ingest.js';
import { ConflictError, InvalidInputError, isBusyError, NotFoundError } from '../core/errors.js';
import { decodeName, MAX_NAME_BYTES } from './names.js';
import { SEARCH_LIMIT, VirtualTree, type Association, type Folder, type Resolved } from './tree.js';
import { SearchCache, type AsyncSearch } from './search-cache.js';

type Callback = (code: number, ...args: unknown[]) => void;

interface ReadHandle {
  kind: 'read';
  fd: number;
}

/** A file being copied into an association folder: kept in memory until close, then matched by hash. */
interface Upload {
  kind: 'upload';
  path: string;
  association: Association;
  data: Buffer;
  size: number;
  created: Date;
}

type Handle = ReadHandle | Upload;

export interface VfsOptions {
  vault: Vault;
  /** Search used by /search/<query>/ (the API's ranking; may await the CLIP text encoder). */
  search: AsyncSearch;
  /** Absolute mountpoint, to resolve `ln -s /mnt/vault/...` targets. */
  mountpoint: string;
  log?: (message: string) => void;
}

const DIR_MODE = 0o040755;
const FILE_MODE = 0o100444;
/** A copy being written shows read-only too (FUSE, not the mode, decides what may be written). */
const UPLOAD_MODE = FILE_MODE;
/**
 * An edit the store could not write because another process (server, scan) kept the database
 * locked past the store's own waiting is tried again later, off the event loop, this many times;
 * then it answers EAGAIN. A busy database is never an I/O error.
 */
const BUSY_RETRIES = 4;
const BUSY_RETRY_MS = 200;

export function createOps(options: VfsOptions) {
  const { vault } = options;
  const store = vault.store;
  const searches = new SearchCache(options.search);
  const tree = new VirtualTree(store, (q, n) => searches.get(q, n));
  const handles = new Map<number, Handle>();
  const uploads = new Map<string, Upload>();
  /**
   * `ln -s` must yield a symlink (the kernel checks the new inode's type), so a path just linked
   * shows as a symlink for a moment; after that it is a read-only file like any entry. The link
   * points at the image's /all entry, relative and inside the mount, never at the given target:
   * an original reached through a link could be written.
   */
  const recentLinks = new Map<string, { target: string; until: number }>();
  const LINK_WINDOW_MS = 3000;
  const recentLink = (p: string) => {
    const l = recentLinks.get(p);
    if (l && l.until > Date.now()) return l;
    recentLinks.delete(p);
    return null;
  };
  let nextFd = 10;
  const started = new Date();
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const log = options.log ?? (() => undefined);

  const dirStat = () => ({ mtime: started, atime: started, ctime: started, nlink: 2, size: 4096, mode: DIR_MODE, uid, gid });
  const fileStat = (e: FileEntry) => {
    const t = new Date(e.mtime_ms);
    return { mtime: t, atime: t, ctime: t, nlink: 1, size: e.size, mode: FILE_MODE, uid, gid };
  };

  /**
   * Runs an organizing edit as one journaled change (origin fuse, described by the file operation,
   * so `vv undo` can reverse it), again later while the database is busy; maps store errors to
   * errno; refreshes the tree.
   */
  const edit = (cb: Callback, operation: string, fn: () => number | void, attempt = 0) => {
    try {
      const code = store.recordChange({ origin: 'fuse', description: operation }, fn).value ?? 0;
      tree.invalidate();
      cb(code);
    } catch (err) {
      if (isBusyError(err) && attempt < BUSY_RETRIES) {
        setTimeout(() => edit(cb, operation, fn, attempt + 1), BUSY_RETRY_MS * 2 ** attempt);
        return;
      }
      log(`vfs: ${(err as Error).message}`);
      cb(
        err instanceof NotFoundError ? Fuse.ENOENT
        : err instanceof ConflictError ? Fuse.EEXIST
        : err instanceof InvalidInputError ? Fuse.EINVAL
        : isBusyError(err) ? Fuse.EAGAIN
        : Fuse.EIO,
      );
    }
  };

  const associate = (imageId: number, association: Association) => {
    if (association.kind === 'tag') store.patchImage(imageId, { tags: { add: [association.name] } });
    else if (association.kind === 'category') store.patchImage(imageId, { categories: { add: [association.name] } });
    else store.patchImage(imageId, { favorite: true });
  };

  const dissociate = (imageId: number, association: Association) => {
    if (association.kind === 'tag') store.patchImage(imageId, { tags: { remove: [association.name] } });
    else if (association.kind === 'category') store.patchImage(imageId, { categories: { remove: [association.name] } });
    else store.patchImage(imageId, { favorite: false });
  };

  /** `/categories/a/b` → category name `a/b` (decoded), or null for other paths. */
  const categoryName = (p: string): string | null => {
    const parts = p.split('/').filter(Boolean);
    return parts[0] === 'categories' && parts.length > 1 ? parts.slice(1).map(decodeName).join('/') : null;
  };
  /** `/tags/x` → `x`, `/tags/ns/x` → `ns:x`, `/models/x` → `model:x`. */
  const tagName = (p: string): string | null => {
    const parts = p.split('/').filter(Boolean).map(decodeName);
    if (parts[0] === 'tags' && (parts.length === 2 || parts.length === 3)) return parts.slice(1).join(':');
    if (parts[0] === 'models' && parts.length === 2) return `model:${parts[1]}`;
    return null;
  };
  /**
   * `/tags/a:b` would be the tag `a:b`, which the tree shows as /tags/a/b: the namespace is a
   * folder level, so such a top-level name is refused (EINVAL) rather than created out of sight.
   */
  const misplacedNamespace = (p: string): boolean => {
    const parts = p.split('/').filter(Boolean);
    return parts[0] === 'tags' && parts.length === 2 && decodeName(parts[1]).indexOf(':') > 0;
  };
  /** A new entry's name longer than a Linux file name may be (the kernel lets FUSE names reach 1024 bytes). */
  const nameTooLong = (p: string): boolean => Buffer.byteLength(path.posix.basename(p)) > MAX_NAME_BYTES;

  /** Where an image is in /all, relative to a folder of the mount: a link target that stays inside it. */
  const linkTarget = (image: FileEntry, fromDir: string): string | null => {
    const dir = path.posix.dirname(image.path);
    const allDir = dir === '.' ? '/all' : `/all/${dir}`;
    const folder = tree.resolve(allDir);
    if (folder.type !== 'folder') return null;
    const name = [...folder.folder.files].find(([, e]) => e.id === image.id)?.[0];
    return name === undefined ? null : path.posix.relative(fromDir, `${allDir}/${name}`);
  };

  /** The image a path or symlink target stands for: an entry of the mount, or an original in the library. */
  const imageForTarget = (target: string, relativeTo: string): FileEntry | null => {
    const abs = path.resolve(path.dirname(path.join(options.mountpoint, relativeTo)), target);
    if (abs.startsWith(options.mountpoint + path.sep)) {
      const r = tree.resolve(abs.slice(options.mountpoint.length));
      return r.type === 'file' ? r.entry : null;
    }
    if (abs.startsWith(vault.root + path.sep)) return store.views.byPath(path.relative(vault.root, abs).split(path.sep).join('/'));
    return null;
  };

  const ops = {
    init(cb: Callback) {
      cb(0);
    },

    statfs(_p: string, cb: Callback) {
      let s: fs.StatsFs | null = null;
      try {
        s = fs.statfsSync(vault.root);
      } catch {
        s = null;
      }
      cb(0, {
        bsize: s?.bsize ?? 4096,
        frsize: s?.bsize ?? 4096,
        blocks: s?.blocks ?? 1 << 20,
        bfree: s?.bfree ?? 0,
        bavail: s?.bavail ?? 0,
        files: store.counts().images,
        ffree: 1 << 20,
        favail: 1 << 20,
        fsid: 0x7676,
        flag: 0,
        namemax: 255,
      });
    },

    getattr(p: string, cb: Callback) {
      const link = recentLink(p);
      if (link) return cb(0, { mtime: started, atime: started, ctime: started, nlink: 1, size: Buffer.byteLength(link.target), mode: 0o120777, uid, gid });
      const upload = uploads.get(p);
      if (upload) return cb(0, { mtime: upload.created, atime: upload.created, ctime: upload.created, nlink: 1, size: upload.size, mode: UPLOAD_MODE, uid, gid });
      const r = tree.resolve(p);
      if (r.type === 'folder') return cb(0, dirStat());
      if (r.type === 'file') return cb(0, fileStat(r.entry));
      cb(Fuse.ENOENT);
    },

    readdir(p: string, cb: Callback) {
      const r = tree.resolve(p);
      if (r.type === 'file') return cb(Fuse.ENOTDIR);
      if (r.type !== 'folder') return cb(Fuse.ENOENT);
      const names = [...r.folder.subdirs, ...r.folder.files.keys()];
      // Stats with the names give the kernel each entry's type: `find` and `ls` need no lookups.
      const stats: object[] = [...r.folder.subdirs.map(() => dirStat()), ...[...r.folder.files.values()].map(fileStat)];
      for (const u of uploads.values()) {
        if (path.posix.dirname(u.path) !== (p === '/' ? '/' : p)) continue;
        names.push(path.posix.basename(u.path));
        stats.push({ mtime: u.created, atime: u.created, ctime: u.created, nlink: 1, size: u.size, mode: UPLOAD_MODE, uid, gid });
      }
      cb(0, names, stats);
    },

    open(p: string, flags: number, cb: Callback) {
      const r = tree.resolve(p);
      if (r.type === 'folder') return cb(Fuse.EISDIR);
      if (r.type !== 'file') {
        const upload = uploads.get(p);
        if (upload) {
          const fd = nextFd++;
          handles.set(fd, upload);
          return cb(0, fd);
        }
        return cb(Fuse.ENOENT);
      }
      if ((flags & 3) !== fs.constants.O_RDONLY || flags & fs.constants.O_TRUNC) return cb(Fuse.EROFS);
      // Checked at open, not only at scan time: the file may since have become a link leading out of the library.
      const found = vault.resolveOriginal(r.entry.path);
      if ('refused' in found) return cb(found.refused === 'outside' ? Fuse.EACCES : Fuse.ENOENT);
      let real: number;
      try {
        real = fs.openSync(found.real, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      } catch {
        return cb(Fuse.ENOENT);
      }
      const fd = nextFd++;
      handles.set(fd, { kind: 'read', fd: real });
      cb(0, fd);
    },

    read(_p: string, fd: number, buf: Buffer, len: number, pos: number, cb: Callback) {
      const h = handles.get(fd);
      if (!h) return cb(Fuse.EBADF);
      if (h.kind === 'upload') {
        const n = Math.max(0, Math.min(len, h.size - pos));
        h.data.copy(buf, 0, pos, pos + n);
        return cb(n);
      }
      fs.read(h.fd, buf, 0, len, pos, (err, n) => cb(err ? Fuse.EIO : n));
    },

    release(p: string, fd: number, cb: Callback) {
      const h = handles.get(fd);
      handles.delete(fd);
      if (h?.kind === 'read') return fs.close(h.fd, () => cb(0));
      // A copy that never matched an image (or stayed empty) does not stay in the folder.
      if (h?.kind === 'upload' && ![...handles.values()].includes(h)) uploads.delete(p);
      cb(0);
    },

    create(p: string, _mode: number, cb: Callback) {
      if (nameTooLong(p)) return cb(Fuse.ENAMETOOLONG);
      const parent = tree.resolve(path.posix.dirname(p));
      if (parent.type !== 'folder' || !parent.folder.association) return cb(Fuse.EPERM);
      if (parent.folder.files.has(path.posix.basename(p))) return cb(Fuse.EROFS);
      const upload: Upload = { kind: 'upload', path: p, association: parent.folder.association, data: Buffer.alloc(0), size: 0, created: new Date() };
      uploads.set(p, upload);
      const fd = nextFd++;
      handles.set(fd, upload);
      cb(0, fd);
    },

    write(_p: string, fd: number, buf: Buffer, len: number, pos: number, cb: Callback) {
      const h = handles.get(fd);
      if (!h) return cb(Fuse.EBADF);
      if (h.kind !== 'upload') return cb(Fuse.EROFS);
      const end = pos + len;
      if (end > MAX_FILE_BYTES) return cb(Fuse.EFBIG);
      if (end > h.data.length) {
        const grown = Buffer.alloc(Math.max(end, Math.min(MAX_FILE_BYTES, h.data.length * 2)));
        h.data.copy(grown, 0, 0, h.size);
        h.data = grown;
      }
      buf.copy(h.data, pos, 0, len);
      h.size = Math.max(h.size, end);
      cb(len);
    },

    /** Closing a copy: its bytes must be a vault image; then the folder's association is applied. */
    flush(p: string, fd: number, cb: Callback) {
      const h = handles.get(fd);
      // Shells flush duplicated descriptors before writing: an empty copy is not judged yet.
      if (!h || h.kind !== 'upload' || h.size === 0) return cb(0);
      void contentHash(h.data.subarray(0, h.size)).then((hash) => {
        uploads.delete(p);
        const image = store.views.byHash(hash);
        if (!image) {
          log(`vfs: refused ${p}: its ${h.size} bytes are not an image of the library (copy originals into the library folder to add them)`);
          return cb(Fuse.EPERM);
        }
        edit(cb, `cp ${h.path}`, () => associate(image.id, h.association));
      });
    },

    truncate(p: string, size: number, cb: Callback) {
      const upload = uploads.get(p);
      if (!upload) return cb(tree.resolve(p).type === 'none' ? Fuse.ENOENT : Fuse.EROFS);
      upload.size = Math.min(size, upload.size);
      cb(0);
    },

    ftruncate(p: string, _fd: number, size: number, cb: Callback) {
      ops.truncate(p, size, cb);
    },

    chmod(p: string, _mode: number, cb: Callback) {
      cb(uploads.has(p) ? 0 : Fuse.EROFS);
    },

    chown(p: string, _uid: number, _gid: number, cb: Callback) {
      cb(uploads.has(p) ? 0 : Fuse.EROFS);
    },

    utimens(p: string, _atime: unknown, _mtime: unknown, cb: Callback) {
      cb(uploads.has(p) ? 0 : Fuse.EROFS);
    },

    unlink(p: string, cb: Callback) {
      const r = tree.resolve(p);
      if (r.type !== 'file') return cb(Fuse.ENOENT);
      const association = r.folder.association;
      if (!association) return cb(Fuse.EPERM);
      edit(cb, `rm ${p}`, () => dissociate(r.entry.id, association));
    },

    mkdir(p: string, _mode: number, cb: Callback) {
      if (nameTooLong(p)) return cb(Fuse.ENAMETOOLONG);
      if (tree.resolve(p).type !== 'none') return cb(Fuse.EEXIST);
      if (misplacedNamespace(p)) return cb(Fuse.EINVAL);
      const category = categoryName(p);
      if (category) return edit(cb, `mkdir ${p}`, () => store.createCategory(category));
      const tag = tagName(p);
      if (tag) return edit(cb, `mkdir ${p}`, () => store.createTagFolder(tag));
      const parts = p.split('/').filter(Boolean);
      if (parts[0] === 'search' && parts.length === 2) return cb(0); // every query folder exists already
      cb(Fuse.EPERM);
    },

    rmdir(p: string, cb: Callback) {
      const r = tree.resolve(p);
      if (r.type !== 'folder') return cb(r.type === 'file' ? Fuse.ENOTDIR : Fuse.ENOENT);
      const category = categoryName(p);
      if (category) return edit(cb, `rmdir ${p}`, () => (store.deleteCategory(category) ? 0 : Fuse.ENOTEMPTY));
      const tag = tagName(p);
      if (tag) {
        if (r.folder.subdirs.length) return cb(Fuse.ENOTEMPTY);
        return edit(cb, `rmdir ${p}`, () => (store.deleteTagFolder(tag) ? 0 : Fuse.ENOTEMPTY));
      }
      cb(Fuse.EPERM);
    },

    rename(src: string, dest: string, cb: Callback) {
      if (nameTooLong(dest)) return cb(Fuse.ENAMETOOLONG);
      const from = tree.resolve(src);
      if (from.type === 'folder') {
        const fromCategory = categoryName(src);
        const toCategory = categoryName(dest);
        if (fromCategory && toCategory) return edit(cb, `mv ${src} ${dest}`, () => store.renameCategory(fromCategory, toCategory));
        const fromTag = tagName(src);
        const toTag = tagName(dest);
        if (fromTag && toTag && misplacedNamespace(dest)) return cb(Fuse.EINVAL);
        if (fromTag && toTag && !from.folder.subdirs.length) return edit(cb, `mv ${src} ${dest}`, () => store.renameTag(fromTag, toTag));
        return cb(Fuse.EPERM);
      }
      if (from.type !== 'file') return cb(Fuse.ENOENT);
      const target = resolveDestination(dest);
      if (!target) return cb(Fuse.EPERM);
      const entry = from.entry;
      edit(cb, `mv ${src} ${dest}`, () => {
        associate(entry.id, target);
        // A move out of an association folder takes the image out of it; out of /all it only adds.
        if (from.folder.association && !sameAssociation(from.folder.association, target)) dissociate(entry.id, from.folder.association);
      });
    },

    link(src: string, dest: string, cb: Callback) {
      if (nameTooLong(dest)) return cb(Fuse.ENAMETOOLONG);
      const from = tree.resolve(src);
      if (from.type !== 'file') return cb(from.type === 'folder' ? Fuse.EPERM : Fuse.ENOENT);
      const target = resolveDestination(dest);
      if (!target) return cb(Fuse.EPERM);
      edit(cb, `ln ${src} ${dest}`, () => associate(from.entry.id, target));
    },

    symlink(target: string, linkPath: string, cb: Callback) {
      if (nameTooLong(linkPath)) return cb(Fuse.ENAMETOOLONG);
      const destination = resolveDestination(linkPath);
      if (!destination) return cb(Fuse.EPERM);
      const image = imageForTarget(target, linkPath);
      const inMount = image && linkTarget(image, path.posix.dirname(linkPath));
      if (!image || !inMount) return cb(Fuse.EPERM);
      recentLinks.set(linkPath, { target: inMount, until: Date.now() + LINK_WINDOW_MS });
      edit(cb, `ln -s ${target} ${linkPath}`, () => associate(image.id, destination));
    },

    readlink(p: string, cb: Callback) {
      const link = recentLink(p);
      cb(link ? 0 : Fuse.EINVAL, link?.target);
    },
  };

  /** The association of the folder a new entry would land in, or null when it is not one. */
  function resolveDestination(dest: string): Association | null {
    const parent: Resolved = tree.resolve(path.posix.dirname(dest));
    if (parent.type !== 'folder') return null;
    return (parent.folder as Folder).association;
  }

  return preparingSearches(answering(ops, log), searches);
}

/**
 * Every operation answers, even when it throws (an unanswered one hangs the caller until the
 * kernel's timeout): a busy database as EAGAIN, anything else as EIO, logged.
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
        if (typeof cb === 'function') (cb as Callback)(isBusyError(err) ? Fuse.EAGAIN : Fuse.EIO);
      }
    };
  }
  return wrapped as T;
}

/** Wraps every path operation so that a /search/<query>/ path has its ranking ready first. */
function preparingSearches<T extends Record<string, unknown>>(ops: T, searches: SearchCache): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(ops)) {
    if (typeof fn !== 'function') continue;
    wrapped[name] = (...args: unknown[]) => {
      const p = args[0];
      const parts = typeof p === 'string' ? p.split('/') : [];
      if (parts[1] !== 'search' || !parts[2]) return (fn as (...a: unknown[]) => unknown)(...args);
      void searches.prepare(decodeName(parts[2]), SEARCH_LIMIT).then(() => (fn as (...a: unknown[]) => unknown)(...args));
    };
  }
  return wrapped as T;
}

function sameAssociation(a: Association, b: Association): boolean {
  return a.kind === b.kind && (a.kind === 'favorite' || (a as { name: string }).name === (b as { name: string }).name);
}
