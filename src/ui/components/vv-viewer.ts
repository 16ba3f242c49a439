/**
 * One zoomable picture: the thumbnail at once, the full-resolution original swapped in when it is
 * decoded; fit / fill / 1:1, zoom with the wheel, a trackpad pinch (ctrl+wheel) or a two-finger touch
 * pinch (around the pointer / the fingers), pan by dragging (one finger or two), double-click between
 * fit and 1:1. The view (mode, zoom, pan) belongs to the parent, so it survives
 * stepping to the next image and can be shared by several viewers (compare): every change is
 * reported as a `view-change` event and the parent passes the new view back.
 */
import { LitElement, html } from 'lit';
import { viewerStyles } from './vv-viewer.styles.js';

export type FitMode = 'fit' | 'fill' | 'actual';

/** Zoom is a factor over the mode's scale; pan is in screen pixels from centred. */
export interface View {
  mode: FitMode;
  zoom: number;
  x: number;
  y: number;
}

export const FIT: View = { mode: 'fit', zoom: 1, x: 0, y: 0 };
const MIN_SCALE = 0.02;
const MAX_SCALE = 32;

export class VvViewer extends LitElement {
  static override styles = viewerStyles;

  static override properties = {
    thumb: { type: String },
    full: { type: String },
    alt: { type: String },
    naturalWidth: { type: Number },
    naturalHeight: { type: Number },
    view: { attribute: false },
    shown: { state: true },
    box: { state: true },
  };

  declare thumb: string | null;
  declare full: string;
  declare alt: string;
  /** The original's pixel size (the thumbnail is drawn at it until the original replaces it). */
  declare naturalWidth: number | null;
  declare naturalHeight: number | null;
  declare view: View;
  declare shown: string;
  declare box: { width: number; height: number };

  private loading = '';
  private readonly pointers = new Map<number, { x: number; y: number }>();
  private readonly resize = new ResizeObserver((entries) => {
    const r = entries[entries.length - 1].contentRect;
    this.box = { width: r.width, height: r.height };
  });

