/**
 * Thumbnails: 512 px (longest side) WebP made with sharp, cached in the data dir by content hash so
 * a moved or duplicated file never costs a second thumbnail. Made by the scan's pixel pass, on
 * demand (deduplicated when several requests ask at once) and in the background after a scan.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../db/store.js';
import { previewPath, reducedImage, THUMBNAIL_SIZE, thumbnailPath, writeThumbnail } from './thumbnail-file.js';
import { posterInput, writePreview, type FrameSource } from './media-frames.js';
import { FfmpegError } from './ffmpeg.js';
import { LibraryBoundary } from './boundary.js';

export { THUMBNAIL_SIZE };
const HASH_NAME = /^[0-9a-f]{16}$/;

export class ThumbnailError extends Error {
  constructor(
    /** `no_decoder`: a video while ffmpeg is missing (a placeholder stands in; nothing is cached). */
    readonly code: 'not_found' | 'thumbnail_failed' | 'no_decoder',
    message: string,
  ) {
    super(message);
  }
}

export interface ThumbnailProgress {
  running: boolean;
  done: number;
  total: number;
  failed: number;
}

export class Thumbnails {
  readonly dir: string;
  progress: ThumbnailProgress = { running: false, done: 0, total: 0, failed: 0 };
  private readonly inflight = new Map<string, Promise<string>>();
  private readonly previewsInflight = new Map<string, Promise<string>>();
  private readonly failures = new Map<string, string>();
  private stopRequested = false;

  constructor(
    dataDir: string,
    private readonly store: Store,
    private readonly libraryRoot: string,
    /** Checks the original's real path when it is read (default: the boundary of a library that follows no outside link). */
    private readonly boundary = new LibraryBoundary(libraryRoot, false),
  ) {
    this.dir = path.join(dataDir, 'thumbnails');
    fs.mkdirSync(this.dir, { recursive: true });
  }

  static isHash(hash: string): boolean {
    return HASH_NAME.test(hash);
  }

  fileFor(hash: string): string {
    return thumbnailPath(this.dir, hash);
  }

  has(hash: string): boolean {
    return fs.existsSync(this.fileFor(hash));
  }

  /** Path of the cached thumbnail, generating it if needed. */
  async ensure(hash: string): Promise<string> {
    if (!Thumbnails.isHash(hash)) throw new ThumbnailError('not_found', 'not a thumbnail name');
    const target = this.fileFor(hash);
    if (fs.existsSync(target)) return target;
    const failure = this.failures.get(hash);
    if (failure) throw new ThumbnailError('thumbnail_failed', failure);
    let job = this.inflight.get(hash);
    if (!job) {
      job = this.generate(hash, target).finally(() => this.inflight.delete(hash));
      this.inflight.set(hash, job);
    }
    return job;
  }

  /** The original of a content hash, checked at read time, with what its frames are. */
  private source(hash: string): { rel: string; real: string; media: FrameSource } {
    const found = this.store.presentMediaForHash(hash);
    if (!found) throw new ThumbnailError('not_found', `no image with content hash ${hash}`);
    const rel = found.path;
    // Checked at read time: the file may have been replaced by a link that leaves the library.
    const resolved = this.boundary.resolve(rel);
    if ('refused' in resolved) throw new ThumbnailError('not_found', `${rel} is ${resolved.refused === 'outside' ? 'outside the library now' : resolved.refused === 'offline' ? 'unavailable: the library is offline' : 'no longer in the library'}`);
    return { rel, real: resolved.real, media: { media_type: found.media_type, duration_s: found.duration_s, format: found.format } };
  }

  private async generate(hash: string, target: string): Promise<string> {
    const { rel, real, media } = this.source(hash);
    try {
      await writeThumbnail(reducedImage(await posterInput(real, media)), target);
      return target;
    } catch (err) {
      // Not remembered: once ffmpeg is installed the poster is made.
      if (err instanceof FfmpegError && !err.ran) throw new ThumbnailError('no_decoder', err.message);
      const message = `cannot make a thumbnail of ${rel}: ${(err as Error).message}`;
      this.failures.set(hash, message);
      throw new ThumbnailError('thumbnail_failed', message);
    }
  }

  /** Path of the cached animated preview of an animation or video, generating it if needed. */
  async ensurePreview(hash: string): Promise<string> {
    if (!Thumbnails.isHash(hash)) throw new ThumbnailError('not_found', 'not a preview name');
    const target = previewPath(this.dir, hash);
    if (fs.existsSync(target)) return target;
    const failure = this.failures.get(`preview:${hash}`);
    if (failure) throw new ThumbnailError('thumbnail_failed', failure);
    let job = this.previewsInflight.get(hash);
    if (!job) {
      job = this.generatePreview(hash, target).finally(() => this.previewsInflight.delete(hash));
      this.previewsInflight.set(hash, job);
    }
    return job;
  }

  private async generatePreview(hash: string, target: string): Promise<string> {
    const { rel, real, media } = this.source(hash);
    if (media.media_type === 'image') throw new ThumbnailError('not_found', `${rel} is a still image: it has no animated preview`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      await writePreview(real, media, tmp);
      fs.renameSync(tmp, target);
      return target;
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      if (err instanceof FfmpegError && !err.ran) throw new ThumbnailError('no_decoder', err.message);
      const message = `cannot make an animated preview of ${rel}: ${(err as Error).message}`;
      this.failures.set(`preview:${hash}`, message);
      throw new ThumbnailError('thumbnail_failed', message);
    }
  }

  stop(): void {
    this.stopRequested = true;
  }

  /** Makes every missing thumbnail, a few at a time; progress is readable while it runs. */
  async generateMissing(concurrency = 2): Promise<ThumbnailProgress> {
    if (this.progress.running) return this.progress;
    this.stopRequested = false;
    const todo = this.store.distinctHashes().filter((h) => !this.has(h.hash) && !this.failures.has(h.hash));
    this.progress = { running: true, done: 0, total: todo.length, failed: 0 };
    let next = 0;
    const worker = async () => {
      while (next < todo.length && !this.stopRequested) {
        const { hash } = todo[next++];
        try {
          await this.ensure(hash);
        } catch {
          this.progress.failed++;
        }
        this.progress.done++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    this.progress.running = false;
    return this.progress;
  }
}
