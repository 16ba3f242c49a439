/**
 * The gallery shell: header (search, sort, density, theme, progress), active-filter chips, the
 * batch bar, the sidebar and the grid / duplicates view, the detail modal. Holds the view state
 * (mirrored in the URL), the loaded pages and the selection; everything else asks the API.
 */
import { LitElement, css, html, nothing } from 'lit';
import { api, type Page, type Status, type Summary } from '../api.js';
import { apiQuery, listOf, readState, withList, writeState, type ViewState } from '../url-state.js';
import { controls } from '../styles.js';
import { IMAGE_DRAG } from './vv-sidebar.js';
import type { VvGrid } from './vv-grid.js';
import './vv-grid.js';
import './vv-sidebar.js';
import './vv-detail.js';
import './vv-batch-bar.js';
import './vv-duplicates.js';
import './vv-problems.js';

const PAGE = 200;

interface Selection {
  ids: Set<number>;
  /** Everything the current query matches (minus `exclude`), loaded or not. */
  all: boolean;
  exclude: Set<number>;
  anchor: number | null;
}

const FILTER_LABELS: Record<string, string> = {
  from: 'from',
  to: 'to',
  favorite: 'favorites',
  min_rating: 'rating ≥',
  category: 'category',
  model: 'model',
  sampler: 'sampler',
  generator: 'generator',
  min_width: 'width ≥',
  min_height: 'height ≥',
  dir: 'folder',
};

export class VvApp extends LitElement {
  static override properties = {
    state: { state: true },
    items: { state: true },
    total: { state: true },
    mode: { state: true },
    loading: { state: true },
    nextCursor: { state: true },
    error: { state: true },
    notice: { state: true },
    selection: { state: true },
    status: { state: true },
    rowHeight: { state: true },
    theme: { state: true },
    refreshKey: { state: true },
    busy: { state: true },
    detailIndex: { state: true },
    filtersOpen: { state: true },
  };

  declare state: ViewState;
  declare items: Summary[];
  declare total: number;
  declare mode: Page['mode'] | null;
  declare loading: boolean;
  declare nextCursor: string | null;
  declare error: string | null;
  /** The confirmation toast; `change` is the journaled edit its Undo button reverses. */
  declare notice: { message: string; change: number | null } | null;
  declare selection: Selection;
  declare status: Status | null;
  declare rowHeight: number;
  declare theme: 'dark' | 'light';
  declare refreshKey: number;
  declare busy: boolean;
  declare detailIndex: number;
  /** Narrow windows hide the sidebar until asked for. */
  declare filtersOpen: boolean;
  private generation = 0;
  private searchTimer = 0;
  private noticeTimer = 0;
  private statusTimer = 0;
  private wasRunning = false;

  constructor() {
    super();
    this.state = readState();
    this.items = [];
    this.total = 0;
    this.mode = null;
    this.loading = false;
    this.nextCursor = null;
    this.error = null;
    this.notice = null;
    this.selection = { ids: new Set(), all: false, exclude: new Set(), anchor: null };
    this.status = null;
    this.rowHeight = Number(localStorage.getItem('vv.rowHeight')) || 220;
    this.theme = localStorage.getItem('vv.theme') === 'light' ? 'light' : 'dark';
    this.refreshKey = 1;
    this.busy = false;
    this.detailIndex = -1;
    this.filtersOpen = false;
    document.documentElement.dataset.theme = this.theme;
  }

