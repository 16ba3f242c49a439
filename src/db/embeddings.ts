/**
 * Embedding rows: one L2-normalised float32 vector per (model, image), tied to the content hash it
 * was computed from. The work queue is "present, readable images without a current vector", so a
 * job that dies mid-way resumes where it stopped and never embeds an image twice.
 */
import type { MediaType } from '../metadata/types.js';
import type { Kernel } from './kernel.js';

export interface EmbeddingTask {
  id: number;
  path: string;
  hash: string;
  /** What its frames are: an animation's or video's embedding averages a few of them. */
  media_type: MediaType;
  duration_s: number | null;
  format: string | null;
  frame_count: number | null;
}

/** Images that vanished or came back since a presence-log position, up to `seq`. */
export interface PresenceChanges {
  seq: number;
  removed: number[];
  restored: { id: number; vector: Float32Array }[];
}

export interface EmbeddingResult {
  id: number;
  hash: string;
  vector: Float32Array | null;
  error?: string | null;
}

export function vectorToBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export function blobToVector(b: Buffer | Uint8Array): Float32Array {
  // Copy: a SQLite blob's offset need not be 4-byte aligned.
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float32Array(copy.buffer);
}

/**
 * Image ids a count or a walk for pending work covers per statement: each reads at most this many
 * image rows (~5-15 ms), so the caller can yield between slices (a whole-library statement held the
 * event loop for seconds at 1M; a pass with nothing to embed still walked every row to find nothing).
 */
export const EMBEDDING_SLICE_IDS = 10_000;

// NOT INDEXED: walked by id (the rowid), never through images_by_* (missing = ?) and a sort of every row.
// embeddings_current covers what these statements read of embeddings (`(vector IS NULL)` written
// as it is indexed), so no row with its 2 KB vector is read to count or to find what is pending:
// the planner would take the (model, image_id) key and read the row beside it.
const EMBEDDABLE = 'FROM images i NOT INDEXED WHERE i.id > @after AND i.id <= @upTo AND i.missing = 0 AND i.error IS NULL AND i.hash IS NOT NULL';
const CURRENT = 'EXISTS (SELECT 1 FROM embeddings e INDEXED BY embeddings_current WHERE e.model = @model AND e.image_id = i.id AND e.content_hash = i.hash)';

/** Of the embeddable images in an id range: how many there are, how many have a current vector (or a recorded failure). */
export interface EmbeddingCounts {
  eligible: number;
  done: number;
}

export class EmbeddingStore {
  private readonly s;

  constructor(private readonly kernel: Kernel) {
    this.s = {
      pending: kernel.prepare<{ model: string; after: number; upTo: number; limit: number }, EmbeddingTask>(
        `SELECT i.id, i.path, i.hash, i.media_type, i.duration AS duration_s, i.format, i.frame_count ${EMBEDDABLE} AND NOT ${CURRENT} ORDER BY i.id LIMIT @limit`,
      ),
      counts: kernel.prepare<{ model: string; after: number; upTo: number }, EmbeddingCounts>(
        `SELECT COUNT(*) AS eligible, COALESCE(SUM(${CURRENT}), 0) AS done ${EMBEDDABLE}`,
      ),
      maxImageId: kernel.prepare<[], { id: number | null }>('SELECT MAX(id) AS id FROM images'),
      byContent: kernel.prepare<[string, string], { vector: Buffer }>(
        'SELECT vector FROM embeddings WHERE model = ? AND content_hash = ? AND vector IS NOT NULL LIMIT 1',
      ),
      upsert: kernel.prepare(
        `INSERT INTO embeddings(image_id, model, content_hash, vector, error, created_at) VALUES (@id, @model, @hash, @vector, @error, @now)
         ON CONFLICT(model, image_id) DO UPDATE SET content_hash = excluded.content_hash, vector = excluded.vector, error = excluded.error, created_at = excluded.created_at`,
      ),
      vector: kernel.prepare<[string, number], { vector: Buffer | null }>('SELECT vector FROM embeddings WHERE model = ? AND image_id = ?'),
      allPresent: kernel.prepare<[string], { image_id: number; vector: Buffer }>(
        'SELECT e.image_id, e.vector FROM embeddings e JOIN images i ON i.id = e.image_id WHERE e.model = ? AND e.vector IS NOT NULL AND i.missing = 0 ORDER BY e.image_id',
      ),
      after: kernel.prepare<[string, number, number], { image_id: number; vector: Buffer }>(
        'SELECT image_id, vector FROM embeddings WHERE model = ? AND vector IS NOT NULL AND image_id > ? ORDER BY image_id LIMIT ?',
      ),
      presentCount: kernel.prepare<[string], { n: number }>(
        // Indexes only, no row of either table: it runs as the vector index loads, at every start,
        // where rows out of the page cache cost seconds (100k, cold: 1.9-4.0 s by rowid, 0.4-0.5 s so).
        'SELECT COUNT(*) AS n FROM images i INDEXED BY images_by_rand CROSS JOIN embeddings e INDEXED BY embeddings_current ON e.model = ? AND e.image_id = i.id WHERE i.missing = 0 AND (e.vector IS NULL) = 0',
      ),
      presenceSeq: kernel.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM presence_log'),
      presenceAfter: kernel.prepare<[number, number], { seq: number; image_id: number; missing: number }>(
        'SELECT seq, image_id, missing FROM presence_log WHERE seq > ? ORDER BY seq LIMIT ?',
      ),
      many: kernel.prepare<[string, string], { image_id: number; vector: Buffer }>(
        'SELECT image_id, vector FROM embeddings WHERE model = ? AND vector IS NOT NULL AND image_id IN (SELECT value FROM json_each(?))',
      ),
      generation: kernel.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?'),
      bump: kernel.prepare("INSERT INTO settings(key, value) VALUES (?, '1') ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"),
      forgetFailures: kernel.prepare<{ model: string; reason: string }>(
        'DELETE FROM embeddings INDEXED BY embeddings_current WHERE model = @model AND (vector IS NULL) = 1 AND substr(error, 1, length(@reason)) = @reason',
      ),
      failures: kernel.prepare<[string], { n: number }>(
        'SELECT COUNT(*) AS n FROM embeddings e INDEXED BY embeddings_current JOIN images i ON i.id = e.image_id WHERE e.model = ? AND (e.vector IS NULL) = 1 AND i.missing = 0',
      ),
    };
  }

