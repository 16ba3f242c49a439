/**
 * The vault service: one library folder, its data dir (store, thumbnails) and the jobs that keep
 * the index current (scanner, watcher). The API, the CLI and the FUSE layer all talk to this.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Store } from '../db/store.js';
import { IngestPool } from '../ingest/ingest-pool.js';
import { Scanner, type ScanStatus } from '../ingest/scanner.js';
import { Thumbnails } from '../ingest/thumbnails.js';
import { LibraryWatcher } from '../ingest/watcher.js';
import { LibraryBoundary, type Resolved } from '../ingest/boundary.js';
import { LibraryOfflineError } from '../ingest/presence.js';
import { XmpWriter } from './xmp-writer.js';
import { XmpSidecars, type XmpOptions } from './xmp-sidecars.js';
import { AiService } from '../ai/service.js';
import { chooseModel, DEFAULT_MODELS_DIR, ModelUnavailableError, type ModelInfo } from '../ai/models.js';
import { chooseCaptioner, type CaptionerInfo } from '../ai/captioner.js';
import { captionImages, type CaptionRun } from '../ai/caption-job.js';
import { DuplicateFinder } from './duplicates.js';
import { Catalog } from './catalog.js';
import { AlbumBook } from './albums.js';
import { Organizer } from './organize.js';
import { Trash } from './trash.js';
import { Search } from './search.js';
import { resolveSelection, type Selection } from './selection.js';
import { exportZip, type ExportMetadata, type ExportResult } from './export.js';
import type { EmbeddingProgress } from '../ai/embedding-job.js';

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
  /** Where models live (default models/ of the install), and which to use (null: the installed one; 'none': no AI). */
  modelsDir?: string;
  model?: string | null;
  /** Captioner folder for images without a prompt (null: the one installed, if any; 'none': off). Env VV_CAPTIONER. */
  captioner?: string | null;
  vocabulary?: string | null;
  /** Zero-shot tags from the vocabulary (default on). */
  autoTags?: boolean;
  /** Load the query text tower in its thread from the start (a serving vault): see AiService.prepareQueries. */
  prepareQueries?: boolean;
  onEmbedProgress?: (p: EmbeddingProgress) => void;
  /** Images per inference batch (default 16). */
  embedBatchSize?: number;
  /** How long a write waits for another process's write lock (ms, default 10 s). */
  busyTimeoutMs?: number;
  /** The longest one write may block waiting for another process's lock (a server's event loop). */
  maxWriteWaitMs?: number;
  /** Follow symlinks whose target is outside the library (default: only links that stay inside). */
  followSymlinks?: boolean;
  /** How long reading one file's metadata may take before its worker is replaced (ms, default 30 s). */
  fileTimeoutMs?: number;
  /** Where the vault reports the library going offline and coming back (default: stderr). */
  log?: (message: string) => void;
}

/** Whether the library folder is there. While it is not, the index is served as it was. */
export interface LibraryState {
  path: string;
  online: boolean;
  reason: string | null;
  since: string;
}

/** The library a data dir indexes, if it holds an index. */
function boundRoot(dataDir: string): string | null {
  if (!fs.existsSync(path.join(dataDir, 'vault.db'))) return null;
  const store = Store.open(dataDir);
  try {
    return store.getSetting('library_root');
  } finally {
    store.close();
  }
}

function pickCaptioner(modelsDir: string, configured: string | null): CaptionerInfo | null {
  try {
    return chooseCaptioner(modelsDir, configured);
  } catch (err) {
    if (err instanceof ModelUnavailableError) {
      console.error(`[vv ai] no captions: ${err.message}`);
      return null;
    }
    throw err;
  }
}

function pickModel(modelsDir: string, configured: string | null): { model: ModelInfo | null; reason?: string } {
  try {
    const model = chooseModel(modelsDir, configured);
    return model ? { model } : { model: null, reason: `no CLIP model installed in ${modelsDir}: npm run models:download (see models/README.md)` };
  } catch (err) {
    if (err instanceof ModelUnavailableError) return { model: null, reason: err.message };
    throw err;
  }
}

/** The virtual filesystem this process serves (`vv serve --mount`), and whether it is still mounted. */
export interface MountState {
  path: string;
  mounted: boolean;
  /** Why it is not mounted any more (unmounted from outside), else null. */
  reason: string | null;
  since: string;
}

export class Vault {
  private watcher: LibraryWatcher | null = null;
  /** Set by startWatching: the watcher is re-armed with it when the library comes back. */
  private watchDebounceMs: number | null = null;
  private presenceTimer: NodeJS.Timeout | null = null;
  /** Set by close(): a scan that ends meanwhile starts no background pass. */
  private closing = false;
  library: LibraryState;
  /** Set by the mount running in this process; null when there is none. */
  mount: MountState | null = null;
  /** Reading the catalog: images, tags, categories, counts, problems. */
  readonly catalog: Catalog;
  /** Every user edit and its rules, journaled. */
  readonly organize: Organizer;
  /** Full-text, semantic and hybrid search; similar images. */
  readonly search: Search;
  /** Near-duplicate and batch groups. */
  readonly duplicates: DuplicateFinder;
  /** Saved searches. */
  readonly albums: AlbumBook;
  /** Originals moved to the trash and back (off until enableTrash: --allow-trash). */
  readonly trash: Trash;

