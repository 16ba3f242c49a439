/**
 * `cp` into an association folder (/tags/t, /categories/c, /favorites): the copy is kept in memory
 * under its path until it is closed, then recognised by its bytes — it must be an image of the
 * library (same content hash); then the folder's association is applied to that image. Nothing is
 * ever written to the library.
 *
 * Copy tools write a temporary name, set its times and mode, then rename it (rsync, cp --preserve,
 * browsers, GIO, Finder): a copy recognised as an image stays *landed* under the name it was written
 * as for a while (LANDED_MS) — stat answers the image's attributes there, and renaming it within the
 * folder is the end of the copy — without ever being listed. Copying over an entry already in the
 * folder (cp, a file manager's "Overwrite") replaces it entirely: open, truncate to 0, write.
 */
import path from 'node:path';
import Fuse from 'fuse-native';
import { contentHash, MAX_FILE_BYTES } from '../ingest/ingest.js';
import { sameAssociation, type Association, type FileEntry, type VirtualTree } from './tree.js';

/** A file being copied into an association folder. */
export class Upload {
  readonly kind = 'upload';
  readonly created = new Date();
  /** The modification time its writer set (cp --preserve, rsync -t: the source's), shown while it is written. */
  mtime: Date | null = null;
  size = 0;
  private data = Buffer.alloc(0);
  /** Over an entry: writable only once truncated to 0 (what replacing the whole file does; a write in place is EROFS). */
  private writable: boolean;

  constructor(
    /** Where it is being written (a rename while open moves it, uploads.ts move). */
    public path: string,
    readonly association: Association,
    /** The entry this copy would replace, if the name is taken in the folder. */
    public over: FileEntry | null = null,
  ) {
    this.writable = over === null;
  }

  /** Whether this is still only an entry opened for writing, not yet a copy (stat shows the entry). */
  get pending(): boolean {
    return !this.writable;
  }

  /** Bytes written so far at `pos`, into `buf`; answers how many (0 at or past the end). */
  read(buf: Buffer, len: number, pos: number): number {
    const n = Math.max(0, Math.min(len, this.size - pos));
    if (n > 0) this.data.copy(buf, 0, pos, pos + n);
    return n;
  }

  /** Answers the count written, or EFBIG past the largest file the library takes. */
  write(buf: Buffer, len: number, pos: number): number {
    if (!this.writable) return Fuse.EROFS;
    const end = pos + len;
    if (end > MAX_FILE_BYTES) return Fuse.EFBIG;
    if (end > this.data.length) {
      const grown = Buffer.alloc(Math.max(end, Math.min(MAX_FILE_BYTES, this.data.length * 2)));
      this.data.copy(grown, 0, 0, this.size);
      this.data = grown;
    }
    buf.copy(this.data, pos, 0, len);
    this.size = Math.max(this.size, end);
    return len;
  }

  /** Answers 0, or EROFS for an entry cut to anything but nothing. */
  truncate(size: number): number {
    if (!this.writable && size !== 0) return Fuse.EROFS;
    this.writable = true;
    this.size = Math.min(size, this.size);
    return 0;
  }

  hash(): Promise<string> {
    return contentHash(this.data.subarray(0, this.size));
  }
}

/** How long a finished copy answers under the name it was written as (a temporary name, until renamed). */
const LANDED_MS = 60_000;

/** A finished copy recognised as `image`, under the name it was written as. */
export interface Landed {
  image: FileEntry;
  association: Association;
  until: number;
}

export class Uploads {
  private readonly byPath = new Map<string, Upload>();
  private readonly landedAt = new Map<string, Landed>();

  constructor(
    private readonly tree: VirtualTree,
    /** The library's image with these bytes (by content hash), if any. */
    private readonly imageWithHash: (hash: string) => FileEntry | null,
    private readonly log: (message: string) => void,
  ) {}

  /**
   * A new copy at `p`, or the errno refusing it: only an association folder takes copies. Over an
   * entry of the folder it is an entry opened for writing, which only a truncation to 0 makes a copy.
   */
  begin(p: string): Upload | number {
    const parent = this.tree.resolve(path.posix.dirname(p));
    if (parent.type !== 'folder' || !parent.folder.association) return Fuse.EPERM;
    this.landedAt.delete(p);
    const upload = new Upload(p, parent.folder.association, parent.folder.files.get(path.posix.basename(p)) ?? null);
    this.byPath.set(p, upload);
    return upload;
  }

  /** The finished copy still answering at `p`, if any. */
  landed(p: string): Landed | null {
    const copy = this.landedAt.get(p);
    if (copy && copy.until > Date.now()) return copy;
    this.landedAt.delete(p);
    return null;
  }

  /** The finished copy at `p` is renamed or removed by its writer: it answers there no more. */
  forgetLanded(p: string): void {
    this.landedAt.delete(p);
  }

  get(p: string): Upload | undefined {
    return this.byPath.get(p);
  }

  has(p: string): boolean {
    return this.byPath.has(p);
  }

  /** A copy no handle has open any more leaves its folder (unless another copy took its place). */
  delete(upload: Upload): void {
    if (this.byPath.get(upload.path) === upload) this.byPath.delete(upload.path);
  }

  /**
   * A copy renamed while still open (GLib writes `.goutputstream-XXXXXX`, renames it over the target,
   * then closes it): it goes on at its new name, within its folder's collection only.
   */
  move(src: string, dest: string): boolean {
    const upload = this.byPath.get(src);
    const parent = this.tree.resolve(path.posix.dirname(dest));
    if (!upload || parent.type !== 'folder' || !parent.folder.association || !sameAssociation(parent.folder.association, upload.association)) return false;
    this.byPath.delete(src);
    upload.path = dest;
    upload.over = parent.folder.files.get(path.posix.basename(dest)) ?? null;
    this.byPath.set(dest, upload);
    return true;
  }

  /** The copies being written directly in folder `dir` under a name of their own (one over an entry is listed as the entry). */
  *in(dir: string): Iterable<Upload> {
    for (const u of this.byPath.values()) if (u.over === null && path.posix.dirname(u.path) === dir) yield u;
  }

  /**
   * The copy at `p` is closed: it leaves the folder, and the image it equals (null when its bytes are
   * not an image of the library) is what gets the association.
   */
  async finish(p: string, upload: Upload): Promise<FileEntry | null> {
    const hash = await upload.hash();
    this.delete(upload);
    const image = this.imageWithHash(hash);
    if (image) this.landedAt.set(upload.path, { image, association: upload.association, until: Date.now() + LANDED_MS });
    if (!image) this.log(`vfs: refused ${p}: its ${upload.size} bytes are not an image of the library (copy originals into the library folder to add them)`);
    return image;
  }
}
