/**
 * Reading the catalog: filtered pages (keyset paging), counts, summaries of given images, full-text
 * search, one image's detail, and the virtual folders' listings. Every query takes a filter compiled
 * once (filters.ts); counts and other derived figures are cached on the change version.
 */
import { unpackRaw } from '../core/raw-chunks.js';
import { InvalidInputError } from '../core/errors.js';
import type { FileEntry, ImageDetail, ImageSummary, Page, SortOrder } from '../core/types.js';
import type { MediaType, MetadataRecord } from '../metadata/types.js';
import type { Categories } from './categories.js';
import { anyCount, compileFilter, isCompiled, NSFW_PARAMS, NSFW_SQL, type CompiledFilter, type FilterInput } from './filters.js';
import { ftsQuery } from './fts.js';
import type { Kernel, Statement } from './kernel.js';
import type { Tags } from './tags.js';

// Layout, filters and reports use the pixel size; the generation size (A1111 `Size` before hires fix) is in the record.
const SUMMARY_COLUMNS =
  'i.id, i.filename, i.path, COALESCE(i.pixel_width, i.width) AS width, COALESCE(i.pixel_height, i.height) AS height, i.created_at, i.favorite, i.rating, i.generator, i.prompt, i.user_prompt, i.hash, i.missing, i.rejected, i.trashed_at, i.size, i.format, i.error, i.media_type, i.duration';
/** The columns of a FileEntry (the virtual folders: no tags, no per-entry lookups). */
const ENTRY_COLUMNS = 'i.id, i.filename, i.path, i.size, i.mtime_ms, i.created_at, i.hash';
const FTS_WEIGHTS = 'bm25(images_fts, 10.0, 1.0, 6.0, 3.0, 0.5)';
const RANK_WINDOW = 10_000;

/** A page's row: its summary columns and the key it is ordered by. */
type PageRow = SummaryRow & { sort_key: string | number };

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
  rejected: number;
  trashed_at: string | null;
  size: number;
  format: string | null;
  error: string | null;
  media_type: MediaType;
  duration: number | null;
}

type DetailRow = SummaryRow & {
  negative_prompt: string | null;
  notes: string | null;
  caption: string | null;
  caption_source: 'ai' | 'user' | null;
  mtime_ms: number;
  frame_count: number | null;
  fps: number | null;
  video_codec: string | null;
  has_audio: number | null;
  record: string | null;
  raw: string | Uint8Array | null;
};

/** How late a count may be while a scan writes (Kernel.cachedLagging). */
const COUNT_LAG_MS = 2000;
/**
 * From how many index rows a page's total is counted on another thread (the page answers with
 * `total: null` meanwhile): at 1M images two tags on 12–14 % each (~260k rows) cost 0.4–1 s.
 */
const BACKGROUND_COUNT_ROWS = 30_000;

/** A keyset position, and the total the first page counted (later pages do not count again). */
function encodeCursor(key: unknown, id: number, total: number | null): string {
  return Buffer.from(JSON.stringify(total === null ? [key, id] : [key, id, total])).toString('base64url');
}

function decodeCursor(cursor: string): { key: string | number; id: number; total: number | null } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(value) &&
      (value.length === 2 || (value.length === 3 && Number.isInteger(value[2]))) &&
      (typeof value[0] === 'string' || typeof value[0] === 'number') &&
      Number.isInteger(value[1])
    ) {
      return { key: value[0] as string | number, id: value[1] as number, total: (value[2] as number | undefined) ?? null };
    }
  } catch {
    // fall through
  }
  throw new InvalidInputError('cursor is not one this server issued');
}

/** Generation fields whose values the filters suggest (type-ahead). */
export const VALUE_FIELDS = ['model', 'sampler', 'scheduler', 'generator'] as const;
export type ValueField = (typeof VALUE_FIELDS)[number];

const where = (clauses: readonly string[]) => (clauses.length ? `WHERE ${clauses.join(' AND ')}` : '');

export class Catalog {
  private readonly s;

