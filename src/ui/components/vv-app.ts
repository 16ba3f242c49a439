/**
 * The gallery shell: header (search, sort, density, theme, progress), active-filter chips, the
 * batch bar, the sidebar and the grid / duplicates view, the detail modal. Holds the view state
 * (mirrored in the URL) and composes controllers for the rest: the loaded pages (paging), the
 * selection, status polling, batch actions and export, the toast and error banner.
 */
import { LitElement, html, nothing } from 'lit';
import { api, type Page, type Summary } from '../api.js';
import { apiQuery, listOf, readState, withList, writeState, type ViewState } from '../url-state.js';
import { BatchController } from '../controllers/batch.js';
import { NoticesController } from '../controllers/notices.js';
import { PagingController } from '../controllers/paging.js';
import { SelectionController } from '../controllers/selection.js';
import { StatusPollController } from '../controllers/status-poll.js';
import { SlideshowController } from '../controllers/slideshow.js';
import { carryOriginal } from '../clipboard.js';
import { appStyles } from './vv-app.styles.js';
import { icon } from '../icons.js';
import { IMAGE_DRAG } from './vv-sidebar.js';
import type { VvGrid } from './vv-grid.js';
import './vv-grid.js';
import './vv-sidebar.js';
import './vv-detail.js';
import './vv-batch-bar.js';
import './vv-duplicates.js';
import './vv-problems.js';
import './vv-compare.js';

const PAGE = 200;

const FILTER_LABELS: Record<string, string> = {
  from: 'from',
  to: 'to',
  favorite: 'favorites',
  rejected: 'rejects',
  min_rating: 'rating ≥',
  category: 'category',
  model: 'model',
  sampler: 'sampler',
  generator: 'generator',
  min_width: 'width ≥',
  min_height: 'height ≥',
  dir: 'folder',
  sfw: 'SFW only',
};

export class VvApp extends LitElement {
  static override styles = appStyles;

  static override properties = {
    state: { state: true },
    rowHeight: { state: true },
    theme: { state: true },
    refreshKey: { state: true },
    detailIndex: { state: true },
    filtersOpen: { state: true },
    sfwBlur: { state: true },
    compareIds: { state: true },
  };

  /** SFW mode: images marked NSFW are blurred (kept in this browser); "hide" is the sfw=true filter. */
  declare sfwBlur: boolean;

  declare state: ViewState;
  declare rowHeight: number;
  declare theme: 'dark' | 'light';
  /** Moves after edits and finished background work: the sidebar re-reads its tags and categories. */
  declare refreshKey: number;
  /** Where the open image is in the loaded list (-1: not loaded, no stepping). */
  declare detailIndex: number;
  /** Narrow windows hide the sidebar until asked for. */
  declare filtersOpen: boolean;
  /** The images open in the compare view (2–4), or null. */
  declare compareIds: number[] | null;
  private searchTimer = 0;

  // Added in this order, so connecting loads the first page before the first status poll.
  private readonly notices = new NoticesController(this);
  private readonly paging = new PagingController(this, {
    fetchPage: (cursor) => this.fetchPage(cursor),
    fetchCount: async () => {
      const query = new URLSearchParams(apiQuery(this.state));
      query.delete('sort'); // a count has no order
      return (await api.countImages(query.toString())).total;
    },
    showsList: () => this.state.view !== 'duplicates' && this.state.view !== 'problems',
    notices: this.notices,
    onFirstPage: () => {
      this.grid()?.scrollToTop();
      this.syncDetailIndex();
    },
    onReloaded: () => this.grid()?.invalidate(),
  });
  private readonly selection = new SelectionController(this, () => this.paging.total);
  private readonly statusPoll = new StatusPollController(this, () => {
    this.refreshKey++;
    if (!this.selection.count()) void this.paging.loadFirst();
  });
  private readonly batch = new BatchController(this, {
    paging: this.paging,
    notices: this.notices,
    selectionPayload: () => this.selection.payload(this.state, this.paging.items),
    onEdited: (edit) => {
      this.refreshKey++;
      if (edit === 'undo') (this.renderRoot.querySelector('vv-detail') as { reload(): void } | null)?.reload();
    },
  });

