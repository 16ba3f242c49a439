/**
 * `ln -s` into an association folder. The kernel checks that a new symlink's inode is a symlink, so
 * a path just linked shows as one for a moment (LINK_WINDOW_MS); after that it is a read-only file
 * like any entry. The link points at the image's /all entry, relative and inside the mount, never at
 * the given target: an original reached through a link could be written.
 */
import path from 'node:path';
import type { FileEntry, VirtualTree } from './tree.js';

const LINK_WINDOW_MS = 3000;

export class Symlinks {
  private readonly recent = new Map<string, { target: string; until: number }>();

  constructor(
    private readonly tree: VirtualTree,
    /** Absolute mountpoint, to resolve `ln -s /mnt/vault/...` targets. */
    private readonly mountpoint: string,
    /** Absolute library folder, to resolve targets that are originals. */
    private readonly libraryRoot: string,
    /** The image at a library-relative path (`/`-separated), if any. */
    private readonly imageAtPath: (relative: string) => FileEntry | null,
  ) {}

  /** The target shown for a path linked within the window, or null. */
  recentTarget(p: string): string | null {
    const link = this.recent.get(p);
    if (link && link.until > Date.now()) return link.target;
    this.recent.delete(p);
    return null;
  }

  /** Shows `p` as a symlink to `target` for the window. */
  remember(p: string, target: string): void {
    this.recent.set(p, { target, until: Date.now() + LINK_WINDOW_MS });
  }

  /** The image a symlink target (relative to the link at `linkPath`) stands for: an entry of the mount, or an original in the library. */
  imageFor(target: string, linkPath: string): FileEntry | null {
    const abs = path.resolve(path.dirname(path.join(this.mountpoint, linkPath)), target);
    if (abs.startsWith(this.mountpoint + path.sep)) {
      const r = this.tree.resolve(abs.slice(this.mountpoint.length));
      return r.type === 'file' ? r.entry : null;
    }
    if (abs.startsWith(this.libraryRoot + path.sep)) return this.imageAtPath(path.relative(this.libraryRoot, abs).split(path.sep).join('/'));
    return null;
  }

  /** Where an image is in /all, relative to a folder of the mount: a link target that stays inside it. */
  targetInMount(image: FileEntry, fromDir: string): string | null {
    const dir = path.posix.dirname(image.path);
    const allDir = dir === '.' ? '/all' : `/all/${dir}`;
    const folder = this.tree.resolve(allDir);
    if (folder.type !== 'folder') return null;
    const name = [...folder.folder.files].find(([, e]) => e.id === image.id)?.[0];
    return name === undefined ? null : path.posix.relative(fromDir, `${allDir}/${name}`);
  }
}
