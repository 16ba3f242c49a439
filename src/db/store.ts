/**
 * The store: the database layer's one entry point, a facade over the kernel (connection,
 * statements, write path, change version) and one repository per aggregate. Callers get domain
 * functions, never SQL or the connection.
 */
import type { MediaType } from '../metadata/types.js';
import type {
  CategoryCount,
  DerivedTag,
  FileEntry,
  ImageDetail,
  ImageFilter,
  ImagePatch,
  ImageSummary,
  Page,
  ScanIndexEntry,
  ScannedFile,
  SortOrder,
  TagCount,
  TagSource,
} from '../core/types.js';
import { Albums } from './albums.js';
import { Captions } from './captions.js';
import { Catalog, type CatalogOptions, type ValueField } from './catalog.js';
import { Categories } from './categories.js';
import { Changes, type EditListener } from './changes.js';
import { DuplicateQueries } from './duplicates.js';
import { Edits } from './edits.js';
import { EmbeddingStore, type EmbeddingTask } from './embeddings.js';
import type { CompiledFilter, FilterInput } from './filters.js';
import { FullTextIndex } from './fts.js';
import { Images } from './images.js';
import type { ChangeContext, ChangeSummary, Journal, UndoResult } from './journal.js';
import { Kernel, type KernelOptions } from './kernel.js';
import { ProblemStore } from './problems.js';
import { ScanIndex } from './scan-index.js';
import { Settings, type ScanRecord } from './settings.js';
import { Tags } from './tags.js';
import { TrashRows } from './trash.js';

export { ftsQuery } from './fts.js';
export { VALUE_FIELDS, type ValueField } from './catalog.js';
export type { AlbumRow } from './albums.js';
export type { CompiledFilter, FilterInput } from './filters.js';
export type { EditListener } from './changes.js';
export type { TrashMove } from './trash.js';
export interface StoreOptions extends KernelOptions, CatalogOptions {}

/** What the virtual folders list: each folder's files by filter, and the names its subfolders come from. */
export interface FolderQueries {
  /** The files a filter selects (by id, or in the order of `filter.ids`). */
  entries(filter: FilterInput): FileEntry[];
  byPath(path: string): FileEntry | null;
  byHash(hash: string): FileEntry | null;
  /** Library folders holding present images. */
  dirs(): string[];
  /** Tags that hold present images, and tags made empty on purpose (mkdir). */
  tagNames(): string[];
  /** Days (YYYY-MM-DD) with present images. */
  days(): string[];
  categoryNames(): string[];
}

export class Store {
  private readonly tags: Tags;
  private readonly categories: Categories;
  private readonly fts: FullTextIndex;
  private readonly changes: Changes;
  private readonly images: Images;
  private readonly catalog: Catalog;
  private readonly captions: Captions;
  private readonly edits: Edits;
  private readonly settings: Settings;
  readonly views: FolderQueries;
  readonly embeddings: EmbeddingStore;
  readonly duplicates: DuplicateQueries;
  readonly problems: ProblemStore;
  /** What a full scan compares the disk with, folder by folder. */
  readonly scanIndex: ScanIndex;
  readonly journal: Journal;
  /** Saved searches (albums). */
  readonly albums: Albums;
  /** Where trashed originals went, and the trash moves a change made. */
  readonly trash: TrashRows;

  private constructor(
    private readonly kernel: Kernel,
    options: StoreOptions = {},
  ) {
    this.tags = new Tags(kernel);
    this.categories = new Categories(kernel);
    this.fts = new FullTextIndex(kernel);
    this.changes = new Changes(kernel, this.tags, this.fts);
    this.journal = this.changes.journal;
    this.trash = new TrashRows(kernel);
    this.problems = new ProblemStore(kernel);
    this.images = new Images(kernel, this.tags, this.fts, this.problems, this.changes);
    this.catalog = new Catalog(kernel, this.tags, this.categories, options);
    this.captions = new Captions(kernel, this.tags, this.fts);
    this.edits = new Edits(kernel, this.catalog, this.tags, this.categories, this.captions, this.fts, this.changes);
    this.settings = new Settings(kernel);
    this.embeddings = new EmbeddingStore(kernel);
    this.duplicates = new DuplicateQueries(kernel);
    this.scanIndex = new ScanIndex(kernel);
    this.albums = new Albums(kernel);
    const catalog = this.catalog;
    this.views = {
      entries: (filter) => catalog.entries(filter),
      byPath: (p) => catalog.entryByPath(p),
      byHash: (hash) => catalog.entryByHash(hash),
      dirs: () => catalog.dirs(),
      tagNames: () => this.tags.folderNames(),
      days: () => catalog.days(),
      categoryNames: () => this.categories.names(),
    };
  }

  static open(dataDir: string, options: StoreOptions = {}): Store {
    return new Store(Kernel.open(dataDir, options), options);
  }

