/**
 * A bitmap per tag (the images carrying it, bitset.ts) and of the missing images, held by the page
 * read worker (read-worker.ts), which matches the tag part of a filter whose tags are all large:
 * at 1M images a page of two tags + an excluded one that match nothing walked every image (0.7–1.6 s)
 * to learn it, the AND of their bitmaps takes a few ms. A bitmap is kept while the generation the
 * serving connection gives for it (tag-writes.ts) stays the same, read from the worker's own
 * connection; least recently used ones go beyond BUDGET_BYTES.
 */
import type Database from 'better-sqlite3';
import { addIdList, and, andNot, bitsetFor, or, type Bitset } from './bitset.js';

/** The SQL function, defined on the page worker's connection, that tests an image id against the running match. */
export const MATCH_FUNCTION = 'vv_tag_match';

/** A tag of the filter: its id (null: no such tag) and its generation (TagWrites.tag). */
export interface TagRef {
  id: number | null;
  generation: string;
}

/** The tag part of a filter, as the page worker matches it. */
export interface TagSetQuery {
  all: TagRef[];
  any: TagRef[];
  not: TagRef[];
  missing: 'exclude' | 'only' | 'include';
  /** The missing images' generation (TagWrites.presence). */
  presence: string;
}

/** 256 bitmaps at 1M images (125 KB each). */
const BUDGET_BYTES = 32 * 1024 * 1024;
/** Ids read per `group_concat` (strings of ~2 MB at most). */
const CHUNK_IDS = 1 << 18;
/** The key of the missing images' bitmap (tag ids start at 1). */
const MISSING = 0;

export class TagBitmaps {
  /** By tag id (MISSING: the missing images); Map order is use order, least recent first. */
  private readonly sets = new Map<number, { generation: string; bits: Bitset }>();
  private bytes = 0;
  private readonly s;

  constructor(
    db: Database.Database,
    private readonly budgetBytes = BUDGET_BYTES,
  ) {
    this.s = {
      maxId: db.prepare<[], number>('SELECT max(id) FROM images').pluck(),
      // Through image_tags_by_tag (tag_id, image_id): the tag's ids without a row of images.
      tagIds: db.prepare<[number, number, number], string | null>('SELECT group_concat(image_id) FROM image_tags WHERE tag_id = ? AND image_id >= ? AND image_id < ?').pluck(),
      missingIds: db.prepare<[], string | null>('SELECT group_concat(id) FROM images WHERE missing = 1').pluck(),
    };
  }

  /** The ids the tag part selects, as the connection reads the database now (inside the caller's read transaction). */
  match(q: TagSetQuery): Bitset {
    if (q.all.some((t) => t.id === null)) return bitsetFor(0);
    let match: Bitset | null = null;
    for (const t of q.all) match = match ? and(match, this.tag(t)) : this.tag(t);
    if (q.any.length) {
      const anyOf = q.any.filter((t) => t.id !== null).reduce<Bitset>((u, t) => or(u, this.tag(t)), bitsetFor(0));
      match = match ? and(match, anyOf) : anyOf;
    }
    if (!match) throw new Error('a tag match needs tags or any');
    for (const t of q.not) if (t.id !== null) match = andNot(match, this.tag(t));
    if (q.missing === 'exclude') match = andNot(match, this.missing(q.presence));
    else if (q.missing === 'only') match = and(match, this.missing(q.presence));
    return match;
  }

  /** Builds a tag's bitmap ahead of its first filter unless one of its generation is held; whether it built one. */
  warm(t: TagRef): boolean {
    if (t.id === null) return false;
    const built = this.sets.get(t.id)?.generation !== t.generation;
    this.tag(t);
    return built;
  }

  /** Bitmaps held now (tests). */
  get size(): number {
    return this.sets.size;
  }

  private tag(t: TagRef): Bitset {
    const id = t.id!;
    return this.held(id, t.generation, () => {
      const maxId = this.s.maxId.get() ?? 0;
      const bits = bitsetFor(maxId);
      for (let from = 0; from <= maxId; from += CHUNK_IDS) addIdList(bits, this.s.tagIds.get(id, from, from + CHUNK_IDS) ?? '');
      return bits;
    });
  }

  private missing(generation: string): Bitset {
    return this.held(MISSING, generation, () => {
      const bits = bitsetFor(this.s.maxId.get() ?? 0);
      addIdList(bits, this.s.missingIds.get() ?? '');
      return bits;
    });
  }

  private held(key: number, generation: string, build: () => Bitset): Bitset {
    const hit = this.sets.get(key);
    if (hit) {
      this.sets.delete(key);
      this.bytes -= hit.bits.byteLength;
    }
    const bits = hit && hit.generation === generation ? hit.bits : build();
    this.sets.set(key, { generation, bits });
    this.bytes += bits.byteLength;
    for (const [k, old] of this.sets) {
      if (this.bytes <= this.budgetBytes || k === key) break;
      this.sets.delete(k);
      this.bytes -= old.bits.byteLength;
    }
    return bits;
  }
}