  constructor(
    private readonly kernel: Kernel,
    private readonly tags: Tags,
    private readonly categories: Categories,
    private readonly backgroundCountRows = BACKGROUND_COUNT_ROWS,
  ) {
    this.s = {
      detail: kernel.prepare<[number], DetailRow>(
        `SELECT ${SUMMARY_COLUMNS}, i.negative_prompt, i.notes, i.caption, i.caption_source, i.mtime_ms, i.frame_count, i.fps, i.video_codec, i.has_audio, m.record, m.raw FROM images i LEFT JOIN image_meta m ON m.image_id = i.id WHERE i.id = ?`,
      ),
      exists: kernel.prepare<[number], { id: number }>('SELECT id FROM images WHERE id = ?'),
      presentCount: kernel.prepare<[], { n: number }>('SELECT present AS n FROM image_counts WHERE id = 1'),
      ftsEdge: kernel.prepare<[string, number], { rowid: number }>('SELECT rowid FROM images_fts WHERE images_fts MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?'),
      ftsCount: kernel.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM images_fts WHERE images_fts MATCH ?'),
      entryByHash: kernel.prepare<[string], FileEntry>(`SELECT ${ENTRY_COLUMNS} FROM images i WHERE i.hash = ? AND i.missing = 0 ORDER BY i.id LIMIT 1`),
      entryByPath: kernel.prepare<[string], FileEntry>(`SELECT ${ENTRY_COLUMNS} FROM images i WHERE i.path = ? AND i.missing = 0`),
      dirs: kernel.prepare<[], { dir: string }>('SELECT DISTINCT dir FROM images WHERE missing = 0'),
      nsfwAmong: kernel.prepare<unknown[], { id: number }>(`SELECT i.id FROM images i WHERE i.id IN (SELECT value FROM json_each(?)) AND ${NSFW_SQL}`),
      dirCounts: kernel.prepare<[], { dir: string; count: number }>('SELECT dir, COUNT(*) AS count FROM images WHERE missing = 0 GROUP BY dir ORDER BY dir'),
      values: Object.fromEntries(
        VALUE_FIELDS.map((field) => [
          field,
          kernel.prepare<[], { value: string; count: number }>(
            `SELECT ${field} AS value, COUNT(*) AS count FROM images WHERE missing = 0 AND ${field} IS NOT NULL AND ${field} <> '' GROUP BY ${field} ORDER BY count DESC, value`,
          ),
        ]),
      ) as Record<ValueField, Statement<[], { value: string; count: number }>>,
      days: kernel.prepare<[], { day: string }>('SELECT DISTINCT substr(created_at, 1, 10) AS day FROM images WHERE missing = 0'),
    };
  }

  /** Compiles a filter (once per request: every query below also takes the compiled form). */
  compile(filter: FilterInput): CompiledFilter {
    if (isCompiled(filter)) return filter;
    return compileFilter(filter, this.tagStats);
  }

  /** What the filter compiler weighs its query shapes by. */
  private readonly tagStats = { tagCount: (name: string) => this.tags.count(name), total: () => this.presentCount() };

  /** Present images (kept by triggers, migration 18: every count and filter shape asks). */
  presentCount(): number {
    return this.s.presentCount.get()!.n;
  }

  exists(id: number): boolean {
    return this.s.exists.get(id) !== undefined;
  }