  private constructor(
    readonly root: string,
    readonly dataDir: string,
    readonly store: Store,
    readonly pool: IngestPool,
    readonly scanner: Scanner,
    readonly thumbnails: Thumbnails,
    readonly ai: AiService,
    readonly boundary: LibraryBoundary,
    private readonly log: (message: string) => void,
  ) {
    this.library = { path: root, online: true, reason: null, since: new Date().toISOString() };
    this.catalog = new Catalog(store);
    this.trash = new Trash(store, root, { enabled: false });
    this.organize = new Organizer(store, this.trash);
    this.search = new Search(store, ai, log);
    this.duplicates = new DuplicateFinder(store, ai);
    this.albums = new AlbumBook(store);
  }

  /** A zip of the originals (and metadata); each file's real path is checked now, at download time. */
  exportZip(ids: number[], metadata: ExportMetadata): ExportResult {
    const limit = this.boundary.limit();
    return exportZip(this.catalog, ids, metadata, (rel) => {
      const found = this.boundary.resolve(rel, limit);
      return 'real' in found ? found.real : null;
    });
  }

  /** Captions the images that have no prompt (vv caption); `all` captions again those a model captioned. */
  captionImages(info: CaptionerInfo, options: { all?: boolean; onProgress?: (done: number) => void } = {}): Promise<CaptionRun> {
    return captionImages(this.store, this.root, info, options);
  }

  /** The images a selection names (ids, or all a filter or search selects). */
  resolveSelection(selection: Selection): Promise<number[]> {
    return resolveSelection(selection, this.catalog, this.search);
  }

  /** Opens the library a data dir already indexes (mount, export-links). */
  static openExisting(options: Omit<VaultOptions, 'library'>): Vault {
    const dataDir = path.resolve(options.dataDir);
    if (!fs.existsSync(path.join(dataDir, 'vault.db'))) throw new LibraryMismatchError(`${dataDir} holds no index yet: run vv scan <library> --data ${dataDir} first`);
    const store = Store.open(dataDir, { busyTimeoutMs: options.busyTimeoutMs });
    const root = store.getSetting('library_root');
    store.close();
    if (!root) throw new LibraryMismatchError(`${dataDir} is not bound to a library: run vv scan <library> first`);
    return Vault.open({ ...options, library: root });
  }

  static open(options: VaultOptions): Vault {
    const root = path.resolve(options.library);
    const dataDir = path.resolve(options.dataDir);
    const present = fs.existsSync(root) && fs.statSync(root).isDirectory();
    // A library this data dir already indexes may be offline (unplugged drive): its index is still served.
    if (!present && boundRoot(dataDir) !== root) {
      throw new LibraryMismatchError(`library folder ${root} does not exist`);
    }
    const store = Store.open(dataDir, { busyTimeoutMs: options.busyTimeoutMs, maxWaitMs: options.maxWriteWaitMs });
    const bound = store.getSetting('library_root');
    if (bound && bound !== root && !options.rebind) {
      store.close();
      throw new LibraryMismatchError(
        `data dir ${dataDir} indexes ${bound}, not ${root}. Use another --data for another library, or --rebind if the library moved.`,
      );
    }
    store.setSetting('library_root', root);
    const pool = new IngestPool({ workers: options.workers ?? undefined, timeoutMs: options.fileTimeoutMs });
    const exclude = dataDir.startsWith(root + path.sep) ? [dataDir] : [];
    const boundary = new LibraryBoundary(root, options.followSymlinks ?? false);
    const thumbnails = new Thumbnails(dataDir, store, root, boundary);
    // Set once the vault exists: whether thumbnails are made in the background is decided later.
    let vault: Vault | null = null;
    const thumbnailTarget = (hash: string) => (vault?.backgroundThumbnails && !thumbnails.has(hash) ? thumbnails.fileFor(hash) : null);
    const scanner = new Scanner(store, root, pool, {
      exclude,
      onProgress: options.onScanProgress,
      batchSize: options.batchSize,
      thumbnailTarget,
      followSymlinks: options.followSymlinks,
      onOffline: (reason) => vault?.wentOffline(reason),
    });
    const modelsDir = options.modelsDir ?? DEFAULT_MODELS_DIR;
    const picked = pickModel(modelsDir, options.model ?? null);
    const ai = new AiService({
      store,
      root,
      dataDir,
      modelsDir,
      model: picked.model,
      unavailableReason: picked.reason,
      vocabularyFile: options.vocabulary ?? undefined,
      autoTags: options.autoTags,
      prepareQueries: options.prepareQueries,
      onProgress: options.onEmbedProgress,
      batchSize: options.embedBatchSize,
      captioner: pickCaptioner(modelsDir, options.captioner ?? process.env.VV_CAPTIONER ?? null),
    });
    vault = new Vault(root, dataDir, store, pool, scanner, thumbnails, ai, boundary, options.log ?? ((m) => console.error(m)));
    if (!present) vault.wentOffline(`${root} is gone (unplugged drive, unmounted share or renamed folder?)`);
    return vault;
  }

