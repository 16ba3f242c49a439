/**
 * What `stat` and `statfs` report in the mount. Folders are made up (owned by the mounting user,
 * times of the mount); image entries are read-only regular files (mode 0444) with the original's
 * size and time; a copy being written shows read-only too (FUSE, not the mode, decides what may be
 * written); a path just linked with `ln -s` shows as a symlink (links.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FileEntry, Folder } from './tree.js';
import type { Upload } from './uploads.js';

const DIR_MODE = 0o040755;
const FILE_MODE = 0o100444;
const UPLOAD_MODE = FILE_MODE;
const LINK_MODE = 0o120777;

export interface Stat {
  mtime: Date;
  atime: Date;
  ctime: Date;
  nlink: number;
  size: number;
  mode: number;
  uid: number;
  gid: number;
}

export class Attributes {
  private readonly started = new Date();
  private readonly uid = process.getuid?.() ?? 0;
  private readonly gid = process.getgid?.() ?? 0;

  private stat(time: Date, nlink: number, size: number, mode: number): Stat {
    return { mtime: time, atime: time, ctime: time, nlink, size, mode, uid: this.uid, gid: this.gid };
  }

  folder(): Stat {
    return this.stat(this.started, 2, 4096, DIR_MODE);
  }

  file(entry: FileEntry): Stat {
    return this.stat(new Date(entry.mtime_ms), 1, entry.size, FILE_MODE);
  }

  upload(upload: Upload): Stat {
    return this.stat(upload.created, 1, upload.size, UPLOAD_MODE);
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

/** The library's disk for sizes (a made-up one when it cannot be read); one inode per image. */
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
    files: images,
    ffree: 1 << 20,
    favail: 1 << 20,
    fsid: 0x7676,
    flag: 0,
    namemax: 255,
  };
}
