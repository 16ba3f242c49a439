/**
 * What `stat` and `statfs` report in the mount. Folders are made up (owned by the mounting user,
 * times of the mount); image entries are read-only regular files (mode 0444) with the original's
 * size and time; a copy being written shows read-only too (FUSE, not the mode, decides what may be
 * written); a path just linked with `ln -s` shows as a symlink (links.ts). Blocks are counted as
 * the originals take them on the library's disk (whole blocks of its block size), so `du` of a view
 * is the sum of its originals; statfs is that disk's, with one inode per image in use.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FileEntry, Folder } from './tree.js';
import type { Upload } from './uploads.js';

const DIR_MODE = 0o040755;
const FILE_MODE = 0o100444;
const UPLOAD_MODE = FILE_MODE;
const LINK_MODE = 0o120777;
const TRASH_MODE = 0o040700;
const NOTE_MODE = 0o100600;
const FALLBACK_BLOCK = 4096;

export interface Stat {
  mtime: Date;
  atime: Date;
  ctime: Date;
  nlink: number;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  /** The preferred I/O size (the library disk's block size). */
  blksize: number;
  /** 512-byte units allocated. */
  blocks: number;
}

/** The library disk's block size (4096 when it cannot be read). */
function blockSizeOf(libraryRoot: string): number {
  try {
    return fs.statfsSync(libraryRoot).bsize || FALLBACK_BLOCK;
  } catch {
    return FALLBACK_BLOCK;
  }
}

export class Attributes {
  private readonly started = new Date();
  private readonly uid = process.getuid?.() ?? 0;
  private readonly gid = process.getgid?.() ?? 0;
  private readonly blksize: number;

  constructor(libraryRoot: string) {
    this.blksize = blockSizeOf(libraryRoot);
  }

  private stat(time: Date, nlink: number, size: number, mode: number): Stat {
    const blocks = (Math.ceil(size / this.blksize) * this.blksize) / 512;
    return { mtime: time, atime: time, ctime: time, nlink, size, mode, uid: this.uid, gid: this.gid, blksize: this.blksize, blocks };
  }

  folder(): Stat {
    return this.stat(this.started, 2, 4096, DIR_MODE);
  }

  /** The trash folders (trash.ts): the user's own, private, as trash clients require. */
  trashFolder(): Stat {
    return this.stat(this.started, 2, 4096, TRASH_MODE);
  }

  /** A `.trashinfo` note being written (its bytes are not kept). */
  note(created: Date): Stat {
    return this.stat(created, 1, 0, NOTE_MODE);
  }

  file(entry: FileEntry): Stat {
    return this.stat(new Date(entry.mtime_ms), 1, entry.size, FILE_MODE);
  }

  /** A copy being written; over an entry, with the entry's time (a copy of the same image ends as that entry). */
  upload(upload: Upload): Stat {
    return this.stat(upload.mtime ?? (upload.over ? new Date(upload.over.mtime_ms) : upload.created), 1, upload.size, UPLOAD_MODE);
  }

  link(target: string): Stat {
    return this.stat(this.started, 1, Buffer.byteLength(target), LINK_MODE);
  }

  /**
   * A folder's names with their stats, copies being written in it last. Stats with the names give
   * the kernel each entry's type: `find` and `ls` need no lookups.
   */
  listing(folder: Folder, copies: Iterable<Upload>): [string[], Stat[]] {
    const names = [...folder.subdirs, ...folder.files.keys()];
    const stats = [...folder.subdirs.map(() => this.folder()), ...[...folder.files.values()].map((e) => this.file(e))];
    for (const u of copies) {
      names.push(path.posix.basename(u.path));
      stats.push(this.upload(u));
    }
    return [names, stats];
  }
}

/** The library's disk for sizes and free inodes (a made-up one when it cannot be read); one inode in use per image. */
export function statfsOf(libraryRoot: string, images: number) {
  let s: fs.StatsFs | null = null;
  try {
    s = fs.statfsSync(libraryRoot);
  } catch {
    s = null;
  }
  return {
    bsize: s?.bsize ?? 4096,
    frsize: s?.bsize ?? 4096,
    blocks: s?.blocks ?? 1 << 20,
    bfree: s?.bfree ?? 0,
    bavail: s?.bavail ?? 0,
    files: images + (s?.ffree ?? 0),
    ffree: s?.ffree ?? 0,
    favail: s?.ffree ?? 0,
    fsid: 0x7676,
    flag: 0,
    namemax: 255,
  };
}
