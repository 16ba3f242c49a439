/**
 * Reading the catalog: filtered pages (keyset paging), counts, summaries of given images, full-text
 * search, one image's detail, and the virtual folders' listings. Every query takes a filter compiled
 * once (filters.ts); counts and other derived figures are cached on the change version.
 */
import { unpackRaw } from '../core/raw-chunks.js';
import { InvalidInputError } from '../core/errors.js';
import { isEmptyFilter } from '../core/filter.js';
import type { FileEntry, ImageDetail, ImageFilter, ImageSummary, Page, SortOrder } from '../core/types.js';
import type { MediaType, MetadataRecord } from '../metadata/types.js';
import type { Categories } from './categories.js';
import { anyCount, compileFilter, isCompiled, NSFW_PARAMS, NSFW_SQL, type CompiledFilter, type FilterInput } from './filters.js';
import { ftsQuery } from './fts.js';
import type { Kernel, Statement } from './kernel.js';
import type { Shaped } from './read-worker.js';
import { MATCH_FUNCTION, type TagRef, type TagSetQuery } from './tag-bitmaps.js';
import { TagWrites } from './tag-writes.js';
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
/**
 * From how many images the smallest of a filter's positive tag sets (each of `tags`, `any` as one)
 * holds, its off-thread pages and counts match the tag part by bitmaps (tag-bitmaps.ts): below it
 * the set is small enough for SQL to read (~5 µs per image at 1M).
 */
const TAG_BITMAP_ROWS = 10_000;
/**
 * Up to how many matching images a page or count matched by bitmaps reads them by id (~4 µs each at
 * 1M: rows spread over the table); beyond, a page walks its sort order testing each row's bit
 * (~0.2 µs per row, ~100 × images / matches rows), ~15 ms either way at the crossing.
 */
const BY_IDS_MAX = 4_000;
/** Tags whose bitmaps a server builds ahead of use, largest first: half the bitmap budget at 1M images (tag-bitmaps.ts). */
const WARM_TAGS = 128;
/** The matching ids (bound first, as JSON) and each row tested against the match, by the page worker. */
const BY_IDS = 'i.id IN (SELECT value FROM json_each(?))';
const BY_MATCH = `${MATCH_FUNCTION}(i.id)`;

/** Thresholds of the query shapes (tests set them low to take the off-thread and bitmap paths on a small library). */
export interface CatalogOptions {
  /** From how many index rows a page's total is counted on another thread (BACKGROUND_COUNT_ROWS). */
  backgroundCountRows?: number;
  /** From how many images a filter's smallest positive tag set holds, off-thread pages and counts match tags by bitmaps (TAG_BITMAP_ROWS). */
  tagBitmapRows?: number;
  /** Up to how many matches a bitmap-matched page or count reads them by id (BY_IDS_MAX). */
  bitmapIdsMax?: number;
}

/** A keyset position decoded from a cursor. */
type Position = ReturnType<typeof decodeCursor>;

/** A filter whose tag part the page worker matches by bitmaps, and the rest of it, compiled. */
interface BitmapPlan {
  tags: TagSetQuery;
  rest: CompiledFilter;
  /** Nothing but tags (and `missing`): the match count is the count. */
  tagsOnly: boolean;
}

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

/** A keyset page's statement over `from` (images as i): one more row than the page, to know whether another follows. */
function pageStatement(from: string, clauses: readonly string[], params: readonly unknown[], sort: SortOrder, position: Position | null, limit: number): Shaped {
  const keyColumn = sort === 'random' ? 'i.rand' : 'i.created_at';
  const descending = sort === '-date';
  const all = [...clauses];
  const bound = [...params];
  if (position) {
    all.push(`(${keyColumn}, i.id) ${descending ? '<' : '>'} (?, ?)`);
    bound.push(position.key, position.id);
  }
  const order = descending ? 'DESC' : 'ASC';
  return {
    sql: `SELECT ${SUMMARY_COLUMNS}, ${keyColumn} AS sort_key FROM ${from} ${where(all)} ORDER BY ${keyColumn} ${order}, i.id ${order} LIMIT ?`,
    params: [...bound, limit + 1],
  };
}

export class Catalog {
  private readonly s;
  private readonly tagWrites: TagWrites;
  private readonly backgroundCountRows: number;
  private readonly tagBitmapRows: number;
  private readonly bitmapIdsMax: number;

