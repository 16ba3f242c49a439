/**
 * Organizing: every user edit (tags, favorites, ratings, notes, prompts, captions, categories, tag
 * folders) and its rules, whichever adapter asks — the API, the mount or the CLI. Each edit is one
 * journaled change (`vv history`, `vv undo`); rules fail with the domain's VaultError codes, which
 * each adapter maps once (HTTP status, errno, exit status).
 */
import { categoryNameProblem, isSameOrNestedCategory } from '../core/category-names.js';
import { ConflictError, InvalidInputError } from '../core/errors.js';
import { tagNameProblem } from '../core/tag-names.js';
import type { ImageDetail, ImagePatch } from '../core/types.js';
import type { Store } from '../db/store.js';
import type { ChangeContext, ChangeOrigin, ChangeSummary, UndoResult } from '../db/journal.js';

export type { ChangeContext, ChangeOrigin, ChangeSummary, UndoResult };

/** What putting an image into a folder of the mount means: a tag, a category, or the favorites. */
export type Collection = { kind: 'tag'; name: string } | { kind: 'category'; name: string } | { kind: 'favorite' };

/** The edits a batch may make on many images at once. */
export type BatchPatch = Pick<ImagePatch, 'tags' | 'favorite' | 'rating' | 'rejected' | 'categories'>;

/** An edit's result and the change it was journaled as (null when nothing changed). */
export interface Changed<T> {
  value: T;
  change: number | null;
}

function checkTagNames(names: readonly string[] | undefined): void {
  for (const name of names ?? []) {
    const problem = tagNameProblem(name);
    if (problem) throw new InvalidInputError(`tag ${JSON.stringify(name)}: ${problem}`);
  }
}

function checkCategoryName(name: string): void {
  const problem = categoryNameProblem(name);
  if (problem) throw new InvalidInputError(`category ${JSON.stringify(name)}: ${problem}`);
}

function checkPatch(patch: Partial<ImagePatch>): void {
  checkTagNames(patch.tags?.add);
  for (const name of patch.categories?.add ?? []) checkCategoryName(name);
}

/** The categories a nested name lies in, outermost first: `a/b/c` → `a`, `a/b`. */
export function parentCategories(name: string): string[] {
  const parts = name.split('/');
  return parts.slice(1).map((_, k) => parts.slice(0, k + 1).join('/'));
}

/** What an undo must also do outside the database: the trash moves files back (trash.ts). */
export interface UndoFollower {
  followUndo(changeId: number): void;
}

export class Organizer {
  constructor(
    private readonly store: Store,
    private readonly follower?: UndoFollower,
  ) {}

  /**
   * Runs several edits as one change (one entry in the history, undone together): a file
   * operation of the mount that both tags and favorites, say. Edits inside join it.
   */
  inOneChange<T>(context: ChangeContext, fn: () => T): Changed<T> {
    return this.store.recordChange(context, fn);
  }

  /**
   * Creates the missing parents of nested category names (inside the caller's change): filing an
   * image in `Wallpapers/Anime` or creating it makes `Wallpapers` too, so no category is an orphan
   * — from the API, the mount and the CLI alike.
   */
  private createParents(names: readonly string[] | undefined): void {
    const wanted = (names ?? []).flatMap(parentCategories);
    if (wanted.length === 0) return;
    const existing = new Set(this.store.views.categoryNames());
    for (const parent of wanted) {
      if (existing.has(parent)) continue;
      this.store.createCategory(parent);
      existing.add(parent);
    }
  }

  editImage(id: number, patch: ImagePatch, origin: ChangeOrigin = 'api'): Changed<ImageDetail> {
    checkPatch(patch);
    return this.store.recordChange({ origin }, () => {
      this.createParents(patch.categories?.add);
      return this.store.patchImage(id, patch);
    });
  }

  /** One edit on many images; `value` is how many of the ids exist. */
  editImages(ids: number[], patch: BatchPatch, origin: ChangeOrigin = 'batch'): Changed<number> {
    checkPatch(patch);
    return this.store.recordChange({ origin }, () => {
      this.createParents(patch.categories?.add);
      return this.store.patchImages(ids, patch);
    });
  }

