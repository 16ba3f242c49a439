/** ImageFilter → SQL WHERE fragments over `images` (alias i). Part of the store: the only SQL builder. */
import type { ImageFilter } from './types.js';

export interface SqlWhere {
  clauses: string[];
  params: unknown[];
}

const TAG_ID = 'SELECT id FROM tags WHERE name = ?';

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The day after a YYYY-MM-DD date, for an inclusive `to`. */
function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

export function filterWhere(filter: ImageFilter): SqlWhere {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const missing = filter.missing ?? 'exclude';
  if (missing === 'exclude') clauses.push('i.missing = 0');
  else if (missing === 'only') clauses.push('i.missing = 1');

  for (const tag of filter.tags ?? []) {
    clauses.push(`i.id IN (SELECT image_id FROM image_tags WHERE tag_id = (${TAG_ID}))`);
    params.push(tag);
  }
  if (filter.any?.length) {
    clauses.push(`i.id IN (SELECT image_id FROM image_tags WHERE tag_id IN (SELECT id FROM tags WHERE name IN (${filter.any.map(() => '?').join(',')})))`);
    params.push(...filter.any);
  }
  if (filter.not?.length) {
    clauses.push(`i.id NOT IN (SELECT image_id FROM image_tags WHERE tag_id IN (SELECT id FROM tags WHERE name IN (${filter.not.map(() => '?').join(',')})))`);
    params.push(...filter.not);
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
  if (filter.category) {
    clauses.push(
      "i.id IN (SELECT ic.image_id FROM image_categories ic JOIN categories c ON c.id = ic.category_id WHERE c.name = ? OR c.name LIKE ? ESCAPE '\\')",
    );
    params.push(filter.category, `${escapeLike(filter.category)}/%`);
  }
  const equals: [keyof ImageFilter, string][] = [
    ['model', 'i.model'],
    ['sampler', 'i.sampler'],
    ['scheduler', 'i.scheduler'],
    ['generator', 'i.generator'],
    ['seed', 'i.seed'],
    ['steps', 'i.steps'],
    ['cfg', 'i.cfg'],
  ];
  for (const [key, column] of equals) {
    if (filter[key] !== undefined) {
      clauses.push(`${column} = ?`);
      params.push(filter[key]);
    }
  }
  const ranges: [keyof ImageFilter, string][] = [
    ['min_width', 'i.width >= ?'],
    ['max_width', 'i.width <= ?'],
    ['min_height', 'i.height >= ?'],
    ['max_height', 'i.height <= ?'],
    ['min_rating', 'i.rating >= ?'],
  ];
  for (const [key, clause] of ranges) {
    if (filter[key] !== undefined) {
      clauses.push(clause);
      params.push(filter[key]);
    }
  }
  if (filter.dir !== undefined) {
    clauses.push("(i.dir = ? OR i.dir LIKE ? ESCAPE '\\')");
    params.push(filter.dir, `${escapeLike(filter.dir)}/%`);
  }
  if (filter.ids) {
    clauses.push('i.id IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(filter.ids));
  }
  return { clauses, params };
}

export function whereSql(where: SqlWhere): string {
  return where.clauses.length ? `WHERE ${where.clauses.join(' AND ')}` : '';
}
