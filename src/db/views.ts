/**
 * Listing queries behind the virtual folders (FUSE, symlink export): which files a tag, category,
 * day, library folder or favorites view holds. Part of the store: SQL stays in src/db/.
 */
import type Database from 'better-sqlite3';
import { tagKey } from '../core/tag-names.js';

export interface FileEntry {
  id: number;
  filename: string;
  path: string;
  size: number;
  mtime_ms: number;
  created_at: string;
  hash: string | null;
}

const ENTRY = 'i.id, i.filename, i.path, i.size, i.mtime_ms, i.created_at, i.hash';

export class Views {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      dirs: db.prepare<[], { dir: string }>('SELECT DISTINCT dir FROM images WHERE missing = 0'),
      filesInDir: db.prepare<[string], FileEntry>(`SELECT ${ENTRY} FROM images i WHERE i.dir = ? AND i.missing = 0 ORDER BY i.id`),
      tagNames: db.prepare<[], { name: string }>(
        'SELECT t.name FROM tags t JOIN tag_counts c ON c.tag_id = t.id WHERE c.n > 0 UNION SELECT t.name FROM tags t JOIN tag_folders f ON f.tag_id = t.id',
      ),
      filesWithTag: db.prepare<[string], FileEntry>(
        `SELECT ${ENTRY} FROM images i WHERE i.missing = 0 AND i.id IN (SELECT image_id FROM image_tags WHERE tag_id = (SELECT id FROM tags WHERE key = ?)) ORDER BY i.id`,
      ),
      favorites: db.prepare<[], FileEntry>(`SELECT ${ENTRY} FROM images i WHERE i.favorite = 1 AND i.missing = 0 ORDER BY i.id`),
      categoryNames: db.prepare<[], { name: string }>('SELECT name FROM categories ORDER BY name'),
      filesInCategory: db.prepare<[string], FileEntry>(
        `SELECT ${ENTRY} FROM images i JOIN image_categories ic ON ic.image_id = i.id JOIN categories c ON c.id = ic.category_id WHERE c.name = ? AND i.missing = 0 ORDER BY i.id`,
      ),
      days: db.prepare<[], { day: string }>('SELECT DISTINCT substr(created_at, 1, 10) AS day FROM images WHERE missing = 0'),
      filesOnDay: db.prepare<[string, string], FileEntry>(`SELECT ${ENTRY} FROM images i WHERE i.missing = 0 AND i.created_at >= ? AND i.created_at < ? ORDER BY i.id`),
      byHash: db.prepare<[string], FileEntry>(`SELECT ${ENTRY} FROM images i WHERE i.hash = ? AND i.missing = 0 ORDER BY i.id LIMIT 1`),
      byPath: db.prepare<[string], FileEntry>(`SELECT ${ENTRY} FROM images i WHERE i.path = ? AND i.missing = 0`),
      byIds: db.prepare<[string], FileEntry>(`SELECT ${ENTRY} FROM images i WHERE i.id IN (SELECT value FROM json_each(?)) AND i.missing = 0`),
    };
  }

  dirs(): string[] {
    return this.s.dirs.all().map((r) => r.dir);
  }

  filesInDir(dir: string): FileEntry[] {
    return this.s.filesInDir.all(dir);
  }

  /** Tags that hold present images, and tags made empty on purpose (mkdir). */
  tagNames(): string[] {
    return this.s.tagNames.all().map((r) => r.name);
  }

  filesWithTag(name: string): FileEntry[] {
    return this.s.filesWithTag.all(tagKey(name));
  }

  favorites(): FileEntry[] {
    return this.s.favorites.all();
  }

  categoryNames(): string[] {
    return this.s.categoryNames.all().map((r) => r.name);
  }

  /** Images directly in a category (not in the categories nested below it). */
  filesInCategory(name: string): FileEntry[] {
    return this.s.filesInCategory.all(name);
  }

  days(): string[] {
    return this.s.days.all().map((r) => r.day);
  }

  filesOnDay(day: string): FileEntry[] {
    const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    return this.s.filesOnDay.all(day, next);
  }

  byHash(hash: string): FileEntry | null {
    return this.s.byHash.get(hash) ?? null;
  }

  byPath(path: string): FileEntry | null {
    return this.s.byPath.get(path) ?? null;
  }

  byIds(ids: number[]): FileEntry[] {
    const rows = this.s.byIds.all(JSON.stringify(ids));
    const order = new Map(ids.map((id, i) => [id, i]));
    return rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  }
}
