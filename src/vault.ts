/**
 * The vault service: one library folder, its data dir (store, thumbnails) and the jobs that keep
 * the index current (scanner, watcher). The API, the CLI and the FUSE layer all talk to this.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Store } from './index/store/store.js';
import { IngestPool } from './index/ingest-pool.js';
import { Scanner, type ScanStatus } from './index/scanner.js';
import { Thumbnails } from './index/thumbnails.js';
import { LibraryWatcher } from './index/watcher.js';
import { XmpWriter } from './index/xmp-writer.js';

export class LibraryMismatchError extends Error {}

export interface VaultOptions {
  dataDir: string;
  library: string;
  workers?: number | null;
  /** Accept a data dir that indexed another folder (the library was moved): paths are relative. */
  rebind?: boolean;
  onScanProgress?: (status: ScanStatus) => void;
  /** Scan results per transaction; a serving vault uses smaller batches to keep requests fast. */
  batchSize?: number;
}

export class Vault {
  private watcher: LibraryWatcher | null = null;

  private constructor(
    readonly root: string,
    readonly dataDir: string,
    readonly store: Store,
    readonly pool: IngestPool,
    readonly scanner: Scanner,
    readonly thumbnails: Thumbnails,
  ) {}

  /** Opens the library a data dir already indexes (mount, export-links). */
  static openExisting(options: Omit<VaultOptions, 'library'>): Vault {
    const dataDir = path.resolve(options.dataDir);
    if (!fs.existsSync(path.join(dataDir, 'vault.db'))) throw new LibraryMismatchError(`${dataDir} holds no index yet: run vv scan <library> --data ${dataDir} first`);
    const store = Store.open(dataDir);
    const root = store.getSetting('library_root');
    store.close();
    if (!root) throw new LibraryMismatchError(`${dataDir} is not bound to a library: run vv scan <library> first`);
    return Vault.open({ ...options, library: root });
  }

  /** Top search results by id, as /api/search ranks them (the AI issue adds hybrid ranking). */
  searchIds(query: string, limit: number): number[] {
    return this.store.searchText(query, {}, limit).map((i) => i.id);
  }

  static open(options: VaultOptions): Vault {
    const root = path.resolve(options.library);
    if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new LibraryMismatchError(`library folder ${root} does not exist`);
    const dataDir = path.resolve(options.dataDir);
    const store = Store.open(dataDir);
    const bound = store.getSetting('library_root');
    if (bound && bound !== root && !options.rebind) {
      store.close();
      throw new LibraryMismatchError(
        `data dir ${dataDir} indexes ${bound}, not ${root}. Use another --data for another library, or --rebind if the library moved.`,
      );
    }
    store.setSetting('library_root', root);
    const pool = new IngestPool({ workers: options.workers ?? undefined });
    const exclude = dataDir.startsWith(root + path.sep) ? [dataDir] : [];
    const scanner = new Scanner(store, root, pool, { exclude, onProgress: options.onScanProgress, batchSize: options.batchSize });
    const thumbnails = new Thumbnails(dataDir, store, root);
    return new Vault(root, dataDir, store, pool, scanner, thumbnails);
  }

  xmp: XmpWriter | null = null;

  /** Writes every user edit to XMP sidecars, beside the originals or in a mirror tree. */
  enableXmp(mirrorDir: string | null, log?: (m: string) => void): XmpWriter {
    this.xmp ??= new XmpWriter(this.store, this.root, { mirrorDir, log });
    return this.xmp;
  }

  /** Make thumbnails in the background after scans (off: only on demand). */
  backgroundThumbnails = true;

  /** Full scan, then thumbnails in the background. */
  async scanAndThumbnail(): Promise<void> {
    await this.scanner.scan();
    if (this.backgroundThumbnails) void this.thumbnails.generateMissing();
  }

  startWatching(debounceMs = 400): void {
    if (this.watcher) return;
    this.watcher = new LibraryWatcher(this.root, debounceMs, async (paths, removedDirs) => {
      await this.scanner.processChanges(paths, removedDirs);
      if (this.backgroundThumbnails) void this.thumbnails.generateMissing();
    });
  }

  /** Watching and past the watcher's initial crawl. */
  get watching(): boolean {
    return this.watcher?.isReady ?? false;
  }

  /** Absolute path of an image row's file, refusing anything that resolves outside the library. */
  absolutePath(relative: string): string {
    const abs = path.resolve(this.root, relative);
    if (abs !== this.root && !abs.startsWith(this.root + path.sep)) throw new Error(`path escapes the library: ${relative}`);
    return abs;
  }

  async close(): Promise<void> {
    this.xmp?.flush();
    this.scanner.stop();
    this.thumbnails.stop();
    await this.watcher?.close();
    this.watcher = null;
    await this.pool.close();
    this.store.close();
  }
}
