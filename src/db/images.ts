/**
 * Image rows as the scan writes them: insert or update from a scanned file (with its metadata,
 * derived tags, sidecar import, problems and full-text row), displace, mark missing; and the
 * lookups the scanner and the thumbnail pass need.
 */
import { folderOf } from '../core/library-paths.js';
import { packRaw } from '../core/raw-chunks.js';
import type { ScanIndexEntry, ScannedFile } from '../core/types.js';
import type { MediaType } from '../metadata/types.js';
import type { Changes } from './changes.js';
import type { FullTextIndex } from './fts.js';
import type { Kernel } from './kernel.js';
import type { ProblemStore } from './problems.js';
import type { Tags } from './tags.js';

const now = () => new Date().toISOString();

function imageParams(file: ScannedFile) {
  const r = file.record;
  return {
    path: file.path,
    filename: file.path.slice(file.path.lastIndexOf('/') + 1),
    dir: folderOf(file.path),
    size: file.size,
    mtime_ms: Math.round(file.mtimeMs),
    hash: file.hash,
    format: r.format,
    pixel_width: r.pixel_width,
    pixel_height: r.pixel_height,
    width: r.width,
    height: r.height,
    created_at: file.createdAt,
    generator: r.generator,
    prompt: r.prompt,
    negative_prompt: r.negative_prompt,
    seed: r.seed,
    steps: r.steps,
    cfg: r.cfg,
    sampler: r.sampler,
    scheduler: r.scheduler,
    model: r.model,
    model_hash: r.model_hash,
    error: r.error ?? null,
    warning_count: r.warnings.length,
    media_type: r.media_type ?? 'image',
    duration: r.duration_s ?? null,
    frame_count: r.frame_count ?? null,
    fps: r.fps ?? null,
    video_codec: r.video_codec ?? null,
    has_audio: r.has_audio === undefined || r.has_audio === null ? null : r.has_audio ? 1 : 0,
    now: now(),
  };
}

export class Images {
  private readonly s;