  private summaries(rows: SummaryRow[]): ImageSummary[] {
    if (rows.length === 0) return [];
    const ids = JSON.stringify(rows.map((r) => r.id));
    const tags = this.tags.namesOf(rows.map((r) => r.id));
    const nsfw = new Set(this.s.nsfwAmong.all(ids, ...NSFW_PARAMS).map((r) => r.id));
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
      rejected: r.rejected === 1,
      trashed_at: r.trashed_at,
      size: r.size,
      format: r.format,
      error: r.error,
      nsfw: nsfw.has(r.id),
      media_type: r.media_type,
      duration_s: r.duration,
    }));
  }

  /**
   * Matching-row count for a filter, cached until the data changes (paging a query counts once);
   * while a scan writes, up to COUNT_LAG_MS late rather than counted again every batch.
   */
  count(input: FilterInput): number {
    const f = this.compile(input);
    if (f.empty) return this.presentCount();
    if (f.singleTag !== null) return this.tags.count(f.singleTag);
    return this.kernel.cachedLagging(this.countKey(f), COUNT_LAG_MS, () => {
      const { sql, params } = this.countStatement(f);
      return this.kernel.prepare<unknown[], { n: number }>(sql).get(...params)!.n;
    });
  }

  /** The same selection, shaped for counting: a page's per-row tag tests would visit every image. */
  private countStatement(f: CompiledFilter): { sql: string; params: readonly unknown[] } {
    const counting = compileFilter(f.filter, this.tagStats, 'count');
    return { sql: `SELECT COUNT(*) AS n FROM images i ${where(counting.clauses)}`, params: counting.params };
  }

  /** Index rows a page's walk or a count of the filter reads for its tags, at most: their images summed. */
  private tagRows(f: CompiledFilter): number {
    const { tags = [], any = [], not = [] } = f.filter;
    return anyCount(this.tagStats, [...tags, ...any, ...not]);
  }

  /**
   * Rows a count of the filter reads, at most. Without a tag to start from, a count reads every
   * present image's row (a date + size range: 210–270 ms at 1M), unless it names its images.
   */
  private countCost(f: CompiledFilter): number {
    const { tags = [], any = [], ids } = f.filter;
    if (tags.length || any.length) return this.tagRows(f);
    if (ids) return ids.length;
    return this.tagStats.total();
  }

  /**
   * A page's total: known now, or null while a count that would hold the serving thread (several
   * large tags) runs on another; a later page or `countInBackground` has it.
   */
  private pageTotal(f: CompiledFilter): number | null {
    if (f.empty || f.singleTag !== null) return this.count(f);
    const known = this.kernel.peekLagging<number>(this.countKey(f), COUNT_LAG_MS);
    if (known !== undefined) return known;
    if (this.countCost(f) < this.backgroundCountRows) return this.count(f);
    this.countInBackground(f).catch(() => undefined); // a failure leaves the total unknown; asked again later
    return null;
  }

  private readonly countsRunning = new Map<string, Promise<number>>();

  /** The filter's count as `count` gives it, computed on another thread when not cached; one run per selection at a time. */
  countInBackground(input: FilterInput): Promise<number> {
    const f = this.compile(input);
    const key = this.countKey(f);
    const known = f.empty || f.singleTag !== null ? this.count(f) : this.kernel.peekLagging<number>(key, COUNT_LAG_MS);
    if (known !== undefined) return Promise.resolve(known);
    let running = this.countsRunning.get(key);
    if (!running) {
      const version = this.kernel.version();
      const { sql, params } = this.countStatement(f);
      running = this.kernel
        .getInBackground<{ n: number }>(sql, params)
        .then((row) => {
          const n = row?.n ?? 0;
          this.kernel.rememberAt(key, version, n);
          return n;
        })
        .finally(() => this.countsRunning.delete(key));
      this.countsRunning.set(key, running);
    }
    return running;
  }

  private countKey(f: CompiledFilter): string {
    return `count\0${f.key}`;
  }

  /**
   * A page of a filter's images, keyset-paged. The first page counts the matches (cached); later
   * pages carry that total in their cursor and count only when it is free (an unfiltered or
   * one-tag listing, a count cached at the current version): paging never pays a COUNT(*).
   */
  list(input: FilterInput, sort: SortOrder = '-date', cursor: string | null = null, limit = 100): Page<ImageSummary> {
    const q = this.pageQuery(input, sort, cursor, limit);
    return this.pageOf(this.kernel.prepare<unknown[], PageRow>(q.sql).all(...q.params), q.total, limit);
  }

  /**
   * As `list`, with a page whose walk can be long read on another thread: with several large tags
   * a page tests each image in date order, and a combination that matches almost nothing (tags that
   * never go together) walks every image (0.7–1.6 s at 1M) before it knows.
   */
  async listOffThread(input: FilterInput, sort: SortOrder = '-date', cursor: string | null = null, limit = 100): Promise<Page<ImageSummary>> {
    const f = this.compile(input);
    if (f.empty || f.singleTag !== null || this.tagRows(f) < this.backgroundCountRows) return this.list(f, sort, cursor, limit);
    const q = this.pageQuery(f, sort, cursor, limit);
    return this.pageOf(await this.kernel.allInBackground<PageRow>(q.sql, q.params), q.total, limit);
  }

  /** One more row than the page, to know whether another follows. */
  private pageQuery(input: FilterInput, sort: SortOrder, cursor: string | null, limit: number): { sql: string; params: unknown[]; total: number | null } {
    const f = this.compile(input);
    const position = cursor ? decodeCursor(cursor) : null;
    const total =
      position?.total != null && !f.empty && f.singleTag === null ? (this.kernel.peek<number>(this.countKey(f)) ?? position.total) : this.pageTotal(f);
    const keyColumn = sort === 'random' ? 'i.rand' : 'i.created_at';
    const descending = sort === '-date';
    const clauses = [...f.clauses];
    const params = [...f.params];
    if (position) {
      clauses.push(`(${keyColumn}, i.id) ${descending ? '<' : '>'} (?, ?)`);
      params.push(position.key, position.id);
    }
    const order = descending ? 'DESC' : 'ASC';
    return {
      sql: `SELECT ${SUMMARY_COLUMNS}, ${keyColumn} AS sort_key FROM images i ${where(clauses)} ORDER BY ${keyColumn} ${order}, i.id ${order} LIMIT ?`,
      params: [...params, limit + 1],
      total,
    };
  }

  private pageOf(rows: PageRow[], total: number | null, limit: number): Page<ImageSummary> {
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    return { items: this.summaries(page), next_cursor: more && last ? encodeCursor(last.sort_key, last.id, total) : null, total };
  }

  /**
   * Full-text search (FTS5 bm25) with the same filters; score is higher for better matches.
   * A term found in more than RANK_WINDOW images (`masterpiece`) is ranked among its RANK_WINDOW
   * most recently indexed matches: bm25 over every match costs ~70 ms at 100k images, and scores
   * of a term every image shares differ only by prompt length.
   */
  search(query: string, input: FilterInput, limit = 100): (ImageSummary & { score: number })[] {
    const rows = this.rankText<SummaryRow & { score: number }>(query, input, limit, SUMMARY_COLUMNS);
    return this.summaries(rows).map((s, n) => ({ ...s, score: Math.round(rows[n].score * 1e6) / 1e6 }));
  }

  /** The same ranking as `search`, ids and scores only (hybrid search fuses ids, then builds the summaries it keeps). */
  searchIds(query: string, input: FilterInput, limit = 100): { id: number; score: number }[] {
    return this.rankText<{ id: number; score: number }>(query, input, limit, 'i.id').map((r) => ({ id: r.id, score: Math.round(r.score * 1e6) / 1e6 }));
  }

  /** Rows of `columns` (plus `score`) of the best full-text matches under a filter. */
  private rankText<R extends { score: number }>(query: string, input: FilterInput, limit: number, columns: string): R[] {
    const match = ftsQuery(query);
    if (!match) return [];
    const f = this.compile(input);
    const edge = this.s.ftsEdge.get(match, RANK_WINDOW - 1);
    let rows: R[] | null = null;
    if (f.empty) {
      // Rank inside the full-text index first, then fetch rows: joining every match before sorting
      // costs 3× more. CROSS JOIN keeps the matches the outer loop (SQLite never reorders it): left
      // to the planner, it walked every present image (images_by_rand, missing = ?) instead. A few extra candidates cover matches whose file went missing.
      const inner = limit + 64;
      const ranked = this.kernel
        .prepare<unknown[], R & { ranked: number }>(
          `SELECT ${columns}, -f.rank AS score, f.ranked FROM (SELECT rowid, rank, COUNT(*) OVER () AS ranked FROM (SELECT rowid, ${FTS_WEIGHTS} AS rank FROM images_fts WHERE images_fts MATCH ? ${edge ? 'AND rowid >= ?' : ''} ORDER BY rank LIMIT ?)) f
           CROSS JOIN images i ON i.id = f.rowid WHERE i.missing = 0 ORDER BY f.rank LIMIT ?`,
        )
        .all(match, ...(edge ? [edge.rowid] : []), inner, limit);
      rows = ranked;
      // Fewer candidates than asked for: every match was ranked (the present ones are the answer),
      // no need to count them (another pass over the index, ~35 ms for a prefix matching every image).
      const exhaustive = !edge && ranked.length > 0 && ranked[0].ranked < inner;
      if (rows.length < limit && !exhaustive) {
        const matches = this.s.ftsCount.get(match)!.n;
        if (rows.length < Math.min(limit, matches)) rows = null; // missing files crowded the candidates out
      }
    }
    if (!rows) {
      const clauses = ['images_fts MATCH ?', ...(edge ? ['images_fts.rowid >= ?'] : []), ...f.clauses];
      const params = [match, ...(edge ? [edge.rowid] : []), ...f.params];
      rows = this.kernel
        .prepare<unknown[], R>(`SELECT ${columns}, -${FTS_WEIGHTS} AS score FROM images_fts CROSS JOIN images i ON i.id = images_fts.rowid ${where(clauses)} ORDER BY ${FTS_WEIGHTS} LIMIT ?`)
        .all(...params, limit);
    }
    return rows;
  }

  /**
   * Summaries of the given images that pass a filter, in the order given (ranked candidates from
   * the vector index; the filter is the same one /api/images applies).
   */
  summariesFor(ids: number[], input: FilterInput = {}): ImageSummary[] {
    if (ids.length === 0) return [];
    const f = this.compile(input);
    const rows = this.kernel
      .prepare<unknown[], SummaryRow>(`SELECT ${SUMMARY_COLUMNS} FROM images i ${where(['i.id IN (SELECT value FROM json_each(?))', ...f.clauses])}`)
      .all(JSON.stringify(ids), ...f.params);
    const byId = new Map(this.summaries(rows).map((s) => [s.id, s]));
    return ids.map((id) => byId.get(id)).filter((s): s is ImageSummary => s !== undefined);
  }

  /**
   * Which of the given images pass a filter, in the order given: the vector index's candidates
   * filtered by id alone (building their summaries cost ~8 ms for the 800 a hybrid query takes).
   */
  idsPassing(ids: number[], input: FilterInput = {}): number[] {
    if (ids.length === 0) return [];
    const f = this.compile(input);
    const passing = new Set(
      this.kernel
        .prepare<unknown[], { id: number }>(`SELECT i.id FROM images i ${where(['i.id IN (SELECT value FROM json_each(?))', ...f.clauses])}`)
        .all(JSON.stringify(ids), ...f.params)
        .map((r) => r.id),
    );
    return ids.filter((id) => passing.has(id));
  }

  /** Ids of the images a filter selects, up to a limit (exact vector search inside a narrow filter). */
  idsMatching(input: FilterInput, limit: number): number[] {
    const f = this.compile(input);
    return this.kernel.prepare<unknown[], { id: number }>(`SELECT i.id FROM images i ${where(f.clauses)} LIMIT ?`).all(...f.params, limit).map((r) => r.id);
  }

  getImage(id: number): ImageDetail | null {
    const row = this.s.detail.get(id);
    if (!row) return null;
    const [summary] = this.summaries([row]);
    return {
      ...summary,
      params: row.record ? (JSON.parse(row.record) as MetadataRecord) : null,
      raw: unpackRaw(row.raw),
      tag_details: this.tags.detailsOf(id),
      categories: this.categories.of(id),
      notes: row.notes,
      caption: row.caption === null ? null : { text: row.caption, source: row.caption_source ?? 'ai' },
      user_prompt: row.user_prompt,
      extracted_prompt: row.prompt,
      error: row.error,
      mtime_ms: row.mtime_ms,
      frame_count: row.frame_count,
      fps: row.fps,
      video_codec: row.video_codec,
      has_audio: row.has_audio === null ? null : row.has_audio === 1,
    };
  }

  // ------------------------------------------------------------- virtual folders

  /** The files a filter selects as folder entries, by id (or in the order of `filter.ids`). */
  entries(input: FilterInput): FileEntry[] {
    // Compiled without tag statistics: tag folders keep the set lookup (IN), which an id-ordered listing wants.
    const f = isCompiled(input) ? input : compileFilter(input);
    const rows = this.kernel.prepare<unknown[], FileEntry>(`SELECT ${ENTRY_COLUMNS} FROM images i ${where(f.clauses)} ORDER BY i.id`).all(...f.params);
    const ids = f.filter.ids;
    if (!ids) return rows;
    const order = new Map(ids.map((id, i) => [id, i]));
    return rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  }

  entryByHash(hash: string): FileEntry | null {
    return this.s.entryByHash.get(hash) ?? null;
  }

  entryByPath(path: string): FileEntry | null {
    return this.s.entryByPath.get(path) ?? null;
  }

  /** Library folders holding present images. */
  dirs(): string[] {
    return this.s.dirs.all().map((r) => r.dir);
  }

  /** Present images per library folder (directly in it), by folder path; cached on the change version. */
  dirCounts(): { dir: string; count: number }[] {
    return this.kernel.cached('dir-counts', () => this.s.dirCounts.all());
  }

  /** The distinct values of a generation field with their image counts, most used first; cached on the change version. */
  values(field: ValueField): { value: string; count: number }[] {
    return this.kernel.cached(`values\0${field}`, () => this.s.values[field].all());
  }

  /** Days (YYYY-MM-DD) with present images. */
  days(): string[] {
    return this.s.days.all().map((r) => r.day);
  }
}
