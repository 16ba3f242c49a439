/**
 * Worker thread that answers read-only queries on its own connection (see BackgroundReads): a
 * count or a page that visits hundreds of thousands of rows runs here, not on the serving thread.
 * It also matches the tag part of filters by bitmaps (tag-bitmaps.ts, held here) and reads the
 * page or count of the matching images in the same read transaction.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { bitsetFor, has, idsOf, popcount } from './bitset.js';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { MATCH_FUNCTION, TagBitmaps, type TagRef, type TagSetQuery } from './tag-bitmaps.js';

export interface ReadWorkerData {
  file: string;
  busyTimeoutMs: number;
}

export interface ReadRequest {
  id: number;
  kind: 'read';
  sql: string;
  params: unknown[];
  /** Every row (`all`) rather than the first (`get`). */
  all: boolean;
}

/** A statement and its parameters. */
export interface Shaped {
  sql: string;
  params: unknown[];
}

/**
 * Matches a filter's tag part, then (when there are matches) runs `byIds` — with the matching ids
 * as a JSON array bound before its parameters — when they are at most `idsLimit`, else `byWalk`,
 * whose `vv_tag_match(i.id)` tests each row against the match.
 */
export interface TagMatchRequest {
  id: number;
  kind: 'tags';
  tags: TagSetQuery;
  idsLimit: number;
  byIds: Shaped | null;
  byWalk: Shaped | null;
  all: boolean;
}

/** Builds these tags' bitmaps ahead of use, one per turn so that requests arriving meanwhile go first. */
export interface WarmRequest {
  id: number;
  kind: 'warm';
  tags: TagRef[];
}

/** How many images the tag part selects, and the statement's answer when one ran (`answered`). */
export interface TagMatch {
  matched: number;
  answered: boolean;
  result?: unknown;
}

export type ReadReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; message: string };

const { file, busyTimeoutMs } = workerData as ReadWorkerData;
const db = new Database(file, { readonly: true, timeout: busyTimeoutMs, fileMustExist: true });
db.pragma('cache_size = -32000'); // as the serving connection's (kernel.ts): a page's walk reads the same index pages again

const bitmaps = new TagBitmaps(db);
/** The match the running statement tests rows against. */
let current = bitsetFor(0);
db.function(MATCH_FUNCTION, (id) => (has(current, Number(id)) ? 1 : 0));

const run = (sql: string, params: unknown[], all: boolean) => {
  const statement = db.prepare(sql);
  return all ? statement.all(...params) : statement.get(...params);
};

function matchTags({ tags, idsLimit, byIds, byWalk, all }: TagMatchRequest): TagMatch {
  // One read transaction: the bitmaps built, the match and its rows all see the same commit.
  db.exec('BEGIN');
  try {
    current = bitmaps.match(tags);
    const matched = popcount(current);
    const shape = matched === 0 ? null : matched <= idsLimit ? byIds : byWalk;
    if (!shape) return { matched, answered: false };
    const params = shape === byIds ? [JSON.stringify(idsOf(current)), ...shape.params] : shape.params;
    return { matched, answered: true, result: run(shape.sql, params, all) };
  } finally {
    current = bitsetFor(0);
    db.exec('COMMIT');
  }
}

/** How many of the bitmaps asked for were built (the others were held at their generation). */
async function warm(tags: TagRef[]): Promise<number> {
  let built = 0;
  for (const tag of tags) {
    await nextTurn();
    db.exec('BEGIN');
    try {
      if (bitmaps.warm(tag)) built++;
    } finally {
      db.exec('COMMIT');
    }
  }
  return built;
}

parentPort!.on('message', async (request: ReadRequest | TagMatchRequest | WarmRequest) => {
  const { id } = request;
  try {
    if (request.kind === 'warm') {
      parentPort!.postMessage({ id, ok: true, result: await warm(request.tags) } satisfies ReadReply);
      return;
    }
    const result = request.kind === 'tags' ? matchTags(request) : run(request.sql, request.params, request.all);
    parentPort!.postMessage({ id, ok: true, result } satisfies ReadReply);
  } catch (err) {
    parentPort!.postMessage({ id, ok: false, message: (err as Error).message } satisfies ReadReply);
  }
});