  constructor(
    private readonly kernel: Kernel,
    private readonly tags: Tags,
    private readonly fts: FullTextIndex,
    private readonly problems: ProblemStore,
    private readonly changes: Changes,
  ) {
    this.s = {
      scanEntryAt: kernel.prepare<[string], { id: number; path: string; size: number; mtime_ms: number; missing: number; hash: string | null }>(
        'SELECT id, path, size, mtime_ms, missing, hash FROM images WHERE path = ?',
      ),
      pathsUnder: kernel.prepare<[string, string], { path: string }>('SELECT path FROM images WHERE path >= ? AND path < ?'),
      byPath: kernel.prepare<[string], { id: number }>('SELECT id FROM images WHERE path = ?'),
      fileOfRow: kernel.prepare<[number], { path: string; hash: string | null }>('SELECT path, hash FROM images WHERE id = ?'),
      rowAtPath: kernel.prepare<[string], { id: number; path: string; hash: string | null; missing: number }>('SELECT id, path, hash, missing FROM images WHERE path = ?'),
      byHash: kernel.prepare<[string], { id: number; path: string; hash: string; missing: number }>('SELECT id, path, hash, missing FROM images WHERE hash = ? ORDER BY missing DESC, id'),
      // A row that lost its path to another image: NUL never occurs in a file name, so the parked path never collides.
      displace: kernel.prepare("UPDATE images SET path = CASE WHEN instr(path, char(0)) > 0 THEN path ELSE path || char(0) || id END, updated_at = ? WHERE id = ?"),
      insert: kernel.prepare(`INSERT INTO images (path, filename, dir, size, mtime_ms, hash, format, pixel_width, pixel_height, width, height,
          created_at, generator, prompt, negative_prompt, seed, steps, cfg, sampler, scheduler, model, model_hash, error, warning_count,
          media_type, duration, frame_count, fps, video_codec, has_audio, rand, indexed_at, updated_at)
        VALUES (@path, @filename, @dir, @size, @mtime_ms, @hash, @format, @pixel_width, @pixel_height, @width, @height,
          @created_at, @generator, @prompt, @negative_prompt, @seed, @steps, @cfg, @sampler, @scheduler, @model, @model_hash, @error, @warning_count,
          @media_type, @duration, @frame_count, @fps, @video_codec, @has_audio, @rand, @now, @now)`),
      update: kernel.prepare(`UPDATE images SET path = @path, filename = @filename, dir = @dir, size = @size, mtime_ms = @mtime_ms, hash = @hash,
          format = @format, pixel_width = @pixel_width, pixel_height = @pixel_height, width = @width, height = @height, created_at = @created_at,
          generator = @generator, prompt = @prompt, negative_prompt = @negative_prompt, seed = @seed, steps = @steps, cfg = @cfg,
          sampler = @sampler, scheduler = @scheduler, model = @model, model_hash = @model_hash, error = @error, warning_count = @warning_count,
          media_type = @media_type, duration = @duration, frame_count = @frame_count, fps = @fps, video_codec = @video_codec, has_audio = @has_audio,
          phash = CASE WHEN hash IS @hash THEN phash END,
          missing = 0, indexed_at = @now, updated_at = @now
        WHERE id = @id`),
      upsertMeta: kernel.prepare(
        'INSERT INTO image_meta(image_id, record, raw, search_text) VALUES (?, ?, ?, ?) ON CONFLICT(image_id) DO UPDATE SET record = excluded.record, raw = excluded.raw, search_text = excluded.search_text',
      ),
      setMissing: kernel.prepare('UPDATE images SET missing = ?, updated_at = ? WHERE id = ?'),
      importXmpRating: kernel.prepare('UPDATE images SET rating = ? WHERE id = ? AND rating = 0'),
      presentPathForHash: kernel.prepare<[string], { path: string }>('SELECT path FROM images WHERE hash = ? AND missing = 0 ORDER BY id LIMIT 1'),
      presentMediaForHash: kernel.prepare<[string], { path: string; media_type: MediaType; duration: number | null; format: string | null }>(
        'SELECT path, media_type, duration, format FROM images WHERE hash = ? AND missing = 0 ORDER BY id LIMIT 1',
      ),
      distinctHashes: kernel.prepare<[], { hash: string; path: string }>(
        'SELECT hash, MIN(path) AS path FROM images WHERE hash IS NOT NULL AND missing = 0 AND error IS NULL GROUP BY hash',
      ),
      counts: kernel.prepare<[], { images: number; missing: number; errors: number }>(
        'SELECT present AS images, missing, errors FROM image_counts WHERE id = 1',
      ),
    };
  }

  /** The scan index's entry of one path (a watcher batch looks up its few paths, not the whole index). */
  scanEntryAt(p: string): ScanIndexEntry | null {
    const r = this.s.scanEntryAt.get(p);
    return r ? { id: r.id, size: r.size, mtimeMs: r.mtime_ms, missing: r.missing === 1, hash: r.hash } : null;
  }

  /** Paths of the rows under a folder (`a/b`: every `a/b/…`), by the path index: '/' + 1 is '0'. */
  pathsUnder(dir: string): string[] {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    return this.s.pathsUnder.all(prefix, `${prefix.slice(0, -1)}0`).map((r) => r.path);
  }

  idForPath(p: string): number | null {
    return this.s.byPath.get(p)?.id ?? null;
  }

  /** The row at a path (present or missing). */
  rowAtPath(p: string): { id: number; path: string; hash: string | null; missing: boolean } | null {
    const r = this.s.rowAtPath.get(p);
    return r ? { ...r, missing: r.missing === 1 } : null;
  }

  /** Rows sharing a content hash, missing ones first: candidates for re-linking a moved file. */
  rowsWithHash(hash: string): { id: number; path: string; hash: string; missing: boolean }[] {
    return this.s.byHash.all(hash).map((r) => ({ ...r, missing: r.missing === 1 }));
  }

