/**
 * `cp` into an association folder (/tags/t, /categories/c, /favorites): the copy is kept in memory
 * under its path until it is closed, then recognised by its bytes — it must be an image of the
 * library (same content hash); then the folder's association is applied to that image. Nothing is
 * ever written to the library.
 */
import path from 'node:path';
import Fuse from 'fuse-native';
import { contentHash, MAX_FILE_BYTES } from '../ingest/ingest.js';
import type { Association, FileEntry, VirtualTree } from './tree.js';

/** A file being copied into an association folder. */
export class Upload {
  readonly kind = 'upload';
  readonly created = new Date();
  size = 0;
  private data = Buffer.alloc(0);

  constructor(
    readonly path: string,
    readonly association: Association,
  ) {}

  /** Bytes written so far at `pos`, into `buf`; answers how many (0 at or past the end). */
  read(buf: Buffer, len: number, pos: number): number {
    const n = Math.max(0, Math.min(len, this.size - pos));
    if (n > 0) this.data.copy(buf, 0, pos, pos + n);
    return n;
  }

  /** Answers the count written, or EFBIG past the largest file the library takes. */
  write(buf: Buffer, len: number, pos: number): number {
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

  truncate(size: number): void {
    this.size = Math.min(size, this.size);
  }

  hash(): Promise<string> {
    return contentHash(this.data.subarray(0, this.size));
  }
}

export class Uploads {
  private readonly byPath = new Map<string, Upload>();

  constructor(
    private readonly tree: VirtualTree,
    /** The library's image with these bytes (by content hash), if any. */
    private readonly imageWithHash: (hash: string) => FileEntry | null,
    private readonly log: (message: string) => void,
  ) {}

  /** A new copy at `p`, or the errno refusing it: only an association folder takes copies, and not over an entry. */
  begin(p: string): Upload | number {
    const parent = this.tree.resolve(path.posix.dirname(p));
    if (parent.type !== 'folder' || !parent.folder.association) return Fuse.EPERM;
    if (parent.folder.files.has(path.posix.basename(p))) return Fuse.EROFS;
    const upload = new Upload(p, parent.folder.association);
    this.byPath.set(p, upload);
    return upload;
  }

  get(p: string): Upload | undefined {
    return this.byPath.get(p);
  }

  has(p: string): boolean {
    return this.byPath.has(p);
  }

  delete(p: string): void {
    this.byPath.delete(p);
  }

  /** The copies being written directly in folder `dir`. */
  *in(dir: string): Iterable<Upload> {
    for (const u of this.byPath.values()) if (path.posix.dirname(u.path) === dir) yield u;
  }

  /**
   * The copy at `p` is closed: it leaves the folder, and the image it equals (null when its bytes are
   * not an image of the library) is what gets the association.
   */
  async finish(p: string, upload: Upload): Promise<FileEntry | null> {
    const hash = await upload.hash();
    this.byPath.delete(p);
    const image = this.imageWithHash(hash);
    if (!image) this.log(`vfs: refused ${p}: its ${upload.size} bytes are not an image of the library (copy originals into the library folder to add them)`);
    return image;
  }
}
