/**
 * Albums: saved searches. An album is a name and what it selects — a filter, and a search ranked
 * within it — evaluated live whenever it is shown (the gallery, GET /api/albums, the mount's
 * /albums/<name>/). The rules live here, whichever adapter asks. Albums are not journaled: the
 * journal records edits of images and their collections, and an album changes no image.
 */
import { ConflictError, InvalidInputError, NotFoundError } from '../core/errors.js';
import { isEmptyFilter } from '../core/filter.js';
import { tagKey } from '../core/tag-names.js';
import type { AlbumQuery } from '../core/types.js';
import type { Store } from '../db/store.js';

export type { AlbumQuery };

export interface Album {
  name: string;
  query: AlbumQuery;
  created_at: string;
  /** Images the filter selects now (null for a search album: its results are ranked on demand). */
  count: number | null;
}

export const MAX_ALBUM_NAME_LENGTH = 100;

/** Why an album name is refused, or null. A name is one folder of the mount and one URL path part: no `/`. */
export function albumNameProblem(name: string): string | null {
  if (name.trim() === '') return 'an album name must not be empty';
  if (name !== name.trim()) return 'an album name must not start or end with spaces';
  if (name.length > MAX_ALBUM_NAME_LENGTH) return `an album name is at most ${MAX_ALBUM_NAME_LENGTH} characters`;
  if (/\p{Cc}/u.test(name)) return 'control characters are not allowed';
  if (name.includes('/')) return 'an album name cannot contain "/"';
  if (name === '.' || name === '..') return 'an album cannot be named "." or ".."';
  return null;
}

export class AlbumBook {
  constructor(private readonly store: Store) {}

  private withCount(row: { name: string; query: AlbumQuery; created_at: string }): Album {
    return { ...row, count: row.query.q ? null : this.store.countMatching(row.query.filter) };
  }

  /** Every album by name, with what it holds now. */
  list(): Album[] {
    return this.store.albums.list().map((a) => this.withCount(a));
  }

  /** An album by name (any case: names are unique by key, as tags are). */
  get(name: string): Album | null {
    const row = this.store.albums.get(tagKey(name));
    return row ? this.withCount(row) : null;
  }

  /** Saves a filter and search under a new name; an existing name (in any case) is a conflict. */
  create(name: string, query: AlbumQuery): Album {
    const problem = albumNameProblem(name);
    if (problem) throw new InvalidInputError(`album ${JSON.stringify(name)}: ${problem}`);
    const q = query.q?.trim() || null;
    if (!q && isEmptyFilter(query.filter)) throw new InvalidInputError('an album saves a filter or a search: this one would hold every image');
    if (query.filter.ids) throw new InvalidInputError('an album saves a filter or a search, not a list of images');
    const saved: AlbumQuery = { filter: query.filter, q, mode: q ? query.mode : null };
    if (!this.store.albums.insert(name, tagKey(name), saved)) throw new ConflictError(`album ${name} exists`);
    return this.get(name)!;
  }

  delete(name: string): void {
    if (!this.store.albums.remove(tagKey(name))) throw new NotFoundError(`no album ${name}`);
  }
}