  constructor(
    private readonly kernel: Kernel,
    private readonly tags: Tags,
    private readonly categories: Categories,
    options: CatalogOptions = {},
  ) {
    this.backgroundCountRows = options.backgroundCountRows ?? BACKGROUND_COUNT_ROWS;
    this.tagBitmapRows = options.tagBitmapRows ?? TAG_BITMAP_ROWS;
    this.bitmapIdsMax = options.bitmapIdsMax ?? BY_IDS_MAX;
    this.tagWrites = new TagWrites(kernel);
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
      running = this.countOffThread(f)
        .then((n) => {
          this.kernel.rememberAt(key, version, n);
          return n;
        })
        .finally(() => this.countsRunning.delete(key));
      this.countsRunning.set(key, running);
    }
    return running;
  }

  /**
   * A count on a worker: of a filter whose tags are all large, the bitmaps' match count (nothing but
   * tags, or no match) or the few matches counted by id; else the count statement on the count worker.
   */
  private async countOffThread(f: CompiledFilter): Promise<number> {
    const plan = this.bitmapPlan(f);
    if (plan) {
      const byIds = { sql: `SELECT COUNT(*) AS n FROM images i NOT INDEXED ${where([BY_IDS, ...plan.rest.clauses])}`, params: [...plan.rest.params] };
      const match = await this.kernel.matchTagsInBackground({ tags: plan.tags, idsLimit: this.bitmapIdsMax, byIds: plan.tagsOnly ? null : byIds, byWalk: null, all: false });
      if (plan.tagsOnly || match.matched === 0) return match.matched;
      if (match.answered) return (match.result as { n: number }).n;
    }
    const { sql, params } = this.countStatement(f);
    return (await this.kernel.getInBackground<{ n: number }>(sql, params))?.n ?? 0;
  }

  /**
   * The bitmap match of a filter whose positive tag sets all hold at least `tagBitmapRows` images
   * (by their counts): SQL tests such tags per row in date order, and a combination that matches
   * nothing (correlated tags) walked every image. Null for other filters.
   */
  private bitmapPlan(f: CompiledFilter): BitmapPlan | null {
    if (f.empty || f.singleTag !== null) return null;
    const { tags = [], any = [], not = [], missing = 'exclude', ...others } = f.filter;
    if (!tags.length && !any.length) return null;
    const smallest = Math.min(...tags.map((t) => this.tags.count(t)), any.length ? anyCount(this.tagStats, any) : Infinity);
    if (smallest < this.tagBitmapRows) return null;
    const ref = (name: string): TagRef => {
      const id = this.tags.existingId(name) ?? null;
      return { id, generation: id === null ? '' : this.tagWrites.tag(id) };
    };
    const rest: ImageFilter = { ...others, missing };
    return {
      tags: { all: tags.map(ref), any: any.map(ref), not: not.map(ref), missing, presence: this.tagWrites.presence() },
      rest: compileFilter(rest),
      tagsOnly: isEmptyFilter(others),
    };
  }

  /**
   * Builds the bitmaps of the largest tags on the page worker ahead of their first filter (a
   * server's start): built on first use, each held that filter's page 30–130 ms (seconds with a cold
   * page cache), and a bench of 50 tag combinations met a new tag on most of them.
   */
  warmTagBitmaps(): Promise<number> {
    const tags = this.tags.largest(this.tagBitmapRows, WARM_TAGS).map((id) => ({ id, generation: this.tagWrites.tag(id) }));
    return tags.length ? this.kernel.warmTagBitmapsInBackground(tags) : Promise.resolve(0);
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
   * never go together) walks every image (0.7–1.6 s at 1M) before it knows. When every positive tag
   * set is large, the tags are matched by bitmaps there first (listByBitmaps).
   */
  async listOffThread(input: FilterInput, sort: SortOrder = '-date', cursor: string | null = null, limit = 100): Promise<Page<ImageSummary>> {
    const f = this.compile(input);
    const plan = this.bitmapPlan(f);
    if (plan) return this.listByBitmaps(f, plan, sort, cursor ? decodeCursor(cursor) : null, limit);
    if (f.empty || f.singleTag !== null || this.tagRows(f) < this.backgroundCountRows) return this.list(f, sort, cursor, limit);
    const q = this.pageQuery(f, sort, cursor, limit);
    return this.pageOf(await this.kernel.allInBackground<PageRow>(q.sql, q.params), q.total, limit);
  }

  /**
   * A page of a filter whose tags are all large: the page worker matches the tag part by bitmaps,
   * then reads no row (no match), the matches by id (a few), or the sort order testing each row
   * against the match (many: the page fills after a short walk). A tags-only filter's total is
   * the match count.
   */
  private async listByBitmaps(f: CompiledFilter, plan: BitmapPlan, sort: SortOrder, position: Position | null, limit: number): Promise<Page<ImageSummary>> {
    const version = this.kernel.version();
    let total = plan.tagsOnly ? null : this.carriedTotal(f, position);
    const { clauses, params } = plan.rest;
    const match = await this.kernel.matchTagsInBackground({
      tags: plan.tags,
      idsLimit: this.bitmapIdsMax,
      byIds: pageStatement('images i NOT INDEXED', [BY_IDS, ...clauses], params, sort, position, limit),
      byWalk: pageStatement('images i', [BY_MATCH, ...clauses], params, sort, position, limit),
      all: true,
    });
    if (plan.tagsOnly || match.matched === 0) {
      total = plan.tagsOnly ? match.matched : 0;
      this.kernel.rememberAt(this.countKey(f), version, total);
    }
    return this.pageOf(match.answered ? (match.result as PageRow[]) : [], total, limit);
  }

  private pageQuery(input: FilterInput, sort: SortOrder, cursor: string | null, limit: number): Shaped & { total: number | null } {
    const f = this.compile(input);
    const position = cursor ? decodeCursor(cursor) : null;
    return { ...pageStatement('images i', f.clauses, f.params, sort, position, limit), total: this.carriedTotal(f, position) };
  }

  /** A page's total: the one its cursor carries (unless a current count is cached), else pageTotal. */
  private carriedTotal(f: CompiledFilter, position: Position | null): number | null {
    if (position?.total != null && !f.empty && f.singleTag === null) return this.kernel.peek<number>(this.countKey(f)) ?? position.total;
    return this.pageTotal(f);
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
