/**
 * The AI side of a vault: the chosen model, its vector index, the embedding job, the query text
 * encoder and the zero-shot tagger. With no model installed every method that needs one throws
 * ModelUnavailableError (the API answers `model_unavailable`); nothing else depends on it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FilterInput, Store } from '../db/store.js';
import type { ImageFilter } from '../core/types.js';
import { QueryTextEncoder } from './query-text-encoder.js';
import { EmbeddingJob, type EmbeddingProgress } from './embedding-job.js';
import type { CaptionerInfo } from './captioner.js';
import { ModelUnavailableError, type ModelInfo } from './models.js';
import { topK, VectorIndex, type VectorHit } from './vector-index.js';
import { loadVocabulary, type Vocabulary } from './vocabulary.js';
import { dot, ZeroShotTagger } from './zero-shot.js';

export interface AiOptions {
  store: Store;
  root: string;
  dataDir: string;
  modelsDir: string;
  /** The model to use, or null when none is installed / chosen. */
  model: ModelInfo | null;
  /** Why there is no model (shown in errors and status). */
  unavailableReason?: string;
  vocabularyFile?: string;
  /** Zero-shot tags on (default). */
  autoTags?: boolean;
  /** Start loading the query text tower (in its thread) now, while the vector index loads. */
  prepareQueries?: boolean;
  batchSize?: number;
  onProgress?: (p: EmbeddingProgress) => void;
  /** Captions for images without a prompt, made in the embedding pass (null: none). */
  captioner?: CaptionerInfo | null;
}

type FailedWork = 'embedding' | 'zero-shot tagging' | 'captions';

/** A filter selecting at most this many images is searched exactly over its own vectors (read from SQLite: ~10 MB at 512-d). */
const EXACT_FILTER_LIMIT = 5_000;
const QUERY_CACHE = 256;

export class AiService {
  readonly model: ModelInfo | null;
  readonly index: VectorIndex | null = null;
  readonly job: EmbeddingJob | null = null;
  private readonly queryEncoder: QueryTextEncoder | null = null;
  private readonly queryCache = new Map<string, Float32Array>();
  private tagger: Promise<ZeroShotTagger | null> | null = null;
  private vocabulary: Vocabulary | null = null;
  /**
   * Failures of background model work by what failed, shown in /api/status (the latest): embedding
   * and tagging ones clear after a clean pass, a captioner's after a pass that captions without error.
   */
  private readonly failures = new Map<FailedWork, { message: string; at: string }>();

  constructor(private readonly o: AiOptions) {
    this.model = o.model;
    if (!o.model) return;
    const { name, dim } = o.model.manifest;
    this.queryEncoder = new QueryTextEncoder(o.model);
    if (o.prepareQueries) void this.queryEncoder.warm();
    const dir = path.join(o.dataDir, 'vectors');
    fs.mkdirSync(dir, { recursive: true });
    this.index = this.openIndex(path.join(dir, `${name}.usearch`), dim);
    this.job = new EmbeddingJob({
      store: o.store,
      root: o.root,
      modelsDir: o.modelsDir,
      model: name,
      index: this.index,
      tagger: () => this.taggerForJob(),
      captioner: o.captioner?.manifest.name ?? null,
      onCaptionError: (message) => this.recordFailure('captions', new Error(message)),
      batchSize: o.batchSize,
      onProgress: o.onProgress,
    });
  }

  get available(): boolean {
    return this.model !== null;
  }

  get modelName(): string | null {
    return this.model?.manifest.name ?? null;
  }

  private requireModel(): ModelInfo {
    if (!this.model) throw new ModelUnavailableError(this.o.unavailableReason ?? 'no CLIP model is installed: see models/README.md (npm run models:download)');
    return this.model;
  }

  private openIndex(file: string, dim: number): VectorIndex {
    const index = new VectorIndex({ file, dim });
    const name = this.model!.manifest.name;
    const embeddings = this.o.store.embeddings;
    index.load({
      generation: embeddings.generation(name),
      presence: embeddings.presenceSeq(),
      count: () => embeddings.presentCount(name),
      rows: () => embeddings.allPresent(name),
      changesSince: (seq) => embeddings.presenceChanges(name, seq),
    });
    return index;
  }

  /** Files that vanished or came back since the last look leave or rejoin the index (one indexed lookup when none did). */
  private syncPresence(): void {
    if (this.index && this.model) this.index.applyPresence(this.o.store.embeddings.presenceChanges(this.model.manifest.name, this.index.presence));
  }