  /** Several processes (serve, mount, scan) may open one file at once: every step waits for the others. */
  static openFile(file: string, options: StoreOptions = {}): Store {
    return new Store(Kernel.openFile(file, options), options);
  }

  close(): void {
    this.kernel.close();
  }

  /** False once closed (work that yields between statements stops there). */
  get isOpen(): boolean {
    return this.kernel.isOpen;
  }

  /** Bulk writing (scans): checkpoint the WAL less often while it lasts, then fold it back in. */
  bulk(on: boolean): void {
    this.kernel.bulk(on);
  }

  /** Between a bulk writer's transactions: null to go on, else a checkpoint (off the thread) to wait for. */
  walRoom(): Promise<void> | null {
    return this.kernel.walRoom();
  }

  /** WAL checkpoints run off the thread so far. */
  get checkpoints(): number {
    return this.kernel.checkpoints;
  }

  /** Refreshes planner statistics where the library changed a lot (after a large scan). */
  optimize(): void {
    this.kernel.optimize();
  }

  integrityCheck(): string {
    return this.kernel.integrityCheck();
  }

  /** Several store writes as one transaction: one lock, one commit, one change version (the scanner's batches). */
  batch<T>(fn: () => T): T {
    return this.kernel.write(fn);
  }

  /**
   * As `batch`, but one attempt that waits at most waitMs for another process's write lock and
   * then throws busy: the caller retries later without blocking (a scan inside a server).
   */
  tryBatch<T>(fn: () => T, waitMs: number): T {
    return this.kernel.tryWrite(fn, waitMs);
  }

  /** How long a write may wait for another process's lock in all before it gives up busy (ms). */
  lockBudgetMs(): number {
    return this.kernel.lockBudgetMs;
  }

  /** A value that changes whenever any connection changes the data (for caches of derived views). */
  dataVersion(): string {
    return this.kernel.version();
  }

  /** Compiles a filter once (a request's several queries then share it). */
  compileFilter(filter: FilterInput): CompiledFilter {
    return this.catalog.compile(filter);
  }

  // ---------------------------------------------------------------- settings and the scan log

  getSetting(key: string): string | null {
    return this.settings.get(key);
  }

  setSetting(key: string, value: string): void {
    this.settings.set(key, value);
  }

  startScan(kind: string): number {
    return this.settings.startScan(kind);
  }

  finishScan(id: number, stats: unknown): void {
    this.settings.finishScan(id, stats);
  }

  lastScan(): ScanRecord | null {
    return this.settings.lastScan();
  }

  // ---------------------------------------------------------------- scanning

  scanEntryAt(p: string): ScanIndexEntry | null {
    return this.images.scanEntryAt(p);
  }

  /** Paths of the rows under a folder. */
  pathsUnder(dir: string): string[] {
    return this.images.pathsUnder(dir);
  }

  idForPath(p: string): number | null {
    return this.images.idForPath(p);
  }

  rowAtPath(p: string): { id: number; path: string; hash: string | null; missing: boolean } | null {
    return this.images.rowAtPath(p);
  }

  rowsWithHash(hash: string): { id: number; path: string; hash: string; missing: boolean }[] {
    return this.images.rowsWithHash(hash);
  }

  displace(ids: number[]): void {
    this.images.displace(ids);
  }

  saveScanned(file: ScannedFile, existingId: number | null): number {
    return this.images.saveScanned(file, existingId);
  }

  setMissing(ids: number[], missing: boolean): void {
    this.images.setMissing(ids, missing);
  }

  /** Rebuilds an image's full-text row (its own write). */
  refreshFts(id: number, isNew = false): void {
    this.kernel.write(() => this.fts.refresh(id, isNew));
  }

  presentPathForHash(hash: string): string | null {
    return this.images.presentPathForHash(hash);
  }

  presentMediaForHash(hash: string): { path: string; media_type: MediaType; duration_s: number | null; format: string | null } | null {
    return this.images.presentMediaForHash(hash);
  }

  distinctHashes(): { hash: string; path: string }[] {
    return this.images.distinctHashes();
  }

  counts(): { images: number; missing: number; errors: number } {
    return this.images.counts();
  }

  // ---------------------------------------------------------------- queries

  listImages(filter: FilterInput, sort: SortOrder = '-date', cursor: string | null = null, limit = 100): Page<ImageSummary> {
    return this.catalog.list(filter, sort, cursor, limit);
  }

  /** `listImages`, with a page whose walk can be long (several large tags) read on another thread. */
  listImagesOffThread(filter: FilterInput, sort: SortOrder = '-date', cursor: string | null = null, limit = 100): Promise<Page<ImageSummary>> {
    return this.catalog.listOffThread(filter, sort, cursor, limit);
  }

  searchText(query: string, filter: FilterInput, limit = 100): (ImageSummary & { score: number })[] {
    return this.catalog.search(query, filter, limit);
  }

