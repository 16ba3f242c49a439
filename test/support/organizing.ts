/** The whole organizing state of a data dir, read straight from its database (for before/after comparisons). */
import path from 'node:path';
import Database from 'better-sqlite3';

export interface OrganizingState {
  images: { id: number; favorite: number; rating: number; notes: string | null; user_prompt: string | null }[];
  tags: { image_id: number; tag: string; source: string; confidence: number | null }[];
  suppressions: { image_id: number; tag: string }[];
  categories: { id: number; name: string; created_at: string }[];
  memberships: { image_id: number; category: string; added_at: string }[];
  tagFolders: { tag: string; created_at: string }[];
}

/** Reads the state from `<data>/vault.db` (or a db file), on its own read-only connection. */
export function organizingState(dataOrDb: string): OrganizingState {
  const file = dataOrDb.endsWith('.db') ? dataOrDb : path.join(dataOrDb, 'vault.db');
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return {
      images: db.prepare('SELECT id, favorite, rating, notes, user_prompt FROM images ORDER BY id').all() as OrganizingState['images'],
      tags: db
        .prepare('SELECT it.image_id, t.name AS tag, it.source, it.confidence FROM image_tags it JOIN tags t ON t.id = it.tag_id ORDER BY it.image_id, t.name, it.source')
        .all() as OrganizingState['tags'],
      suppressions: db
        .prepare('SELECT s.image_id, t.name AS tag FROM tag_suppressions s JOIN tags t ON t.id = s.tag_id ORDER BY s.image_id, t.name')
        .all() as OrganizingState['suppressions'],
      categories: db.prepare('SELECT id, name, created_at FROM categories ORDER BY name').all() as OrganizingState['categories'],
      memberships: db
        .prepare('SELECT ic.image_id, c.name AS category, ic.added_at FROM image_categories ic JOIN categories c ON c.id = ic.category_id ORDER BY ic.image_id, c.name')
        .all() as OrganizingState['memberships'],
      tagFolders: db.prepare('SELECT t.name AS tag, f.created_at FROM tag_folders f JOIN tags t ON t.id = f.tag_id ORDER BY t.name').all() as OrganizingState['tagFolders'],
    };
  } finally {
    db.close();
  }
}
