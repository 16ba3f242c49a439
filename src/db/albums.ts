/** Albums: saved searches, each a unique name (by key) and the query it selects, stored as JSON. */
import type { AlbumQuery } from '../core/types.js';
import type { Kernel } from './kernel.js';

export interface AlbumRow {
  name: string;
  query: AlbumQuery;
  created_at: string;
}

export class Albums {
  private readonly s;

  constructor(private readonly kernel: Kernel) {
    this.s = {
      list: kernel.prepare<[], { name: string; query: string; created_at: string }>('SELECT name, query, created_at FROM albums ORDER BY name'),
      get: kernel.prepare<[string], { name: string; query: string; created_at: string }>('SELECT name, query, created_at FROM albums WHERE key = ?'),
      insert: kernel.prepare('INSERT INTO albums(name, key, query, created_at) VALUES (?, ?, ?, ?)'),
      remove: kernel.prepare('DELETE FROM albums WHERE key = ?'),
    };
  }

  /** Every album by name; cached on the change version (the mount asks on every lookup). */
  list(): AlbumRow[] {
    return this.kernel.cached('albums', () => this.s.list.all().map((r) => ({ ...r, query: JSON.parse(r.query) as AlbumQuery })));
  }

  get(key: string): AlbumRow | null {
    const r = this.s.get.get(key);
    return r ? { ...r, query: JSON.parse(r.query) as AlbumQuery } : null;
  }

  /** Adds an album; false when one with the key exists (nothing written). */
  insert(name: string, key: string, query: AlbumQuery): boolean {
    return this.kernel.write(() => {
      if (this.s.get.get(key)) return false;
      this.s.insert.run(name, key, JSON.stringify(query), new Date().toISOString());
      return true;
    });
  }

  /** Removes an album; false when there was none. */
  remove(key: string): boolean {
    return this.kernel.write(() => this.s.remove.run(key).changes > 0);
  }
}
