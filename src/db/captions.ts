/**
 * What the AI passes write beside the user: captions of images without a prompt (a user's caption
 * wins) and zero-shot (`ai`) tags (a tag the user removed stays removed).
 */
import type { FullTextIndex } from './fts.js';
import type { EmbeddingTask } from './embeddings.js';
import type { Kernel } from './kernel.js';
import type { Tags } from './tags.js';

const now = () => new Date().toISOString();

export class Captions {
  private readonly s;

  constructor(
    private readonly kernel: Kernel,
    private readonly tags: Tags,
    private readonly fts: FullTextIndex,
  ) {
    this.s = {
      source: kernel.prepare<[number], { caption_source: 'ai' | 'user' | null }>('SELECT caption_source FROM images WHERE id = ?'),
      set: kernel.prepare('UPDATE images SET caption = ?, caption_source = ?, updated_at = ? WHERE id = ?'),
      // Present images with no prompt of any kind: those without a caption, or (all) also those with a model's.
      needsCaption: kernel.prepare<[string], { id: number }>(
        `SELECT id FROM images WHERE id IN (SELECT value FROM json_each(?)) AND COALESCE(prompt, '') = '' AND COALESCE(user_prompt, '') = '' AND caption IS NULL`,
      ),
      targets: kernel.prepare<[number, number, number], { id: number; path: string }>(
        `SELECT id, path FROM images WHERE id > ? AND missing = 0 AND COALESCE(prompt, '') = '' AND COALESCE(user_prompt, '') = ''
           AND (caption IS NULL OR (? = 1 AND caption_source = 'ai')) ORDER BY id LIMIT ?`,
      ),
      // Walked by id (the rowid), as the embedding queue is.
      retryTargets: kernel.prepare<{ model: string; after: number; limit: number }, EmbeddingTask>(
        `SELECT i.id, i.path, i.hash, i.media_type, i.duration AS duration_s, i.format, i.frame_count FROM images i NOT INDEXED WHERE i.id > @after AND i.missing = 0 AND i.error IS NULL
           AND COALESCE(i.prompt, '') = '' AND COALESCE(i.user_prompt, '') = '' AND i.caption IS NULL
           AND EXISTS (SELECT 1 FROM embeddings e WHERE e.model = @model AND e.image_id = i.id AND e.content_hash = i.hash AND e.vector IS NOT NULL)
         ORDER BY i.id LIMIT @limit`,
      ),
    };
  }

  /** Images a captioning pass should caption, after id `after` (`all`: also those with a model's caption). */
  targets(after: number, limit: number, all = false): { id: number; path: string }[] {
    return this.s.targets.all(after, all ? 1 : 0, limit);
  }

  /**
   * Images the embedding pass already embedded (a current vector for `model`) that still need a
   * caption: those it could not caption because the captioner failed. The next pass retries them.
   */
  retryTargets(model: string, after: number, limit: number): EmbeddingTask[] {
    return this.s.retryTargets.all({ model, after, limit });
  }

  /** Which of these images have no prompt and no caption yet (the embedding pass captions them). */
  needsCaption(ids: number[]): Set<number> {
    return new Set(this.s.needsCaption.all(JSON.stringify(ids)).map((r) => r.id));
  }

  /** Stores a model's captions (source ai); a caption the user wrote meanwhile is kept. */
  setAiCaptions(entries: { id: number; caption: string }[]): void {
    const t = now();
    this.kernel.write(() => {
      for (const e of entries) {
        if (this.s.source.get(e.id)?.caption_source === 'user') continue;
        this.s.set.run(e.caption, 'ai', t, e.id);
        this.fts.refresh(e.id);
      }
    });
  }

  /** A user's caption (replaces the model's, never regenerated); null clears it. Inside a write. */
  setUserCaption(id: number, caption: string | null, at: string): void {
    this.s.set.run(caption, caption === null ? null : 'user', at, id);
  }

  /**
   * Replaces the zero-shot (`ai`) tags of images. A tag the user removed stays removed (the
   * suppression), and a user's own tag of the same name is kept beside it.
   */
  setAiTags(entries: { id: number; tags: { name: string; confidence: number }[] }[]): void {
    this.kernel.write(() => {
      for (const e of entries) {
        this.tags.replaceSource(e.id, 'ai', e.tags);
        this.fts.refresh(e.id);
      }
    });
  }
}