  /** Next images to embed with an id in (after, upTo], oldest first (one slice: see EMBEDDING_SLICE_IDS). */
  pending(model: string, after: number, upTo: number, limit: number): EmbeddingTask[] {
    return this.s.pending.all({ model, after, upTo, limit });
  }

  /** Embeddable and done images with an id in (after, upTo]. */
  countsIn(model: string, after: number, upTo: number): EmbeddingCounts {
    return this.s.counts.get({ model, after, upTo })!;
  }

  /** The highest image id (ids only grow): where a sliced walk ends. */
  maxImageId(): number {
    return this.s.maxImageId.get()!.id ?? 0;
  }

  /** Present images with a current vector (or a recorded failure) for this model, in one statement (tests, small libraries). */
  doneCount(model: string): number {
    return this.countsIn(model, 0, this.maxImageId()).done;
  }

  /** Forgets the failures whose error starts with `reason` (their images are embedded again by the next pass); how many. */
  forgetFailures(model: string, reason: string): number {
    return this.kernel.write(() => this.s.forgetFailures.run({ model, reason }).changes);
  }

  failedCount(model: string): number {
    return this.s.failures.get(model)!.n;
  }

  /** A vector already computed for identical content (a copy of a file): no second inference. */
  vectorForContent(model: string, contentHash: string): Float32Array | null {
    const row = this.s.byContent.get(model, contentHash);
    return row ? blobToVector(row.vector) : null;
  }

  /** Stores results; every save moves the model's generation on (a saved vector index records the one it reflects). */
  save(model: string, results: EmbeddingResult[]): void {
    // An empty batch must not move the generation: the saved vector index would look stale.
    if (results.length === 0) return;
    const now = new Date().toISOString();
    this.kernel.write(() => {
      for (const r of results) {
        this.s.upsert.run({ id: r.id, model, hash: r.hash, vector: r.vector ? vectorToBlob(r.vector) : null, error: r.error ?? null, now });
      }
      this.s.bump.run(`embeddings_generation:${model}`);
    });
  }

  generation(model: string): string {
    return this.s.generation.get(`embeddings_generation:${model}`)?.value ?? '0';
  }

  vector(model: string, imageId: number): Float32Array | null {
    const row = this.s.vector.get(model, imageId);
    return row?.vector ? blobToVector(row.vector) : null;
  }

  vectors(model: string, imageIds: number[]): Map<number, Float32Array> {
    const out = new Map<number, Float32Array>();
    for (const row of this.s.many.iterate(model, JSON.stringify(imageIds))) out.set(row.image_id, blobToVector(row.vector));
    return out;
  }

  /**
   * Stored vectors after an image id, a page at a time: for work that writes or awaits between
   * pages (an open iterator would hold the connection busy).
   */
  page(model: string, afterId: number, limit: number): { id: number; vector: Float32Array }[] {
    return this.s.after.all(model, afterId, limit).map((r) => ({ id: r.image_id, vector: blobToVector(r.vector) }));
  }

  /** Stored vectors of present images, streamed (the caller must not write until it is done). */
  *allPresent(model: string): Generator<{ id: number; vector: Float32Array }> {
    for (const row of this.s.allPresent.iterate(model)) yield { id: row.image_id, vector: blobToVector(row.vector) };
  }

  /** Stored vectors of present images: what the vector index holds. */
  presentCount(model: string): number {
    return this.s.presentCount.get(model)!.n;
  }

  /** The presence log's last position (0: nothing ever vanished). */
  presenceSeq(): number {
    return this.s.presenceSeq.get()!.seq ?? 0;
  }

  /**
   * Images that vanished or came back after a presence-log position (each image's last change
   * counts), with the stored vectors of those that came back.
   */
  presenceChanges(model: string, afterSeq: number): PresenceChanges {
    const last = new Map<number, boolean>();
    let seq = afterSeq;
    for (;;) {
      const rows = this.s.presenceAfter.all(seq, 10_000);
      if (rows.length === 0) break;
      for (const r of rows) last.set(r.image_id, r.missing === 1);
      seq = rows[rows.length - 1].seq;
    }
    const removed: number[] = [];
    const back: number[] = [];
    for (const [id, missing] of last) (missing ? removed : back).push(id);
    const vectors = back.length ? this.vectors(model, back) : new Map<number, Float32Array>();
    return { seq, removed, restored: [...vectors].map(([id, vector]) => ({ id, vector })) };
  }
}