  /** Embedding progress for /api/status; without a model, zeros and the reason. */
  status(): Record<string, unknown> {
    if (!this.job || !this.index) {
      return { available: false, model: null, reason: this.o.unavailableReason ?? 'no model installed', done: 0, total: 0, per_second: 0 };
    }
    this.syncPresence();
    const progress = this.job.refreshCounts();
    const failure = this.latestFailure();
    return {
      available: true,
      ...progress,
      captioner: this.o.captioner?.manifest.name ?? null,
      error: progress.error ?? failure?.message ?? null,
      error_at: failure?.at ?? null,
      index: { size: this.index.size, exact: this.index.exact, rebuilt_because: this.index.rebuiltBecause },
    };
  }

  private recordFailure(what: FailedWork, err: unknown): void {
    const message = `${what}: ${(err as Error)?.message ?? String(err)}`;
    // The same failure again keeps the time it was first seen (error_at: failing since).
    if (this.failures.get(what)?.message !== message) this.failures.set(what, { message, at: new Date().toISOString() });
    // Images embedded while the captioner failed keep their vectors; the next pass captions them.
    console.error(`[vv ai] ${message} (retried on the next pass)`);
  }

  private latestFailure(): { message: string; at: string } | null {
    let latest: { message: string; at: string } | null = null;
    for (const f of this.failures.values()) if (!latest || f.at >= latest.at) latest = f;
    return latest;
  }

  /**
   * Embeds whatever is pending (no-op without a model). Never rejects: a model that fails to load
   * or run is logged and shown in status; what it did not finish stays pending for the next pass.
   */
  async embedPending(): Promise<EmbeddingProgress | null> {
    if (!this.job) return null;
    let clean = true;
    try {
      await this.retagIfVocabularyChanged();
    } catch (err) {
      clean = false;
      this.recordFailure('zero-shot tagging', err);
    }
    let progress: EmbeddingProgress;
    try {
      progress = await this.job.start();
    } catch (err) {
      this.recordFailure('embedding', err);
      return this.job.progress;
    }
    if (progress.error) this.recordFailure('embedding', new Error(progress.error));
    else if (clean && !this.taggerFailed) {
      this.failures.delete('embedding');
      this.failures.delete('zero-shot tagging');
    }
    // A pass with nothing to caption proves nothing about the captioner: its failure stays shown.
    if (!progress.caption_error && progress.captioned + progress.caption_retried > 0) this.failures.delete('captions');
    return progress;
  }

  /** Set while the zero-shot tagger could not be built (its vocabulary could not be embedded). */
  private taggerFailed = false;

  private loadedVocabulary(): Vocabulary {
    this.vocabulary ??= loadVocabulary(this.o.vocabularyFile);
    return this.vocabulary;
  }

  /** The zero-shot tagger, built once; a failure is not kept (the next call tries again). */
  private zeroShot(): Promise<ZeroShotTagger | null> {
    if (this.o.autoTags === false || !this.model) return Promise.resolve(null);
    this.tagger ??= (async () => {
      const vocabulary = this.loadedVocabulary();
      const vectors: Float32Array[] = [];
      const texts = vocabulary.entries.map((e) => e.text);
      for (let i = 0; i < texts.length; i += 64) vectors.push(...(await this.queryEncoder!.embedTexts(texts.slice(i, i + 64))));
      return new ZeroShotTagger(vocabulary.entries, vectors);
    })().then(
      (tagger) => {
        this.taggerFailed = false;
        return tagger;
      },
      (err: unknown) => {
        this.tagger = null;
        this.taggerFailed = true;
        // Images embedded meanwhile get no tags: forget the tag signature so the next pass that
        // builds the tagger re-tags every stored vector.
        this.o.store.setSetting('ai_tags_signature', '');
        throw err;
      },
    );
    return this.tagger;
  }

  /** The tagger for the embedding job: a failure is recorded and the pass goes on without tags. */
  private async taggerForJob(): Promise<ZeroShotTagger | null> {
    try {
      return await this.zeroShot();
    } catch (err) {
      this.recordFailure('zero-shot tagging', err);
      return null;
    }
  }

