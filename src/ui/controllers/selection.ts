/**
 * The selection: images picked one by one (click, ctrl-click, shift ranges from the last pick), or
 * every image the query matches, loaded or not, minus those unpicked since.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Summary } from '../api.js';
import { apiQuery, type ViewState } from '../url-state.js';

export interface Selection {
  ids: Set<number>;
  /** Everything the current query matches (minus `exclude`), loaded or not. */
  all: boolean;
  exclude: Set<number>;
  /** Index of the last pick: where a shift range starts. */
  anchor: number | null;
}

const nothingSelected = (): Selection => ({ ids: new Set(), all: false, exclude: new Set(), anchor: null });

export class SelectionController implements ReactiveController {
  /** Replaced, never changed in place: a new object tells the grid to re-render. */
  current: Selection = nothingSelected();

  constructor(
    private readonly host: ReactiveControllerHost,
    /** How many images the query matches (for "all matching"). */
    private readonly total: () => number,
  ) {
    host.addController(this);
  }

  // Nothing to start: it acts on calls (a ReactiveController names at least one lifecycle hook).
  hostConnected(): void {}

  count(): number {
    const s = this.current;
    return s.all ? Math.max(0, this.total() - s.exclude.size) : s.ids.size;
  }

  readonly isSelected = (id: number): boolean => (this.current.all ? !this.current.exclude.has(id) : this.current.ids.has(id));

  clear(): void {
    this.replace(nothingSelected());
  }

  /** Selects exactly these images (the duplicates view's "keep one, select the rest"). */
  selectIds(ids: readonly number[]): void {
    this.replace({ ids: new Set(ids), all: false, exclude: new Set(), anchor: null });
  }

  selectAllMatching(): void {
    this.replace({ ids: new Set(), all: true, exclude: new Set(), anchor: null });
  }

  /** A click with shift extends from the anchor to `index`; otherwise it toggles the one image. */
  pick(items: readonly Summary[], index: number, shift: boolean): void {
    const sel = this.current;
    const next: Selection = { ids: new Set(sel.ids), all: sel.all, exclude: new Set(sel.exclude), anchor: index };
    const set = (i: number, on: boolean) => {
      const key = items[i].id;
      if (next.all) on ? next.exclude.delete(key) : next.exclude.add(key);
      else on ? next.ids.add(key) : next.ids.delete(key);
    };
    if (shift && sel.anchor !== null) {
      const [a, b] = sel.anchor < index ? [sel.anchor, index] : [index, sel.anchor];
      for (let i = a; i <= b; i++) set(i, true);
    } else {
      set(index, !this.isSelected(items[index].id));
    }
    this.replace(next);
  }

  /** What the server needs to know about the selection (POST /api/batch, /api/export). */
  payload(state: ViewState, items: readonly Summary[]): Record<string, unknown> {
    const s = this.current;
    if (s.all) {
      // A similar view has no query the server can replay: its loaded ids are the list.
      if (state.view === 'similar') return { ids: items.map((i) => i.id).filter((id) => !s.exclude.has(id)) };
      return { query: apiQuery(state), exclude: [...s.exclude] };
    }
    return { ids: [...s.ids] };
  }

  private replace(next: Selection): void {
    this.current = next;
    this.host.requestUpdate();
  }
}
