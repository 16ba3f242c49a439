/**
 * Incremental scanner: walk → skip unchanged (size + mtime) → ingest the rest in workers → store.
 * User data follows the image, not the path: files whose path changed content, and new paths with
 * content the index knows, are placed by content once the whole scan is read (identity.ts) — a
 * moved image takes its row (tags, favorite, rating, categories, notes) along. Rows whose file
 * vanished are marked missing, never deleted. One bad file never stops a scan.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../db/store.js';
import type { ScanIndexEntry, ScannedFile } from '../core/types.js';
import type { IngestPool } from './ingest-pool.js';
import { DEFORUM_SETTINGS_SUFFIX, effectiveMtime, findSidecar, findXmpSidecar, INDEXED_EXTENSIONS, isIndexable, SIDECAR_EXTENSIONS, walkLibrary, type WalkedFile } from './walk.js';
import { linkStaysInside, realPathWithin, type LinkLimit } from './boundary.js';
import { libraryOfflineReason, LibraryOfflineError } from './presence.js';
import { placeByContent, type PendingFile } from './identity.js';
import type { NewProblem } from '../db/problems.js';
import { locateFfmpeg } from './ffmpeg.js';
import { SlicedWriter } from './sliced-writer.js';
import { compareWithIndex, recordMatchingFolders, rowsOfFoldersNotWalked } from './folder-compare.js';

/**
 * Files read (or being read) and not yet stored, at most: the workers read faster than a large
 * database takes the rows (index and full-text inserts), and results waiting to be written carry
 * their metadata and raw chunks — unbounded, a 1M scan held 3.4 GB of them.
 */
export const MAX_FILES_HELD = 512;

export interface ScanStats {
  seen: number;
  new: number;
  changed: number;
  moved: number;
  missing: number;
  restored: number;
  unchanged: number;
  failed: number;
  warnings: number;
  skipped: number;
  /** Perceptual hashes computed (the pixel pass after the metadata pass). */
  hashed: number;
  /** Images whose pixels could not be decoded (no perceptual hash, no thumbnail). */
  undecodable: number;
  /** Images whose pixel data is damaged (decoded in part: a hash and thumbnail of what was readable). */
  damaged: number;
  /** Problem files known after the scan (all of them: `vv problems`, GET /api/problems). */
  problems: number;
  /** Part of `seconds` spent in the pixel pass. */
  hashing_seconds: number;
  /** Thumbnails the pixel pass wrote from its decode. */
  thumbnails: number;
  seconds: number;
  files_per_second: number;
}

export interface ScanStatus {
  running: boolean;
  phase: 'idle' | 'walking' | 'indexing' | 'hashing' | 'finishing';
  kind: 'full' | 'watch' | null;
  total: number;
  done: number;
  started_at: string | null;
  finished_at: string | null;
  stats: ScanStats | null;
  failures: { path: string; error: string }[];
  /** The first files indexed with warnings (truncated data, a sidecar not read, …), and what they were. */
  warned: { path: string; warnings: string[] }[];
  /** Why the last scan stopped short (the database stayed locked by another process, …), else null. */
  error: string | null;
}

export interface ScannerOptions {
  /** Folders inside the library never to index (the data dir, when a user puts it there). */
  exclude?: string[];
  onProgress?: (status: ScanStatus) => void;
  /** Results written per transaction (larger: faster scans; smaller: shorter pauses for a server). */
  batchSize?: number;
  /** Decode every new image once for its perceptual hash (default on; off for metadata-only benchmarks). */
  perceptualHashes?: boolean;
  /**
   * Where the pixel pass should write the thumbnail of a content hash from the decode it does
   * anyway (null: none, e.g. thumbnails are only made on demand, or it exists already).
   */
  thumbnailTarget?: (contentHash: string) => string | null;
  /** Follow symlinks that leave the library (default: only those whose real path stays inside). */
  followSymlinks?: boolean;
  /** The library root went away (or is empty while the index holds images): nothing was marked missing. */
  onOffline?: (reason: string) => void;
}

