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
import type { ImageFilter, ImageSummary } from '../core/types.js';
import { AiService } from '../ai/service.js';
import { chooseModel, DEFAULT_MODELS_DIR, ModelUnavailableError, type ModelInfo } from '../ai/models.js';
import { reciprocalRankFusion } from '../ai/hybrid.js';
import { dot } from '../ai/zero-shot.js';
import type { VectorHit } from '../ai/vector-index.js';
import { chooseCaptioner, type CaptionerInfo } from '../ai/captioner.js';
import { batchGroups, nearDuplicateGroups, type DuplicateGroup } from './duplicates.js';
import type { EmbeddingProgress } from '../ai/embedding-job.js';

export type SearchMode = 'text' | 'semantic' | 'hybrid';

export interface SearchHit extends ImageSummary {
  score: number;
  /** bm25 (higher is better) when the text index matched, cosine when CLIP ranked it. */
  text_score?: number;
  semantic_score?: number;
}

/** Candidates taken from each ranking before fusion. */
const FUSION_DEPTH = 200;

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
  onEmbedProgress?: (p: EmbeddingProgress) => void;
  /** Images per inference batch (default 16). */
  embedBatchSize?: number;
  /** How long a write waits for another process's write lock (ms, default 10 s). */
  busyTimeoutMs?: number;
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

export class Vault {
  private watcher: LibraryWatcher | null = null;
  /** Set by startWatching: the watcher is re-armed with it when the library comes back. */
  private watchDebounceMs: number | null = null;
  private presenceTimer: NodeJS.Timeout | null = null;
  library: LibraryState;

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

  /**
   * /api/search's ranking: `hybrid` (bm25 and CLIP fused by rank) when a model is present, else
   * `text`. `semantic` is CLIP alone. Every /api/images filter applies to both rankings.
   */
  async search(query: string, filter: ImageFilter, limit: number, mode?: SearchMode): Promise<{ mode: SearchMode; items: SearchHit[]; reason?: string }> {
    const effective: SearchMode = mode ?? (this.ai.available ? 'hybrid' : 'text');
    const textOnly = () => this.store.searchText(query, filter, limit).map((s) => ({ ...s, text_score: s.score }));
    if (effective === 'text') return { mode: 'text', items: textOnly() };
    let semantic: VectorHit[];
    try {
      semantic = await this.ai.semantic(query, filter, effective === 'semantic' ? limit : Math.max(limit, FUSION_DEPTH));
    } catch (err) {
      // Hybrid search outlives a failing model: full text alone, saying why. `semantic` has no fallback.
      if (effective === 'semantic' || err instanceof ModelUnavailableError) throw err;
      console.error(`[vv ai] semantic half of a search failed, answering with full text: ${(err as Error).message}`);
      return { mode: 'text', items: textOnly(), reason: `semantic search failed: ${(err as Error).message}` };
    }
    if (effective === 'semantic') {
      const cosine = new Map(semantic.map((h) => [h.id, round(h.score)]));
      const items = this.store.summariesFor(semantic.map((h) => h.id), filter).map((s) => ({ ...s, score: cosine.get(s.id)!, semantic_score: cosine.get(s.id)! }));
      return { mode: 'semantic', items };
    }
    const text = this.store.searchText(query, filter, Math.max(limit, FUSION_DEPTH));
    const fused = reciprocalRankFusion([text.map((t) => t.id), semantic.map((h) => h.id)]).slice(0, limit);
    const textById = new Map(text.map((t) => [t.id, t]));
    const cosine = new Map(semantic.map((h) => [h.id, h.score]));
    const others = new Map(this.store.summariesFor(fused.filter((f) => !textById.has(f.id)).map((f) => f.id), filter).map((s) => [s.id, s]));
    const items: SearchHit[] = [];
    for (const f of fused) {
      const summary = textById.get(f.id) ?? others.get(f.id);
      if (!summary) continue;
      const hit: SearchHit = { ...summary, score: round(f.score) };
      if (textById.has(f.id)) hit.text_score = textById.get(f.id)!.score;
      if (cosine.has(f.id)) hit.semantic_score = round(cosine.get(f.id)!);
      items.push(hit);
    }
    return { mode: 'hybrid', items };
  }

  private duplicateCache: { key: string; kind: string; groups: DuplicateGroup[] } | null = null;

  /** Near-duplicate and/or batch groups, cached until the data (or the vectors) change. */
  duplicates(kind: 'near' | 'batch' | 'all'): DuplicateGroup[] {
    const key = `${this.store.dataVersion()}:${this.ai.modelName ? this.store.embeddings.generation(this.ai.modelName) : ''}`;
    if (this.duplicateCache?.key === key && this.duplicateCache.kind === kind) return this.duplicateCache.groups;
    const groups: DuplicateGroup[] = [];
    if (kind !== 'batch') {
      groups.push(
        ...nearDuplicateGroups(this.store.duplicates.phashes(), {
          cosines: this.ai.available
            ? (pairs) => {
                const vectors = this.ai.vectorsOf([...new Set(pairs.flat())]);
                return pairs.map(([a, b]) => {
                  const va = vectors.get(a);
                  const vb = vectors.get(b);
                  return va && vb ? dot(va, vb) : null;
                });
              }
            : undefined,
        }),
      );
    }
    if (kind !== 'near') groups.push(...batchGroups(this.store.duplicates.batches(), this.store.duplicates.resizes()));
    this.duplicateCache = { key, kind, groups };
    return groups;
  }

  /** Top search results by id, as /api/search ranks them (the virtual filesystem's /search/). */
  async searchIds(query: string, limit: number): Promise<number[]> {
    return (await this.search(query, {}, limit)).items.map((i) => i.id);
  }

  static open(options: VaultOptions): Vault {
    const root = path.resolve(options.library);
    const dataDir = path.resolve(options.dataDir);
    const present = fs.existsSync(root) && fs.statSync(root).isDirectory();
    // A library this data dir already indexes may be offline (unplugged drive): its index is still served.
    if (!present && boundRoot(dataDir) !== root) {
      throw new LibraryMismatchError(`library folder ${root} does not exist`);
    }
    const store = Store.open(dataDir, { busyTimeoutMs: options.busyTimeoutMs });
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
  enableXmp(mirrorDir: string | null, log?: (m: string) => void): XmpWriter {
    this.xmp ??= new XmpWriter(this.store, this.root, { mirrorDir, log });
    return this.xmp;
  }

  /** Make thumbnails during the scan's pixel pass and in the background after it (off: only on demand). */
  backgroundThumbnails = true;

  /** Compute CLIP embeddings in the background after scans (when a model is present). */
  backgroundEmbeddings = true;

  /** After a scan: thumbnails and embeddings in the background. */
  private afterScan(): void {
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
    if (this.presenceTimer) clearInterval(this.presenceTimer);
    this.xmp?.flush();
    this.scanner.stop();
    this.thumbnails.stop();
    await this.ai.close();
    await this.watcher?.close();
    this.watcher = null;
    await this.pool.close();
    this.store.close();
  }
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
