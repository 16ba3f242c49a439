/** Categories (user folders, nested by `/` in the name) and the images filed in them. */
import type { CategoryCount } from '../core/types.js';
import { escapeLike } from './filters.js';
import type { Kernel } from './kernel.js';
import { INSERT_CATEGORY_SQL } from './journal.js';

const now = () => new Date().toISOString();

export class Categories {
  private readonly s;

  constructor(private readonly kernel: Kernel) {
    this.s = {
      insert: kernel.prepare(INSERT_CATEGORY_SQL),
      id: kernel.prepare<[string], { id: number }>('SELECT id FROM categories WHERE name = ?'),
      ofImage: kernel.prepare<[number], { name: string }>(
        'SELECT c.name FROM image_categories ic JOIN categories c ON c.id = ic.category_id WHERE ic.image_id = ? ORDER BY c.name',
      ),
      addImage: kernel.prepare('INSERT INTO image_categories(image_id, category_id, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      removeImage: kernel.prepare('DELETE FROM image_categories WHERE image_id = ? AND category_id = ?'),
      used: kernel.prepare('SELECT 1 FROM image_categories WHERE category_id = ? LIMIT 1'),
      nested: kernel.prepare("SELECT 1 FROM categories WHERE name LIKE ? ESCAPE '\\' LIMIT 1"),
      remove: kernel.prepare('DELETE FROM categories WHERE id = ?'),
      selfAndNested: kernel.prepare<[string, string], { id: number; name: string }>("SELECT id, name FROM categories WHERE name = ? OR name LIKE ? ESCAPE '\\'"),
      imagesIn: kernel.prepare<[string], { image_id: number }>('SELECT DISTINCT image_id FROM image_categories WHERE category_id IN (SELECT value FROM json_each(?))'),
      removeMany: kernel.prepare('DELETE FROM categories WHERE id IN (SELECT value FROM json_each(?))'),
      rename: kernel.prepare('UPDATE categories SET name = ? WHERE id = ?'),
      counts: kernel.prepare<[], CategoryCount>(
        `SELECT c.name, COUNT(i.id) AS count FROM categories c
         LEFT JOIN image_categories ic ON ic.category_id = c.id
         LEFT JOIN images i ON i.id = ic.image_id AND i.missing = 0
         GROUP BY c.id ORDER BY c.name`,
      ),
      names: kernel.prepare<[], { name: string }>('SELECT name FROM categories ORDER BY name'),
    };
  }

  /** A category's id; `create` makes it first when it does not exist. */
  id(name: string, create: boolean): number | null {
    if (create) this.s.insert.run(name, now());
    return this.s.id.get(name)?.id ?? null;
  }

  /** Makes a category (nothing happens when it exists). */
  create(name: string): void {
    this.kernel.write(() => this.s.insert.run(name, now()));
  }

  of(imageId: number): string[] {
    return this.s.ofImage.all(imageId).map((c) => c.name);
  }

  addImage(imageId: number, categoryId: number, at: string): void {
    this.s.addImage.run(imageId, categoryId, at);
  }

  removeImage(imageId: number, categoryId: number): void {
    this.s.removeImage.run(imageId, categoryId);
  }

  /** The category and those nested below it. */
  private withNested(name: string): { id: number; name: string }[] {
    return this.s.selfAndNested.all(name, `${escapeLike(name)}/%`);
  }

  private imagesIn(ids: number[]): number[] {
    return this.s.imagesIn.all(JSON.stringify(ids)).map((r) => r.image_id);
  }

  /** Deletes an empty category (no image, no nested category); false when it is not empty. */
  deleteEmpty(id: number, name: string): boolean {
    return this.kernel.write(() => {
      if (this.s.used.get(id) || this.s.nested.get(`${escapeLike(name)}/%`)) return false;
      this.s.remove.run(id);
      return true;
    });
  }

  /** Deletes a category, its nested ones and their image associations; returns the images that were in them. */
  deleteWithContents(name: string): number[] {
    return this.kernel.write(() => {
      const ids = this.withNested(name).map((r) => r.id);
      const images = this.imagesIn(ids);
      this.s.removeMany.run(JSON.stringify(ids));
      return images;
    });
  }

  /** Renames a category and every category nested below it; returns the images filed in them. */
  rename(from: string, to: string): number[] {
    return this.kernel.write(() => {
      const rows = this.withNested(from);
      for (const r of rows) this.s.rename.run(to + r.name.slice(from.length), r.id);
      return this.imagesIn(rows.map((r) => r.id));
    });
  }

  /** Every category with its number of present images. */
  list(): CategoryCount[] {
    return this.s.counts.all();
  }

  /** Every category name, sorted (the virtual tree's /categories). */
  names(): string[] {
    return this.s.names.all().map((r) => r.name);
  }
}
