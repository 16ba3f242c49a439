/**
 * Organizing edits, each one recorded change (changes.ts): an image's tags, prompt, favorite,
 * rating, notes, caption and categories; batch edits; categories and tag folders. Removing a
 * derived tag is remembered so rescans do not bring it back.
 */
import { ConflictError, NotFoundError } from '../core/errors.js';
import type { ImageDetail, ImagePatch } from '../core/types.js';
import type { Captions } from './captions.js';
import type { Catalog } from './catalog.js';
import type { Categories } from './categories.js';
import type { Changes } from './changes.js';
import type { FullTextIndex } from './fts.js';
import { describeEdit, type ChangeContext } from './journal.js';
import type { Kernel } from './kernel.js';
import type { Tags } from './tags.js';

const now = () => new Date().toISOString();

export class Edits {
  private readonly s;

  constructor(
    kernel: Kernel,
    private readonly catalog: Catalog,
    private readonly tags: Tags,
    private readonly categories: Categories,
    private readonly captions: Captions,
    private readonly fts: FullTextIndex,
    private readonly changes: Changes,
  ) {
    this.s = {
      setUserPrompt: kernel.prepare('UPDATE images SET user_prompt = ?, updated_at = ? WHERE id = ?'),
      setFavorite: kernel.prepare('UPDATE images SET favorite = ?, updated_at = ? WHERE id = ?'),
      setRating: kernel.prepare('UPDATE images SET rating = ?, updated_at = ? WHERE id = ?'),
      setRejected: kernel.prepare('UPDATE images SET rejected = ?, updated_at = ? WHERE id = ?'),
      setNotes: kernel.prepare('UPDATE images SET notes = ?, updated_at = ? WHERE id = ?'),
    };
  }

  private editTags(id: number, add: string[], remove: string[]): void {
    this.tags.edit(id, add, remove);
    this.fts.refresh(id);
  }

  /** Applies a user edit atomically. */
  patchImage(id: number, patch: ImagePatch, context?: ChangeContext): ImageDetail {
    this.changes.journaled(describeEdit(`image ${id}`, patch), context, () => {
      if (!this.catalog.exists(id)) throw new NotFoundError(`image ${id} does not exist`);
      const t = now();
      if (patch.tags) this.editTags(id, patch.tags.add ?? [], patch.tags.remove ?? []);
      if (patch.prompt !== undefined) this.s.setUserPrompt.run(patch.prompt, t, id);
      if (patch.favorite !== undefined) this.s.setFavorite.run(patch.favorite ? 1 : 0, t, id);
      if (patch.rating !== undefined) this.s.setRating.run(patch.rating, t, id);
      if (patch.rejected !== undefined) this.s.setRejected.run(patch.rejected ? 1 : 0, t, id);
      if (patch.notes !== undefined) this.s.setNotes.run(patch.notes, t, id);
      if (patch.caption !== undefined) this.captions.setUserCaption(id, patch.caption, t);
      for (const name of patch.categories?.add ?? []) this.categories.addImage(id, this.categories.id(name, true)!, t);
      for (const name of patch.categories?.remove ?? []) {
        const categoryId = this.categories.id(name, false);
        if (categoryId !== null) this.categories.removeImage(id, categoryId);
      }
      if (patch.prompt !== undefined || patch.caption !== undefined) this.fts.refresh(id);
    });
    if (patch.tags || patch.categories || patch.rating !== undefined || patch.favorite !== undefined) this.changes.edited([id]);
    return this.catalog.getImage(id)!;
  }

  /**
   * One edit on many images in one transaction (the gallery's batch actions): tags, favorite,
   * rating, categories. Returns how many of the ids exist.
   */
  patchImages(ids: number[], patch: Pick<ImagePatch, 'tags' | 'favorite' | 'rating' | 'rejected' | 'categories'>, context?: ChangeContext): number {
    const done = this.changes.journaled(describeEdit(`${ids.length} image${ids.length === 1 ? '' : 's'}`, patch), context ?? { origin: 'batch' }, () => {
      const t = now();
      const add = (patch.categories?.add ?? []).map((name) => this.categories.id(name, true)!);
      const remove = (patch.categories?.remove ?? []).map((name) => this.categories.id(name, false)).filter((c): c is number => c !== null);
      const existing: number[] = [];
      for (const id of ids) {
        if (!this.catalog.exists(id)) continue;
        existing.push(id);
        if (patch.tags) this.editTags(id, patch.tags.add ?? [], patch.tags.remove ?? []);
        if (patch.favorite !== undefined) this.s.setFavorite.run(patch.favorite ? 1 : 0, t, id);
        if (patch.rating !== undefined) this.s.setRating.run(patch.rating, t, id);
        if (patch.rejected !== undefined) this.s.setRejected.run(patch.rejected ? 1 : 0, t, id);
        for (const c of add) this.categories.addImage(id, c, t);
        for (const c of remove) this.categories.removeImage(id, c);
      }
      return existing;
    });
    this.changes.edited(done);
    return done.length;
  }

  createCategory(name: string, context?: ChangeContext): void {
    this.changes.journaled(`create category ${name}`, context, () => this.categories.create(name));
  }

  /**
   * Deletes a category. Without `withContents`, only an empty one (no image, no nested category;
   * false otherwise: rmdir semantics). With it, the category, its nested ones and their image
   * associations go (the images stay).
   */
  deleteCategory(name: string, withContents = false, context?: ChangeContext): boolean {
    return this.changes.journaled(`delete category ${name}${withContents ? ' with its contents' : ''}`, context, () => {
      const id = this.categories.id(name, false);
      if (id === null) throw new NotFoundError(`no category ${name}`);
      if (!withContents) return this.categories.deleteEmpty(id, name);
      this.changes.edited(this.categories.deleteWithContents(name));
      return true;
    });
  }

  /** Renames a category and every category nested below it. */
  renameCategory(from: string, to: string, context?: ChangeContext): void {
    const affected = this.changes.journaled(`rename category ${from} → ${to}`, context, () => {
      if (this.categories.id(from, false) === null) throw new NotFoundError(`no category ${from}`);
      if (this.categories.id(to, false) !== null) throw new ConflictError(`category ${to} exists`);
      return this.categories.rename(from, to);
    });
    this.changes.edited(affected);
  }

  /** A tag that exists without images (mkdir /tags/x). */
  createTagFolder(name: string, context?: ChangeContext): void {
    this.changes.journaled(`create tag ${name}`, context, () => this.tags.createFolder(name));
  }

  /** Removes an empty tag folder; false when images still carry the tag. */
  deleteTagFolder(name: string, context?: ChangeContext): boolean {
    return this.changes.journaled(`delete tag ${name}`, context, () => {
      if (this.tags.count(name) > 0) return false;
      const id = this.tags.existingId(name);
      if (id === undefined) throw new NotFoundError(`no tag ${name}`);
      this.tags.deleteFolder(id);
      return true;
    });
  }

  /** Renames a tag on every image (merging into the target tag when it exists). */
  renameTag(from: string, to: string, context?: ChangeContext): void {
    const affected = this.changes.journaled(`rename tag ${from} → ${to}`, context, () => {
      const fromId = this.tags.existingId(from);
      if (fromId === undefined) throw new NotFoundError(`no tag ${from}`);
      const ids = this.tags.imagesWith(fromId);
      for (const id of ids) this.editTags(id, [to], [from]);
      if (this.tags.hasFolder(fromId)) {
        this.tags.deleteFolder(fromId);
        this.tags.createFolder(to);
      }
      return ids;
    });
    this.changes.edited(affected);
  }
}
