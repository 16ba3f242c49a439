/**
 * A video in the detail view: the native player (it seeks with HTTP range requests on the
 * original), frame stepping with , and . (or the buttons), and the current time and frame shown.
 */
import { LitElement, css, html } from 'lit';

export class VvVideo extends LitElement {
  static override properties = {
    src: { type: String },
    fps: { type: Number },
    frames: { type: Number },
    time: { state: true },
  };

  declare src: string;
  /** Frames per second from the container (null: unknown; steps then assume 25). */
  declare fps: number | null;
  declare frames: number | null;
  /** Seconds into the clip, as the player last reported. */
  declare time: number;

  constructor() {
    super();
    this.src = '';
    this.fps = null;
    this.frames = null;
    this.time = 0;
  }

  static override styles = css`
    :host { display: flex; flex-direction: column; align-items: center; gap: 6px; width: 100%; height: 100%; justify-content: center; }
    video { max-width: 100%; max-height: calc(100% - 40px); background: #000; }
    .bar { display: flex; gap: 8px; align-items: center; color: #ccc; font: 13px system-ui, sans-serif; }
    .bar span { font-variant-numeric: tabular-nums; min-width: 14em; text-align: center; }
    button { background: #333; color: #eee; border: 1px solid #555; border-radius: 4px; padding: 2px 8px; cursor: pointer; }
  `;

  private get video(): HTMLVideoElement | null {
    return this.renderRoot.querySelector('video');
  }

  private get rate(): number {
    return this.fps && this.fps > 0 ? this.fps : 25;
  }

  /** The frame on screen (0-based): frame n is shown from n/fps to (n+1)/fps. */
  get frame(): number {
    return Math.floor(this.time * this.rate + 1e-6);
  }

  /** Pauses and shows the frame `delta` frames away (its middle, so rounding never lands on a neighbour). */
  step(delta: number): void {
    const video = this.video;
    if (!video) return;
    video.pause();
    const last = this.frames ? this.frames - 1 : Math.max(0, Math.floor((video.duration || 0) * this.rate) - 1);
    // Keys come faster than seeks finish: step from the frame asked for last, not the one shown.
    const from = video.seeking && this.seekingTo !== null ? this.seekingTo : this.frame;
    const target = Math.min(last, Math.max(0, from + delta));
    // At the first or last frame: seeking again to the same time would let a looping video wrap.
    if (target === from) return;
    this.seekingTo = target;
    video.currentTime = (target + 0.5) / this.rate;
    this.time = video.currentTime;
  }

  /** The frame of the seek in flight (null: none). */
  private seekingTo: number | null = null;

  private readonly onKey = (e: KeyboardEvent) => {
    const target = e.composedPath()[0] as HTMLElement;
    if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT')) return;
    if (e.key !== ',' && e.key !== '.') return;
    e.preventDefault();
    this.step(e.key === '.' ? 1 : -1);
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('keydown', this.onKey);
  }

  override disconnectedCallback(): void {
    window.removeEventListener('keydown', this.onKey);
    super.disconnectedCallback();
  }

  private readonly onTime = () => {
    const video = this.video;
    // While a step's seek is in flight, playback's last timeupdate would show the frame it left.
    if (!video || video.seeking) return;
    this.seekingTo = null;
    this.time = video.currentTime;
  };

  override render() {
    const total = this.frames ? ` / ${this.frames}` : '';
    // The bar sits above the video: the detail's picture tools cover its bottom edge.
    return html`<div class="bar">
        <button aria-label="previous frame" title="previous frame (,)" @click=${() => this.step(-1)}>◀︎|</button>
        <span class="timestamp" aria-live="polite">${this.time.toFixed(3)} s · frame ${this.frame + 1}${total}</span>
        <button aria-label="next frame" title="next frame (.)" @click=${() => this.step(1)}>|▶︎</button>
      </div>
      <video src=${this.src} controls loop playsinline preload="metadata" @timeupdate=${this.onTime} @seeked=${this.onTime} @loadedmetadata=${this.onTime}></video>`;
  }
}

customElements.define('vv-video', VvVideo);
