/**
 * Organizing by ordinary file operations edits the index, never the disk:
 *   mkdir/rmdir/mv in /categories  → create / delete (empty) / rename categories
 *   mkdir/rmdir in /tags           → create / delete (empty) tags; mv renames a tag
 *   cp / ln / ln -s / mv of an entry into /tags/t, /categories/c, /favorites → tag, categorize,
 *     favorite (cp: uploads.ts recognises the image by its bytes)
 *   rm in /tags/t, /categories/c, /favorites, or trashing from there → removes that association only
 *   mv of an entry to another name in the same folder → refused (EPERM): an entry's name is its original's
 * Anything else is refused (EPERM). Every edit is one journaled change (origin fuse, described by
 * the file operation) so that `vv undo` can reverse it.
 *
 * This module is the mount's only caller of the vault's data: every edit and lookup of the file
 * operations goes through it (the tree reads its listings itself).
 */
import path from 'node:path';
import Fuse from 'fuse-native';
import type { Vault } from '../library/vault.js';
import { errnoOf, retryWhileBusy, type Callback } from './errno.js';
import type { Symlinks } from './links.js';
import type { Landed } from './uploads.js';
import { MAX_NAME_BYTES } from './names.js';
import { folderKind, sameAssociation, type Association, type FileEntry, type VirtualTree } from './tree.js';

/** A new entry's name longer than a Linux file name may be (the kernel lets FUSE names reach 1024 bytes). */
export function nameTooLong(p: string): boolean {
  return Buffer.byteLength(path.posix.basename(p)) > MAX_NAME_BYTES;
}

export class OrganizeOps {
  private readonly catalog: Vault['catalog'];
  private readonly organize: Vault['organize'];

  constructor(
    vault: Vault,
    private readonly tree: VirtualTree,
    private readonly log: (message: string) => void,
  ) {
    this.catalog = vault.catalog;
    this.organize = vault.organize;
  }

  // Lookups the file operations need beside the tree's listings.

  imageWithHash(hash: string): FileEntry | null {
    return this.catalog.entryWithHash(hash);
  }

  imageAtPath(relative: string): FileEntry | null {
    return this.catalog.entryAtPath(relative);
  }

  imageCount(): number {
    return this.catalog.counts().images;
  }

  /**
   * The one write path of the mount: runs `change` as one journaled change (origin fuse), again
   * later while the database is busy; answers its errno (0 unless it returns one) or the error's;
   * refreshes the tree.
   */
  private edit(cb: Callback, operation: string, change: () => number | void): void {
    retryWhileBusy(
      () => this.organize.inOneChange({ origin: 'fuse', description: operation }, change).value ?? 0,
      (outcome) => {
        if (outcome.ok) {
          this.tree.invalidate();
          return cb(outcome.value);
        }
        this.log(`vfs: ${(outcome.error as Error).message}`);
        cb(errnoOf(outcome.error));
      },
    );
  }

  private associate(imageId: number, association: Association): void {
    this.organize.addTo(imageId, association, 'fuse');
  }

  private dissociate(imageId: number, association: Association): void {
    this.organize.removeFrom(imageId, association, 'fuse');
  }

  /** The association of the folder a new entry would land in, or null when it is not one. */
  private destination(dest: string): Association | null {
    const parent = this.tree.resolve(path.posix.dirname(dest));
    return parent.type === 'folder' ? parent.folder.association : null;
  }

  /** A finished copy (`cp`, uploads.ts) that is `image`: the folder's association is applied to it. */
  copied(copyPath: string, image: FileEntry, association: Association, cb: Callback): void {
    this.edit(cb, `cp ${copyPath}`, () => this.associate(image.id, association));
  }

  unlink(p: string, cb: Callback): void {
    const r = this.tree.resolve(p);
    if (r.type !== 'file') return cb(Fuse.ENOENT);
    const association = r.folder.association;
    if (!association) return cb(Fuse.EPERM);
    this.edit(cb, `rm ${p}`, () => this.dissociate(r.entry.id, association));
  }

  mkdir(p: string, cb: Callback): void {
    if (nameTooLong(p)) return cb(Fuse.ENAMETOOLONG);
    if (this.tree.resolve(p).type !== 'none') return cb(Fuse.EEXIST);
    const kind = folderKind(p);
    if (kind.kind === 'tag' && kind.misplaced) return cb(Fuse.EINVAL);
    if (kind.kind === 'category') return this.edit(cb, `mkdir ${p}`, () => void this.organize.createCategory(kind.name, 'fuse'));
    if (kind.kind === 'tag') return this.edit(cb, `mkdir ${p}`, () => void this.organize.createTag(kind.name, 'fuse'));
    if (kind.kind === 'search') return cb(0); // every query folder exists already
    cb(Fuse.EPERM);
  }

