/**
 * Library file watching (chokidar): collects added/changed/removed paths and hands them to the
 * scanner in debounced batches, so a move (unlink + add) usually lands in one batch.
 */
import path from 'node:path';
import chokidar, { type FSWatcher } from 'chokidar';
import { toRelative } from './walk.js';

export type ChangeHandler = (paths: string[], removedDirs: string[]) => Promise<void>;

export class LibraryWatcher {
  private readonly watcher: FSWatcher;
  private paths = new Set<string>();
  private removedDirs = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
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
    this.timer = setTimeout(() => this.flush(), this.debounceMs);
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
