/**
 * The metadata store: the only module that speaks SQL. better-sqlite3, WAL, statements prepared
 * once, multi-step writes in transactions. Callers get domain functions, never SQL.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { packRaw, unpackRaw } from '../core/raw-chunks.js';
import type { MetadataRecord } from '../metadata/types.js';
import { MIGRATIONS } from './migrations.js';
import { tagKey, tagNameProblem } from '../core/tag-names.js';
import { filterWhere, whereSql, type SqlWhere, type TagStats } from './filters.js';
import { Views } from './views.js';
import { EmbeddingStore } from './embeddings.js';
import { DuplicateQueries } from './duplicates.js';
import { DEFAULT_BUSY_TIMEOUT_MS, WritePath } from './writes.js';
import { describeEdit, INSERT_CATEGORY_SQL, Journal, JournalConflictError, type ChangeContext, type ChangeSummary, type UndoResult } from './journal.js';
import { ProblemStore } from './problems.js';
import type {
  CategoryCount,
  DerivedTag,
  ImageDetail,
  ImageFilter,
  ImagePatch,
  ImageSummary,
  Page,
  ScanIndexEntry,
  ScannedFile,
  SortOrder,
  TagCount,
  TagDetail,
  TagSource,
} from '../core/types.js';

import { ConflictError, InvalidInputError, NotFoundError } from '../core/errors.js';

export interface StoreOptions {
  /** How long a write waits for another process's write lock before retrying (ms). */
  busyTimeoutMs?: number;
}

/** Called after user edits (tags, categories, rating, favorite) with the images they touched. */
export type EditListener = (imageIds: number[]) => void;

/** Tag sources a re-index replaces (user and ai tags are never touched by a scan). */
const DERIVED_SOURCES = ['prompt', 'model', 'xmp'] as const;
// Layout, filters and reports use the pixel size; the generation size (A1111 `Size` before hires fix) is in the record.
const SUMMARY_COLUMNS =
  'i.id, i.filename, i.path, COALESCE(i.pixel_width, i.width) AS width, COALESCE(i.pixel_height, i.height) AS height, i.created_at, i.favorite, i.rating, i.generator, i.prompt, i.user_prompt, i.hash, i.missing, i.size, i.format, i.error';
const FTS_WEIGHTS = 'bm25(images_fts, 10.0, 1.0, 6.0, 3.0, 0.5)';
const RANK_WINDOW = 10_000;

interface SummaryRow {
  id: number;
  filename: string;
  path: string;
  width: number | null;
  height: number | null;
  created_at: string;
  favorite: number;
  rating: number;
  generator: string | null;
  prompt: string | null;
  user_prompt: string | null;
  hash: string | null;
  missing: number;
  size: number;
  format: string | null;
  error: string | null;
}

const now = () => new Date().toISOString();

function encodeCursor(key: unknown, id: number): string {
  return Buffer.from(JSON.stringify([key, id])).toString('base64url');
}

function decodeCursor(cursor: string): [string | number, number] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && (typeof value[0] === 'string' || typeof value[0] === 'number') && Number.isInteger(value[1])) {
      return value as [string | number, number];
    }
  } catch {
    // fall through
  }
  throw new InvalidInputError('cursor is not one this server issued');
}