  private readonly slideshow = new SlideshowController(this, (id) => this.showImage(id));

  constructor() {
    super();
    this.compareIds = null;
    this.state = readState();
    this.rowHeight = Number(localStorage.getItem('vv.rowHeight')) || 220;
    this.theme = localStorage.getItem('vv.theme') === 'light' ? 'light' : 'dark';
    this.refreshKey = 1;
    this.detailIndex = -1;
    this.filtersOpen = false;
    this.sfwBlur = localStorage.getItem('vv.sfw') === 'blur';
    document.documentElement.dataset.theme = this.theme;
  }

  /** The loaded list, for scripts and benchmarks that drive the page. */
  get items(): Summary[] {
    return this.paging.items;
  }

  get nextCursor(): string | null {
    return this.paging.nextCursor;
  }

  get loading(): boolean {
    return this.paging.loading;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('popstate', this.onPopState);
    window.addEventListener('keydown', this.onKey);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('popstate', this.onPopState);
    window.removeEventListener('keydown', this.onKey);
  }

  private readonly onPopState = () => {
    const before = this.state;
    this.state = readState();
    const { image: _a, ...restBefore } = before;
    const { image: _b, ...restNow } = this.state;
    if (JSON.stringify(restBefore) !== JSON.stringify(restNow)) void this.paging.loadFirst();
    this.syncDetailIndex();
  };

