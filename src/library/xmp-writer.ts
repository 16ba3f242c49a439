/**
 * Keeps XMP sidecars in step with user edits (from the API or the virtual filesystem): each edit
 * queues its images; a short debounce later their sidecars are rewritten from the store.
 */
import type { Store } from '../db/store.js';
import { XmpSidecars, type XmpOptions } from './xmp-sidecars.js';

export interface XmpWriterOptions extends XmpOptions {
  debounceMs?: number;
  log?: (message: string) => void;
}

export class XmpWriter {
  private readonly queue = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  readonly sidecars: XmpSidecars;
  written = 0;
  failed = 0;

  constructor(
    store: Store,
    root: string,
    private readonly options: XmpWriterOptions = {},
  ) {
    this.sidecars = new XmpSidecars(store, root, options);
    store.onEdit((ids) => {
      for (const id of ids) this.queue.add(id);
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.flush(), options.debounceMs ?? 100);
    });
  }

  sidecarPath(relPath: string): string {
    return this.sidecars.sidecarPath(relPath);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ids = [...this.queue];
    this.queue.clear();
    for (const id of ids) {
      try {
        if (this.sidecars.write(id) === 'written') this.written++;
      } catch (err) {
        this.failed++;
        this.options.log?.(`xmp: cannot write the sidecar of image ${id}: ${(err as Error).message}`);
      }
    }
  }
}
