/**
 * The virtual tree: every folder is a saved query over the store (a view), never a walk of the disk.
 *
 *   /all/<library folders…>        /tags/<tag>/ and /tags/<namespace>/<name>/ (model:x → /tags/model/x)
 *   /favorites/                     /categories/<name>/<nested>/…
 *   /dates/YYYY/MM/DD/              /models/<name>/ (the model: tags)
 *   /search/<any query>/            top results, as /api/search ranks them
 *   /albums/<album>/                an album's saved filter (a search album: its top results, like /search/)
 *   /sfw/                           the images not marked NSFW (core/nsfw.ts)
 *
 * Each folder's files are an ImageFilter (`/all/<dir>`: the files directly in it; `/categories/<c>`:
 * the images directly in it), listed by one store query. Listings are cached until the store's data
 * version changes.
 */
import type { FolderSource } from '../library/catalog.js';
import type { FileEntry, ImageFilter } from '../core/types.js';
import { tagKey } from '../core/tag-names.js';
import { decodeName, encodeName, nameFiles } from './names.js';

export type { FileEntry };

export const ROOT_FOLDERS = ['all', 'tags', 'favorites', 'categories', 'dates', 'models', 'search', 'albums', 'sfw'] as const;
export const SEARCH_LIMIT = 200;

/** What dropping an image into a folder means. */
export type Association = { kind: 'tag'; name: string } | { kind: 'category'; name: string } | { kind: 'favorite' };

export function sameAssociation(a: Association, b: Association): boolean {
  return a.kind === b.kind && (a.kind === 'favorite' || (a as { name: string }).name === (b as { name: string }).name);
}

export interface Folder {
  path: string;
  subdirs: string[];
  files: Map<string, FileEntry>;
  association: Association | null;
}

/**
 * What a folder path stands for by the path grammar alone, before any lookup: the folder that would
 * be created, removed or renamed by mkdir/rmdir/mv there.
 *   /categories/a/b → the category `a/b`;  /tags/x, /tags/ns/x, /models/x → the tags `x`, `ns:x`, `model:x`;
 *   /tags/a:b → the tag `a:b`, `misplaced`: it is listed as /tags/a/b (a namespace is a folder level);
 *   /search/<query> → a query folder;  / → the root;  anything else → a read-only `view` (or nothing).
 */
export type FolderKind =
  | { kind: 'root' }
  | { kind: 'category'; name: string }
  | { kind: 'tag'; name: string; misplaced: boolean }
  | { kind: 'search'; query: string }
  | { kind: 'view' };

export function folderKind(path: string): FolderKind {
  const parts = path.split('/').filter(Boolean).map(decodeName);
  const [top, ...rest] = parts;
  if (parts.length === 0) return { kind: 'root' };
  // A part may decode to '' (a lone U+200B): no category or tag has an empty name.
  if (top === 'categories' && rest.join('/')) return { kind: 'category', name: rest.join('/') };
  if (top === 'tags' && (rest.length === 1 || rest.length === 2) && rest.join(':')) {
    return { kind: 'tag', name: rest.join(':'), misplaced: rest.length === 1 && rest[0].indexOf(':') > 0 };
  }
  if (top === 'models' && rest.length === 1) return { kind: 'tag', name: `model:${rest[0]}`, misplaced: false };
  if (top === 'search' && rest.length === 1) return { kind: 'search', query: rest[0] };
  return { kind: 'view' };
}

/** The query of the /search/<query>/ folder a path names or lies in, or null outside /search. */
export function searchQueryOf(path: string): string | null {
  const parts = path.split('/').filter(Boolean);
  return parts[0] === 'search' && parts.length > 1 ? decodeName(parts[1]) : null;
}

export type Resolved = { type: 'folder'; folder: Folder } | { type: 'file'; folder: Folder; name: string; entry: FileEntry } | { type: 'none'; parent: Folder | null; name: string };

