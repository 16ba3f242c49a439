/**
 * Keeps XMP sidecars in step with user edits (from the API or the virtual filesystem): each edit
 * queues its images; a short debounce later their sidecars are rewritten from the store. Beside
 * the original (`<image>.xmp`, as darktable and digiKam name them), or in a mirror tree.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../db/store.js';
import { buildSidecar, writeFileAtomic, type SidecarState } from '../ingest/xmp-sidecar.js';

export interface XmpWriterOptions {
  /** Write into this folder (same relative paths) instead of beside the originals. */
  mirrorDir?: string | null;
  debounceMs?: number;
  log?: (message: string) => void;
}

export class XmpWriter {
  private readonly queue = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  written = 0;
  failed = 0;

  constructor(
    private readonly store: Store,
    private readonly root: string,
    private readonly options: XmpWriterOptions = {},
  ) {
    store.onEdit((ids) => {
      for (const id of ids) this.queue.add(id);
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.flush(), options.debounceMs ?? 100);
    });
  }

  sidecarPath(relPath: string): string {
    return path.join(this.options.mirrorDir ?? this.root, `${relPath}.xmp`);
  }

  stateOf(id: number): { relPath: string; state: SidecarState } | null {
    const image = this.store.getImage(id);
    if (!image) return null;
    // Prompt phrases stay out: they are the prompt, not the user's keywords.
    const tags = [...new Set(image.tag_details.filter((t) => t.source !== 'prompt').map((t) => t.name))].sort();
    return { relPath: image.path, state: { tags, categories: image.categories, rating: image.rating, favorite: image.favorite } };
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ids = [...this.queue];
    this.queue.clear();
    for (const id of ids) {
      const s = this.stateOf(id);
      if (!s) continue;
      const file = this.sidecarPath(s.relPath);
      try {
        const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
        writeFileAtomic(file, buildSidecar(existing, s.state));
        this.written++;
      } catch (err) {
        this.failed++;
        this.options.log?.(`xmp: cannot write ${file}: ${(err as Error).message}`);
      }
    }
  }
}