  xmp: XmpWriter | null = null;

  /** Writes every user edit to XMP sidecars, beside the originals or in a mirror tree. */
  /** --allow-trash: "Move to trash" may move originals to the operating system's trash. */
  enableTrash(): void {
    this.trash.enabled = true;
  }

  enableXmp(mirrorDir: string | null, log?: (m: string) => void, favoriteMark?: XmpOptions['favoriteMark']): XmpWriter {
    this.xmp ??= new XmpWriter(this.store, this.root, { mirrorDir, log, favoriteMark });
    return this.xmp;
  }

  /** The sidecars on demand: `vv xmp export` (write what the vault holds), `vv xmp import` (read them back). */
  xmpSidecars(options: XmpOptions = {}): XmpSidecars {
    return new XmpSidecars(this.store, this.root, options);
  }

  /** Make thumbnails during the scan's pixel pass and in the background after it (off: only on demand). */
  backgroundThumbnails = true;

  /** Compute CLIP embeddings in the background after scans (when a model is present). */
  backgroundEmbeddings = true;

  /** After a scan: thumbnails and embeddings in the background. */
  private afterScan(): void {
    if (this.closing) return;
    if (this.backgroundThumbnails) void this.thumbnails.generateMissing().catch((err: Error) => console.error(`thumbnails stopped: ${err.message}`));
    if (this.backgroundEmbeddings) void this.ai.embedPending().catch((err: Error) => console.error(`embeddings stopped: ${err.message}`));
  }

  /** A full scan started by a request: its failure is logged and shown in the scan status, never thrown. */
  scanInBackground(): void {
    this.scanAndThumbnail().catch((err: Error) => console.error(`scan failed: ${err.message}`));
  }

  /** Full scan, then thumbnails and embeddings in the background. An offline library is not scanned (its state says why). */
  async scanAndThumbnail(): Promise<void> {
    try {
      await this.scanner.scan();
    } catch (err) {
      if (err instanceof LibraryOfflineError) return;
      throw err;
    }
    this.afterScan();
  }

  startWatching(debounceMs = 400): void {
    this.watchDebounceMs = debounceMs;
    if (this.watcher || !this.library.online) return;
    this.watcher = new LibraryWatcher(this.root, debounceMs, async (paths, removedDirs) => {
      await this.scanner.processChanges(paths, removedDirs);
      this.afterScan();
    });
  }

  /** Watching and past the watcher's initial crawl (never while the library is offline). */
  get watching(): boolean {
    return this.library.online && (this.watcher?.isReady ?? false);
  }

  /** The library root is gone or emptied (the scanner saw it, or a presence check): keep the index, stop watching. */
  wentOffline(reason: string): void {
    if (!this.library.online) {
      this.library.reason = reason;
      return;
    }
    this.library = { path: this.root, online: false, reason, since: new Date().toISOString() };
    this.log(`library offline: ${reason}; serving the index as it was, nothing marked missing`);
    const watcher = this.watcher;
    this.watcher = null;
    void watcher?.close().catch(() => undefined);
  }

  /**
   * Looks whether the library is there. Back after being offline: re-arms the watcher and rescans,
   * which picks up what changed meanwhile. Returns whether it is online.
   */
  checkLibrary(): boolean {
    if (this.scanner.offline()) return false;
    if (this.library.online) return true;
    this.library = { path: this.root, online: true, reason: null, since: new Date().toISOString() };
    this.log('library back online: rescanning');
    if (this.watchDebounceMs !== null) this.startWatching(this.watchDebounceMs);
    void this.scanAndThumbnail().catch((err) => this.log(`rescan failed: ${(err as Error).message}`));
    return true;
  }

  /** Checks every few seconds whether the library went away or came back (a watcher cannot see its own root return). */
  startMonitoring(intervalMs = 2000): void {
    if (this.presenceTimer) return;
    this.presenceTimer = setInterval(() => this.checkLibrary(), intervalMs);
    this.presenceTimer.unref();
  }

  /** The real path to open for an image row's file, checked now against the library boundary. */
  resolveOriginal(relative: string): Resolved {
    return this.boundary.resolve(relative);
  }

  /** Absolute path of an image row's file, refusing anything that resolves outside the library. */
  absolutePath(relative: string): string {
    const abs = path.resolve(this.root, relative);
    if (abs !== this.root && !abs.startsWith(this.root + path.sep)) throw new Error(`path escapes the library: ${relative}`);
    return abs;
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.presenceTimer) clearInterval(this.presenceTimer);
    this.xmp?.flush();
    this.scanner.stop();
    this.thumbnails.stop();
    // A stopping scan records itself as stopped: the store stays open until it has (it checks for
    // stop between files and folders; a file stuck in a worker is bounded by the per-file timeout).
    await this.scanner.idle();
    await this.ai.close();
    await this.watcher?.close();
    this.watcher = null;
    await this.pool.close();
    this.store.close();
  }
}