/** User query → FTS5 expression: every word must match, the last one as a prefix; `-word` excludes. */
export function ftsQuery(query: string): string | null {
  const terms = query.match(/-?"[^"]*"|\S+/g) ?? [];
  const include: string[] = [];
  const exclude: string[] = [];
  for (const raw of terms) {
    const negative = raw.startsWith('-') && raw.length > 1;
    const body = (negative ? raw.slice(1) : raw).replace(/^"|"$/g, '').replace(/"/g, '""').trim();
    if (!body || !/[\p{L}\p{N}]/u.test(body)) continue;
    (negative ? exclude : include).push(`"${body}"`);
  }
  if (include.length === 0) return null;
  if (!/\s/.test(include[include.length - 1])) include[include.length - 1] += '*';
  return include.join(' ') + exclude.map((t) => ` NOT ${t}`).join('');
}

export class Store {
  readonly db: Database.Database;
  private readonly tagIds = new Map<string, number>();
  private readonly dynamic = new Map<string, Database.Statement>();
  private readonly stmts;
  private readonly editListeners: EditListener[] = [];
  readonly views: Views;
  readonly embeddings: EmbeddingStore;
  readonly duplicates: DuplicateQueries;
  /** Every write of the store's modules goes through it (write lock up front, busy retries, one change version). */
  private readonly writes: WritePath;
  readonly journal: Journal;
  /** The change being recorded (edits made while it is open join it). */
  private openChange: { id: number; descriptions: string[] } | null = null;
  readonly problems: ProblemStore;

  private constructor(db: Database.Database) {
    this.db = db;
    this.writes = new WritePath(db);
    // A rolled-back transaction may have created tags this cache remembers.
    this.writes.onRollback(() => this.tagIds.clear());
    this.journal = new Journal(db);
    this.views = new Views(db);
    this.embeddings = new EmbeddingStore(db, this.writes);
    this.duplicates = new DuplicateQueries(db, this.writes);
    this.problems = new ProblemStore(db, this.writes);
    this.stmts = {
      getSetting: db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?'),
      setSetting: db.prepare('INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      scanIndex: db.prepare<[], { id: number; path: string; size: number; mtime_ms: number; missing: number; hash: string | null }>(
        'SELECT id, path, size, mtime_ms, missing, hash FROM images',
      ),
      byPath: db.prepare<[string], { id: number }>('SELECT id FROM images WHERE path = ?'),
      fileOfRow: db.prepare<[number], { path: string; hash: string | null }>('SELECT path, hash FROM images WHERE id = ?'),
      rowAtPath: db.prepare<[string], { id: number; path: string; hash: string | null; missing: number }>('SELECT id, path, hash, missing FROM images WHERE path = ?'),
      byHash: db.prepare<[string], { id: number; path: string; hash: string; missing: number }>('SELECT id, path, hash, missing FROM images WHERE hash = ? ORDER BY missing DESC, id'),
      // A row that lost its path to another image: NUL never occurs in a file name, so the parked path never collides.
      displace: db.prepare("UPDATE images SET path = CASE WHEN instr(path, char(0)) > 0 THEN path ELSE path || char(0) || id END, updated_at = ? WHERE id = ?"),
      insertImage: db.prepare(`INSERT INTO images (path, filename, dir, size, mtime_ms, hash, format, pixel_width, pixel_height, width, height,
          created_at, generator, prompt, negative_prompt, seed, steps, cfg, sampler, scheduler, model, model_hash, error, warning_count,
          rand, indexed_at, updated_at)
        VALUES (@path, @filename, @dir, @size, @mtime_ms, @hash, @format, @pixel_width, @pixel_height, @width, @height,
          @created_at, @generator, @prompt, @negative_prompt, @seed, @steps, @cfg, @sampler, @scheduler, @model, @model_hash, @error, @warning_count,
          @rand, @now, @now)`),
      updateImage: db.prepare(`UPDATE images SET path = @path, filename = @filename, dir = @dir, size = @size, mtime_ms = @mtime_ms, hash = @hash,
          format = @format, pixel_width = @pixel_width, pixel_height = @pixel_height, width = @width, height = @height, created_at = @created_at,
          generator = @generator, prompt = @prompt, negative_prompt = @negative_prompt, seed = @seed, steps = @steps, cfg = @cfg,
          sampler = @sampler, scheduler = @scheduler, model = @model, model_hash = @model_hash, error = @error, warning_count = @warning_count,
          phash = CASE WHEN hash IS @hash THEN phash END,
          missing = 0, indexed_at = @now, updated_at = @now
        WHERE id = @id`),
      upsertMeta: db.prepare(
        'INSERT INTO image_meta(image_id, record, raw, search_text) VALUES (?, ?, ?, ?) ON CONFLICT(image_id) DO UPDATE SET record = excluded.record, raw = excluded.raw, search_text = excluded.search_text',
      ),
      movePath: db.prepare('UPDATE images SET path = ?, filename = ?, dir = ?, missing = 0, updated_at = ? WHERE id = ?'),
      touchFile: db.prepare('UPDATE images SET size = ?, mtime_ms = ?, missing = 0, updated_at = ? WHERE id = ?'),
      setMissing: db.prepare('UPDATE images SET missing = ?, updated_at = ? WHERE id = ?'),
      insertTagName: db.prepare('INSERT INTO tags(name, key) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      tagIdByKey: db.prepare<[string], { id: number }>('SELECT id FROM tags WHERE key = ?'),
      tagKeyById: db.prepare<[number], { key: string | null }>('SELECT key FROM tags WHERE id = ?'),
      deleteDerivedTags: db.prepare(`DELETE FROM image_tags WHERE image_id = ? AND source IN (${DERIVED_SOURCES.map((s) => `'${s}'`).join(',')})`),
      deleteComputedTags: db.prepare("DELETE FROM image_tags WHERE image_id = ? AND source IN ('prompt', 'model')"),
      importXmpRating: db.prepare('UPDATE images SET rating = ? WHERE id = ? AND rating = 0'),
      insertTagFolder: db.prepare('INSERT INTO tag_folders(tag_id, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      deleteTagsOfSource: db.prepare('DELETE FROM image_tags WHERE image_id = ? AND source = ?'),
      insertImageTag: db.prepare(
        'INSERT INTO image_tags(image_id, tag_id, source, confidence) SELECT @image, @tag, @source, @confidence WHERE NOT EXISTS (SELECT 1 FROM tag_suppressions WHERE image_id = @image AND tag_id = @tag) ON CONFLICT DO NOTHING',
      ),
      insertNewImageTag: db.prepare('INSERT INTO image_tags(image_id, tag_id, source, confidence) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING'),
      insertUserTag: db.prepare('INSERT INTO image_tags(image_id, tag_id, source, confidence) VALUES (?, ?, ?, NULL) ON CONFLICT DO NOTHING'),
      removeTag: db.prepare('DELETE FROM image_tags WHERE image_id = ? AND tag_id = ?'),
      sourcesOfTag: db.prepare<[number, number], { source: string }>('SELECT source FROM image_tags WHERE image_id = ? AND tag_id = ?'),
      suppress: db.prepare('INSERT INTO tag_suppressions(image_id, tag_id) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      unsuppress: db.prepare('DELETE FROM tag_suppressions WHERE image_id = ? AND tag_id = ?'),
      tagsOf: db.prepare<[number], { name: string; source: TagSource; confidence: number | null }>(
        'SELECT t.name, it.source, it.confidence FROM image_tags it JOIN tags t ON t.id = it.tag_id WHERE it.image_id = ? ORDER BY it.source, t.name',
      ),
      tagNamesOfMany: db.prepare<[string], { image_id: number; name: string }>(
        'SELECT DISTINCT it.image_id, t.name FROM image_tags it JOIN tags t ON t.id = it.tag_id WHERE it.image_id IN (SELECT value FROM json_each(?)) ORDER BY it.image_id, t.name',
      ),
      ftsSource: db.prepare<[number], { prompt: string | null; negative_prompt: string | null; user_prompt: string | null; caption: string | null; path: string; tags: string | null; search_text: string | null }>(
        `SELECT i.prompt, i.negative_prompt, i.user_prompt, i.caption, i.path,
           (SELECT group_concat(DISTINCT t.name) FROM image_tags it JOIN tags t ON t.id = it.tag_id WHERE it.image_id = i.id) AS tags,
           m.search_text
         FROM images i LEFT JOIN image_meta m ON m.image_id = i.id WHERE i.id = ?`,
      ),
      ftsDelete: db.prepare('DELETE FROM images_fts WHERE rowid = ?'),
      ftsInsert: db.prepare('INSERT INTO images_fts(rowid, prompt, negative_prompt, tags, path, raw) VALUES (?, ?, ?, ?, ?, ?)'),
      detail: db.prepare<[number], SummaryRow & { negative_prompt: string | null; notes: string | null; caption: string | null; caption_source: 'ai' | 'user' | null; mtime_ms: number; record: string | null; raw: string | Uint8Array | null }>(
        `SELECT ${SUMMARY_COLUMNS}, i.negative_prompt, i.notes, i.caption, i.caption_source, i.mtime_ms, m.record, m.raw FROM images i LEFT JOIN image_meta m ON m.image_id = i.id WHERE i.id = ?`,
      ),
      exists: db.prepare<[number], { id: number }>('SELECT id FROM images WHERE id = ?'),
      tagCount: db.prepare<[string], { n: number }>('SELECT c.n FROM tag_counts c JOIN tags t ON t.id = c.tag_id WHERE t.key = ?'),
      presentCount: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM images WHERE missing = 0'),
      categoriesOf: db.prepare<[number], { name: string }>(
        'SELECT c.name FROM image_categories ic JOIN categories c ON c.id = ic.category_id WHERE ic.image_id = ? ORDER BY c.name',
      ),
      insertCategory: db.prepare(INSERT_CATEGORY_SQL),
      categoryId: db.prepare<[string], { id: number }>('SELECT id FROM categories WHERE name = ?'),
      addImageCategory: db.prepare('INSERT INTO image_categories(image_id, category_id, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      removeImageCategory: db.prepare('DELETE FROM image_categories WHERE image_id = ? AND category_id = ?'),
      setUserPrompt: db.prepare('UPDATE images SET user_prompt = ?, updated_at = ? WHERE id = ?'),
      setFavorite: db.prepare('UPDATE images SET favorite = ?, updated_at = ? WHERE id = ?'),
      setRating: db.prepare('UPDATE images SET rating = ?, updated_at = ? WHERE id = ?'),
      setNotes: db.prepare('UPDATE images SET notes = ?, updated_at = ? WHERE id = ?'),
      setCaption: db.prepare('UPDATE images SET caption = ?, caption_source = ?, updated_at = ? WHERE id = ?'),
      // Present images with no prompt of any kind: those without a caption, or (all) also those with a model's.
      needsCaption: db.prepare<[string], { id: number }>(
        `SELECT id FROM images WHERE id IN (SELECT value FROM json_each(?)) AND COALESCE(prompt, '') = '' AND COALESCE(user_prompt, '') = '' AND caption IS NULL`,
      ),
      captionTargets: db.prepare<[number, number, number], { id: number; path: string }>(
        `SELECT id, path FROM images WHERE id > ? AND missing = 0 AND COALESCE(prompt, '') = '' AND COALESCE(user_prompt, '') = ''
           AND (caption IS NULL OR (? = 1 AND caption_source = 'ai')) ORDER BY id LIMIT ?`,
      ),
      presentPathForHash: db.prepare<[string], { path: string }>('SELECT path FROM images WHERE hash = ? AND missing = 0 ORDER BY id LIMIT 1'),
      distinctHashes: db.prepare<[], { hash: string; path: string }>(
        'SELECT hash, MIN(path) AS path FROM images WHERE hash IS NOT NULL AND missing = 0 AND error IS NULL GROUP BY hash',
      ),
      counts: db.prepare<[], { images: number; missing: number; errors: number }>(
        'SELECT COUNT(*) FILTER (WHERE missing = 0) AS images, COUNT(*) FILTER (WHERE missing = 1) AS missing, COUNT(*) FILTER (WHERE error IS NOT NULL AND missing = 0) AS errors FROM images',
      ),
      startScan: db.prepare('INSERT INTO scans(started_at, kind) VALUES (?, ?)'),
      finishScan: db.prepare('UPDATE scans SET finished_at = ?, stats = ? WHERE id = ?'),
      lastScan: db.prepare<[], { started_at: string; finished_at: string | null; stats: string | null; kind: string }>(
        'SELECT started_at, finished_at, stats, kind FROM scans ORDER BY id DESC LIMIT 1',
      ),
      errors: db.prepare<[number], { path: string; error: string }>('SELECT path, error FROM images WHERE error IS NOT NULL AND missing = 0 ORDER BY path LIMIT ?'),
    };
  }

  static open(dataDir: string, options: StoreOptions = {}): Store {
    fs.mkdirSync(dataDir, { recursive: true });
    return Store.openFile(path.join(dataDir, 'vault.db'), options);
  }

  /** Several processes (serve, mount, scan) may open one file at once: every step waits for the others. */
  static openFile(file: string, options: StoreOptions = {}): Store {
    const db = new Database(file, { timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('cache_size = -32000');
    Store.migrate(db);
    return new Store(db);
  }

  /** Each migration under the write lock, re-checking the version: another process may have run it. */
  private static migrate(db: Database.Database): void {
    const writes = new WritePath(db);
    for (const m of MIGRATIONS) {
      if (m.version <= (db.pragma('user_version', { simple: true }) as number)) continue;
      writes.atomic(() => {
        if (m.version <= (db.pragma('user_version', { simple: true }) as number)) return;
        db.exec(m.sql);
        m.after?.(db);
        db.pragma(`user_version = ${m.version}`);
      });
    }
  }

  /** Statements whose SQL depends on the filter shape, prepared once per shape. */
  private prepared(sql: string): Database.Statement {
    let stmt = this.dynamic.get(sql);
    if (!stmt) {
      if (this.dynamic.size > 500) this.dynamic.clear();
      stmt = this.db.prepare(sql);
      this.dynamic.set(sql, stmt);
    }
    return stmt;
  }

  close(): void {
    this.db.close();
  }

  /**
   * Bulk writing (scans): checkpoint the WAL less often while it lasts, then fold it back in.
   * Checkpoints in the middle of a large scan cost more than the writes themselves.
   */
  bulk(on: boolean): void {
    this.db.pragma(`wal_autocheckpoint = ${on ? 20000 : 1000}`);
    if (!on) this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  integrityCheck(): string {
    return this.db.pragma('integrity_check', { simple: true }) as string;
  }

  getSetting(key: string): string | null {
    return this.stmts.getSetting.get(key)?.value ?? null;
  }

  setSetting(key: string, value: string): void {
    this.atomic(() => this.stmts.setSetting.run(key, value));
  }

  // ---------------------------------------------------------------- scanning

  scanIndex(): Map<string, ScanIndexEntry> {
    const map = new Map<string, ScanIndexEntry>();
    for (const r of this.stmts.scanIndex.iterate()) {
      map.set(r.path, { id: r.id, size: r.size, mtimeMs: r.mtime_ms, missing: r.missing === 1, hash: r.hash });
    }
    return map;
  }

  idForPath(p: string): number | null {
    return this.stmts.byPath.get(p)?.id ?? null;
  }

  /** The row at a path (present or missing). */
  rowAtPath(p: string): { id: number; path: string; hash: string | null; missing: boolean } | null {
    const r = this.stmts.rowAtPath.get(p);
    return r ? { ...r, missing: r.missing === 1 } : null;
  }

  /** Rows sharing a content hash, missing ones first: candidates for re-linking a moved file. */
  rowsWithHash(hash: string): { id: number; path: string; hash: string; missing: boolean }[] {
    return this.stmts.byHash.all(hash).map((r) => ({ ...r, missing: r.missing === 1 }));
  }

  /**
   * Moves rows off their paths (to `<path>\0<id>`) before other rows take those paths: a row whose
   * content moved (it is saved at its new path next) or that lost its path to another image.
   */
  displace(ids: number[]): void {
    const t = now();
    this.atomic(() => {
      for (const id of ids) this.stmts.displace.run(t, id);
    });
  }

  /** The tag a name stands for (one per `tagKey`), made on first use with this spelling. */
  private tagId(name: string): number {
    const key = tagKey(name);
    const cached = this.tagIds.get(key);
    if (cached !== undefined) return cached;
    this.stmts.insertTagName.run(name, key);
    const id = this.stmts.tagIdByKey.get(key)!.id;
    this.tagIds.set(key, id);
    return id;
  }

  /** An existing tag's id, or undefined. */
  private existingTagId(name: string): number | undefined {
    return this.stmts.tagIdByKey.get(tagKey(name))?.id;
  }

  /** `tagId` for a name a user gave (API, mount): refused when it breaks the tag-name rules. */
  private userTagId(name: string): number {
    const problem = tagNameProblem(name);
    if (problem) throw new InvalidInputError(`tag ${JSON.stringify(name)}: ${problem}`);
    return this.tagId(name);
  }

  private imageParams(file: ScannedFile) {
    const r: MetadataRecord = file.record;
    const slash = file.path.lastIndexOf('/');
    return {
      path: file.path,
      filename: file.path.slice(slash + 1),
      dir: slash < 0 ? '' : file.path.slice(0, slash),
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
      now: now(),
    };
  }

  private writeDerived(id: number, file: ScannedFile, isNew: boolean): void {
    const { raw, ...record } = file.record;
    this.stmts.upsertMeta.run(id, file.recordJson ?? JSON.stringify(record), file.rawPacked ?? packRaw(raw), file.rawText);
    const sidecar = file.tags.some((t) => t.source === 'xmp') || Boolean(file.xmpRating);
    const computed = sidecar ? file.tags.filter((t) => t.source !== 'xmp') : file.tags;
    if (isNew) {
      for (const tag of computed) this.stmts.insertNewImageTag.run(id, this.tagId(tag.name), tag.source, tag.confidence ?? null);
    } else {
      // An existing row may carry suppressions: derived tags the user removed stay removed.
      (sidecar ? this.stmts.deleteComputedTags : this.stmts.deleteDerivedTags).run(id);
      for (const tag of computed) this.stmts.insertImageTag.run({ image: id, tag: this.tagId(tag.name), source: tag.source, confidence: tag.confidence ?? null });
    }
    if (sidecar) this.importSidecar(id, file);
    this.refreshFts(id, isNew);
  }

  /** Tags and rating of an XMP sidecar, recorded in the journal (origin xmp) so the import can be undone. */
  private importSidecar(id: number, file: ScannedFile): void {
    this.recordChange({ origin: 'xmp', description: `import XMP sidecar of ${file.path}` }, () => {
      this.stmts.deleteTagsOfSource.run(id, 'xmp');
      for (const tag of file.tags) {
        if (tag.source === 'xmp') this.stmts.insertImageTag.run({ image: id, tag: this.tagId(tag.name), source: 'xmp', confidence: tag.confidence ?? null });
      }
      if (file.xmpRating) this.stmts.importXmpRating.run(file.xmpRating, id);
    }, true);
  }

  /** A number that changes whenever any connection changes the data (for caches of derived views). */
  dataVersion(): string {
    return this.writes.dataVersion();
  }

  onEdit(listener: EditListener): void {
    this.editListeners.push(listener);
  }

  private edited(ids: number[]): void {
    if (ids.length) for (const l of this.editListeners) l(ids);
  }

  /** Runs fn as one write transaction (write lock up front, retried when busy), or inside the caller's. */
  private atomic<T>(fn: () => T): T {
    return this.writes.atomic(fn);
  }

  /** Several store writes as one transaction: one lock, one commit (the scanner's batches). */
  batch<T>(fn: () => T): T {
    return this.writes.atomic(fn);
  }

  // ---------------------------------------------------------------- journal (vv history, vv undo)

  /**
   * Runs fn as one recorded change: every organizing write it makes (through any store method) is
   * journaled in the same transaction, under one change id. Inside an open change, fn joins it.
   * `change` is null when nothing was changed.
   */
  recordChange<T>(context: ChangeContext, fn: () => T, compact = false): { value: T; change: number | null } {
    if (this.openChange) {
      if (context.description) this.openChange.descriptions.push(context.description);
      return { value: fn(), change: this.openChange.id };
    }
    let change: number | null = null;
    const value = this.atomic(() => {
      const open = { id: this.journal.open(context, now()), descriptions: [] as string[] };
      this.openChange = open;
      let result: T;
      try {
        result = fn();
      } catch (err) {
        this.journal.abandon(open.id);
        throw err;
      } finally {
        this.openChange = null;
      }
      change = this.journal.close(open.id, context.description ?? (open.descriptions.join('; ') || context.origin), compact);
      return result;
    });
    return { value, change };
  }

  /** An edit method's body: joins the open change, or records its own (origin from the caller, api by default). */
  private journaled<T>(description: string, context: ChangeContext | undefined, fn: () => T): T {
    if (this.openChange) {
      this.openChange.descriptions.push(description);
      return fn();
    }
    return this.recordChange({ origin: context?.origin ?? 'api', description: context?.description ?? description }, fn).value;
  }

  /** Recorded changes, newest first (ids below `before`, when given). */
  history(limit = 50, before?: number): ChangeSummary[] {
    return this.journal.list(limit, before);
  }

  /**
   * Reverses recorded changes, newest first: one change by id, every change since a time (back to
   * the state at that time), or by default the latest change not yet undone that is not an undo.
   * The reversal is itself a change (origin undo): undoing it redoes.
   */
  undo(target: { change?: number; since?: string } = {}, context: ChangeContext = { origin: 'undo' }): UndoResult {
    let since: string | undefined;
    if (target.since !== undefined) {
      const t = Date.parse(target.since);
      if (!/^\d{4}-\d{2}-\d{2}/.test(target.since) || Number.isNaN(t)) throw new InvalidInputError(`not an ISO 8601 time: ${target.since}`);
      since = new Date(t).toISOString();
    }
    const touched = new Set<number>();
    let targets: ChangeSummary[] = [];
    const { change } = this.recordChange({ origin: context.origin, description: context.description }, () => {
      // Chosen inside the transaction (which holds the write lock from its first write on): a
      // change another process records meanwhile is either reversed too or not yet there.
      const undoId = this.openChange!.id;
      let description: string;
      if (target.change !== undefined) {
        const c = this.journal.get(target.change);
        if (!c) throw new NotFoundError(`no change ${target.change}`);
        if (c.undone_by !== null) throw new ConflictError(`change ${c.id} was already undone by change ${c.undone_by} (undo that one to redo it)`);
        targets = [c];
        description = `undo ${c.id}: ${c.description}`;
      } else if (since !== undefined) {
        targets = this.journal.since(since).filter((c) => c.id !== undoId);
        description = `undo since ${since}: ${targets.length} change${targets.length === 1 ? '' : 's'}`;
      } else {
        const latest = this.journal.latestUndoable();
        targets = latest && latest.id !== undoId ? [latest] : [];
        description = latest ? `undo ${latest.id}: ${latest.description}` : 'undo';
      }
      this.openChange!.descriptions.push(description);
      const at = now();
      for (const c of targets) {
        try {
          for (const image of this.journal.reverse(c.id, { tagId: (id, name) => this.tagForJournal(id, name) }, at)) touched.add(image);
        } catch (err) {
          throw err instanceof JournalConflictError ? new ConflictError(`change ${c.id}: ${err.message}`) : err;
        }
        this.journal.markUndone(c, undoId);
      }
      this.journal.setReverts(undoId, targets.map((c) => c.id));
      for (const image of touched) this.refreshFts(image);
    });
    this.edited([...touched]);
    return { change, reversed: targets.map((c) => this.journal.get(c.id)!) };
  }

  /** A journal row's tag: the recorded id while that tag still stands for the name, else the tag of that name (made again). */
  private tagForJournal(recordedId: number, name: string): number {
    const row = this.stmts.tagKeyById.get(recordedId);
    return row && row.key === tagKey(name) ? recordedId : this.tagId(name);
  }

  /**
   * Inserts a newly seen file, or stores it into an existing row (its path's own row, or the row of
   * the image it is, moved here); the row's user data stays. The file's problems are kept current.
   */
  saveScanned(file: ScannedFile, existingId: number | null): number {
    return this.atomic(() => {
      const params = this.imageParams(file);
      let id: number;
      const before = existingId !== null ? this.stmts.fileOfRow.get(existingId) : undefined;
      if (existingId !== null) {
        this.stmts.updateImage.run({ ...params, id: existingId });
        id = existingId;
      } else {
        id = Number(this.stmts.insertImage.run({ ...params, rand: Math.floor(Math.random() * 2 ** 31) }).lastInsertRowid);
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

  /** A known file found at a new path (moved/renamed): the row, with all user data, follows it. */
  relink(id: number, newPath: string, size: number, mtimeMs: number): void {
    this.atomic(() => {
      const slash = newPath.lastIndexOf('/');
      this.stmts.movePath.run(newPath, newPath.slice(slash + 1), slash < 0 ? '' : newPath.slice(0, slash), now(), id);
      this.stmts.touchFile.run(size, Math.round(mtimeMs), now(), id);
      this.refreshFts(id);
    });
  }

  setMissing(ids: number[], missing: boolean): void {
    const t = now();
    this.atomic(() => {
      for (const id of ids) this.stmts.setMissing.run(missing ? 1 : 0, t, id);
    });
  }

  refreshFts(id: number, isNew = false): void {
    const row = this.stmts.ftsSource.get(id);
    if (!isNew) this.stmts.ftsDelete.run(id);
    if (!row) return;
    const prompt = [row.prompt, row.user_prompt, row.caption].filter(Boolean).join('\n');
    this.stmts.ftsInsert.run(id, prompt, row.negative_prompt ?? '', (row.tags ?? '').replace(/,/g, ' , '), row.path, row.search_text ?? '');
  }

  startScan(kind: string): number {
    return this.atomic(() => Number(this.stmts.startScan.run(now(), kind).lastInsertRowid));
  }

  finishScan(id: number, stats: unknown): void {
    this.atomic(() => this.stmts.finishScan.run(now(), JSON.stringify(stats), id));
  }

  lastScan(): { started_at: string; finished_at: string | null; stats: unknown; kind: string } | null {
    const row = this.stmts.lastScan.get();
    return row ? { ...row, stats: row.stats ? JSON.parse(row.stats) : null } : null;
  }

  fileErrors(limit = 1000): { path: string; error: string }[] {
    return this.stmts.errors.all(limit);
  }

  // ---------------------------------------------------------------- queries

  private summaries(rows: SummaryRow[]): ImageSummary[] {
    if (rows.length === 0) return [];
    const tags = new Map<number, string[]>();
    for (const t of this.stmts.tagNamesOfMany.iterate(JSON.stringify(rows.map((r) => r.id)))) {
      const list = tags.get(t.image_id);
      if (list) list.push(t.name);
      else tags.set(t.image_id, [t.name]);
    }
    return rows.map((r) => ({
      id: r.id,
      filename: r.filename,
      path: r.path,
      width: r.width,
      height: r.height,
      created_at: r.created_at,
      favorite: r.favorite === 1,
      rating: r.rating,
      tags: tags.get(r.id) ?? [],
      generator: r.generator,
      prompt: r.user_prompt ?? r.prompt,
      hash: r.hash,
      missing: r.missing === 1,
      size: r.size,
      format: r.format,
      error: r.error,
    }));
  }

  private tagStats(): TagStats {
    return { tagCount: (name) => this.tagCount(name), total: this.stmts.presentCount.get()!.n };
  }

  private readonly countCache = new Map<string, number>();

  /** Matching-row count for a filter, cached until the data changes (paging a query counts once). */
  private countFor(filter: ImageFilter, where: SqlWhere): number {
    const missing = filter.missing ?? 'exclude';
    const keys = Object.entries(filter).filter(([k, v]) => v !== undefined && k !== 'missing');
    if (keys.length === 0 && missing === 'exclude') return this.stmts.presentCount.get()!.n;
    if (keys.length === 1 && filter.tags?.length === 1 && missing === 'exclude') return this.tagCount(filter.tags[0]);
    const key = `${this.dataVersion()}:${where.clauses.join(' AND ')}:${JSON.stringify(where.params)}`;
    const cached = this.countCache.get(key);
    if (cached !== undefined) return cached;
    const n = (this.prepared(`SELECT COUNT(*) AS n FROM images i ${whereSql(where)}`).get(...where.params) as { n: number }).n;
    if (this.countCache.size > 200) this.countCache.clear();
    this.countCache.set(key, n);
    return n;
  }

  listImages(filter: ImageFilter, sort: SortOrder = '-date', cursor: string | null = null, limit = 100): Page<ImageSummary> {
    const where = filterWhere(filter, this.tagStats());
    const total = this.countFor(filter, where);
    const keyColumn = sort === 'random' ? 'i.rand' : 'i.created_at';
    const descending = sort === '-date';
    const pageWhere = { clauses: [...where.clauses], params: [...where.params] };
    if (cursor) {
      const [key, id] = decodeCursor(cursor);
      pageWhere.clauses.push(`(${keyColumn}, i.id) ${descending ? '<' : '>'} (?, ?)`);
      pageWhere.params.push(key, id);
    }
    const order = descending ? 'DESC' : 'ASC';
    const rows = this
      .prepared(`SELECT ${SUMMARY_COLUMNS}, ${keyColumn} AS sort_key FROM images i ${whereSql(pageWhere)} ORDER BY ${keyColumn} ${order}, i.id ${order} LIMIT ?`)
      .all(...pageWhere.params, limit + 1) as (SummaryRow & { sort_key: string | number })[];
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    return { items: this.summaries(page), next_cursor: more && last ? encodeCursor(last.sort_key, last.id) : null, total };
  }

  /**
   * Full-text search (FTS5 bm25) with the same filters; score is higher for better matches.
   * A term found in more than RANK_WINDOW images (`masterpiece`) is ranked among its RANK_WINDOW
   * most recently indexed matches: bm25 over every match costs ~70 ms at 100k images, and scores
   * of a term every image shares differ only by prompt length.
   */
  searchText(query: string, filter: ImageFilter, limit = 100): (ImageSummary & { score: number })[] {
    const match = ftsQuery(query);
    if (!match) return [];
    const where = filterWhere(filter, this.tagStats());
    const edge = this.prepared('SELECT rowid FROM images_fts WHERE images_fts MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?').get(match, RANK_WINDOW - 1) as { rowid: number } | undefined;
    if (edge) {
      where.clauses.unshift('images_fts.rowid >= ?');
      where.params.unshift(edge.rowid);
    }

    const unfiltered = Object.entries(filter).every(([k, v]) => v === undefined || (k === 'missing' && v === 'exclude'));
    let rows: (SummaryRow & { score: number })[] | null = null;
    if (unfiltered) {
      // Rank inside the full-text index first, then fetch rows: joining every match before sorting
      // costs 3× more. A few extra candidates cover matches whose file went missing.
      const inner = limit + 64;
      rows = this
        .prepared(
          `SELECT ${SUMMARY_COLUMNS}, -f.rank AS score FROM (SELECT rowid, ${FTS_WEIGHTS} AS rank FROM images_fts WHERE images_fts MATCH ? ${edge ? 'AND rowid >= ?' : ''} ORDER BY rank LIMIT ?) f
           JOIN images i ON i.id = f.rowid WHERE i.missing = 0 ORDER BY f.rank LIMIT ?`,
        )
        .all(match, ...(edge ? [edge.rowid] : []), inner, limit) as (SummaryRow & { score: number })[];
      if (rows.length < limit) {
        const matches = (this.prepared('SELECT COUNT(*) AS n FROM images_fts WHERE images_fts MATCH ?').get(match) as { n: number }).n;
        if (rows.length < Math.min(limit, matches)) rows = null; // missing files crowded the candidates out
      }
    }
    if (!rows) {
      where.clauses.unshift('images_fts MATCH ?');
      where.params.unshift(match);
      rows = this
        .prepared(
          `SELECT ${SUMMARY_COLUMNS}, -${FTS_WEIGHTS} AS score FROM images_fts JOIN images i ON i.id = images_fts.rowid ${whereSql(where)} ORDER BY ${FTS_WEIGHTS} LIMIT ?`,
        )
        .all(...where.params, limit) as (SummaryRow & { score: number })[];
    }
    const summaries = this.summaries(rows);
    return summaries.map((s, n) => ({ ...s, score: Math.round(rows[n].score * 1e6) / 1e6 }));
  }

  /**
   * Summaries of the given images that pass a filter, in the order given (ranked candidates from
   * the vector index; the filter is the same one /api/images applies).
   */
  summariesFor(ids: number[], filter: ImageFilter = {}): ImageSummary[] {
    if (ids.length === 0) return [];
    const where = filterWhere(filter, this.tagStats());
    where.clauses.unshift('i.id IN (SELECT value FROM json_each(?))');
    where.params.unshift(JSON.stringify(ids));
    const rows = this.prepared(`SELECT ${SUMMARY_COLUMNS} FROM images i ${whereSql(where)}`).all(...where.params) as SummaryRow[];
    const byId = new Map(this.summaries(rows).map((s) => [s.id, s]));
    return ids.map((id) => byId.get(id)).filter((s): s is ImageSummary => s !== undefined);
  }

  /** Ids of the images a filter selects, up to a limit (exact vector search inside a narrow filter). */
  idsMatching(filter: ImageFilter, limit: number): number[] {
    const where = filterWhere(filter, this.tagStats());
    return (this.prepared(`SELECT i.id FROM images i ${whereSql(where)} LIMIT ?`).all(...where.params, limit) as { id: number }[]).map((r) => r.id);
  }

  /** Matching-row count for a filter (cached like listImages totals). */
  countMatching(filter: ImageFilter): number {
    return this.countFor(filter, filterWhere(filter, this.tagStats()));
  }

  /**
   * Replaces the zero-shot (`ai`) tags of images. A tag the user removed stays removed (the
   * suppression), and a user's own tag of the same name is kept beside it.
   */
  setAiTags(entries: { id: number; tags: { name: string; confidence: number }[] }[]): void {
    this.atomic(() => {
      for (const e of entries) {
        this.stmts.deleteTagsOfSource.run(e.id, 'ai');
        for (const t of e.tags) this.stmts.insertImageTag.run({ image: e.id, tag: this.tagId(t.name), source: 'ai', confidence: t.confidence });
        this.refreshFts(e.id);
      }
    });
  }

  /** Images a captioning pass should caption, after id `after` (see captionTargets). */
  captionTargets(after: number, limit: number, all = false): { id: number; path: string }[] {
    return this.stmts.captionTargets.all(after, all ? 1 : 0, limit);
  }

  /** Which of these images have no prompt and no caption yet (the embedding pass captions them). */
  needsCaption(ids: number[]): Set<number> {
    return new Set(this.stmts.needsCaption.all(JSON.stringify(ids)).map((r) => r.id));
  }

  /** Stores a model's captions (source ai); a caption the user wrote meanwhile is kept. */
  setAiCaptions(entries: { id: number; caption: string }[]): void {
    const t = now();
    this.atomic(() => {
      for (const e of entries) {
        if (this.stmts.detail.get(e.id)?.caption_source === 'user') continue;
        this.stmts.setCaption.run(e.caption, 'ai', t, e.id);
        this.refreshFts(e.id);
      }
    });
  }

  getImage(id: number): ImageDetail | null {
    const row = this.stmts.detail.get(id);
    if (!row) return null;
    const [summary] = this.summaries([row]);
    const tagDetails: TagDetail[] = this.stmts.tagsOf.all(id).map((t) => ({ name: t.name, source: t.source, confidence: t.confidence }));
    return {
      ...summary,
      params: row.record ? (JSON.parse(row.record) as MetadataRecord) : null,
      raw: unpackRaw(row.raw),
      tag_details: tagDetails,
      categories: this.stmts.categoriesOf.all(id).map((c) => c.name),
      notes: row.notes,
      caption: row.caption === null ? null : { text: row.caption, source: row.caption_source ?? 'ai' },
      user_prompt: row.user_prompt,
      extracted_prompt: row.prompt,
      error: row.error,
      mtime_ms: row.mtime_ms,
    };
  }

  private categoryId(name: string, create: boolean): number | null {
    if (create) this.stmts.insertCategory.run(name, now());
    return this.stmts.categoryId.get(name)?.id ?? null;
  }

  /** Applies a user edit atomically. Removing a derived tag is remembered so rescans do not bring it back. */
  patchImage(id: number, patch: ImagePatch, context?: ChangeContext): ImageDetail {
    this.journaled(describeEdit(`image ${id}`, patch), context, () => {
      if (!this.stmts.exists.get(id)) throw new NotFoundError(`image ${id} does not exist`);
      const t = now();
      if (patch.tags) this.patchImageTags(id, patch.tags.add ?? [], patch.tags.remove ?? []);
      if (patch.prompt !== undefined) this.stmts.setUserPrompt.run(patch.prompt, t, id);
      if (patch.favorite !== undefined) this.stmts.setFavorite.run(patch.favorite ? 1 : 0, t, id);
      if (patch.rating !== undefined) this.stmts.setRating.run(patch.rating, t, id);
      if (patch.notes !== undefined) this.stmts.setNotes.run(patch.notes, t, id);
      // A user's caption replaces the model's and is never regenerated; null clears it (a later pass captions again).
      if (patch.caption !== undefined) this.stmts.setCaption.run(patch.caption, patch.caption === null ? null : 'user', t, id);
      for (const name of patch.categories?.add ?? []) this.stmts.addImageCategory.run(id, this.categoryId(name, true), t);
      for (const name of patch.categories?.remove ?? []) {
        const categoryId = this.categoryId(name, false);
        if (categoryId !== null) this.stmts.removeImageCategory.run(id, categoryId);
      }
      if (patch.prompt !== undefined || patch.caption !== undefined) this.refreshFts(id);
    });
    if (patch.tags || patch.categories || patch.rating !== undefined || patch.favorite !== undefined) this.edited([id]);
    return this.getImage(id)!;
  }

  /**
   * One edit on many images in one transaction (the gallery's batch actions): tags, favorite,
   * rating, categories. Returns how many of the ids exist.
   */
  patchImages(ids: number[], patch: Pick<ImagePatch, 'tags' | 'favorite' | 'rating' | 'categories'>, context?: ChangeContext): number {
    const done = this.journaled(describeEdit(`${ids.length} image${ids.length === 1 ? '' : 's'}`, patch), context ?? { origin: 'batch' }, () => {
      const t = now();
      const add = (patch.categories?.add ?? []).map((name) => this.categoryId(name, true)!);
      const remove = (patch.categories?.remove ?? []).map((name) => this.categoryId(name, false)).filter((c): c is number => c !== null);
      const existing: number[] = [];
      for (const id of ids) {
        if (!this.stmts.exists.get(id)) continue;
        existing.push(id);
        if (patch.tags) this.patchImageTags(id, patch.tags.add ?? [], patch.tags.remove ?? []);
        if (patch.favorite !== undefined) this.stmts.setFavorite.run(patch.favorite ? 1 : 0, t, id);
        if (patch.rating !== undefined) this.stmts.setRating.run(patch.rating, t, id);
        for (const c of add) this.stmts.addImageCategory.run(id, c, t);
        for (const c of remove) this.stmts.removeImageCategory.run(id, c);
      }
      return existing;
    });
    this.edited(done);
    return done.length;
  }

  // ---------------------------------------------------------------- organizing (virtual folders)

  createCategory(name: string, context?: ChangeContext): void {
    this.journaled(`create category ${name}`, context, () => this.stmts.insertCategory.run(name, now()));
  }

  /**
   * Deletes a category. Without `withContents`, only an empty one (no image, no nested category;
   * false otherwise: rmdir semantics). With it, the category, its nested ones and their image
   * associations go (the images stay).
   */
  deleteCategory(name: string, withContents = false, context?: ChangeContext): boolean {
    return this.journaled(`delete category ${name}${withContents ? ' with its contents' : ''}`, context, () => this.deleteCategoryRecorded(name, withContents));
  }

  private deleteCategoryRecorded(name: string, withContents: boolean): boolean {
    const id = this.categoryId(name, false);
    if (id === null) throw new NotFoundError(`no category ${name}`);
    const below = `${name.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`;
    if (!withContents) {
      return this.atomic(() => {
        const used = this.db.prepare('SELECT 1 FROM image_categories WHERE category_id = ? LIMIT 1').get(id);
        const nested = this.db.prepare("SELECT 1 FROM categories WHERE name LIKE ? ESCAPE '\\' LIMIT 1").get(below);
        if (used || nested) return false;
        this.db.prepare('DELETE FROM categories WHERE id = ?').run(id);
        return true;
      });
    }
    const affected = this.atomic(() => {
      const ids = (this.db.prepare("SELECT id FROM categories WHERE id = ? OR name LIKE ? ESCAPE '\\'").all(id, below) as { id: number }[]).map((r) => r.id);
      const images = (this.db.prepare(`SELECT DISTINCT image_id FROM image_categories WHERE category_id IN (${ids.map(() => '?').join(',')})`).all(...ids) as { image_id: number }[]).map((r) => r.image_id);
      this.db.prepare(`DELETE FROM categories WHERE id IN (${ids.map(() => '?').join(',')})`).run(...ids);
      return images;
    });
    this.edited(affected);
    return true;
  }

  /** Renames a category and every category nested below it. */
  renameCategory(from: string, to: string, context?: ChangeContext): void {
    const affected = this.journaled(`rename category ${from} → ${to}`, context, () => {
      if (this.categoryId(from, false) === null) throw new NotFoundError(`no category ${from}`);
      if (this.categoryId(to, false) !== null) throw new ConflictError(`category ${to} exists`);
      const rows = this.db.prepare("SELECT id, name FROM categories WHERE name = ? OR name LIKE ? ESCAPE '\\'").all(from, `${from.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`) as { id: number; name: string }[];
      for (const r of rows) this.db.prepare('UPDATE categories SET name = ? WHERE id = ?').run(to + r.name.slice(from.length), r.id);
      return (this.db.prepare(`SELECT DISTINCT image_id FROM image_categories WHERE category_id IN (${rows.map(() => '?').join(',')})`).all(...rows.map((r) => r.id)) as { image_id: number }[]).map((r) => r.image_id);
    });
    this.edited(affected);
  }

  /** A tag that exists without images (mkdir /tags/x). */
  createTagFolder(name: string, context?: ChangeContext): void {
    this.journaled(`create tag ${name}`, context, () => this.stmts.insertTagFolder.run(this.userTagId(name), now()));
  }

  /** Removes an empty tag folder; false when images still carry the tag. */
  deleteTagFolder(name: string, context?: ChangeContext): boolean {
    return this.journaled(`delete tag ${name}`, context, () => {
      if (this.tagCount(name) > 0) return false;
      const id = this.existingTagId(name);
      if (id === undefined) throw new NotFoundError(`no tag ${name}`);
      this.db.prepare('DELETE FROM tag_folders WHERE tag_id = ?').run(id);
      return true;
    });
  }

  /** Renames a tag on every image (merging into the target tag when it exists). */
  renameTag(from: string, to: string, context?: ChangeContext): void {
    const affected = this.journaled(`rename tag ${from} → ${to}`, context, () => {
      const fromId = this.existingTagId(from);
      if (fromId === undefined) throw new NotFoundError(`no tag ${from}`);
      const ids = (this.db.prepare('SELECT DISTINCT image_id FROM image_tags WHERE tag_id = ?').all(fromId) as { image_id: number }[]).map((r) => r.image_id);
      for (const id of ids) this.patchImageTags(id, [to], [from]);
      if (this.db.prepare('SELECT 1 FROM tag_folders WHERE tag_id = ?').get(fromId)) {
        this.db.prepare('DELETE FROM tag_folders WHERE tag_id = ?').run(fromId);
        this.stmts.insertTagFolder.run(this.userTagId(to), now());
      }
      return ids;
    });
    this.edited(affected);
  }

  private patchImageTags(id: number, add: string[], remove: string[]): void {
    for (const name of remove) {
      const tagId = this.existingTagId(name);
      if (tagId === undefined) continue;
      const sources = this.stmts.sourcesOfTag.all(id, tagId).map((s) => s.source);
      if (sources.some((s) => s !== 'user')) this.stmts.suppress.run(id, tagId);
      this.stmts.removeTag.run(id, tagId);
    }
    for (const name of add) {
      const tagId = this.userTagId(name);
      this.stmts.unsuppress.run(id, tagId);
      this.stmts.insertUserTag.run(id, tagId, 'user');
    }
    this.refreshFts(id);
  }

  /** Tags with the number of (present) images carrying them, most used first. */
  listTags(prefix = '', limit = 200): TagCount[] {
    if (!prefix) {
      return this.prepared('SELECT t.name, c.n AS count FROM tag_counts c JOIN tags t ON t.id = c.tag_id WHERE c.n > 0 ORDER BY c.n DESC, t.name LIMIT ?').all(limit) as TagCount[];
    }
    const like = `${tagKey(prefix).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return this
      .prepared(
        `SELECT t.name, c.n AS count FROM tags t JOIN tag_counts c ON c.tag_id = t.id
         WHERE t.key LIKE ? ESCAPE '\\' AND c.n > 0 ORDER BY c.n DESC, t.name LIMIT ?`,
      )
      .all(like, limit) as TagCount[];
  }

  private readonly sourceTagCache = new Map<string, { version: string; tags: TagCount[] }>();

  /** Tags of one source (`user`, `ai`, …) with how many present images carry them from it; cached until the data changes. */
  listTagsBySource(source: TagSource, prefix = '', limit = 200): TagCount[] {
    const key = `${source}\0${prefix}\0${limit}`;
    const version = this.dataVersion();
    const cached = this.sourceTagCache.get(key);
    if (cached?.version === version) return cached.tags;
    const like = `${tagKey(prefix).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const tags = this
      .prepared(
        `SELECT t.name, COUNT(*) AS count FROM image_tags it JOIN tags t ON t.id = it.tag_id JOIN images i ON i.id = it.image_id
         WHERE it.source = ? AND i.missing = 0 AND t.key LIKE ? ESCAPE '\\' GROUP BY it.tag_id ORDER BY count DESC, t.name LIMIT ?`,
      )
      .all(source, like, limit) as TagCount[];
    if (this.sourceTagCache.size > 50) this.sourceTagCache.clear();
    this.sourceTagCache.set(key, { version, tags });
    return tags;
  }

  /** Present images carrying a tag (kept current by triggers). */
  tagCount(name: string): number {
    return this.stmts.tagCount.get(tagKey(name))?.n ?? 0;
  }

  listCategories(): CategoryCount[] {
    return this
      .prepared(
        `SELECT c.name, COUNT(i.id) AS count FROM categories c
         LEFT JOIN image_categories ic ON ic.category_id = c.id
         LEFT JOIN images i ON i.id = ic.image_id AND i.missing = 0
         GROUP BY c.id ORDER BY c.name`,
      )
      .all() as CategoryCount[];
  }

  presentPathForHash(hash: string): string | null {
    return this.stmts.presentPathForHash.get(hash)?.path ?? null;
  }

  /** Every distinct content hash of a readable present image (thumbnail work list). */
  distinctHashes(): { hash: string; path: string }[] {
    return this.stmts.distinctHashes.all();
  }

  counts(): { images: number; missing: number; errors: number } {
    return this.stmts.counts.get()!;
  }
}

export type { DerivedTag };