  /**
   * After the vocabulary (or the model) changed, re-tags every embedded image from its stored
   * vector. The tagger is built only then: building it embeds the whole vocabulary through the text
   * tower (seconds of both cores with a real model), which a start with nothing to re-tag skips.
   */
  private async retagIfVocabularyChanged(): Promise<void> {
    if (this.o.autoTags === false || !this.model) return;
    const signature = `${this.model.manifest.name}:${this.loadedVocabulary().signature}`;
    if (this.o.store.getSetting('ai_tags_signature') === signature) return;
    const tagger = await this.zeroShot();
    if (!tagger) return;
    let after = 0;
    for (;;) {
      const page = this.o.store.embeddings.page(this.model.manifest.name, after, 500);
      if (page.length === 0) break;
      after = page[page.length - 1].id;
      this.o.store.setAiTags(page.map(({ id, vector }) => ({ id, tags: tagger.tagsFor(vector) })));
      // Let requests in between pages.
      await new Promise((r) => setImmediate(r));
    }
    this.o.store.setSetting('ai_tags_signature', signature);
  }

  /** Loads the query text tower in its thread ahead of the first query (a serving vault, at start); resolves when done or failed. */
  prepareQueries(): Promise<void> {
    return this.queryEncoder?.warm() ?? Promise.resolve();
  }

  async textVector(query: string): Promise<Float32Array> {
    this.requireModel();
    const key = query.trim().toLowerCase();
    let v = this.queryCache.get(key);
    if (!v) {
      [v] = await this.queryEncoder!.embedTexts([query]);
      if (this.queryCache.size >= QUERY_CACHE) this.queryCache.delete(this.queryCache.keys().next().value!);
      this.queryCache.set(key, v);
    }
    return v;
  }

  /**
   * The images nearest a vector that pass a filter, best first. A narrow filter is searched
   * exactly over its own vectors (an HNSW top-k could hold none of them); a broad one takes
   * HNSW candidates and filters them.
   */
  nearest(vector: Float32Array, filter: FilterInput, limit: number, exclude?: number): VectorHit[] {
    const model = this.requireModel().manifest.name;
    const index = this.index;
    if (!index) return [];
    this.syncPresence();
    if (index.size === 0) return [];
    // Compiled once: the candidate loop below filters several times.
    const compiled = this.o.store.compileFilter(filter);
    if (!compiled.empty && this.o.store.countMatching(compiled) <= EXACT_FILTER_LIMIT) {
      const ids = this.o.store.idsMatching(compiled, EXACT_FILTER_LIMIT).filter((id) => id !== exclude);
      const vectors = this.o.store.embeddings.vectors(model, ids);
      const withVectors = ids.filter((id) => vectors.has(id));
      return topK(withVectors, withVectors.map((id) => dot(vectors.get(id)!, vector)), limit);
    }
    // The index holds present images only, which is all an empty filter asks: a few spare for the
    // excluded image and files gone since the last presence sync (a wider search costs more: ef
    // grows with k). A real filter drops candidates: four times as many, widened while short.
    let want = Math.min(index.size, compiled.empty ? limit + 16 : Math.max(limit * 4, 64));
    for (;;) {
      const hits = index.search(vector, want).filter((h) => h.id !== exclude);
      const passing = new Set(this.o.store.idsPassing(hits.map((h) => h.id), compiled));
      const kept = hits.filter((h) => passing.has(h.id));
      if (kept.length >= limit || want >= index.size || want >= 8192) return kept.slice(0, limit);
      want = Math.min(index.size, want * 4);
    }
  }

  async semantic(query: string, filter: FilterInput, limit: number): Promise<VectorHit[]> {
    return this.nearest(await this.textVector(query), filter, limit);
  }

  /** Images that look like image `id` (its stored vector as the query). */
  similar(id: number, filter: ImageFilter, limit: number): VectorHit[] {
    const model = this.requireModel().manifest.name;
    const vector = this.o.store.embeddings.vector(model, id);
    if (!vector) throw new ModelUnavailableError(`image ${id} has no embedding yet (the embedding pass has not reached it, or it could not be decoded)`);
    return this.nearest(vector, filter, limit, id);
  }

  vectorsOf(ids: number[]): Map<number, Float32Array> {
    return this.model ? this.o.store.embeddings.vectors(this.model.manifest.name, ids) : new Map();
  }

  async close(): Promise<void> {
    this.job?.stop();
    await this.job?.finished();
    if (this.index?.unsaved && this.model) this.index.save(this.o.store.embeddings.generation(this.model.manifest.name));
    await this.queryEncoder?.close();
  }
}