  private readonly onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && !this.state.image && this.selection.count() > 0) this.selection.clear();
  };

  /** Changes the view state; `push` adds a history entry (a new query), otherwise it replaces. */
  private setState(patch: Partial<ViewState>, options: { push?: boolean; reload?: boolean } = {}): void {
    this.state = { ...this.state, ...patch };
    const url = writeState(this.state);
    if (options.push ?? true) history.pushState(null, '', url);
    else history.replaceState(null, '', url);
    if (options.reload ?? true) {
      this.selection.clear();
      void this.paging.loadFirst();
    }
  }

  private fetchPage(cursor: string | null): Promise<Page> {
    const s = this.state;
    if (s.view === 'similar' && s.similar) return api.similar(s.similar, apiQuery(s, { limit: '200' }));
    if (s.q && s.view === 'grid') return api.search(apiQuery(s, { limit: '500' }));
    return api.images(apiQuery(s, { limit: String(PAGE), ...(cursor ? { cursor } : {}) }));
  }

  private grid(): VvGrid | null {
    return this.renderRoot.querySelector('vv-grid') as VvGrid | null;
  }

  private onCardDrag(index: number, e: DragEvent): void {
    const items = this.paging.items;
    const id = items[index].id;
    const payload = this.selection.isSelected(id) ? this.selection.payload(this.state, items) : { ids: [id] };
    e.dataTransfer?.setData(IMAGE_DRAG, JSON.stringify(payload));
    e.dataTransfer?.setData('text/plain', items[index].path);
    // Dropped outside the gallery (desktop, ComfyUI, A1111's PNG Info), the drag carries the original.
    if (e.dataTransfer) carryOriginal(e.dataTransfer, items[index]);
    if (e.dataTransfer) e.dataTransfer.effectAllowed = 'copy';
  }

  // ------------------------------------------------------------------ detail

  private syncDetailIndex(): void {
    const id = this.state.image;
    this.detailIndex = id ? this.paging.items.findIndex((i) => i.id === id) : -1;
  }

  private openImage(id: number): void {
    this.setState({ image: id }, { reload: false });
    this.syncDetailIndex();
  }

  /** Opens an image of the loaded list without a history entry (slideshow). */
  private showImage(id: number): void {
    this.setState({ image: id }, { push: false, reload: false });
    this.syncDetailIndex();
    if (this.detailIndex >= 0) this.grid()?.reveal(this.detailIndex);
  }

  /** The ids a slideshow or compare takes: the selection when it names images, else the loaded list. */
  private selectedIds(): number[] {
    const sel = this.selection.current;
    return sel.all ? this.paging.items.map((i) => i.id).filter((id) => !sel.exclude.has(id)) : [...sel.ids];
  }

  private startSlideshow(settings: { interval: number; shuffle: boolean; loop: boolean } | null): void {
    if (!settings) return this.slideshow.stop();
    const selected = this.selectedIds();
    this.slideshow.start(selected.length >= 2 ? selected : this.paging.items.map((i) => i.id), this.state.image, settings);
  }

  /** Delete in the detail view: the image goes to the trash; the next one opens (or the view closes). */
  private async trashOpenImage(id: number): Promise<void> {
    const items = this.paging.items;
    const index = items.findIndex((i) => i.id === id);
    const next = items[index + 1] ?? items[index - 1] ?? null;
    const moved = await this.batch.trash({ ids: [id] });
    if (!moved.length) return;
    if (next) this.showImage(next.id);
    else this.setState({ image: null }, { reload: false });
  }

  private step(delta: number): void {
    const items = this.paging.items;
    const next = this.detailIndex + delta;
    if (next < 0 || next >= items.length) return;
    this.setState({ image: items[next].id }, { push: false, reload: false });
    this.detailIndex = next;
    this.grid()?.reveal(next);
    if (next > items.length - 5) void this.paging.loadMore();
  }

  // ------------------------------------------------------------------ rendering

  override render() {
    return html`
      ${this.header()} ${this.chips()} ${this.batchBar()}
      <div class="body ${this.filtersOpen ? 'filters-open' : ''}">${this.sidebar()}<main>${this.mainView()}</main></div>
      ${this.detail()} ${this.compare()} ${this.toast()}
    `;
  }

  private header() {
    const s = this.state;
    const total = this.paging.total;
    return html`<header>
      <button class="ghost filters-toggle" aria-expanded=${this.filtersOpen} @click=${() => (this.filtersOpen = !this.filtersOpen)}>☰ Filters</button>
      <span class="brand">Visionary Vault</span>
      ${this.searchForm()} ${s.q && this.paging.mode ? html`<span class="badge" data-mode=${this.paging.mode}>${this.paging.mode}</span>` : nothing}
      <span class="muted" data-total=${total}>${s.view === 'duplicates' || s.view === 'problems' ? '' : `${total.toLocaleString()} ${s.q ? 'results' : 'images'}`}</span>
      ${this.viewTabs()} ${this.displayControls()} ${this.libraryOffline()}${this.progress()}
    </header>`;
  }

  private searchForm() {
    const s = this.state;
    const ai = this.aiAvailable();
    return html`<form
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
    </form>`;
  }

  private viewTabs() {
    const view = this.state.view;
    const problems = this.statusPoll.status?.counts.problems;
    return html`<span class="tabs">
      <button class=${view === 'grid' || view === 'similar' ? 'on' : ''} @click=${() => this.setState({ view: 'grid', similar: null })}>Library</button>
      <button class=${view === 'duplicates' ? 'on' : ''} @click=${() => this.setState({ view: 'duplicates' })}>Duplicates</button>
      <button class=${view === 'trash' ? 'on' : ''} data-view="trash" @click=${() => this.setState({ view: 'trash' })}>Trash</button>
      ${problems
        ? html`<button class=${view === 'problems' ? 'on' : ''} data-problems=${problems} @click=${() => this.setState({ view: 'problems' })}>Problems (${problems.toLocaleString()})</button>`
        : nothing}
    </span>`;
  }

  /** Sort order, thumbnail size, theme. */
  private displayControls() {
    const s = this.state;
    const sfw = s.filters.sfw === 'true' ? 'hide' : this.sfwBlur ? 'blur' : 'off';
    return html`<select aria-label="sort" title=${s.q ? 'a search ranks by relevance' : 'sort order'} @change=${(e: Event) => this.setState({ sort: (e.target as HTMLSelectElement).value as ViewState['sort'] })} ?disabled=${Boolean(s.q)}>
        ${s.q
          ? html`<option value="relevance" selected>relevance</option>`
          : html`<option value="-date" ?selected=${s.sort === '-date'}>newest first</option>
              <option value="date" ?selected=${s.sort === 'date'}>oldest first</option>
              <option value="random" ?selected=${s.sort === 'random'}>random</option>`}
      </select>
      <select aria-label="SFW mode" title="SFW mode: blur or hide images marked NSFW (for screen sharing)" data-sfw=${sfw} @change=${(e: Event) => this.setSfw((e.target as HTMLSelectElement).value as 'off' | 'blur' | 'hide')}>
        <option value="off" ?selected=${sfw === 'off'}>SFW off</option>
        <option value="blur" ?selected=${sfw === 'blur'}>SFW: blur</option>
        <option value="hide" ?selected=${sfw === 'hide'}>SFW: hide</option>
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
        ${this.theme === 'dark' ? icon('sun') : icon('moon')}
      </button>`;
  }

  private setSfw(mode: 'off' | 'blur' | 'hide'): void {
    this.sfwBlur = mode === 'blur';
    localStorage.setItem('vv.sfw', this.sfwBlur ? 'blur' : 'off');
    const hide = mode === 'hide';
    if (hide !== (this.state.filters.sfw === 'true')) this.setState({ filters: { ...this.state.filters, sfw: hide ? 'true' : undefined } });
  }

  /** Shows a saved query (an album): its search and filters replace the current ones. */
  private showQuery(query: string): void {
    const saved = readState(`?${query}`);
    this.setState({ q: saved.q, mode: saved.mode, filters: saved.filters, view: 'grid', similar: null });
  }

  /** The library folder is gone: the grid shows the index, originals cannot be opened. */
  private libraryOffline() {
    const library = this.statusPoll.status?.library;
    if (!library || library.online) return nothing;
    return html`<span class="library-offline" role="status" title=${library.reason ?? ''}>Library offline — showing the index; originals unavailable until it is back</span>`;
  }

  private progress() {
    const s = this.statusPoll.status;
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

  private batchBar() {
    const count = this.selection.count();
    // An empty placeholder keeps the shell's children the same while nothing is selected.
    if (count === 0) return html`<div></div>`;
    return html`<vv-batch-bar
      .count=${count}
      .allMatching=${this.selection.current.all}
      .total=${this.paging.total}
      .busy=${this.batch.busy}
      .inTrash=${this.state.view === 'trash'}
      .trashEnabled=${this.trashEnabled()}
      .canCompare=${!this.selection.current.all && count >= 2 && count <= 4}
      @compare=${() => (this.compareIds = this.selectedIds().slice(0, 4))}
      @trash=${() => this.batch.trash()}
      @restore=${() => this.batch.restore(this.selectedIds())}
      @batch=${(e: CustomEvent) => this.batch.run(e.detail.body, e.detail.label)}
      @export=${(e: CustomEvent) => this.batch.exportZip(e.detail.metadata)}
      @clear=${() => this.selection.clear()}
      @select-all=${() => this.selection.selectAllMatching()}
    ></vv-batch-bar>`;
  }

  private sidebar() {
    return html`<vv-sidebar
      .state=${this.state}
      .refreshKey=${this.refreshKey}
      @filters=${(e: CustomEvent) => this.setState({ filters: e.detail.filters })}
      @drop-images=${(e: CustomEvent) => this.batch.run({ categories: { add: [e.detail.category] } }, `Added to “${e.detail.category}”`, e.detail.payload)}
      @notice=${(e: CustomEvent) => this.notices.say(e.detail.message, e.detail.change ?? null)}
      @error=${(e: CustomEvent) => this.notices.fail(e.detail.message)}
      @changed=${() => this.paging.reloadInPlace()}
      @show-query=${(e: CustomEvent) => this.showQuery(e.detail.query)}
    ></vv-sidebar>`;
  }

  private mainView() {
    if (this.state.view === 'duplicates') {
      return html`${this.errorBanner()}<vv-duplicates
        .filters=${apiQuery({ ...this.state, q: '', view: 'duplicates' })}
        .trashEnabled=${this.trashEnabled()}
        @open-image=${(e: CustomEvent) => this.openImage(e.detail.id)}
        @select-ids=${(e: CustomEvent) => {
          this.selection.selectIds(e.detail.ids);
          this.notices.say(`${e.detail.ids.length} selected: the rest of the group`, null);
        }}
        @compare=${(e: CustomEvent) => (this.compareIds = e.detail.ids)}
        @trash-ids=${(e: CustomEvent) => void this.batch.trash({ ids: e.detail.ids })}
      ></vv-duplicates>`;
    }
    if (this.state.view === 'problems') return html`<vv-problems></vv-problems>`;
    return html`${this.similarBar()} ${this.trashBar()} ${this.errorBanner()} ${this.emptyMessage()} ${this.gridView()}`;
  }

  private trashEnabled(): boolean {
    return Boolean(this.statusPoll.status?.trash?.enabled);
  }

  /** How to turn the trash on, shown where it would be used. */
  private trashOff() {
    return html`<span class="muted" data-trash="off">Moving originals to the trash is off: start the server with <code>vv serve --allow-trash</code> (or set <code>VV_ALLOW_TRASH=true</code>).</span>`;
  }

  /** Above the trash and the rejects: what they are, and their actions. */
  private trashBar() {
    if (this.state.view === 'trash') {
      return html`<div class="similar-bar" data-bar="trash">
        <span>Originals moved to the trash (the system trash: restorable from here, with their tags, ratings and categories). Select images and press Restore.</span>
        ${this.trashEnabled() ? nothing : this.trashOff()}
      </div>`;
    }
    if (this.state.filters.rejected !== 'true') return nothing;
    return html`<div class="similar-bar" data-bar="rejects">
      <span>Images marked as rejects (X while viewing)</span>
      <button ?disabled=${!this.trashEnabled() || this.batch.busy || !this.paging.total} @click=${() => this.batch.trash({ rejected: true })}>Move all rejects to the trash</button>
      ${this.trashEnabled() ? nothing : this.trashOff()}
    </div>`;
  }

  private similarBar() {
    if (this.state.view !== 'similar') return nothing;
    return html`<div class="similar-bar"><span>Images similar to #${this.state.similar}</span><button @click=${() => this.setState({ view: 'grid', similar: null })}>Back to the library</button></div>`;
  }

  private errorBanner() {
    if (!this.notices.error) return nothing;
    return html`<div class="banner err" role="alert">${this.notices.error} <button class="ghost" @click=${() => this.notices.fail(null)}>dismiss</button></div>`;
  }

  private emptyMessage() {
    if (this.paging.loading || this.paging.items.length > 0 || this.notices.error) return nothing;
    const status = this.statusPoll.status;
    const text =
      status && status.counts.images === 0 && !status.scan.running
        ? 'This library has no images yet. Add images to the folder (the server watches it) or point vv serve at another folder.'
        : this.state.q
          ? `Nothing matches “${this.state.q}” with these filters.`
          : 'No images match these filters.';
    const filtered = Object.keys(this.state.filters).length || this.state.q;
    return html`<div class="empty">${text}${filtered ? html`<p><button @click=${() => this.setState({ filters: {}, q: '' })}>Clear filters</button></p>` : nothing}</div>`;
  }

  private gridView() {
    const items = this.paging.items;
    return html`<vv-grid
      style=${items.length ? '' : 'display:none'}
      ?sfw=${this.sfwBlur}
      .items=${items}
      .rowHeight=${this.rowHeight}
      .isSelected=${this.selection.isSelected}
      .selection=${this.selection.current}
      .hasMore=${Boolean(this.paging.nextCursor)}
      .loading=${this.paging.loading}
      @more=${() => this.paging.loadMore()}
      @activate=${(e: CustomEvent) => {
        const { index, shift, toggle, open } = e.detail;
        // Enter on a focused card opens it even while a selection exists (Space selects).
        if (!open && (shift || toggle || this.selection.count() > 0)) this.selection.pick(this.paging.items, index, shift);
        else this.openImage(this.paging.items[index].id);
      }}
      @pick=${(e: CustomEvent) => this.selection.pick(this.paging.items, e.detail.index, e.detail.shift)}
      @favorite=${(e: CustomEvent) => this.batch.toggleFavorite(e.detail.index)}
      @card-drag=${(e: CustomEvent) => this.onCardDrag(e.detail.index, e.detail.event)}
    ></vv-grid>`;
  }

  private detail() {
    const image = this.state.image;
    if (!image) return nothing;
    const items = this.paging.items;
    const i = this.detailIndex;
    const neighbours = i >= 0 ? [items[i + 1], items[i - 1]].filter(Boolean).map((x) => x.id) : [];
    const close = () => {
      this.slideshow.stop();
      const index = this.detailIndex;
      this.setState({ image: null }, { reload: false });
      // Back to the grid where the keyboard left it.
      if (index >= 0) this.grid()?.focusCard(index);
    };
    return html`<vv-detail
      .imageId=${image}
      .hasPrev=${this.detailIndex > 0}
      .hasNext=${this.detailIndex >= 0 && this.detailIndex < this.paging.items.length - 1}
      .aiAvailable=${this.aiAvailable()}
      .neighbours=${neighbours}
      .slideshow=${this.slideshow.playing}
      @click=${close}
      @close=${close}
      @slideshow=${(e: CustomEvent) => this.startSlideshow(e.detail)}
      @trash=${(e: CustomEvent) => void this.trashOpenImage(e.detail.id)}
      @step=${(e: CustomEvent) => this.step(e.detail.delta)}
      @show-folder=${(e: CustomEvent) => this.setState({ filters: { ...this.state.filters, dir: e.detail.dir }, image: null, view: 'grid' })}
      @similar=${(e: CustomEvent) => this.setState({ view: 'similar', similar: e.detail.id, image: null, q: '' })}
      @edited=${(e: CustomEvent) => {
        const d = e.detail.image;
        this.paging.patchItem(d.id, { favorite: d.favorite, rating: d.rating, rejected: d.rejected, prompt: d.prompt, tags: d.tags.map((t: { name: string }) => t.name) });
        this.refreshKey++;
        if (e.detail.change !== null) this.notices.say(`Saved: ${e.detail.done}`, e.detail.change);
      }}
    ></vv-detail>`;
  }

  private compare() {
    if (!this.compareIds) return nothing;
    return html`<vv-compare .ids=${this.compareIds} @close=${() => (this.compareIds = null)}></vv-compare>`;
  }

  /** The confirmation toast, with Undo when the edit was journaled. */
  private toast() {
    const notice = this.notices.notice;
    if (!notice) return nothing;
    return html`<div class="toast" role="status">
      ${notice.message} ${notice.change !== null ? html`<button class="undo" @click=${() => this.batch.undo(notice.change!)}>Undo</button>` : nothing}
    </div>`;
  }

  private aiAvailable(): boolean {
    return Boolean(this.statusPoll.status?.embeddings.available);
  }
}

customElements.define('vv-app', VvApp);
