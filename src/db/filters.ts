/**
 * The one filter compiler: ImageFilter → a WHERE fragment over `images` (alias i) with its
 * parameters and a cache key. Every list, count, search, ids, summaries and virtual-folder query
 * takes a compiled filter, so a request compiles its filter once.
 */
import type { ImageFilter } from '../core/types.js';
import { tagKey } from '../core/tag-names.js';
import { isEmptyFilter, singleTag } from '../core/filter.js';
import { NSFW_MIN_AI_CONFIDENCE, NSFW_TAGS } from '../core/nsfw.js';

export interface CompiledFilter {
  readonly filter: ImageFilter;
  readonly clauses: readonly string[];
  readonly params: readonly unknown[];
  /** Identifies the selection (clauses and parameters): for caches of counts. */
  readonly key: string;
  /** Selects every present image. */
  readonly empty: boolean;
  /** The one tag the filter asks for when that is all it asks, else null. */
  readonly singleTag: string | null;
}

/** How many present images carry a tag, and how many images there are: picks the query shape. */
export interface TagStats {
  tagCount(name: string): number;
  total(): number;
}

/** A filter, or the same filter compiled already (store queries take either). */
export type FilterInput = ImageFilter | CompiledFilter;

export function isCompiled(f: FilterInput): f is CompiledFilter {
  return 'clauses' in f && 'key' in f;
}

/** Tags are looked up by their key (tag-names.ts): `Éclair` finds the tag `éclair`. */
const TAG_ID = 'SELECT id FROM tags WHERE key = ?';

export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The day after a YYYY-MM-DD date, for an inclusive `to`. */
export function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** What a compiled filter's query is for: a page (stops after its rows) or a count (sees every match). */
export type FilterPurpose = 'page' | 'count';

/** The page the query shape is chosen for (the API's and gallery's default). */
const PAGE_ROWS = 100;

/**
 * Whether a tag set is tested per row (EXISTS: a date-ordered page walks images until `limit`
 * hits) rather than looked up as a set (IN, with SQLite's bloom filter: every member is read and
 * sorted by date). The walk visits about PAGE_ROWS × total / matches rows; the set costs its size.
 * `matches` estimates what the whole filter keeps (tags taken as independent). At 1M images a tag
 * on 12 % of them took 430 ms as a set (it was a set below 20 %) and ~1 ms per row; at 100k, two
 * 6 % tags together (0.36 % of the images): 17 ms as sets, 76 ms per row.
 */
function perRow(stats: TagStats | undefined, setSize: number, matches: number, purpose: FilterPurpose): boolean {
  if (!stats) return false;
  // A count visits every row: per row only when the set is most of the library anyway.
  if (purpose === 'count') return setSize > stats.total() / 2;
  return setSize > (PAGE_ROWS * stats.total()) / Math.max(matches, 1);
}

/** Images carrying any of some tags, at most (their counts summed); a count of them reads as many index rows. */
export function anyCount(stats: TagStats | undefined, names: string[]): number {
  return stats ? names.reduce((a, name) => a + stats.tagCount(name), 0) : 0;
}

/** Images an AND of tags keeps, estimated (independent tags). */
function estimatedMatches(stats: TagStats | undefined, names: string[]): number {
  if (!stats) return 0;
  const total = Math.max(stats.total(), 1);
  return names.reduce((m, name) => (m * Math.min(stats.tagCount(name), total)) / total, total);
}

/** An image marked not safe for work (core/nsfw.ts): one of the tags, a model's only when it is sure enough. */
export const NSFW_SQL = `EXISTS (SELECT 1 FROM image_tags it WHERE it.image_id = i.id AND it.tag_id IN (SELECT id FROM tags WHERE key IN (${NSFW_TAGS.map(() => '?').join(',')})) AND (it.source <> 'ai' OR it.confidence >= ?))`;
export const NSFW_PARAMS: readonly unknown[] = [...NSFW_TAGS.map(tagKey), NSFW_MIN_AI_CONFIDENCE];

const EQUALS: [keyof ImageFilter, string][] = [
  ['model', 'i.model'],
  ['sampler', 'i.sampler'],
  ['scheduler', 'i.scheduler'],
  ['generator', 'i.generator'],
  ['media', 'i.media_type'],
  ['seed', 'i.seed'],
  ['steps', 'i.steps'],
  ['cfg', 'i.cfg'],
];

const RANGES: [keyof ImageFilter, string][] = [
  // Pixel size (the generation size can differ: hires fix, upscales); files with no readable pixels fall back to it.
  ['min_width', 'COALESCE(i.pixel_width, i.width) >= ?'],
  ['max_width', 'COALESCE(i.pixel_width, i.width) <= ?'],
  ['min_height', 'COALESCE(i.pixel_height, i.height) >= ?'],
  ['max_height', 'COALESCE(i.pixel_height, i.height) <= ?'],
  ['min_rating', 'i.rating >= ?'],
  ['min_duration', 'i.duration >= ?'],
];

