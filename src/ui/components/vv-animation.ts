/**
 * An animation (GIF, WebP, APNG) in the detail view: the original plays in the slotted viewer;
 * stepping with , and . (or the buttons) pauses on one frame, decoded by the browser's WebCodecs
 * ImageDecoder and drawn on a canvas, with its index and timestamp; ▶ plays the original again.
 * Without ImageDecoder (browsers that lack WebCodecs images) the original only plays.
 */
import { LitElement, css, html, nothing } from 'lit';

/** ImageDecoder's MIME type per container format (an APNG is decoded as `image/png`). */
const DECODER_TYPE: Record<string, string> = { gif: 'image/gif', webp: 'image/webp', png: 'image/png' };

interface ShownFrame {
  index: number;
  /** Seconds from the start, as the decoder gives it. */
  time: number;
}

export class VvAnimation extends LitElement {
  static override properties = {
    src: { type: String },
    format: { type: String },
    frames: { type: Number },
    shown: { state: true },
    count: { state: true },
    error: { state: true },
  };

  declare src: string;
  /** Container format of the original (`gif`, `webp`, `png`). */
  declare format: string | null;
  /** Frames the container declares (the decoder's count replaces it once read). */
  declare frames: number | null;
  /** The frame on the canvas, or null while the original plays. */
  declare shown: ShownFrame | null;
  declare count: number | null;
  declare error: string | null;
  private decoder: ImageDecoder | null = null;
  private decoding: Promise<ImageDecoder> | null = null;
  /** The frame asked for last (null: the original plays); a key repeat faster than decoding draws only the newest. */
  private target: number | null = null;

  constructor() {
    super();
    this.src = '';
    this.format = null;
    this.frames = null;
    this.shown = null;
    this.count = null;
    this.error = null;
  }

  static override styles = css`
    :host { display: flex; flex-direction: column; align-items: stretch; gap: 6px; }
    .stage { position: relative; flex: 1; min-height: 0; }
    canvas { position: absolute; inset: 0; width: 100%; height: 100%; object-fit: contain; background: #000; }
    canvas[hidden] { display: none; }
    .bar { display: flex; gap: 8px; align-items: center; justify-content: center; color: #ccc; font: 13px system-ui, sans-serif; padding-top: 6px; }
    .bar span { font-variant-numeric: tabular-nums; min-width: 14em; text-align: center; }
    button { background: #333; color: #eee; border: 1px solid #555; border-radius: 4px; padding: 2px 8px; cursor: pointer; }
  `;

  static get supported(): boolean {
    return typeof (globalThis as { ImageDecoder?: unknown }).ImageDecoder === 'function';
  }

  private get type(): string | null {
    return DECODER_TYPE[this.format ?? ''] ?? null;
  }

  private get canvas(): HTMLCanvasElement | null {
    return this.renderRoot.querySelector('canvas');
  }

  /** The original's bytes in an ImageDecoder, read once; its frame count once every frame is known. */
  private open(): Promise<ImageDecoder> {
    this.decoding ??= (async () => {
      const response = await fetch(this.src);
      if (!response.ok) throw new Error(`the original answered ${response.status}`);
      const decoder = new ImageDecoder({ data: await response.arrayBuffer(), type: this.type! });
      await decoder.completed;
      this.count = decoder.tracks.selectedTrack?.frameCount ?? this.frames;
      this.decoder = decoder;
      return decoder;
    })();
    return this.decoding;
  }

  /** Pauses and draws the frame `delta` away from the one shown (from the playing original: the first or the last). */
  async step(delta: number): Promise<void> {
    if (!this.canStep) return;
    try {
      const decoder = await this.open();
      const last = Math.max(0, (this.count ?? 1) - 1);
      const target = Math.min(last, Math.max(0, (this.target ?? (delta > 0 ? -1 : last + 1)) + delta));
      this.target = target;
      const { image } = await decoder.decode({ frameIndex: target, completeFramesOnly: true });
      try {
        if (this.target !== target) return;
        const canvas = this.canvas!;
        canvas.width = image.displayWidth;
        canvas.height = image.displayHeight;
        canvas.getContext('2d')!.drawImage(image, 0, 0);
        this.shown = { index: target, time: image.timestamp / 1e6 };
      } finally {
        image.close();
      }
    } catch (err) {
      this.error = `cannot step frames: ${(err as Error).message}`;
    }
  }

  /** Back to the playing original. */
  play(): void {
    this.target = null;
    this.shown = null;
  }

  private get canStep(): boolean {
    return VvAnimation.supported && this.type !== null && this.src !== '';
  }

  private readonly onKey = (e: KeyboardEvent) => {
    const target = e.composedPath()[0] as HTMLElement;
    if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT')) return;
    if (e.key !== ',' && e.key !== '.') return;
    e.preventDefault();
    void this.step(e.key === '.' ? 1 : -1);
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('keydown', this.onKey);
  }

  override disconnectedCallback(): void {
    window.removeEventListener('keydown', this.onKey);
    this.decoder?.close();
    super.disconnectedCallback();
  }

  override willUpdate(changed: Map<string, unknown>): void {
    // Another original: forget the decoder of the last one.
    if (changed.has('src') && changed.get('src') !== undefined) {
      this.decoder?.close();
      this.decoder = null;
      this.decoding = null;
      this.shown = null;
      this.count = null;
      this.target = null;
    }
  }

  override render() {
    const canStep = this.canStep;
    const total = this.count ?? this.frames;
    const label = this.shown ? `${this.shown.time.toFixed(3)} s · frame ${this.shown.index + 1}${total ? ` / ${total}` : ''}` : `playing${total ? ` · ${total} frames` : ''}`;
    // The bar sits above the picture: the detail's picture tools cover its bottom edge.
    return html`${canStep
        ? html`<div class="bar">
            <button aria-label="previous frame" title="previous frame (,)" @click=${() => void this.step(-1)}>◀︎|</button>
            <button aria-label="play" title="play the animation" ?disabled=${!this.shown} @click=${() => this.play()}>▶︎</button>
            <span class="timestamp" aria-live="polite">${this.error ?? label}</span>
            <button aria-label="next frame" title="next frame (.)" @click=${() => void this.step(1)}>|▶︎</button>
          </div>`
        : nothing}
      <div class="stage"><slot></slot><canvas ?hidden=${!this.shown}></canvas></div>`;
  }
}

customElements.define('vv-animation', VvAnimation);