  /**
   * Moves rows off their paths (to `<path>\0<id>`) before other rows take those paths: a row whose
   * content moved (it is saved at its new path next) or that lost its path to another image.
   */
  displace(ids: number[]): void {
    const t = now();
    this.kernel.write(() => {
      for (const id of ids) this.s.displace.run(t, id);
    });
  }

  /**
   * Inserts a newly seen file, or stores it into an existing row (its path's own row, or the row of
   * the image it is, moved here); the row's user data stays. The file's problems are kept current.
   */
  saveScanned(file: ScannedFile, existingId: number | null): number {
    return this.kernel.write(() => {
      const params = imageParams(file);
      let id: number;
      const before = existingId !== null ? this.s.fileOfRow.get(existingId) : undefined;
      if (existingId !== null) {
        this.s.update.run({ ...params, id: existingId });
        id = existingId;
      } else {
        id = Number(this.s.insert.run({ ...params, rand: Math.floor(Math.random() * 2 ** 31) }).lastInsertRowid);
      }
      const sameContent = before !== undefined && before.hash === file.hash;
      // A displaced row's path is `<path>\0<id>`: its problems are filed under the real path.
      if (sameContent && before.path.split('\0')[0] !== file.path) this.problems.moveDecodeProblem(before.path.split('\0')[0], file.path);
      const error = file.record.error;
      this.problems.fileRead(file.path, error ? { path: file.path, kind: file.failure ?? 'metadata_error', message: error, size: file.size, mtimeMs: file.mtimeMs } : null, !sameContent);
      this.writeDerived(id, file, existingId === null);
      return id;
    });
  }

  private writeDerived(id: number, file: ScannedFile, isNew: boolean): void {
    const { raw, ...record } = file.record;
    this.s.upsertMeta.run(id, file.recordJson ?? JSON.stringify(record), file.rawPacked ?? packRaw(raw), file.rawText);
    const sidecar = file.tags.some((t) => t.source === 'xmp') || Boolean(file.xmpRating);
    this.tags.replaceDerived(id, sidecar ? file.tags.filter((t) => t.source !== 'xmp') : file.tags, isNew, sidecar);
    if (sidecar) this.importSidecar(id, file);
    this.fts.refresh(id, isNew);
  }

  /** Tags and rating of an XMP sidecar, recorded in the journal (origin xmp) so the import can be undone. */
  private importSidecar(id: number, file: ScannedFile): void {
    this.changes.record({ origin: 'xmp', description: `import XMP sidecar of ${file.path}` }, () => {
      this.tags.replaceSource(id, 'xmp', file.tags.filter((t) => t.source === 'xmp'));
      if (file.xmpRating) this.s.importXmpRating.run(file.xmpRating, id);
    }, true);
  }

  setMissing(ids: number[], missing: boolean): void {
    const t = now();
    this.kernel.write(() => {
      for (const id of ids) this.s.setMissing.run(missing ? 1 : 0, t, id);
    });
  }

  presentPathForHash(hash: string): string | null {
    return this.s.presentPathForHash.get(hash)?.path ?? null;
  }

  /** A present file with this content, with what its thumbnails are made from (a still, an animation's or a video's frames). */
  presentMediaForHash(hash: string): { path: string; media_type: MediaType; duration_s: number | null; format: string | null } | null {
    const r = this.s.presentMediaForHash.get(hash);
    return r ? { path: r.path, media_type: r.media_type, duration_s: r.duration, format: r.format } : null;
  }

  /** Every distinct content hash of a readable present image (thumbnail work list). */
  distinctHashes(): { hash: string; path: string }[] {
    return this.s.distinctHashes.all();
  }

  /** Kept by triggers (migration 18): every status request asks. */
  counts(): { images: number; missing: number; errors: number } {
    return this.s.counts.get()!;
  }
}