export function compileFilter(filter: ImageFilter, stats?: TagStats, purpose: FilterPurpose = 'page'): CompiledFilter {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const missing = filter.missing ?? 'exclude';
  if (missing === 'exclude') clauses.push('i.missing = 0');
  else if (missing === 'only') clauses.push('i.missing = 1');

  const allOf = estimatedMatches(stats, filter.tags ?? []);
  for (const tag of filter.tags ?? []) {
    clauses.push(
      perRow(stats, stats?.tagCount(tag) ?? 0, allOf, purpose)
        ? `EXISTS (SELECT 1 FROM image_tags it WHERE it.image_id = i.id AND it.tag_id = (${TAG_ID}))`
        : `i.id IN (SELECT image_id FROM image_tags WHERE tag_id = (${TAG_ID}))`,
    );
    params.push(tagKey(tag));
  }
  const tagSet = (names: string[]) => `SELECT id FROM tags WHERE key IN (${names.map(() => '?').join(',')})`;
  if (filter.any?.length) {
    clauses.push(
      perRow(stats, anyCount(stats, filter.any), anyCount(stats, filter.any), purpose)
        ? `EXISTS (SELECT 1 FROM image_tags it WHERE it.image_id = i.id AND it.tag_id IN (${tagSet(filter.any)}))`
        : `i.id IN (SELECT image_id FROM image_tags WHERE tag_id IN (${tagSet(filter.any)}))`,
    );
    params.push(...filter.any.map(tagKey));
  }
  if (filter.not?.length) {
    // Excluding is a per-row probe either way; NOT EXISTS never builds the excluded set.
    clauses.push(`NOT EXISTS (SELECT 1 FROM image_tags it WHERE it.image_id = i.id AND it.tag_id IN (${tagSet(filter.not)}))`);
    params.push(...filter.not.map(tagKey));
  }
  if (filter.from) {
    clauses.push('i.created_at >= ?');
    params.push(filter.from);
  }
  if (filter.to) {
    clauses.push('i.created_at < ?');
    params.push(nextDay(filter.to));
  }
  if (filter.favorite !== undefined) clauses.push(filter.favorite ? 'i.favorite = 1' : 'i.favorite = 0');
  if (filter.rejected !== undefined) clauses.push(filter.rejected ? 'i.rejected = 1' : 'i.rejected = 0');
  if (filter.trashed !== undefined) clauses.push(filter.trashed ? 'i.trash_file IS NOT NULL' : 'i.trash_file IS NULL');
  if (filter.category) {
    if (filter.subcategories === false) {
      clauses.push('i.id IN (SELECT ic.image_id FROM image_categories ic JOIN categories c ON c.id = ic.category_id WHERE c.name = ?)');
      params.push(filter.category);
    } else {
      clauses.push(
        "i.id IN (SELECT ic.image_id FROM image_categories ic JOIN categories c ON c.id = ic.category_id WHERE c.name = ? OR c.name LIKE ? ESCAPE '\\')",
      );
      params.push(filter.category, `${escapeLike(filter.category)}/%`);
    }
  }
  for (const [key, column] of EQUALS) {
    if (filter[key] !== undefined) {
      clauses.push(`${column} = ?`);
      params.push(filter[key]);
    }
  }
  for (const [key, clause] of RANGES) {
    if (filter[key] !== undefined) {
      clauses.push(clause);
      params.push(filter[key]);
    }
  }
  if (filter.dir !== undefined) {
    if (filter.subfolders === false) {
      clauses.push('i.dir = ?');
      params.push(filter.dir);
    } else {
      clauses.push("(i.dir = ? OR i.dir LIKE ? ESCAPE '\\')");
      params.push(filter.dir, `${escapeLike(filter.dir)}/%`);
    }
  }
  if (filter.sfw !== undefined) {
    clauses.push(filter.sfw ? `NOT ${NSFW_SQL}` : NSFW_SQL);
    params.push(...NSFW_PARAMS);
  }
  if (filter.ids) {
    clauses.push('i.id IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(filter.ids));
  }
  return {
    filter,
    clauses,
    params,
    key: `${clauses.join(' AND ')}\0${JSON.stringify(params)}`,
    empty: isEmptyFilter(filter),
    singleTag: singleTag(filter),
  };
}

/** `WHERE …` for a compiled filter and any extra clauses (extra ones first: they usually narrow most). */
export function whereSql(filter: CompiledFilter, extra: string[] = []): string {
  const all = [...extra, ...filter.clauses];
  return all.length ? `WHERE ${all.join(' AND ')}` : '';
}