  /** Puts an image into a collection (a tag, a category, the favorites). */
  addTo(imageId: number, collection: Collection, origin: ChangeOrigin = 'fuse'): Changed<ImageDetail> {
    if (collection.kind === 'tag') return this.editImage(imageId, { tags: { add: [collection.name] } }, origin);
    if (collection.kind === 'category') return this.editImage(imageId, { categories: { add: [collection.name] } }, origin);
    return this.editImage(imageId, { favorite: true }, origin);
  }

  /** Takes an image out of a collection; the image itself stays in the library. */
  removeFrom(imageId: number, collection: Collection, origin: ChangeOrigin = 'fuse'): Changed<ImageDetail> {
    if (collection.kind === 'tag') return this.editImage(imageId, { tags: { remove: [collection.name] } }, origin);
    if (collection.kind === 'category') return this.editImage(imageId, { categories: { remove: [collection.name] } }, origin);
    return this.editImage(imageId, { favorite: false }, origin);
  }

  private categoryExists(name: string): boolean {
    return this.store.views.categoryNames().includes(name);
  }

  /** A new, empty category. One that exists already is a conflict, from every adapter. */
  createCategory(name: string, origin: ChangeOrigin = 'api'): Changed<void> {
    checkCategoryName(name);
    return this.store.recordChange({ origin, description: `create category ${name}` }, () => {
      if (this.categoryExists(name)) throw new ConflictError(`category ${name} exists`);
      this.createParents([name]);
      this.store.createCategory(name);
    });
  }

  /** Renames a category, or moves it (`a` → `b/a`); nested categories follow. Never into itself. */
  renameCategory(from: string, to: string, origin: ChangeOrigin = 'api'): Changed<void> {
    checkCategoryName(to);
    if (isSameOrNestedCategory(to, from)) throw new InvalidInputError('a category cannot move into itself');
    return this.store.recordChange({ origin, description: `rename category ${from} → ${to}` }, () => {
      this.store.renameCategory(from, to);
      this.createParents([to]);
    });
  }

  /**
   * Deletes a category. Without `withContents` only an empty one goes (`value` false otherwise:
   * rmdir); with it, its nested categories and their associations go too. Images always stay.
   */
  deleteCategory(name: string, withContents: boolean, origin: ChangeOrigin = 'api'): Changed<boolean> {
    return this.store.recordChange({ origin, description: `delete category ${name}${withContents ? ' with its contents' : ''}` }, () => this.store.deleteCategory(name, withContents));
  }

  /** A tag that exists without images (mkdir /tags/x). */
  createTag(name: string, origin: ChangeOrigin = 'fuse'): Changed<void> {
    checkTagNames([name]);
    return this.store.recordChange({ origin, description: `create tag ${name}` }, () => this.store.createTagFolder(name));
  }

  /** Deletes an empty tag (`value` false while images still carry it). */
  deleteTag(name: string, origin: ChangeOrigin = 'fuse'): Changed<boolean> {
    return this.store.recordChange({ origin, description: `delete tag ${name}` }, () => this.store.deleteTagFolder(name));
  }

  /** Renames a tag on every image, merging into the target tag when it exists. */
  renameTag(from: string, to: string, origin: ChangeOrigin = 'fuse'): Changed<void> {
    checkTagNames([to]);
    return this.store.recordChange({ origin, description: `rename tag ${from} → ${to}` }, () => this.store.renameTag(from, to));
  }

  /** Recorded changes, newest first (ids below `before`, when given). */
  history(limit = 50, before?: number): ChangeSummary[] {
    return this.store.history(limit, before);
  }

  /**
   * Reverses recorded changes newest first: one change by id, every change since a time, or the
   * latest change not yet undone. The reversal is itself a change: undoing it redoes.
   */
  undo(target: { change?: number; since?: string } = {}, origin: ChangeOrigin = 'undo'): UndoResult {
    if (!this.follower) return this.store.undo(target, { origin });
    // One transaction: when a file cannot be moved back, the rows are not written back either.
    const { value, change } = this.store.recordChange({ origin }, () => {
      const result = this.store.undo(target, { origin });
      if (result.change !== null) this.follower!.followUndo(result.change);
      return result;
    });
    return { ...value, change };
  }

  /** Called after edits with the images they touched (XMP sidecars follow). */
  onEdit(listener: (imageIds: number[]) => void): void {
    this.store.onEdit(listener);
  }
}