  rmdir(p: string, cb: Callback): void {
    const r = this.tree.resolve(p);
    if (r.type !== 'folder') return cb(r.type === 'file' ? Fuse.ENOTDIR : Fuse.ENOENT);
    const kind = folderKind(p);
    if (kind.kind === 'category') return this.edit(cb, `rmdir ${p}`, () => (this.organize.deleteCategory(kind.name, false, 'fuse').value ? 0 : Fuse.ENOTEMPTY));
    if (kind.kind !== 'tag') return cb(Fuse.EPERM);
    if (r.folder.subdirs.length) return cb(Fuse.ENOTEMPTY);
    this.edit(cb, `rmdir ${p}`, () => (this.organize.deleteTag(kind.name, 'fuse').value ? 0 : Fuse.ENOTEMPTY));
  }

  rename(src: string, dest: string, cb: Callback): void {
    if (nameTooLong(dest)) return cb(Fuse.ENAMETOOLONG);
    const from = this.tree.resolve(src);
    if (from.type === 'folder') return this.renameFolder(src, dest, from.folder.subdirs.length > 0, cb);
    if (from.type !== 'file') return cb(Fuse.ENOENT);
    const target = this.destination(dest);
    if (!target) return cb(Fuse.EPERM);
    const { entry, folder } = from;
    // Within one collection a move could only rename, and names follow the originals.
    if (folder.association && sameAssociation(folder.association, target)) return cb(path.posix.basename(src) === path.posix.basename(dest) ? 0 : Fuse.EPERM);
    this.edit(cb, `mv ${src} ${dest}`, () => {
      this.associate(entry.id, target);
      // A move out of an association folder takes the image out of it; out of /all it only adds.
      if (folder.association && !sameAssociation(folder.association, target)) this.dissociate(entry.id, folder.association);
    });
  }

  /**
   * Trashing an entry (trash.ts) takes it out of its association folder; from a read-only view it is
   * refused. Trashing a tag or category folder is its rmdir (only when empty).
   */
  trash(src: string, cb: Callback): void {
    const r = this.tree.resolve(src);
    if (r.type === 'folder') return this.rmdir(src, cb);
    if (r.type !== 'file') return cb(Fuse.ENOENT);
    const association = r.folder.association;
    if (!association) return cb(Fuse.EPERM);
    this.edit(cb, `trash ${src}`, () => this.dissociate(r.entry.id, association));
  }

  /**
   * A finished copy renamed from the name it was written as (uploads.ts): within its collection the
   * copy already took effect; into another association folder it is a move there.
   */
  landedRename(src: string, dest: string, copy: Landed, done: () => void, cb: Callback): void {
    if (nameTooLong(dest)) return cb(Fuse.ENAMETOOLONG);
    const target = this.destination(dest);
    if (!target) return cb(Fuse.EPERM);
    done();
    if (sameAssociation(copy.association, target)) return cb(0);
    this.edit(cb, `mv ${src} ${dest}`, () => {
      this.associate(copy.image.id, target);
      this.dissociate(copy.image.id, copy.association);
    });
  }

  /** mv of a category renames it (nested ones with it); of a tag folder without subfolders renames the tag. */
  private renameFolder(src: string, dest: string, hasSubfolders: boolean, cb: Callback): void {
    const from = folderKind(src);
    const to = folderKind(dest);
    if (from.kind === 'category' && to.kind === 'category') return this.edit(cb, `mv ${src} ${dest}`, () => void this.organize.renameCategory(from.name, to.name, 'fuse'));
    if (from.kind === 'tag' && to.kind === 'tag' && to.misplaced) return cb(Fuse.EINVAL);
    if (from.kind === 'tag' && to.kind === 'tag' && !hasSubfolders) return this.edit(cb, `mv ${src} ${dest}`, () => void this.organize.renameTag(from.name, to.name, 'fuse'));
    cb(Fuse.EPERM);
  }

  link(src: string, dest: string, cb: Callback): void {
    if (nameTooLong(dest)) return cb(Fuse.ENAMETOOLONG);
    const from = this.tree.resolve(src);
    if (from.type !== 'file') return cb(from.type === 'folder' ? Fuse.EPERM : Fuse.ENOENT);
    const target = this.destination(dest);
    if (!target) return cb(Fuse.EPERM);
    this.edit(cb, `ln ${src} ${dest}`, () => this.associate(from.entry.id, target));
  }

  symlink(target: string, linkPath: string, links: Symlinks, cb: Callback): void {
    if (nameTooLong(linkPath)) return cb(Fuse.ENAMETOOLONG);
    const destination = this.destination(linkPath);
    if (!destination) return cb(Fuse.EPERM);
    const image = links.imageFor(target, linkPath);
    const inMount = image && links.targetInMount(image, path.posix.dirname(linkPath));
    if (!image || !inMount) return cb(Fuse.EPERM);
    links.remember(linkPath, inMount);
    this.edit(cb, `ln -s ${target} ${linkPath}`, () => this.associate(image.id, destination));
  }
}
