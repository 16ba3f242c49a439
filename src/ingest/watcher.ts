/**
 * Library file watching (chokidar): collects added/changed/removed paths and hands them to the
 * scanner in debounced batches, so a move (unlink + add) usually lands in one batch.
 */
import path from 'node:path';
import chokidar, { type FSWatcher } from 'chokidar';
import { toRelative } from './walk.js';

/** How long a batch waits after a folder appears, for chokidar to report the files in it (ms). */
const NEW_FOLDER_HOLD_MS = 1500;

export type ChangeHandler = (paths: string[], removedDirs: string[]) => Promise<void>;

export class LibraryWatcher {
  private readonly watcher: FSWatcher;
  private paths = new Set<string>();
  private removedDirs = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  /** No batch before this time (Date.now()): a folder just appeared. */
  private holdUntil = 0;
  private running: Promise<void> = Promise.resolve();
  /** True once the initial crawl is done and changes are being reported. */
  isReady = false;

  constructor(
    private readonly root: string,
    private readonly debounceMs: number,
    private readonly onChanges: ChangeHandler,
  ) {
    this.watcher = chokidar.watch(root, {
      ignoreInitial: true,
      // Hidden folders (.git, app caches) are not part of the library.
      ignored: (p: string) => path.basename(p).startsWith('.') && p !== root,
      awaitWriteFinish: { stabilityThreshold: 250, pollInterval: 50 },
      followSymlinks: false,
    });
    const file = (p: string) => this.queue(toRelative(root, p));
    this.watcher.on('add', file).on('change', file).on('unlink', file);
    // A new folder's files are reported only after chokidar has crawled it (and their writes have
    // settled): a move into a new folder must not be split from the rest of its batch.
    this.watcher.on('addDir', () => {
      this.holdUntil = Date.now() + Math.max(this.debounceMs, NEW_FOLDER_HOLD_MS);
      this.schedule();
    });
    this.watcher.on('unlinkDir', (p: string) => {
      this.removedDirs.add(toRelative(root, p));
      this.schedule();
    });
    this.watcher.on('error', (err) => console.error(`watcher: ${(err as Error).message}`));
    this.watcher.once('ready', () => (this.isReady = true));
  }

  ready(): Promise<void> {
    return new Promise((resolve) => this.watcher.once('ready', () => resolve()));
  }

  private queue(rel: string): void {
    this.paths.add(rel);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), Math.max(this.debounceMs, this.holdUntil - Date.now()));
  }

  private flush(): void {
    this.timer = null;
    const paths = [...this.paths];
    const dirs = [...this.removedDirs];
    this.paths.clear();
    this.removedDirs.clear();
    if (paths.length === 0 && dirs.length === 0) return;
    this.running = this.running.then(() => this.onChanges(paths, dirs)).catch((err) => console.error(`watcher batch failed: ${(err as Error).message}`));
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.watcher.close();
    await this.running;
  }
}