interface Snapshot {
  version: string;
  /** Listed tags by key (tag-names.ts): a path names a tag in any case or normal form. */
  tags: Map<string, string>;
  /** /tags/<root>/ folders by key: the name shown and the namespaced names below it (by key). */
  tagRoots: Map<string, { name: string; subs: Map<string, string> }>;
  categories: string[];
  days: string[];
  dirs: Map<string, Set<string>>;
  folders: Map<string, Folder>;
}

function uniqueSorted(items: Iterable<string>): string[] {
  return [...new Set(items)].sort((a, b) => a.localeCompare(b));
}

/** How long a snapshot is trusted before the store's data version is checked again. */
const RECHECK_MS = 250;

export class VirtualTree {
  private snap: Snapshot | null = null;
  private checkedAt = 0;

  constructor(
    private readonly source: FolderSource,
    private readonly search: (query: string, limit: number) => number[],
  ) {}

  private snapshot(): Snapshot {
    // A `find` calls getattr per entry; checking the version on each call would dominate.
    if (this.snap && performance.now() - this.checkedAt < RECHECK_MS) return this.snap;
    this.checkedAt = performance.now();
    const version = this.source.version();
    if (this.snap && this.snap.version === version) return this.snap;
    const source = this.source;
    const tags = new Map(source.tagFolderNames().map((t) => [tagKey(t), t]));
    const tagRoots = new Map<string, { name: string; subs: Map<string, string> }>();
    for (const t of tags.values()) {
      const i = t.indexOf(':');
      const root = i > 0 ? t.slice(0, i) : t;
      const entry = tagRoots.get(tagKey(root)) ?? { name: root, subs: new Map<string, string>() };
      if (i > 0) entry.subs.set(tagKey(t.slice(i + 1)), t.slice(i + 1));
      tagRoots.set(tagKey(root), entry);
    }
    const dirs = new Map<string, Set<string>>([['', new Set()]]);
    for (const dir of source.libraryDirs()) {
      const parts = dir ? dir.split('/') : [];
      for (let k = 0; k < parts.length; k++) {
        const parent = parts.slice(0, k).join('/');
        if (!dirs.has(parent)) dirs.set(parent, new Set());
        dirs.get(parent)!.add(parts[k]);
        const self = parts.slice(0, k + 1).join('/');
        if (!dirs.has(self)) dirs.set(self, new Set());
      }
    }
    this.snap = { version, tags, tagRoots, categories: source.categoryNames(), days: source.days().sort(), dirs, folders: new Map() };
    return this.snap;
  }

  /** A folder whose files are those a filter selects (none without a filter). */
  private folder(path: string, subdirs: string[], filter: ImageFilter | null, association: Association | null): Folder {
    const files: FileEntry[] = filter ? this.source.entries(filter) : [];
    return { path, subdirs: subdirs.map(encodeName), files: nameFiles(files), association };
  }

