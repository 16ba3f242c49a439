/**
 * XMP sidecars of the library's images, both ways: what the vault holds written into them (the
 * live writer after each edit, `vv xmp export` for edits made while sidecars were off), and what
 * they say read back into the vault (`vv xmp import`), journaled with origin `xmp` so it can be
 * undone. Beside the original (`<image>.xmp`, as darktable and digiKam name them), or in a mirror
 * tree. Originals are never written.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ImageDetail } from '../core/types.js';
import { categoryNameProblem } from '../core/category-names.js';
import { tagKey, tagNameProblem } from '../core/tag-names.js';
import { DEFAULT_FAVORITE_MARK, type FavoriteMark } from '../core/xmp-marks.js';
import type { Store } from '../db/store.js';
import { buildSidecar, readSidecar, writeFileAtomic, type SidecarState } from '../ingest/xmp-sidecar.js';
import { findXmpSidecar } from '../ingest/walk.js';

export interface XmpOptions {
  /** Write into this folder (same relative paths) instead of beside the originals. */
  mirrorDir?: string | null;
  /** How a favorite is marked (default: the colour label Red). */
  favoriteMark?: FavoriteMark;
}

/** What writing one image's sidecar did. */
export type WriteOutcome = 'written' | 'up-to-date';

export interface ExportResult {
  /** Images looked at. */
  images: number;
  written: number;
  up_to_date: number;
  failed: { path: string; error: string }[];
}

export interface ImportResult {
  sidecars: number;
  /** Images whose tags, rating, favorite or categories changed. */
  changed: number;
  /** The journal change that holds the import (null: nothing changed). */
  change: number | null;
  failed: { path: string; error: string }[];
}

/** User data an image holds, besides what the scan derives: worth a sidecar. */
function hasUserData(image: ImageDetail): boolean {
  return image.favorite || image.rating > 0 || image.categories.length > 0 || image.tag_details.some((t) => t.source === 'user' || t.source === 'xmp');
}

export class XmpSidecars {
  readonly favoriteMark: FavoriteMark;

  constructor(
    private readonly store: Store,
    private readonly root: string,
    private readonly options: XmpOptions = {},
  ) {
    this.favoriteMark = options.favoriteMark ?? DEFAULT_FAVORITE_MARK;
  }

  /** Where an image's sidecar is written. */
  sidecarPath(relPath: string): string {
    return path.join(this.options.mirrorDir ?? this.root, `${relPath}.xmp`);
  }

  /** The sidecar to read for an image: in the mirror tree, or beside it under either name digiKam/Lightroom use. */
  private existingSidecar(relPath: string): string | undefined {
    if (this.options.mirrorDir) {
      const file = this.sidecarPath(relPath);
      return fs.existsSync(file) ? file : undefined;
    }
    return findXmpSidecar(path.join(this.root, relPath));
  }

  stateOf(image: ImageDetail): SidecarState {
    // Prompt phrases stay out: they are the prompt, not the user's keywords.
    const tags = [...new Set(image.tag_details.filter((t) => t.source !== 'prompt').map((t) => t.name))].sort();
    return { tags, categories: image.categories, rating: image.rating, favorite: image.favorite };
  }

  /** Writes an image's sidecar unless it already says what the vault holds; null for an unknown image. */
  write(id: number): WriteOutcome | null {
    const image = this.store.getImage(id);
    if (!image) return null;
    const file = this.sidecarPath(image.path);
    const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
    const text = buildSidecar(existing, this.stateOf(image), this.favoriteMark);
    if (text === existing) return 'up-to-date';
    writeFileAtomic(file, text);
    return 'written';
  }

  /**
   * Brings sidecars up to date with the vault (edits made while sidecars were off): every image
   * with user data (tags of the user or a sidecar, rating, favorite, category) or with a sidecar
   * already; `all`: every image (derived tags such as `model:…` too). A sidecar that already says
   * what the vault holds is left as it is.
   */
  export(options: { all?: boolean } = {}): ExportResult {
    const result: ExportResult = { images: 0, written: 0, up_to_date: 0, failed: [] };
    for (const id of this.store.idsMatching({}, Number.MAX_SAFE_INTEGER)) {
      const image = this.store.getImage(id);
      if (!image) continue;
      if (!options.all && !hasUserData(image) && !fs.existsSync(this.sidecarPath(image.path))) continue;
      result.images++;
      try {
        if (this.write(id) === 'written') result.written++;
        else result.up_to_date++;
      } catch (err) {
        result.failed.push({ path: image.path, error: (err as Error).message });
      }
    }
    return result;
  }

  /**
   * Reads every image's sidecar again (after another app edited them), as one journaled change
   * (origin `xmp`; `vv undo` reverses it): its tags become the image's `xmp` tags (those the image
   * has from another source are not doubled), its rating (1–5) replaces the image's, a favorite
   * mark favorites it and its categories are added. Nothing is removed for what a sidecar omits.
   */
  import(): ImportResult {
    const result: ImportResult = { sidecars: 0, changed: 0, change: null, failed: [] };
    const { change } = this.store.recordChange({ origin: 'xmp', description: 'vv xmp import' }, () => {
      for (const id of this.store.idsMatching({}, Number.MAX_SAFE_INTEGER)) {
        const image = this.store.getImage(id);
        const file = image && this.existingSidecar(image.path);
        if (!image || !file) continue;
        result.sidecars++;
        let content;
        try {
          content = readSidecar(fs.readFileSync(file, 'utf8'), this.favoriteMark);
        } catch (err) {
          result.failed.push({ path: file, error: (err as Error).message });
          continue;
        }
        if (this.apply(image, content)) result.changed++;
      }
    });
    result.change = change;
    return result;
  }

  /** One sidecar's content into its image; whether anything changed. */
  private apply(image: ImageDetail, content: ReturnType<typeof readSidecar>): boolean {
    const otherSources = new Set(image.tag_details.filter((t) => t.source !== 'xmp').map((t) => tagKey(t.name)));
    // Names the vault would refuse from a user are not taken from a file either.
    const xmpTags = content.tags.filter((t) => !tagNameProblem(t) && !otherSources.has(tagKey(t)));
    const before = new Set(image.tag_details.filter((t) => t.source === 'xmp').map((t) => tagKey(t.name)));
    const tagsChanged = xmpTags.length !== before.size || xmpTags.some((t) => !before.has(tagKey(t)));
    if (tagsChanged) this.store.replaceXmpTags(image.id, xmpTags);
    const newCategories = content.categories.filter((c) => !categoryNameProblem(c) && !image.categories.includes(c));
    const patch = {
      ...(content.rating !== null && content.rating !== image.rating ? { rating: content.rating } : {}),
      ...(content.favorite && !image.favorite ? { favorite: true } : {}),
      ...(newCategories.length ? { categories: { add: newCategories } } : {}),
    };
    if (Object.keys(patch).length) this.store.patchImage(image.id, patch);
    return tagsChanged || Object.keys(patch).length > 0;
  }
}
