/**
 * The list the grid shows: keyset pages of /api/images (or one page of search / similar results),
 * loaded as the grid scrolls, with the total the query matches. A newer load wins over an older
 * one still in flight (a generation count), so a fast typist never sees stale results.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Page, Summary } from '../api.js';
import type { NoticesController } from './notices.js';

/** Fetches one page of the current list (`cursor` null: the first). */
export type PageSource = (cursor: string | null) => Promise<Page>;

export interface PagingOptions {
  /** Fetches a page of the current view's list. */
  fetchPage: PageSource;
  /** The current list's count, for a page that answered `total: null` (counted off the server's thread). */
  fetchCount: () => Promise<number>;
  /** Whether the current view shows the list (the duplicates and problems views do not). */
  showsList: () => boolean;
  notices: NoticesController;
  /** After a first page replaced the list (the grid scrolls back to the top). */
  onFirstPage: () => void;
  /** After the loaded pages were re-read in place (the grid re-lays them). */
  onReloaded: () => void;
}

export class PagingController implements ReactiveController {
  items: Summary[] = [];
  total = 0;
  /** How a search answered (text, semantic, hybrid); null for a plain list. */
  mode: Page['mode'] | null = null;
  nextCursor: string | null = null;
  loading = false;
  private generation = 0;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly o: PagingOptions,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    void this.loadFirst();
  }

  /** Replaces the list with the first page of the current query. */
  async loadFirst(): Promise<void> {
    if (!this.o.showsList()) return;
    const generation = ++this.generation;
    this.set({ loading: true });
    this.o.notices.fail(null);
    try {
      const page = await this.o.fetchPage(null);
      if (generation !== this.generation) return;
      this.set({ items: page.items, total: page.total ?? page.items.length, mode: page.mode ?? null, nextCursor: page.next_cursor ?? null });
      this.o.onFirstPage();
      if (page.total === null) void this.countLater(generation);
    } catch (err) {
      if (generation === this.generation) {
        this.set({ items: [], total: 0 });
        this.o.notices.fail((err as Error).message);
      }
    } finally {
      if (generation === this.generation) this.set({ loading: false });
    }
  }

  /** The total of a list whose first page could not count it at once (the items loaded show meanwhile). */
  private async countLater(generation: number): Promise<void> {
    try {
      const total = await this.o.fetchCount();
      if (generation === this.generation) this.set({ total });
    } catch {
      // the loaded count stays shown; the next load asks again
    }
  }

  /** Appends the next page (infinite scroll); nothing while a load is in flight or at the end. */
  async loadMore(): Promise<void> {
    if (!this.nextCursor || this.loading) return;
    const generation = this.generation;
    this.set({ loading: true });
    try {
      const page = await this.o.fetchPage(this.nextCursor);
      if (generation !== this.generation) return;
      this.set({ items: [...this.items, ...page.items], nextCursor: page.next_cursor ?? null });
    } catch (err) {
      this.o.notices.fail((err as Error).message);
    } finally {
      if (generation === this.generation) this.set({ loading: false });
    }
  }

  /** Re-reads what is loaded (after edits) without losing the scroll position or the selection. */
  async reloadInPlace(): Promise<void> {
    const generation = ++this.generation;
    const want = this.items.length;
    try {
      let page = await this.o.fetchPage(null);
      let items = page.items;
      while (page.next_cursor && items.length < want) {
        page = await this.o.fetchPage(page.next_cursor);
        items = items.concat(page.items);
      }
      if (generation !== this.generation) return;
      this.set({ items, nextCursor: page.next_cursor ?? null, total: page.total ?? this.total });
      if (page.total === null) void this.countLater(generation);
      this.o.onReloaded();
    } catch (err) {
      this.o.notices.fail((err as Error).message);
    }
  }

  /** Applies an edit of one image the server confirmed (favorite, rating, prompt, tags). */
  patchItem(id: number, patch: Partial<Summary>): void {
    this.set({ items: this.items.map((i) => (i.id === id ? { ...i, ...patch } : i)) });
  }

  private set(patch: Partial<Pick<PagingController, 'items' | 'total' | 'mode' | 'nextCursor' | 'loading'>>): void {
    Object.assign(this, patch);
    this.host.requestUpdate();
  }
}