  /** The full-text ranking as ids and bm25 scores (higher is better). */
  searchTextIds(query: string, filter: FilterInput, limit = 100): { id: number; score: number }[] {
    return this.catalog.searchIds(query, filter, limit);
  }

  summariesFor(ids: number[], filter: FilterInput = {}): ImageSummary[] {
    return this.catalog.summariesFor(ids, filter);
  }

  /** Which of these images pass a filter, in the order given. */
  idsPassing(ids: number[], filter: FilterInput = {}): number[] {
    return this.catalog.idsPassing(ids, filter);
  }

  idsMatching(filter: FilterInput, limit: number): number[] {
    return this.catalog.idsMatching(filter, limit);
  }

  countMatching(filter: FilterInput): number {
    return this.catalog.count(filter);
  }

  /** `countMatching`, on another thread when not cached: what a page answered with `total: null` waits for. */
  countMatchingInBackground(filter: FilterInput): Promise<number> {
    return this.catalog.countInBackground(filter);
  }

  /** Builds the largest tags' bitmaps on the page worker, ahead of the filters a server will be asked (Catalog.warmTagBitmaps). */
  warmTagBitmaps(): Promise<number> {
    return this.catalog.warmTagBitmaps();
  }

  getImage(id: number): ImageDetail | null {
    return this.catalog.getImage(id);
  }

  listTags(prefix = '', limit = 200): TagCount[] {
    return this.tags.list(prefix, limit);
  }

  listTagsBySource(source: TagSource, prefix = '', limit = 200): TagCount[] {
    return this.tags.listBySource(source, prefix, limit);
  }

  tagCount(name: string): number {
    return this.tags.count(name);
  }

  listCategories(): CategoryCount[] {
    return this.categories.list();
  }

  /** Present images per library folder (directly in it). */
  dirCounts(): { dir: string; count: number }[] {
    return this.catalog.dirCounts();
  }

  /** Distinct values of a generation field (model, sampler, …) with their image counts, most used first. */
  values(field: ValueField): { value: string; count: number }[] {
    return this.catalog.values(field);
  }

  // ---------------------------------------------------------------- AI passes

  setAiTags(entries: { id: number; tags: { name: string; confidence: number }[] }[]): void {
    this.captions.setAiTags(entries);
  }

  captionTargets(after: number, limit: number, all = false): { id: number; path: string }[] {
    return this.captions.targets(after, limit, all);
  }

  /** Embedded images (for `model`) still without the caption a failing captioner did not make. */
  captionRetryTargets(model: string, after: number, limit: number): EmbeddingTask[] {
    return this.captions.retryTargets(model, after, limit);
  }

  needsCaption(ids: number[]): Set<number> {
    return this.captions.needsCaption(ids);
  }

  setAiCaptions(entries: { id: number; caption: string }[]): void {
    this.captions.setAiCaptions(entries);
  }

  // ---------------------------------------------------------------- edits and their journal

  onEdit(listener: EditListener): void {
    this.changes.onEdit(listener);
  }

  recordChange<T>(context: ChangeContext, fn: () => T, compact = false): { value: T; change: number | null } {
    return this.changes.record(context, fn, compact);
  }

  /** An image's tags of source `xmp` become these (a sidecar read again: vv xmp import); journaled inside the caller's change. */
  replaceXmpTags(id: number, names: string[]): void {
    this.batch(() => this.tags.replaceSource(id, 'xmp', names.map((name) => ({ name }))));
  }

  history(limit = 50, before?: number): ChangeSummary[] {
    return this.changes.history(limit, before);
  }

  undo(target: { change?: number; since?: string } = {}, context: ChangeContext = { origin: 'undo' }): UndoResult {
    return this.changes.undo(target, context);
  }

  patchImage(id: number, patch: ImagePatch, context?: ChangeContext): ImageDetail {
    return this.edits.patchImage(id, patch, context);
  }

  patchImages(ids: number[], patch: Pick<ImagePatch, 'tags' | 'favorite' | 'rating' | 'rejected' | 'categories'>, context?: ChangeContext): number {
    return this.edits.patchImages(ids, patch, context);
  }

  createCategory(name: string, context?: ChangeContext): void {
    this.edits.createCategory(name, context);
  }

  deleteCategory(name: string, withContents = false, context?: ChangeContext): boolean {
    return this.edits.deleteCategory(name, withContents, context);
  }

  renameCategory(from: string, to: string, context?: ChangeContext): void {
    this.edits.renameCategory(from, to, context);
  }

  createTagFolder(name: string, context?: ChangeContext): void {
    this.edits.createTagFolder(name, context);
  }

  deleteTagFolder(name: string, context?: ChangeContext): boolean {
    return this.edits.deleteTagFolder(name, context);
  }

  renameTag(from: string, to: string, context?: ChangeContext): void {
    this.edits.renameTag(from, to, context);
  }
}

export type { DerivedTag, ImageFilter };