  static override styles = [
    controls,
    css`
      :host {
        /* A column whose last child, the body, takes the rest of the window: header, chips and
           the batch bar come and go, so no fixed row count. */
        display: flex;
        flex-direction: column;
        height: 100vh;
        background: var(--bg);
      }
      header {
        display: flex;
        align-items: center;
        gap: 10px;
        padding: 8px 12px;
        border-bottom: 1px solid var(--line);
        background: var(--panel);
        flex-wrap: wrap;
      }
      .brand {
        font-weight: 700;
        letter-spacing: 0.02em;
      }
      .search {
        flex: 1;
        min-width: 220px;
        max-width: 640px;
        display: flex;
        gap: 4px;
      }
      .search input {
        flex: 1;
      }
      .badge {
        font-size: 11px;
        padding: 1px 6px;
        border-radius: 4px;
        background: var(--chip);
        color: var(--muted);
      }
      .ai-error {
        font-size: 12px;
        color: var(--danger, #c0392b);
        white-space: nowrap;
      }
      .progress {
        font-size: 12px;
        color: var(--muted);
        white-space: nowrap;
      }
      .library-offline {
        font-size: 12px;
        padding: 2px 8px;
        border-radius: 4px;
        background: #8a5a00;
        color: #fff;
        white-space: nowrap;
      }
      .tabs button.on {
        border-color: var(--accent);
        color: var(--accent);
      }
      .chips {
        display: flex;
        flex-wrap: wrap;
        gap: 6px;
        padding: 6px 12px;
        border-bottom: 1px solid var(--line);
      }
      .body {
        display: grid;
        grid-template-columns: 270px 1fr;
        grid-template-rows: minmax(0, 1fr);
        flex: 1;
        min-height: 0;
      }
      main {
        min-height: 0;
        position: relative;
      }
      .empty,
      .banner {
        padding: 40px;
        text-align: center;
        color: var(--muted);
      }
      .banner.err {
        color: var(--danger);
        padding: 8px 12px;
        text-align: left;
      }
      .toast {
        position: fixed;
        bottom: 18px;
        left: 50%;
        transform: translateX(-50%);
        background: var(--panel);
        border: 1px solid var(--accent);
        padding: 8px 16px;
        border-radius: 8px;
        z-index: 30;
        display: flex;
        gap: 12px;
        align-items: center;
      }
      .toast .undo {
        padding: 2px 10px;
      }
      .similar-bar {
        padding: 6px 12px;
        display: flex;
        gap: 8px;
        align-items: center;
      }
      .filters-toggle {
        display: none;
      }
      @media (max-width: 900px) {
        .body {
          grid-template-columns: 1fr;
          position: relative;
        }
        .filters-toggle {
          display: inline-block;
        }
        vv-sidebar {
          display: none;
        }
        .body.filters-open vv-sidebar {
          display: block;
          position: absolute;
          inset: 0 auto 0 0;
          width: min(300px, 85vw);
          z-index: 20;
          box-shadow: 4px 0 16px rgba(0, 0, 0, 0.4);
        }
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('popstate', this.onPopState);
    window.addEventListener('keydown', this.onKey);
    void this.loadFirst();
    void this.pollStatus();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('popstate', this.onPopState);
    window.removeEventListener('keydown', this.onKey);
    clearTimeout(this.statusTimer);
  }

  private readonly onPopState = () => {
    const before = this.state;
    this.state = readState();
    const { image: _a, ...restBefore } = before;
    const { image: _b, ...restNow } = this.state;
    if (JSON.stringify(restBefore) !== JSON.stringify(restNow)) void this.loadFirst();
    this.syncDetailIndex();
  };

  private readonly onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && !this.state.image && this.selectedCount() > 0) this.clearSelection();
  };

  /** Changes the view state; `push` adds a history entry (a new query), otherwise it replaces. */
  private setState(patch: Partial<ViewState>, options: { push?: boolean; reload?: boolean } = {}): void {
    this.state = { ...this.state, ...patch };
    const url = writeState(this.state);
    if (options.push ?? true) history.pushState(null, '', url);
    else history.replaceState(null, '', url);
    if (options.reload ?? true) {
      this.clearSelection();
      void this.loadFirst();
    }
  }

  private say(message: string, change: number | null = null): void {
    this.notice = { message, change };
    clearTimeout(this.noticeTimer);
    // Long enough to reach the Undo button.
    this.noticeTimer = window.setTimeout(() => (this.notice = null), change === null ? 3500 : 10_000);
  }

  /** The toast's Undo: POST /api/undo for that change, then show what is stored now. */
  private async undo(change: number): Promise<void> {
    clearTimeout(this.noticeTimer);
    this.notice = null;
    try {
      const r = await api.undo(change);
      this.say(r.reversed.length ? `Undone: ${r.reversed[0].description}` : 'Nothing to undo');
      this.refreshKey++;
      (this.renderRoot.querySelector('vv-detail') as { reload(): void } | null)?.reload();
      await this.reloadInPlace();
    } catch (err) {
      this.error = `Undo failed: ${(err as Error).message}`;
    }
  }

  private async fetchPage(cursor: string | null): Promise<Page> {
    const s = this.state;
    if (s.view === 'similar' && s.similar) return api.similar(s.similar, apiQuery(s, { limit: '200' }));
    if (s.q) return api.search(apiQuery(s, { limit: '500' }));
    return api.images(apiQuery(s, { limit: String(PAGE), ...(cursor ? { cursor } : {}) }));
  }

  private async loadFirst(): Promise<void> {
    if (this.state.view === 'duplicates' || this.state.view === 'problems') return;
    const generation = ++this.generation;
    this.loading = true;
    this.error = null;
    try {
      const page = await this.fetchPage(null);
      if (generation !== this.generation) return;
      this.items = page.items;
      this.total = page.total ?? page.items.length;
      this.mode = page.mode ?? null;
      this.nextCursor = page.next_cursor ?? null;
      (this.renderRoot.querySelector('vv-grid') as VvGrid | null)?.scrollToTop();
      this.syncDetailIndex();
    } catch (err) {
      if (generation === this.generation) {
        this.items = [];
        this.total = 0;
        this.error = (err as Error).message;
      }
    } finally {
      if (generation === this.generation) this.loading = false;
    }
  }

  private async loadMore(): Promise<void> {
    if (!this.nextCursor || this.loading) return;
    const generation = this.generation;
    this.loading = true;
    try {
      const page = await this.fetchPage(this.nextCursor);
      if (generation !== this.generation) return;
      this.items = [...this.items, ...page.items];
      this.nextCursor = page.next_cursor ?? null;
    } catch (err) {
      this.error = (err as Error).message;
    } finally {
      if (generation === this.generation) this.loading = false;
    }
  }

  private async pollStatus(): Promise<void> {
    let running = false;
    try {
      this.status = await api.status();
      const s = this.status;
      running = s.scan.running || s.thumbnails.running || Boolean(s.embeddings.running);
      // When background work finishes, what is shown may be stale (new images, tags).
      if (this.wasRunning && !running) {
        this.refreshKey++;
        if (!this.selectedCount()) void this.loadFirst();
      }
      this.wasRunning = running;
    } catch {
      this.status = null;
    }
    this.statusTimer = window.setTimeout(() => void this.pollStatus(), running ? 1000 : 4000);
  }

  // ------------------------------------------------------------------ selection

  private selectedCount(): number {
    const s = this.selection;
    return s.all ? Math.max(0, this.total - s.exclude.size) : s.ids.size;
  }

  private readonly isSelected = (id: number): boolean => (this.selection.all ? !this.selection.exclude.has(id) : this.selection.ids.has(id));

  private clearSelection(): void {
    this.selection = { ids: new Set(), all: false, exclude: new Set(), anchor: null };
  }

  private pick(index: number, shift: boolean): void {
    const id = this.items[index].id;
    const sel = this.selection;
    const next: Selection = { ids: new Set(sel.ids), all: sel.all, exclude: new Set(sel.exclude), anchor: index };
    const set = (i: number, on: boolean) => {
      const key = this.items[i].id;
      if (next.all) on ? next.exclude.delete(key) : next.exclude.add(key);
      else on ? next.ids.add(key) : next.ids.delete(key);
    };
    if (shift && sel.anchor !== null) {
      const [a, b] = sel.anchor < index ? [sel.anchor, index] : [index, sel.anchor];
      for (let i = a; i <= b; i++) set(i, true);
    } else {
      set(index, !this.isSelected(id));
    }
    this.selection = next;
  }

  /** What the server needs to know about the selection. */
  private selectionPayload(): Record<string, unknown> {
    const s = this.selection;
    if (s.all) {
      if (this.state.view === 'similar') return { ids: this.items.map((i) => i.id).filter((id) => !s.exclude.has(id)) };
      return { query: apiQuery(this.state), exclude: [...s.exclude] };
    }
    return { ids: [...s.ids] };
  }

  // ------------------------------------------------------------------ actions

  private async runBatch(body: Record<string, unknown>, label: string, payload = this.selectionPayload()): Promise<void> {
    this.busy = true;
    try {
      const r = await api.batch({ ...payload, ...body });
      this.say(`${label}: ${r.updated.toLocaleString()} image${r.updated === 1 ? '' : 's'}`, r.change ?? null);
      this.refreshKey++;
      await this.reloadInPlace();
    } catch (err) {
      this.error = `Batch action failed: ${(err as Error).message}`;
    } finally {
      this.busy = false;
    }
  }

  /** Re-reads what is loaded (after edits) without losing the scroll position or the selection. */
  private async reloadInPlace(): Promise<void> {
    const generation = ++this.generation;
    const want = this.items.length;
    try {
      let page = await this.fetchPage(null);
      let items = page.items;
      while (page.next_cursor && items.length < want) {
        page = await this.fetchPage(page.next_cursor);
        items = items.concat(page.items);
      }
      if (generation !== this.generation) return;
      this.items = items;
      this.nextCursor = page.next_cursor ?? null;
      this.total = page.total ?? this.total;
      (this.renderRoot.querySelector('vv-grid') as VvGrid | null)?.invalidate();
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  private async exportZip(metadata: string): Promise<void> {
    this.busy = true;
    try {
      const r = await api.exportZip({ ...this.selectionPayload(), metadata });
      const a = document.createElement('a');
      a.href = r.url;
      a.download = '';
      document.body.append(a);
      a.click();
      a.remove();
      this.say(`Exporting ${r.count.toLocaleString()} images…`);
    } catch (err) {
      this.error = `Export failed: ${(err as Error).message}`;
    } finally {
      this.busy = false;
    }
  }

  private async toggleFavorite(index: number): Promise<void> {
    const item = this.items[index];
    try {
      const d = await api.patch(item.id, { favorite: !item.favorite });
      this.items = this.items.map((i) => (i.id === d.id ? { ...i, favorite: d.favorite } : i));
      this.say(d.favorite ? 'Added to favorites' : 'Removed from favorites', d.change ?? null);
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  private onCardDrag(index: number, e: DragEvent): void {
    const id = this.items[index].id;
    const payload = this.isSelected(id) ? this.selectionPayload() : { ids: [id] };
    e.dataTransfer?.setData(IMAGE_DRAG, JSON.stringify(payload));
    e.dataTransfer?.setData('text/plain', this.items[index].path);
    if (e.dataTransfer) e.dataTransfer.effectAllowed = 'copy';
  }

  // ------------------------------------------------------------------ detail

  private syncDetailIndex(): void {
    const id = this.state.image;
    this.detailIndex = id ? this.items.findIndex((i) => i.id === id) : -1;
  }

  private openImage(id: number): void {
    this.setState({ image: id }, { reload: false });
    this.syncDetailIndex();
  }

  private step(delta: number): void {
    const next = this.detailIndex + delta;
    if (next < 0 || next >= this.items.length) return;
    this.setState({ image: this.items[next].id }, { push: false, reload: false });
    this.detailIndex = next;
    (this.renderRoot.querySelector('vv-grid') as VvGrid | null)?.reveal(next);
    if (next > this.items.length - 5) void this.loadMore();
  }

  // ------------------------------------------------------------------ rendering

  /** The library folder is gone: the grid shows the index, originals cannot be opened. */
  private libraryOffline() {
    const library = this.status?.library;
    if (!library || library.online) return nothing;
    return html`<span class="library-offline" role="status" title=${library.reason ?? ''}>Library offline — showing the index; originals unavailable until it is back</span>`;
  }

  private progress() {
    const s = this.status;
    if (!s) return html`<span class="progress" data-status="offline">server unreachable</span>`;
    const parts: string[] = [];
    if (s.scan.running) parts.push(`${s.scan.phase === 'hashing' ? 'Pixels (hashes, thumbnails)' : 'Indexing'} ${s.scan.done.toLocaleString()}/${s.scan.total.toLocaleString()}`);
    if (s.thumbnails.running) parts.push(`Thumbnails ${s.thumbnails.done.toLocaleString()}/${s.thumbnails.total.toLocaleString()}`);
    if (s.embeddings.running) parts.push(`Embeddings ${s.embeddings.done.toLocaleString()}/${s.embeddings.total.toLocaleString()} (${s.embeddings.per_second}/s)`);
    // A failing model is shown, not hidden: background AI work retries on the next pass.
    const failed = s.embeddings.error ? html`<span class="ai-error" data-status="ai-error" title=${s.embeddings.error}>⚠ AI model failed</span>` : '';
    return html`${failed}<span class="progress" data-status=${parts.length ? 'busy' : 'idle'} title=${s.embeddings.available ? `semantic search: ${s.embeddings.model}` : `semantic search off: ${s.embeddings.reason ?? ''}`}
      >${parts.length ? parts.join(' · ') : s.embeddings.available ? `✦ ${s.embeddings.model}` : ''}</span
    >`;
  }

  private chips() {
    const f = this.state.filters;
    const chips: { label: string; remove: () => void }[] = [];
    for (const key of ['tags', 'any', 'not'] as const) {
      for (const name of listOf(f[key])) {
        chips.push({ label: `${key === 'not' ? 'not ' : key === 'any' ? 'any of ' : ''}${name}`, remove: () => this.setState({ filters: withList(f, key, listOf(f[key]).filter((t) => t !== name)) }) });
      }
    }
    for (const [key, label] of Object.entries(FILTER_LABELS)) {
      const v = f[key as keyof typeof f];
      if (v) chips.push({ label: key === 'favorite' ? label : `${label} ${v}`, remove: () => this.setState({ filters: { ...f, [key]: undefined } }) });
    }
    if (!chips.length && !this.state.q) return nothing;
    return html`<div class="chips" aria-label="active filters">
      ${this.state.q ? html`<span class="chip">search “${this.state.q}”<button aria-label="clear search" @click=${() => this.setState({ q: '' })}>×</button></span>` : nothing}
      ${chips.map((c) => html`<span class="chip filter">${c.label}<button aria-label="remove filter ${c.label}" @click=${c.remove}>×</button></span>`)}
      <button class="ghost" @click=${() => this.setState({ filters: {}, q: '' })}>Clear all</button>
    </div>`;
  }

  private mainView() {
    if (this.state.view === 'duplicates') return html`<vv-duplicates @open-image=${(e: CustomEvent) => this.openImage(e.detail.id)}></vv-duplicates>`;
    if (this.state.view === 'problems') return html`<vv-problems></vv-problems>`;
    const emptyText = this.status && this.status.counts.images === 0 && !this.status.scan.running ? 'This library has no images yet. Add images to the folder (the server watches it) or point vv serve at another folder.' : this.state.q ? `Nothing matches “${this.state.q}” with these filters.` : 'No images match these filters.';
    return html`
      ${this.state.view === 'similar'
        ? html`<div class="similar-bar"><span>Images similar to #${this.state.similar}</span><button @click=${() => this.setState({ view: 'grid', similar: null })}>Back to the library</button></div>`
        : nothing}
      ${this.error ? html`<div class="banner err" role="alert">${this.error} <button class="ghost" @click=${() => (this.error = null)}>dismiss</button></div>` : nothing}
      ${!this.loading && this.items.length === 0 && !this.error
        ? html`<div class="empty">${emptyText}${Object.keys(this.state.filters).length || this.state.q ? html`<p><button @click=${() => this.setState({ filters: {}, q: '' })}>Clear filters</button></p>` : nothing}</div>`
        : nothing}
      <vv-grid
        style=${this.items.length ? '' : 'display:none'}
        .items=${this.items}
        .rowHeight=${this.rowHeight}
        .isSelected=${this.isSelected}
        .selection=${this.selection}
        .hasMore=${Boolean(this.nextCursor)}
        .loading=${this.loading}
        @more=${() => this.loadMore()}
        @activate=${(e: CustomEvent) => {
          const { index, shift, toggle } = e.detail;
          if (shift || toggle || this.selectedCount() > 0) this.pick(index, shift);
          else this.openImage(this.items[index].id);
        }}
        @pick=${(e: CustomEvent) => this.pick(e.detail.index, e.detail.shift)}
        @favorite=${(e: CustomEvent) => this.toggleFavorite(e.detail.index)}
        @card-drag=${(e: CustomEvent) => this.onCardDrag(e.detail.index, e.detail.event)}
      ></vv-grid>
    `;
  }

  override render() {
    const s = this.state;
    const count = this.selectedCount();
    const ai = Boolean(this.status?.embeddings.available);
    return html`
      <header>
        <button class="ghost filters-toggle" aria-expanded=${this.filtersOpen} @click=${() => (this.filtersOpen = !this.filtersOpen)}>☰ Filters</button>
        <span class="brand">Visionary Vault</span>
        <form
          class="search"
          role="search"
          @submit=${(e: Event) => {
            e.preventDefault();
            clearTimeout(this.searchTimer);
            this.setState({ q: ((e.target as HTMLFormElement).elements.namedItem('q') as HTMLInputElement).value.trim(), view: 'grid' });
          }}
        >
          <input
            name="q"
            type="search"
            placeholder=${ai ? 'search: describe the picture, or prompt words' : 'search prompts, tags, paths'}
            aria-label="search"
            .value=${s.q}
            @input=${(e: Event) => {
              const value = (e.target as HTMLInputElement).value.trim();
              clearTimeout(this.searchTimer);
              this.searchTimer = window.setTimeout(() => this.setState({ q: value, view: 'grid' }, { push: false }), 350);
            }}
          />
          ${ai
            ? html`<select aria-label="search mode" @change=${(e: Event) => this.setState({ mode: (e.target as HTMLSelectElement).value as ViewState['mode'] })}>
                ${(['', 'semantic', 'text'] as const).map((m) => html`<option value=${m} ?selected=${s.mode === m}>${m || 'hybrid'}</option>`)}
              </select>`
            : nothing}
        </form>
        ${s.q && this.mode ? html`<span class="badge" data-mode=${this.mode}>${this.mode}</span>` : nothing}
        <span class="muted" data-total=${this.total}>${s.view === 'duplicates' || s.view === 'problems' ? '' : `${this.total.toLocaleString()} ${s.q ? 'results' : 'images'}`}</span>
        <span class="tabs">
          <button class=${s.view === 'grid' || s.view === 'similar' ? 'on' : ''} @click=${() => this.setState({ view: 'grid', similar: null })}>Library</button>
          <button class=${s.view === 'duplicates' ? 'on' : ''} @click=${() => this.setState({ view: 'duplicates' })}>Duplicates</button>
          ${this.status?.counts.problems
            ? html`<button class=${s.view === 'problems' ? 'on' : ''} data-problems=${this.status.counts.problems} @click=${() => this.setState({ view: 'problems' })}>Problems (${this.status.counts.problems.toLocaleString()})</button>`
            : nothing}
        </span>
        <select aria-label="sort" @change=${(e: Event) => this.setState({ sort: (e.target as HTMLSelectElement).value as ViewState['sort'] })} ?disabled=${Boolean(s.q)}>
          <option value="-date" ?selected=${s.sort === '-date'}>newest first</option>
          <option value="date" ?selected=${s.sort === 'date'}>oldest first</option>
          <option value="random" ?selected=${s.sort === 'random'}>random</option>
        </select>
        <input
          type="range"
          min="120"
          max="420"
          step="20"
          aria-label="thumbnail size"
          .value=${String(this.rowHeight)}
          @input=${(e: Event) => {
            this.rowHeight = Number((e.target as HTMLInputElement).value);
            localStorage.setItem('vv.rowHeight', String(this.rowHeight));
          }}
        />
        <button
          class="ghost"
          aria-label="switch theme"
          @click=${() => {
            this.theme = this.theme === 'dark' ? 'light' : 'dark';
            document.documentElement.dataset.theme = this.theme;
            localStorage.setItem('vv.theme', this.theme);
          }}
        >
          ${this.theme === 'dark' ? '☀' : '☾'}
        </button>
        ${this.libraryOffline()}${this.progress()}
      </header>
      ${this.chips()}
      ${count > 0
        ? html`<vv-batch-bar
            .count=${count}
            .allMatching=${this.selection.all}
            .total=${this.total}
            .busy=${this.busy}
            @batch=${(e: CustomEvent) => this.runBatch(e.detail.body, e.detail.label)}
            @export=${(e: CustomEvent) => this.exportZip(e.detail.metadata)}
            @clear=${() => this.clearSelection()}
            @select-all=${() => (this.selection = { ids: new Set(), all: true, exclude: new Set(), anchor: null })}
          ></vv-batch-bar>`
        : html`<div></div>`}
      <div class="body ${this.filtersOpen ? 'filters-open' : ''}">
        <vv-sidebar
          .state=${s}
          .refreshKey=${this.refreshKey}
          @filters=${(e: CustomEvent) => this.setState({ filters: e.detail.filters })}
          @drop-images=${(e: CustomEvent) => this.runBatch({ categories: { add: [e.detail.category] } }, `Added to “${e.detail.category}”`, e.detail.payload)}
          @notice=${(e: CustomEvent) => this.say(e.detail.message, e.detail.change ?? null)}
          @error=${(e: CustomEvent) => (this.error = e.detail.message)}
          @changed=${() => this.reloadInPlace()}
        ></vv-sidebar>
        <main>${this.mainView()}</main>
      </div>
      ${s.image
        ? html`<vv-detail
            .imageId=${s.image}
            .hasPrev=${this.detailIndex > 0}
            .hasNext=${this.detailIndex >= 0 && this.detailIndex < this.items.length - 1}
            .aiAvailable=${ai}
            @click=${() => this.setState({ image: null }, { reload: false })}
            @close=${() => this.setState({ image: null }, { reload: false })}
            @step=${(e: CustomEvent) => this.step(e.detail.delta)}
            @similar=${(e: CustomEvent) => this.setState({ view: 'similar', similar: e.detail.id, image: null, q: '' })}
            @edited=${(e: CustomEvent) => {
              const d = e.detail.image;
              this.items = this.items.map((i) => (i.id === d.id ? { ...i, favorite: d.favorite, rating: d.rating, prompt: d.prompt, tags: d.tags.map((t: { name: string }) => t.name) } : i));
              this.refreshKey++;
              if (e.detail.change !== null) this.say(`Saved: ${e.detail.done}`, e.detail.change);
            }}
          ></vv-detail>`
        : nothing}
      ${this.notice
        ? html`<div class="toast" role="status">
            ${this.notice.message}
            ${this.notice.change !== null ? html`<button class="undo" @click=${() => this.undo(this.notice!.change!)}>Undo</button>` : nothing}
          </div>`
        : nothing}
    `;
  }
}

customElements.define('vv-app', VvApp);
