/**
 * Reading the catalog: pages of images for a filter, one image's detail, tags, categories, counts,
 * problem files and the scan log. What the API, the mount and the CLI read goes through here, so
 * no adapter reaches the database layer.
 */
import type { AlbumQuery, CategoryCount, FileEntry, ImageDetail, ImageFilter, ImageSummary, Page, SortOrder, TagCount, TagSource } from '../core/types.js';
import type { Store } from '../db/store.js';
import type { Problem } from '../core/problems.js';
import { VALUE_FIELDS, type ValueField } from '../db/store.js';

export { VALUE_FIELDS, type ValueField };

/** A library folder with its present images: directly in it (`own`) and with its subfolders (`count`). */
export interface FolderCount {
  path: string;
  own: number;
  count: number;
}

export type { Problem };

/** A page of problem files with the opaque cursor of the next one; null for a cursor not issued here. */
export type ProblemPage = { items: Problem[]; next_cursor: string | null; total: number };

/**
 * What the virtual folders read: each folder's files by its filter, and the names its subfolders
 * come from; `version` changes whenever the data does (listings are cached on it).
 */
export interface FolderSource {
  version(): string;
  /** The files a filter selects (by id, or in the order of `filter.ids`). */
  entries(filter: ImageFilter): FileEntry[];
  /** Library folders holding present images. */
  libraryDirs(): string[];
  /** Tags that hold present images, and tags made empty on purpose (mkdir). */
  tagFolderNames(): string[];
  /** Days (YYYY-MM-DD) with present images. */
  days(): string[];
  categoryNames(): string[];
  /** Albums (saved searches) by name, with what each selects. */
  albums(): { name: string; query: AlbumQuery }[];
}

export class Catalog implements FolderSource {
  constructor(private readonly store: Store) {}

  /** Changes whenever the data changes, in this process or another (caches key on it). */
  version(): string {
    return this.store.dataVersion();
  }

  entries(filter: ImageFilter): FileEntry[] {
    return this.store.views.entries(filter);
  }

  /** The present image at a library-relative path. */
  entryAtPath(relative: string): FileEntry | null {
    return this.store.views.byPath(relative);
  }

  /** A present image with this content hash (a copy dropped into the mount is recognised by it). */
  entryWithHash(hash: string): FileEntry | null {
    return this.store.views.byHash(hash);
  }

  libraryDirs(): string[] {
    return this.store.views.dirs();
  }

  tagFolderNames(): string[] {
    return this.store.views.tagNames();
  }

  days(): string[] {
    return this.store.views.days();
  }

  categoryNames(): string[] {
    return this.store.views.categoryNames();
  }

  albums(): { name: string; query: AlbumQuery }[] {
    return this.store.albums.list();
  }

  /** Images a filter selects, in sort order, by keyset pages; `total` counts them all. */
  list(filter: ImageFilter, sort: SortOrder = '-date', cursor: string | null = null, limit = 100): Page<ImageSummary> {
    return this.store.listImages(filter, sort, cursor, limit);
  }

  /** The same page without holding the thread when its walk can be long (several large tags): what the API serves. */
  listOffThread(filter: ImageFilter, sort: SortOrder = '-date', cursor: string | null = null, limit = 100): Promise<Page<ImageSummary>> {
    return this.store.listImagesOffThread(filter, sort, cursor, limit);
  }

  get(id: number): ImageDetail | null {
    return this.store.getImage(id);
  }

  /** Summaries of the given images that pass a filter, in the order given. */
  summaries(ids: number[], filter: ImageFilter = {}): ImageSummary[] {
    return this.store.summariesFor(ids, filter);
  }

  /** Ids of the images a filter selects (selections: "all matching"), up to a limit. */
  ids(filter: ImageFilter, limit: number): number[] {
    return this.store.idsMatching(filter, limit);
  }

  count(filter: ImageFilter): number {
    return this.store.countMatching(filter);
  }

  /** The same count without holding the thread: a page whose total was null (a costly count) gets it here. */
  countInBackground(filter: ImageFilter): Promise<number> {
    return this.store.countMatchingInBackground(filter);
  }

  /** Readies the largest tags for filters that combine them (their bitmaps, built on a worker): a server's start and after its scans. */
  warmTagBitmaps(): Promise<number> {
    return this.store.warmTagBitmaps();
  }

  /** Tags by use (present images), optionally only those a source gave (`user`, `ai`, …). */
  tags(prefix = '', limit = 200, source?: TagSource): TagCount[] {
    return source ? this.store.listTagsBySource(source, prefix, limit) : this.store.listTags(prefix, limit);
  }

  /** The library's own folders (each ancestor of a folder with images too), by path, with counts. */
  folders(): FolderCount[] {
    const byPath = new Map<string, FolderCount>();
    for (const { dir, count } of this.store.dirCounts()) {
      const parts = dir ? dir.split('/') : [];
      for (let k = 0; k <= parts.length; k++) {
        const path = parts.slice(0, k).join('/');
        const entry = byPath.get(path) ?? { path, own: 0, count: 0 };
        entry.count += count;
        if (k === parts.length) entry.own += count;
        byPath.set(path, entry);
      }
    }
    return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /**
   * Values of a generation field containing a text (case-insensitive), those starting with it
   * first, then by use: the filters' type-ahead (`xl` finds `sd_xl_base_1.0`).
   */
  values(field: ValueField, text = '', limit = 20): { value: string; count: number }[] {
    const t = text.toLocaleLowerCase();
    const starting: { value: string; count: number }[] = [];
    const containing: { value: string; count: number }[] = [];
    for (const v of this.store.values(field)) {
      const at = v.value.toLocaleLowerCase().indexOf(t);
      if (at === 0) starting.push(v);
      else if (at > 0) containing.push(v);
      if (starting.length >= limit) break;
    }
    return [...starting, ...containing].slice(0, limit);
  }

  categories(): CategoryCount[] {
    return this.store.listCategories();
  }

  counts(): { images: number; missing: number; errors: number; problems: number } {
    return { ...this.store.counts(), problems: this.store.problems.count() };
  }

  lastScan(): { started_at: string; finished_at: string | null; stats: unknown; kind: string } | null {
    return this.store.lastScan();
  }

  problems(limit: number, cursor: string | null): ProblemPage | null {
    return this.store.problems.page(limit, cursor);
  }

  /** Every problem file, streamed (vv problems). */
  allProblems(): IterableIterator<Problem> {
    return this.store.problems.iterate();
  }
}