  constructor() {
    super();
    this.thumb = null;
    this.full = '';
    this.alt = '';
    this.naturalWidth = null;
    this.naturalHeight = null;
    this.view = FIT;
    this.shown = '';
    this.box = { width: 800, height: 600 };
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.resize.observe(this);
    this.addEventListener('wheel', this.onWheel, { passive: false });
    this.addEventListener('pointerdown', this.onPointerDown);
    this.addEventListener('pointermove', this.onPointerMove);
    this.addEventListener('pointerup', this.onPointerUp);
    this.addEventListener('pointercancel', this.onPointerUp);
    this.addEventListener('dblclick', this.onDoubleClick);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resize.disconnect();
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('full') || changed.has('thumb')) {
      // The thumbnail now; the original once it is decoded (no blank frame, no half-drawn image).
      this.shown = this.thumb ?? this.full;
      const full = this.full;
      if (full && full !== this.shown && this.loading !== full) {
        this.loading = full;
        const img = new Image();
        img.src = full;
        img.decode().then(
          () => {
            if (this.full === full) this.shown = full;
          },
          () => undefined,
        );
      }
    }
  }

  /** The picture's pixel size: the original's when known, else what the shown image decoded to. */
  private dims(): { w: number; h: number } {
    const img = this.renderRoot?.querySelector('img');
    return { w: this.naturalWidth || img?.naturalWidth || 1, h: this.naturalHeight || img?.naturalHeight || 1 };
  }

  /** The mode's scale times the zoom. */
  scale(view = this.view): number {
    const { w, h } = this.dims();
    const { width, height } = this.box;
    // 1:1 is one image pixel per device pixel.
    const base = view.mode === 'actual' ? 1 / (window.devicePixelRatio || 1) : view.mode === 'fill' ? Math.max(width / w, height / h) : Math.min(width / w, height / h);
    return Math.min(MAX_SCALE, Math.max(MIN_SCALE, base * view.zoom));
  }

  private placement(view = this.view): { left: number; top: number; s: number } {
    const { w, h } = this.dims();
    const s = this.scale(view);
    return { left: (this.box.width - w * s) / 2 + view.x, top: (this.box.height - h * s) / 2 + view.y, s };
  }

  private emitView(view: View): void {
    this.dispatchEvent(new CustomEvent('view-change', { detail: { view }, bubbles: true, composed: true }));
  }

  /**
   * Zooms by `factor` keeping the point (cx, cy) of the stage where it is; given `to`, that picture
   * point moves there instead (a pinch step: zoom and two-finger pan at once).
   */
  zoomAt(factor: number, cx = this.box.width / 2, cy = this.box.height / 2, to = { x: cx, y: cy }): void {
    const { left, top, s } = this.placement();
    const base = s / this.view.zoom;
    const zoom = Math.min(MAX_SCALE / base, Math.max(MIN_SCALE / base, this.view.zoom * factor));
    const s2 = base * zoom;
    const { w, h } = this.dims();
    const u = (cx - left) / s;
    const v = (cy - top) / s;
    this.emitView({ mode: this.view.mode, zoom, x: to.x - u * s2 - (this.box.width - w * s2) / 2, y: to.y - v * s2 - (this.box.height - h * s2) / 2 });
  }

  private readonly onWheel = (e: WheelEvent) => {
    e.preventDefault();
    const r = this.getBoundingClientRect();
    // Trackpad pinches arrive as ctrl+wheel with small deltas: the same formula serves both.
    this.zoomAt(Math.exp(-e.deltaY * (e.ctrlKey ? 0.01 : 0.0015)), e.clientX - r.left, e.clientY - r.top);
  };

  private readonly onPointerDown = (e: PointerEvent) => {
    if (e.button !== 0) return;
    this.setPointerCapture(e.pointerId);
    this.pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    this.toggleAttribute('panning', true);
  };

  private readonly onPointerMove = (e: PointerEvent) => {
    const prev = this.pointers.get(e.pointerId);
    if (!prev) return;
    if (this.pointers.size === 2) {
      // Pinch: zoom by the change of the distance between the two pointers, and carry the picture
      // point under their old midpoint to the new one. Each finger's move is one such step, so the
      // point first under the fingers stays under them exactly, and two fingers moving together pan.
      const [a, b] = [...this.pointers.entries()];
      const other = a[0] === e.pointerId ? b[1] : a[1];
      const before = Math.hypot(prev.x - other.x, prev.y - other.y);
      const after = Math.hypot(e.clientX - other.x, e.clientY - other.y);
      this.pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
      const r = this.getBoundingClientRect();
      const from = { x: (prev.x + other.x) / 2 - r.left, y: (prev.y + other.y) / 2 - r.top };
      const to = { x: (e.clientX + other.x) / 2 - r.left, y: (e.clientY + other.y) / 2 - r.top };
      if (before > 0 && after > 0) this.zoomAt(after / before, from.x, from.y, to);
      return;
    }
    this.pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    this.emitView({ ...this.view, x: this.view.x + e.clientX - prev.x, y: this.view.y + e.clientY - prev.y });
  };

  private readonly onPointerUp = (e: PointerEvent) => {
    this.pointers.delete(e.pointerId);
    if (this.pointers.size === 0) this.removeAttribute('panning');
  };

  private readonly onDoubleClick = () => {
    this.emitView(this.view.mode === 'actual' && this.view.zoom === 1 ? FIT : { mode: 'actual', zoom: 1, x: 0, y: 0 });
  };

  override render() {
    const { left, top, s } = this.placement();
    const { w, h } = this.dims();
    const isFull = this.shown === this.full;
    const percent = Math.round(s * (window.devicePixelRatio || 1) * 100);
    return html`<img
        src=${this.shown}
        alt=${this.alt}
        draggable="false"
        class=${s >= 2 ? 'pixelated' : ''}
        data-full=${isFull ? 'true' : 'false'}
        style="width: ${w}px; height: ${h}px; transform: translate(${left}px, ${top}px) scale(${s})"
        @load=${() => this.requestUpdate()}
      /><span class="badge" data-zoom=${percent}>${percent}%</span>`;
  }
}

customElements.define('vv-viewer', VvViewer);