const MAX_REPORTED_FAILURES = 200;
/** Rows a scan adds, changes or loses before it refreshes the planner statistics (Store.optimize). */
const OPTIMIZE_AFTER_CHANGES = 1000;
/** Longest a scan's write transaction runs before it commits and lets the event loop run. */
const WRITE_SLICE_MS = 25;
/** Longest a scan's write blocks the thread waiting for another process's lock; then it waits on a timer. */
const WRITE_LOCK_WAIT_MS = 20;

function emptyStats(): ScanStats {
  return { seen: 0, new: 0, changed: 0, moved: 0, missing: 0, restored: 0, unchanged: 0, failed: 0, warnings: 0, skipped: 0, hashed: 0, undecodable: 0, damaged: 0, problems: 0, hashing_seconds: 0, thumbnails: 0, seconds: 0, files_per_second: 0 };
}

/** A changed sidecar (`x.txt`, `x.json`, `x.png.txt`) stands for the image(s) it describes. */
function withSidecarOwners(root: string, paths: string[]): string[] {
  const out: string[] = [];
  for (const rel of paths) {
    const ext = path.extname(rel).toLowerCase();
    if (!SIDECAR_EXTENSIONS.includes(ext)) {
      out.push(rel);
      continue;
    }
    const base = rel.slice(0, rel.length - ext.length);
    if (isIndexable(base)) out.push(base);
    // `name.xmp` (Lightroom) and `name.txt` belong to `name.<image ext>`; Deforum's `batch_settings.txt` to `batch.mp4`.
    const stems = base.endsWith(DEFORUM_SETTINGS_SUFFIX) ? [base, base.slice(0, -DEFORUM_SETTINGS_SUFFIX.length)] : [base];
    for (const stem of stems) for (const ext of INDEXED_EXTENSIONS) if (fs.existsSync(path.join(root, stem + ext))) out.push(stem + ext);
  }
  return out;
}

