/**
 * The virtualised grid: justified rows of thumbnails (aspect ratios kept), only the rows near the
 * viewport in the DOM, the next page requested before the end is reached. Rejects are dimmed and marked. Selection, favorites
 * and drag start are reported to the app as events. Cards are keyboard-focusable: arrows move
 * between them (up/down to the nearest card of the row above/below), Enter opens, Space selects.
 */
import { LitElement, html, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { Summary } from '../api.js';
import { aspectOf, justify, visibleRows, type Row } from '../layout.js';
import { gridStyles } from './vv-grid.styles.js';

const GAP = 6;
/** Rows kept rendered above and below the viewport, in viewport heights. */
const OVERSCAN = 1;
/**
 * Scrolling faster than this many viewport heights per second starts no thumbnail download:
 * Chromium keeps every image request abandoned by a card that scrolled away and walks all of them
 * on every layout, so a fling through 100k images would leave each later frame slower (measured:
 * ~40 ms per layout after 7k abandoned requests). Thumbnails appear when the scroll slows or stops.
 */
const FAST_SCROLL_SCREENS_PER_SECOND = 4;
/** The scroll counts as stopped this long after its last event. */
const SETTLE_MS = 120;

/** A clip's length as the grid badge shows it: `0:07`, `1:02:03`, or tenths under 10 s (`1.5s`). */
function formatDuration(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  const hms = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  return (hms[0] ? `${hms[0]}:${String(hms[1]).padStart(2, '0')}` : String(hms[1])) + `:${String(hms[2]).padStart(2, '0')}`;
}

export class VvGrid extends LitElement {
  static override styles = gridStyles;

  static override properties = {
    items: { attribute: false },
    rowHeight: { type: Number },
    isSelected: { attribute: false },
    /** Changes whenever the selection does (isSelected stays the same function). */
    selection: { attribute: false },
    hasMore: { type: Boolean },
    loading: { type: Boolean },
    /** SFW mode: images marked NSFW are blurred (vv-grid.styles.ts). */
    sfw: { type: Boolean, reflect: true },
    view: { state: true },
  };

  declare items: Summary[];
  declare rowHeight: number;
  declare isSelected: (id: number) => boolean;
  declare selection: unknown;
  declare hasMore: boolean;
  declare loading: boolean;
  declare sfw: boolean;
  declare view: { top: number; height: number; width: number };

  private rows: Row[] = [];
  private frame = 0;
  /** Viewport size from the ResizeObserver: reading clientWidth on scroll would force a layout. */
  private size = { width: 1000, height: 800 };
  /** The vertical span currently rendered; scrolling inside it changes nothing. */
  private rendered = { from: 0, to: 0 };
  /** Thumbnails already downloaded: showing them again costs no request, even while flinging. */
  private readonly loadedThumbs = new Set<number>();
  private fast = false;
  private lastScroll = { top: 0, time: 0 };
  private settleTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly resize = new ResizeObserver((entries) => {
    const box = entries[entries.length - 1].contentRect;
    this.size = { width: box.width, height: box.height };
    this.measure(true);
  });

  constructor() {
    super();
    this.items = [];
    this.rowHeight = 220;
    this.isSelected = () => false;
    this.hasMore = false;
    this.loading = false;
    this.view = { top: 0, height: 800, width: 1000 };
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.resize.observe(this);
    this.addEventListener('scroll', this.onScroll, { passive: true });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resize.disconnect();
    this.removeEventListener('scroll', this.onScroll);
    clearTimeout(this.settleTimer);
  }

  private readonly onScroll = () => {
    this.trackSpeed();
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.measure(false);
    });
  };

  /** Marks the scroll fast or slow from the distance since the previous scroll event. */
  private trackSpeed(): void {
    const now = performance.now();
    const top = this.scrollTop;
    const dt = now - this.lastScroll.time;
    const screens = Math.abs(top - this.lastScroll.top) / Math.max(1, this.size.height);
    this.lastScroll = { top, time: now };
    // A jump of a screen or more in one event (scrollbar drag, End key) skips what it passes over.
    const fast = screens >= 1 || (dt < 250 && (screens * 1000) / Math.max(1, dt) > FAST_SCROLL_SCREENS_PER_SECOND);
    if (fast !== this.fast) {
      this.fast = fast;
      if (!fast) this.requestUpdate();
    }
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      if (!this.fast) return;
      this.fast = false;
      this.requestUpdate();
    }, SETTLE_MS);
  }

  /**
   * Re-renders only when the viewport (plus a quarter screen) leaves the span rendered last time
   * (which reaches a screen beyond it on both sides): most scroll frames cost nothing.
   */
  private measure(resized: boolean): void {
    const top = this.scrollTop;
    const { height } = this.size;
    const width = Math.max(200, this.size.width - 16);
    const inside = top - height * 0.25 >= this.rendered.from && top + height * 1.25 <= this.rendered.to;
    if (!resized && inside && width === this.view.width) return;
    this.view = { top, height, width };
  }

  /** The card to focus once it is rendered (keyboard navigation). */
  private focusIndex: number | null = null;

  /** Focuses the card of item `index`, scrolling it into view first. */
  focusCard(index: number): void {
    if (index < 0 || index >= this.items.length) return;
    this.focusIndex = index;
    this.reveal(index);
    this.measure(true);
    this.requestUpdate();
  }

  /** The item above or below `index`: the one of the neighbouring row nearest horizontally. */
  private vertical(index: number, dir: -1 | 1): number {
    const r = this.rows.findIndex((row) => row.items.some((i) => i.index === index));
    const target = this.rows[r + dir];
    if (r < 0 || !target) return index;
    const cell = this.rows[r].items.find((i) => i.index === index)!;
    const centre = cell.left + cell.width / 2;
    let best = target.items[0];
    for (const it of target.items) if (Math.abs(it.left + it.width / 2 - centre) < Math.abs(best.left + best.width / 2 - centre)) best = it;
    return best.index;
  }

  private onCardKey(e: KeyboardEvent, index: number): void {
    let next: number | null = null;
    if (e.key === 'ArrowRight') next = index + 1;
    else if (e.key === 'ArrowLeft') next = index - 1;
    else if (e.key === 'ArrowDown') next = this.vertical(index, 1);
    else if (e.key === 'ArrowUp') next = this.vertical(index, -1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = this.items.length - 1;
    else if (e.key === 'Enter') {
      // The detail view takes the keys now (it listens on the window); the app focuses the card again on close.
      (e.currentTarget as HTMLElement).blur();
      this.dispatchEvent(new CustomEvent('activate', { detail: { index, shift: false, toggle: false, open: true } }));
    }
    else if (e.key === ' ') this.dispatchEvent(new CustomEvent('pick', { detail: { index, shift: e.shiftKey } }));
    else return;
    e.preventDefault();
    if (next !== null) this.focusCard(Math.max(0, Math.min(this.items.length - 1, next)));
  }

  /** Scrolls so the card of item `index` is visible (keyboard navigation in the detail view). */
  reveal(index: number): void {
    const row = this.rows.find((r) => r.items.some((i) => i.index === index));
    if (!row) return;
    if (row.top < this.scrollTop || row.top + row.height > this.scrollTop + this.clientHeight) this.scrollTop = Math.max(0, row.top - 40);
  }

  scrollToTop(): void {
    this.scrollTop = 0;
  }

  private aspects: number[] = [];
  /** The list and geometry the rows were computed for. */
  private laidOut: { items: Summary[]; width: number; rowHeight: number } = { items: [], width: 0, rowHeight: 0 };

  private relayout(): void {
    const items = this.items;
    const prev = this.laidOut;
    if (prev.items === items && prev.width === this.view.width && prev.rowHeight === this.rowHeight) return;
    const sameGeometry = prev.width === this.view.width && prev.rowHeight === this.rowHeight;
    const n = prev.items.length;
    // An append keeps the loaded objects: the old list is a prefix of the new one.
    const appended = sameGeometry && n > 0 && items.length > n && items[0] === prev.items[0] && items[n - 1] === prev.items[n - 1] && this.rows.length > 0;
    if (appended) {
      // Only the new items, and the old partial last row they complete, are laid out again.
      for (let i = n; i < items.length; i++) this.aspects.push(aspectOf(items[i].width, items[i].height));
      const last = this.rows.pop()!;
      this.rows.push(...justify(this.aspects, this.view.width, this.rowHeight, GAP, last.items[0].index, last.top));
    } else {
      this.aspects = items.map((i) => aspectOf(i.width, i.height));
      this.rows = justify(this.aspects, this.view.width, this.rowHeight, GAP);
    }
    this.laidOut = { items, width: this.view.width, rowHeight: this.rowHeight };
  }

  /** Forget the layout (the item list was replaced with one of the same length). */
  invalidate(): void {
    this.laidOut = { items: [], width: 0, rowHeight: 0 };
    this.requestUpdate();
  }

  override updated(): void {
    if (this.focusIndex !== null) {
      const card = this.renderRoot.querySelector<HTMLElement>(`.card[data-index="${this.focusIndex}"]`);
      if (card) {
        card.focus({ preventScroll: true });
        this.focusIndex = null;
      }
    }
    const last = this.rows[this.rows.length - 1];
    const bottom = last ? last.top + last.height : 0;
    // Ask for the next page while a screen or two of rows is still ahead.
    if (this.hasMore && !this.loading && bottom - (this.view.top + this.view.height) < this.view.height * 2) {
      this.dispatchEvent(new CustomEvent('more'));
    }
  }

  private card(index: number, row: Row, left: number, width: number) {
    const item = this.items[index];
    const selected = this.isSelected(item.id);
    const pick = (e: MouseEvent) => {
      e.stopPropagation();
      this.dispatchEvent(new CustomEvent('pick', { detail: { index, shift: e.shiftKey, toggle: true } }));
    };
    return html`<div
      class="card ${selected ? 'selected' : ''} ${item.nsfw ? 'nsfw' : ''} ${item.rejected ? 'rejected' : ''}"
      data-id=${item.id}
      data-rejected=${item.rejected ? 'true' : nothing}
      data-index=${index}
      tabindex="0"
      role="button"
      aria-label=${item.filename}
      @keydown=${(e: KeyboardEvent) => this.onCardKey(e, index)}
      data-path=${item.path}
      style="transform: translate(${left}px, ${row.top}px); width: ${width}px; height: ${row.height}px"
      draggable="true"
      title=${item.prompt ?? item.path}
      @click=${(e: MouseEvent) => this.dispatchEvent(new CustomEvent('activate', { detail: { index, shift: e.shiftKey, toggle: e.ctrlKey || e.metaKey } }))}
      @dragstart=${(e: DragEvent) => this.dispatchEvent(new CustomEvent('card-drag', { detail: { index, event: e } }))}
    >
      ${item.thumbnail_url
        ? this.fast && !this.loadedThumbs.has(item.id)
          ? nothing
          : html`<img
              src=${item.thumbnail_url}
              alt=${item.prompt ?? item.filename}
              loading="lazy"
              decoding="async"
              draggable="false"
              @load=${() => this.loadedThumbs.add(item.id)}
              @mouseenter=${(e: MouseEvent) => item.preview_url && ((e.target as HTMLImageElement).src = item.preview_url)}
              @mouseleave=${(e: MouseEvent) => item.preview_url && ((e.target as HTMLImageElement).src = item.thumbnail_url!)}
            />`
        : html`<div class="noimg">${item.filename}<br />(no preview: the file cannot be decoded)</div>`}
      ${item.duration_s !== null ? html`<span class="duration" title=${item.media_type}>${item.media_type === 'video' ? '▶ ' : ''}${formatDuration(item.duration_s)}</span>` : nothing}
      ${item.rejected ? html`<span class="reject-mark" title="rejected (U in the viewer unrejects)">✕</span>` : nothing}
      <button class="tick" aria-label="select" aria-pressed=${selected} @click=${pick}>✓</button>
      <button
        class="fav ${item.favorite ? 'on' : ''}"
        aria-label=${item.favorite ? 'unfavorite' : 'favorite'}
        @click=${(e: MouseEvent) => {
          e.stopPropagation();
          this.dispatchEvent(new CustomEvent('favorite', { detail: { index } }));
        }}
      >
        ${item.favorite ? '♥' : '♡'}
      </button>
      <div class="caption">${item.rating ? html`<span class="stars">${'★'.repeat(item.rating)}</span>` : nothing}${item.prompt ?? item.filename}</div>
    </div>`;
  }

  override render() {
    this.relayout();
    const spanFrom = this.view.top - this.view.height * OVERSCAN;
    const spanTo = this.view.top + this.view.height * (1 + OVERSCAN);
    this.rendered = { from: spanFrom, to: spanTo };
    const [from, to] = visibleRows(this.rows, spanFrom, spanTo);
    const cells: { index: number; row: Row; left: number; width: number }[] = [];
    for (let r = from; r < to; r++) for (const it of this.rows[r].items) cells.push({ index: it.index, row: this.rows[r], left: it.left, width: it.width });
    const last = this.rows[this.rows.length - 1];
    const height = last ? last.top + last.height : 0;
    return html`<div class="canvas" style="height: ${height}px">
        ${repeat(
          cells,
          (c) => this.items[c.index].id,
          (c) => this.card(c.index, c.row, c.left, c.width),
        )}
      </div>
      ${this.loading ? html`<div class="more">Loading…</div>` : nothing}`;
  }
}

customElements.define('vv-grid', VvGrid);