  /** The folder at a path (components already split, undecoded), or null when there is none. */
  private build(parts: string[]): Folder | null {
    const s = this.snapshot();
    const path = `/${parts.join('/')}`;
    const p = parts.map(decodeName);
    const [top, ...rest] = p;
    if (parts.length === 0) return this.folder('/', [...ROOT_FOLDERS], null, null);
    switch (top) {
      case 'all': {
        const dir = rest.join('/');
        const children = s.dirs.get(dir);
        if (!children) return null;
        return this.folder(path, uniqueSorted(children), { dir, subfolders: false }, null);
      }
      case 'tags': {
        if (rest.length === 0) return this.folder(path, uniqueSorted([...s.tagRoots.values()].map((r) => r.name)), null, null);
        const root = s.tagRoots.get(tagKey(rest[0]));
        if (rest.length === 1) {
          if (!root) return null;
          const own = s.tags.get(tagKey(root.name));
          return this.folder(path, uniqueSorted(root.subs.values()), own ? { tags: [own] } : null, { kind: 'tag', name: own ?? root.name });
        }
        const name = s.tags.get(tagKey(`${rest[0]}:${rest.slice(1).join('/')}`));
        if (rest.length > 2 || !name) return null;
        return this.folder(path, [], { tags: [name] }, { kind: 'tag', name });
      }
      case 'models': {
        const models = uniqueSorted([...s.tags].filter(([key]) => key.startsWith('model:')).map(([, t]) => t.slice(6)));
        if (rest.length === 0) return this.folder(path, models, null, null);
        const name = s.tags.get(tagKey(`model:${rest[0]}`));
        if (rest.length > 1 || !name) return null;
        return this.folder(path, [], { tags: [name] }, { kind: 'tag', name });
      }
      case 'favorites':
        return rest.length === 0 ? this.folder(path, [], { favorite: true }, { kind: 'favorite' }) : null;
      case 'categories': {
        const name = rest.join('/');
        const prefix = name ? `${name}/` : '';
        const exists = !name || s.categories.some((c) => c === name || c.startsWith(prefix));
        if (!exists) return null;
        const children = uniqueSorted(s.categories.filter((c) => c.startsWith(prefix) && c.length > prefix.length).map((c) => c.slice(prefix.length).split('/')[0]));
        return this.folder(path, children, name ? { category: name, subcategories: false } : null, name ? { kind: 'category', name } : null);
      }
      case 'dates': {
        const want = rest.join('-');
        if (rest.length > 3 || (rest.length > 0 && !s.days.some((d) => d.startsWith(want)))) return null;
        if (rest.length === 3) return this.folder(path, [], { from: want, to: want }, null);
        const children = uniqueSorted(s.days.filter((d) => d.startsWith(want)).map((d) => d.split('-')[rest.length]));
        return this.folder(path, children, null, null);
      }
      case 'albums': {
        const albums = this.source.albums();
        if (rest.length === 0) return this.folder(path, albums.map((a) => a.name), null, null);
        const album = rest.length === 1 ? albums.find((a) => tagKey(a.name) === tagKey(rest[0])) : undefined;
        if (!album) return null;
        const { filter, q } = album.query;
        return this.folder(path, [], q ? { ...filter, ids: this.search(q, SEARCH_LIMIT) } : filter, null);
      }
      case 'sfw':
        return rest.length === 0 ? this.folder(path, [], { sfw: true }, null) : null;
      case 'search': {
        if (rest.length === 0) return this.folder(path, [], null, null);
        if (rest.length > 1) return null;
        return this.folder(path, [], { ids: this.search(rest[0], SEARCH_LIMIT) }, null);
      }
      default:
        return null;
    }
  }

  folderAt(parts: string[]): Folder | null {
    const s = this.snapshot();
    const key = parts.join('/');
    const cached = s.folders.get(key);
    if (cached) return cached;
    const folder = this.build(parts);
    if (folder) {
      if (s.folders.size > 2000) s.folders.clear();
      s.folders.set(key, folder);
    }
    return folder;
  }

  resolve(path: string): Resolved {
    const parts = path.split('/').filter(Boolean);
    const folder = this.folderAt(parts);
    if (folder) return { type: 'folder', folder };
    if (parts.length === 0) return { type: 'none', parent: null, name: '' };
    const name = parts[parts.length - 1];
    const parent = this.folderAt(parts.slice(0, -1));
    const entry = parent?.files.get(name);
    if (parent && entry) return { type: 'file', folder: parent, name, entry };
    return { type: 'none', parent, name };
  }

  /** The search a path's listing ranks (a /search/<query>/ folder, or a search album's folder), or null. */
  searchQueryAt(path: string): string | null {
    const parts = path.split('/').filter(Boolean);
    if (parts[0] !== 'albums' || parts.length < 2) return searchQueryOf(path);
    const name = tagKey(decodeName(parts[1]));
    return this.source.albums().find((a) => tagKey(a.name) === name)?.query.q ?? null;
  }

  /** Forget cached listings (after an edit this process made that the version does not yet show). */
  invalidate(): void {
    this.snap = null;
  }
}