export class Scanner {
  readonly root: string;
  status: ScanStatus = { running: false, phase: 'idle', kind: null, total: 0, done: 0, started_at: null, finished_at: null, stats: null, failures: [], warned: [], error: null };
  private stopRequested = false;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    root: string,
    private readonly pool: IngestPool,
    private readonly options: ScannerOptions = {},
  ) {
    this.root = path.resolve(root);
  }

  stop(): void {
    this.stopRequested = true;
  }

  /** Settles when the running scan or watcher batch (and any queued) has ended, however it ended. */
  idle(): Promise<void> {
    return this.chain.then(() => undefined);
  }

  /** Scans and watcher batches run one at a time, in the order requested; a failed one leaves the scanner idle. */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const guarded = () =>
      task().catch((err: unknown) => {
        this.status = { ...this.status, running: false, phase: 'idle', finished_at: new Date().toISOString(), error: (err as Error).message ?? String(err) };
        this.emit();
        throw err;
      });
    const run = this.chain.then(guarded, guarded);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private begin(kind: 'full' | 'watch'): ScanStats {
    this.stopRequested = false;
    const stats = emptyStats();
    this.status = { running: true, phase: 'walking', kind, total: 0, done: 0, started_at: new Date().toISOString(), finished_at: null, stats, failures: [], warned: [], error: null };
    this.emit();
    return stats;
  }

  private end(stats: ScanStats, startedMs: number): ScanStats {
    stats.seconds = Math.round((performance.now() - startedMs)) / 1000;
    stats.files_per_second = stats.seconds > 0 ? Math.round(stats.seen / stats.seconds) : stats.seen;
    this.status = { ...this.status, running: false, phase: 'idle', finished_at: new Date().toISOString(), stats };
    this.emit();
    return stats;
  }

  private emit(): void {
    this.options.onProgress?.(this.status);
  }

  scan(): Promise<ScanStats> {
    return this.exclusive(() => this.fullScan());
  }

  private async fullScan(): Promise<ScanStats> {
    this.store.bulk(true);
    try {
      return await this.fullScanInner();
    } finally {
      this.store.bulk(false);
    }
  }

  /**
   * Null while the library is reachable, else why not (and `onOffline` is told). Called before
   * any row is marked missing: a vanished root must not read as every image deleted.
   */
  offline(): string | null {
    const reason = libraryOfflineReason(this.root, () => this.store.counts().images);
    if (reason) this.options.onOffline?.(reason);
    return reason;
  }

  /** The real root that links must stay inside (null: follow every link). */
  private linkLimit(): LinkLimit {
    return this.options.followSymlinks ? null : (realPathWithin(this.root, null) ?? this.root);
  }

  private async fullScanInner(): Promise<ScanStats> {
    const started = performance.now();
    const offlineReason = this.offline();
    if (offlineReason) throw new LibraryOfflineError(offlineReason);
    const stats = this.begin('full');
    const scanId = this.store.startScan('full');
    const limit = this.linkLimit();
    // Folders whose files have the digest recorded for them are unchanged: the walk leaves their files out.
    const known = this.store.scanIndex.digests();
    const walked = await walkLibrary(this.root, { exclude: this.options.exclude, shouldStop: () => this.stopRequested, limit, knownDigest: (dir) => known.get(dir), threads: this.pool.size });
    stats.skipped = walked.skipped;
    const walkedAt = new Date().toISOString();
    for (const u of walked.unreadable) {
      this.noteFailure(u.path, `folder unreadable: ${u.error}`);
      this.store.problems.record({ path: u.path, kind: 'folder_unreadable', message: `folder unreadable: ${u.error}` });
    }
    for (const b of walked.badNames) {
      const message = `the ${b.folder ? 'folder' : 'file'} name is not valid UTF-8: not indexed (rename it to index it)`;
      this.noteFailure(b.path, message);
      this.store.problems.record({ path: b.path, kind: 'not_utf8_name', message, size: b.size, mtimeMs: b.mtimeMs });
    }
    for (const o of walked.outside) {
      const message = 'symlink to a file outside the library: not followed (--follow-symlinks follows it)';
      this.noteFailure(o, message);
      this.store.problems.record({ path: o, kind: 'outside_library', message });
    }
    const compared = await compareWithIndex(this.store.scanIndex, walked, (p) => this.store.scanEntryAt(p));
    const { seen, restored } = compared;
    stats.seen = walked.folders.reduce((n, f) => n + f.count, 0);
    stats.unchanged = compared.unchanged;
    if (restored.length) {
      this.store.setMissing(restored, false);
      stats.restored += restored.length;
    }
    this.status.phase = 'indexing';
    this.status.total = compared.todo.length;
    this.emit();
    await this.ingestAll(compared.todo, compared.reread, stats, seen, limit, compared.unchangedOnDisk);

    if (!this.stopRequested && !this.offline()) {
      this.status.phase = 'finishing';
      const vanished = [...compared.notFound, ...rowsOfFoldersNotWalked(this.store.scanIndex, walked)].filter((id) => !seen.has(id));
      this.store.setMissing(vanished, true);
      stats.missing += vanished.length;
      await recordMatchingFolders(this.store.scanIndex, walked);
    }
    // After the metadata pass of a large change (the first scan above all): statistics for the
    // requests served while the pixel pass runs.
    if (stats.new + stats.changed + stats.missing >= OPTIMIZE_AFTER_CHANGES) this.store.optimize();
    await this.hashPixels(stats);
    this.store.problems.prune(this.stopRequested ? null : walkedAt);
    stats.problems = this.store.problems.count();
    this.store.finishScan(scanId, { ...stats, stopped: this.stopRequested });
    return this.end(stats, started);
  }

  private noteFailure(p: string, error: string): void {
    if (this.status.failures.length < MAX_REPORTED_FAILURES) this.status.failures.push({ path: p, error });
  }

  /**
   * Reads the files in workers and stores them in batches; files whose identity depends on the rest
   * of the scan (a path with new content, a known content at a new path) are placed at the end.
   * `unchangedOnDisk(path)`: whether a path not read in this scan still holds what the index says.
   * `reread`: the paths read that had a row before: what they hold now is remembered for the
   * placement (a path first indexed in this scan holds what its new row says).
   */
  private async ingestAll(
    todo: WalkedFile[],
    reread: Set<string>,
    stats: ScanStats,
    seen: Set<number>,
    within: LinkLimit,
    unchangedOnDisk: (path: string) => boolean,
  ): Promise<void> {
    const batchSize = Math.min(this.options.batchSize ?? 250, MAX_FILES_HELD);
    let next = 0;
    const pending: PendingFile[] = [];
    const readNow = new Map<string, string | null>();
    let lastEmit = 0;
    // A file the pool could not read at all ends this scan with that error (a write the store could
    // not make, the database staying locked, too: see SlicedWriter).
    let failure = null as { error: unknown } | null;
    // One attempt per slice (busy: the writer tries it again later, the thread free meanwhile).
    const writer = new SlicedWriter<ScannedFile>((files, deadline) => {
      const deferred: PendingFile[] = [];
      let written = 0;
      this.store.tryBatch(() => {
        for (const result of files) {
          this.apply(result, stats, seen, deferred);
          written++;
          if (performance.now() > deadline) break;
        }
      }, WRITE_LOCK_WAIT_MS);
      pending.push(...deferred);
      this.status.done += written;
      wakeReader(); // room for more files
      if (performance.now() - lastEmit > 100) {
        lastEmit = performance.now();
        this.emit();
      }
      return written;
    }, { sliceMs: WRITE_SLICE_MS, lockBudgetMs: this.store.lockBudgetMs(), beforeSlice: () => this.store.walRoom() });
    // A counter and one wake-up promise (Promise.race over hundreds of in-flight jobs costs O(n) per file).
    let active = 0;
    let wake: (() => void) | null = null;
    function wakeReader() {
      const w = wake;
      wake = null;
      w?.();
    }
    const settled = () => {
      active--;
      wakeReader();
    };
    // A drain that ends (queue written, or the writer failed) wakes the reader too.
    const flush = () => void writer.flush().then(wakeReader, wakeReader);
    while ((next < todo.length || active > 0) && !this.stopRequested && !failure && !writer.failed) {
      // Files being read plus results waiting for the writer: reading waits for writing.
      while (next < todo.length && active + writer.length < MAX_FILES_HELD) {
        const file = todo[next++];
        active++;
        this.pool
          .ingest(path.join(this.root, file.rel), file.rel, { sidecar: file.sidecar, xmp: file.xmp, within })
          .then((result) => {
            // A file that failed or timed out is stored with the size and mtime the walk saw, so an
            // unchanged bad file is not read again on every rescan.
            if (result.record.error) result = { ...result, size: file.size, mtimeMs: file.mtimeMs };
            if (reread.has(result.path)) readNow.set(result.path, result.hash);
            writer.push(result);
            if (writer.length >= batchSize) flush();
          })
          .catch((error: unknown) => (failure ??= { error }))
          .finally(settled);
      }
      if (active === 0 && writer.length > 0) flush(); // nothing being read: only the writer can make room
      await new Promise<void>((resolve) => (wake = resolve));
    }
    while (active > 0) await new Promise<void>((resolve) => (wake = resolve));
    if (failure) {
      await writer.abandon();
      throw failure.error;
    }
    await writer.finish();
    this.place(pending, stats, seen, (p, hash) => (readNow.has(p) ? readNow.get(p) === hash : unchangedOnDisk(p)));
    this.emit();
  }

  /** Stores the files whose row is decided by content, once every file of the scan has been read. */
  private place(pending: PendingFile[], stats: ScanStats, seen: Set<number>, holds: (path: string, hash: string) => boolean): void {
    if (pending.length === 0) return;
    const plan = placeByContent(pending, { rowsWithHash: (hash) => this.store.rowsWithHash(hash), holds });
    this.store.batch(() => {
      this.store.displace(plan.displaced);
      this.store.setMissing(plan.orphaned, true);
      for (const id of plan.orphaned) seen.add(id);
      stats.missing += plan.orphaned.length;
      // Moved rows first: a decode problem follows its row before a new image takes the old path.
      for (const p of [...plan.placements].sort((a, b) => Number(b.kind === 'moved') - Number(a.kind === 'moved'))) {
        seen.add(this.store.saveScanned(p.result, p.rowId));
        stats[p.kind]++;
      }
    });
    this.status.done += pending.length;
  }

  /**
   * The pixel pass: a perceptual hash for every image that lacks one, and its thumbnail from the
   * same decode when `thumbnailTarget` asks for it. It runs after the metadata pass (so search
   * works while pixels decode: the decode is ~10× the cost of reading metadata) and resumes where
   * it stopped, as the queue is "rows without a hash".
   */
  private async hashPixels(stats: ScanStats): Promise<void> {
    if (this.options.perceptualHashes === false || this.stopRequested) return;
    // Videos need ffmpeg for a frame: without it they wait (indexed, no poster) until it is there.
    const withVideos = locateFfmpeg().path !== null;
    const total = this.store.duplicates.pendingPhashCount(withVideos);
    if (total === 0) return;
    const started = performance.now();
    this.status.phase = 'hashing';
    this.status.total = total;
    this.status.done = 0;
    this.emit();
    let lastEmit = 0;
    const chunk = Math.max(16, this.pool.size * 32);
    // Two chunks in flight: the workers decode the next one while this thread stores the last, so
    // they never wait for a write or for the slowest image of a chunk.
    const submit = (after: number) => {
      const rows = this.store.duplicates.pendingPhash(after, chunk, withVideos);
      // Two rows with one content (copies) get one thumbnail: the first asks for it.
      const asked = new Set<string>();
      const thumbnailFor = (hash: string | null) => {
        if (!hash || asked.has(hash) || !this.options.thumbnailTarget) return null;
        asked.add(hash);
        return this.options.thumbnailTarget(hash);
      };
      const results = Promise.all(rows.map((r) => this.pool.pixels(path.join(this.root, r.path), thumbnailFor(r.hash), { media_type: r.media_type, duration_s: r.duration_s, format: r.format })));
      return { rows, results };
    };
    let next = submit(0);
    while (!this.stopRequested && next.rows.length > 0) {
      const { rows } = next;
      const current = next.results;
      next = submit(rows[rows.length - 1].id);
      const results = await current;
      const problems: NewProblem[] = [];
      const updates = rows.map((r, n) => {
        const result = results[n];
        const problem = { path: r.path, kind: 'decode_error' as const, size: r.size, mtimeMs: r.mtime_ms };
        if ('hash' in result) {
          if (result.thumbnail) stats.thumbnails++;
          if (result.damaged) {
            stats.damaged++;
            this.noteFailure(r.path, `image data is damaged (decoded in part): ${result.damaged}`);
            problems.push({ ...problem, message: `image data is damaged (decoded in part): ${result.damaged}` });
          }
          return { id: r.id, phash: result.hash };
        }
        stats.undecodable++;
        this.noteFailure(r.path, `pixels cannot be decoded: ${result.error}`);
        problems.push({ ...problem, message: `pixels cannot be decoded: ${result.error}` });
        return { id: r.id, phash: '' };
      });
      await this.store.walRoom()?.catch(() => undefined);
      this.store.duplicates.setPhashes(updates);
      for (const p of problems) this.store.problems.record(p);
      stats.hashed += updates.filter((u) => u.phash).length;
      this.status.done += updates.length;
      if (performance.now() - lastEmit > 100) {
        lastEmit = performance.now();
        this.emit();
      }
    }
    // A stop leaves the chunk already asked for: its images keep no hash and are asked for again next time.
    next.results.catch(() => undefined);
    stats.hashing_seconds = Math.round(performance.now() - started) / 1000;
    this.emit();
  }

  /**
   * Stores one ingested file: re-index its path's row when the content is the same (or unreadable),
   * insert a content never seen; anything else waits for `place` (its identity is decided by content).
   */
  private apply(result: ScannedFile, stats: ScanStats, seen: Set<number>, pending: PendingFile[]): void {
    if (result.record.error) {
      stats.failed++;
      this.noteFailure(result.path, result.record.error);
    } else if (result.record.warnings.length) {
      stats.warnings++;
      if (this.status.warned.length < MAX_REPORTED_FAILURES) this.status.warned.push({ path: result.path, warnings: result.record.warnings });
    }
    const current = this.store.rowAtPath(result.path);
    const decidedByContent = result.hash !== null && (current ? current.hash !== result.hash : this.store.rowsWithHash(result.hash).length > 0);
    if (decidedByContent) {
      pending.push({ result, current });
      return;
    }
    seen.add(this.store.saveScanned(result, current?.id ?? null));
    if (current) stats.changed++;
    else stats.new++;
  }

  /**
   * Watcher batch: paths added/changed/removed (relative), and folders removed. Existing files are
   * ingested (so a move is re-linked by hash); vanished ones are marked missing unless re-linked.
   */
  processChanges(paths: string[], removedDirs: string[] = []): Promise<ScanStats> {
    return this.exclusive(async () => {
      const started = performance.now();
      const stats = this.begin('watch');
      // The batch's paths are looked up one by one (by the path index), not the whole index: a
      // watcher batch of a few files in a 1M library read 1M rows.
      const entries = new Map<string, ScanIndexEntry | null>();
      const entryAt = (rel: string) => {
        if (!entries.has(rel)) entries.set(rel, this.store.scanEntryAt(rel));
        return entries.get(rel) ?? undefined;
      };
      const seen = new Set<number>();
      const todo: WalkedFile[] = [];
      const reread = new Set<string>();
      const gone = new Set<string>();
      const limit = this.linkLimit();
      for (const rel of new Set(withSidecarOwners(this.root, paths))) {
        const abs = path.join(this.root, rel);
        let stat: fs.Stats | null = null;
        try {
          // A file replaced by a link that leaves the library is gone from it.
          stat = linkStaysInside(abs, limit) ? fs.statSync(abs) : null;
        } catch {
          stat = null;
        }
        if (!stat || !stat.isFile()) {
          if (entryAt(rel)) gone.add(rel);
          continue;
        }
        if (!isIndexable(rel)) continue;
        stats.seen++;
        const existing = entryAt(rel);
        const sidecar = findSidecar(abs);
        const xmp = findXmpSidecar(abs);
        const mtimeMs = effectiveMtime(stat.mtimeMs, sidecar, xmp);
        if (existing && existing.size === stat.size && existing.mtimeMs === Math.round(mtimeMs) && !existing.missing) {
          stats.unchanged++;
          continue;
        }
        todo.push({ rel, size: stat.size, mtimeMs, sidecar, xmp });
        if (existing) reread.add(rel);
      }
      for (const dir of removedDirs) {
        for (const rel of this.store.pathsUnder(dir)) {
          if (fs.existsSync(path.join(this.root, rel))) continue;
          gone.add(rel);
          entryAt(rel); // as it was before this batch's writes
        }
      }
      this.status.phase = 'indexing';
      this.status.total = todo.length;
      // Paths outside this batch hold what the index says while their size and mtime are the same.
      const firstIndexed = new Set(todo.filter((f) => !reread.has(f.rel)).map((f) => f.rel));
      const unchangedOnDisk = (rel: string) => {
        // A path first indexed in this batch holds what its new row says (see ingestAll).
        if (firstIndexed.has(rel)) return true;
        const e = entryAt(rel);
        if (!e || e.missing || gone.has(rel)) return false;
        try {
          const abs = path.join(this.root, rel);
          if (!linkStaysInside(abs, limit)) return false;
          const stat = fs.statSync(abs);
          return stat.size === e.size && Math.round(effectiveMtime(stat.mtimeMs, findSidecar(abs), findXmpSidecar(abs))) === e.mtimeMs;
        } catch {
          return false;
        }
      };
      await this.ingestAll(todo, reread, stats, seen, limit, unchangedOnDisk);
      // Rows re-linked in this batch (in `seen`) moved; the others lost their file (unless the whole library went away).
      const vanished: number[] = [];
      if (gone.size === 0 || !this.offline()) {
        for (const rel of gone) {
          const e = entryAt(rel);
          if (e && !e.missing && !seen.has(e.id)) vanished.push(e.id);
        }
      }
      this.store.setMissing(vanished, true);
      stats.missing += vanished.length;
      await this.hashPixels(stats);
      this.store.problems.prune(null);
      stats.problems = this.store.problems.count();
      return this.end(stats, started);
    });
  }
}
