/**
 * Queries behind near-duplicate and batch detection: the perceptual-hash work queue and the
 * groupings by prompt / model / seed. Part of the store: SQL stays in src/db/.
 */
import type { MediaType } from '../metadata/types.js';
import type { Kernel } from './kernel.js';

export interface PhashRow {
  id: number;
  hash: string | null;
  phash: string;
}

export interface GroupRow {
  prompt: string;
  model: string | null;
  seed: number | string | null;
  ids: number[];
  variants: number;
}

/** Images listed per group at most (a prompt run 2,000 times is one group, not 2,000 rows). */
const MAX_IDS_PER_GROUP = 200;

function toGroups(rows: { prompt: string; model: string | null; seed?: number | string | null; ids: string; variants: number }[]): GroupRow[] {
  return rows.map((r) => ({ prompt: r.prompt, model: r.model, seed: r.seed ?? null, variants: r.variants, ids: r.ids.split(',').map(Number) }));
}

/** A row the pixel pass still has to decode, with what its frames are. */
export interface PendingPixels {
  id: number;
  path: string;
  hash: string | null;
  size: number;
  mtime_ms: number;
  media_type: MediaType;
  duration_s: number | null;
  format: string | null;
}

export class DuplicateQueries {
  private readonly s;

  constructor(private readonly kernel: Kernel) {
    this.s = {
      // Pinned to the queue index (migration 14): a keyset walk over pending rows only, never a sort.
      // Videos wait (phash NULL) while no frame decoder is available: they are hashed once ffmpeg is there.
      pendingPhash: kernel.prepare<[number, number, number], PendingPixels>(
        "SELECT id, path, hash, size, mtime_ms, media_type, duration AS duration_s, format FROM images INDEXED BY images_phash_pending WHERE phash IS NULL AND missing = 0 AND error IS NULL AND id > ? AND (? OR media_type <> 'video') ORDER BY id LIMIT ?",
      ),
      pendingPhashCount: kernel.prepare<[number], { n: number }>(
        "SELECT COUNT(*) AS n FROM images INDEXED BY images_phash_pending WHERE phash IS NULL AND missing = 0 AND error IS NULL AND (? OR media_type <> 'video')",
      ),
      setPhash: kernel.prepare('UPDATE images SET phash = ? WHERE id = ?'),
      phashes: kernel.prepare<[], PhashRow>("SELECT id, hash, phash FROM images WHERE missing = 0 AND phash IS NOT NULL AND phash <> '' ORDER BY id"),
      phashOf: kernel.prepare<[number], { phash: string | null }>('SELECT phash FROM images WHERE id = ?'),
      // A batch: one prompt and model rendered with several seeds.
      batches: kernel.prepare(
        `SELECT prompt, model, COUNT(DISTINCT seed) AS variants,
           (SELECT group_concat(id) FROM (SELECT j.id FROM images j WHERE j.missing = 0 AND j.prompt = g.prompt AND j.model IS g.model ORDER BY j.seed, j.id LIMIT ${MAX_IDS_PER_GROUP})) AS ids
         FROM images g WHERE missing = 0 AND prompt IS NOT NULL AND prompt <> '' AND seed IS NOT NULL
         GROUP BY prompt, model HAVING COUNT(DISTINCT seed) > 1 ORDER BY MAX(created_at) DESC`,
      ),
      // Hires-fix / upscale pairs: one prompt and seed at several pixel sizes.
      resizes: kernel.prepare(
        `SELECT prompt, model, seed, COUNT(DISTINCT pixel_width || 'x' || pixel_height) AS variants,
           (SELECT group_concat(id) FROM (SELECT j.id FROM images j WHERE j.missing = 0 AND j.prompt = g.prompt AND j.seed = g.seed ORDER BY j.pixel_width * j.pixel_height, j.id LIMIT ${MAX_IDS_PER_GROUP})) AS ids
         FROM images g WHERE missing = 0 AND prompt IS NOT NULL AND prompt <> '' AND seed IS NOT NULL AND pixel_width IS NOT NULL
         GROUP BY prompt, seed HAVING COUNT(DISTINCT pixel_width || 'x' || pixel_height) > 1 ORDER BY MAX(created_at) DESC`,
      ),
    };
  }

  /** Rows without a perceptual hash yet; videos only when `withVideos` (a frame decoder is available). */
  pendingPhash(after: number, limit: number, withVideos = true): PendingPixels[] {
    return this.s.pendingPhash.all(after, withVideos ? 1 : 0, limit);
  }

  pendingPhashCount(withVideos = true): number {
    return this.s.pendingPhashCount.get(withVideos ? 1 : 0)!.n;
  }

  /** '' records an image whose pixels could not be decoded (not retried until its content changes). */
  setPhashes(rows: { id: number; phash: string }[]): void {
    this.kernel.write(() => {
      for (const r of rows) this.s.setPhash.run(r.phash, r.id);
    });
  }

  phashes(): PhashRow[] {
    return this.s.phashes.all();
  }

  phashOf(id: number): string | null {
    return this.s.phashOf.get(id)?.phash || null;
  }

  batches(): GroupRow[] {
    return toGroups(this.s.batches.all() as Parameters<typeof toGroups>[0]);
  }

  resizes(): GroupRow[] {
    return toGroups(this.s.resizes.all() as Parameters<typeof toGroups>[0]);
  }
}
