/**
 * The detail view of one image: the zoomable picture (vv-viewer: thumbnail first, the original
 * swapped in when decoded; a video plays instead), every generation parameter grouped (vv-params),
 * the raw metadata, and editing — tags, prompt, favorite, rating, reject, categories, notes —
 * saved through PATCH. The view (fit / fill / 1:1, zoom, pan) is kept while stepping.
 * Keys: ←/→ previous/next, Esc closes, 1–5 rating (0 clears), F favorite, X reject / U unreject,
 * Delete move to trash, C cull mode (advance after each decision), Z fit → fill → 1:1, +/− zoom,
 * Enter fullscreen, S slideshow. A video plays in vv-video, an animation in vv-animation (frame
 * stepping with , and . in both).
 */
import { LitElement, html, nothing } from 'lit';
import { api, type Detail } from '../api.js';
import { carryOriginal, copyText } from '../clipboard.js';
import { icon } from '../icons.js';
import { generationSizeIfDifferent, type Params } from '../params.js';
import { detailStyles } from './vv-detail.styles.js';
import { FIT, type FitMode, type View, type VvViewer } from './vv-viewer.js';
import './vv-viewer.js';
import './vv-params.js';
import './vv-video.js';
import './vv-animation.js';

const MODES: FitMode[] = ['fit', 'fill', 'actual'];
const MODE_LABEL: Record<FitMode, string> = { fit: 'Fit', fill: 'Fill', actual: '1:1' };

/** Copies a text; the clicked button says "Copied" for a moment (the feedback a click needs). */
async function copy(value: string, e?: Event): Promise<void> {
  const button = e?.currentTarget as HTMLButtonElement | undefined;
  await copyText(value);
  if (!button) return;
  const label = button.dataset.label ?? button.textContent ?? 'Copy';
  button.dataset.label = label;
  button.textContent = 'Copied';
  button.classList.add('copied');
  setTimeout(() => {
    button.textContent = label;
    button.classList.remove('copied');
  }, 1200);
}

/** Slideshow settings the detail view offers; the app runs it (it knows the order). */
export interface SlideshowOptions {
  interval: number;
  shuffle: boolean;
  loop: boolean;
}

export class VvDetail extends LitElement {
  static override styles = detailStyles;

  static override properties = {
    imageId: { type: Number },
    hasPrev: { type: Boolean },
    hasNext: { type: Boolean },
    aiAvailable: { type: Boolean },
    neighbours: { attribute: false },
    slideshow: { type: Boolean },
    detail: { state: true },
    error: { state: true },
    saving: { state: true },
    view: { state: true },
    cull: { state: true },
    showOptions: { state: true },
    tagOptions: { state: true },
    categoryOptions: { state: true },
  };

  declare imageId: number;
  declare hasPrev: boolean;
  declare hasNext: boolean;
  declare aiAvailable: boolean;
  /** Ids of the images around this one: their originals are fetched ahead. */
  declare neighbours: number[];
  /** A slideshow is running (the app steps). */
  declare slideshow: boolean;
  declare detail: Detail | null;
  declare error: string | null;
  declare saving: string | null;
  declare view: View;
  /** Cull mode: after each decision (rating, favorite, reject, trash) the next image opens. */
  declare cull: boolean;
  declare showOptions: SlideshowOptions;
  declare tagOptions: string[];
  declare categoryOptions: string[];
  private loadedId = 0;
  /** The details being fetched for imageId (keys that need them wait for it). */
  private loading: Promise<void> = Promise.resolve();
  private readonly preloaded = new Map<number, HTMLImageElement>();

  constructor() {
    super();
    this.detail = null;
    this.error = null;
    this.saving = null;
    this.view = FIT;
    this.cull = false;
    this.slideshow = false;
    this.neighbours = [];
    this.showOptions = { interval: 4, shuffle: false, loop: true };
    this.tagOptions = [];
    this.categoryOptions = [];
    this.aiAvailable = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('keydown', this.onKey);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('keydown', this.onKey);
    if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
  }

  override updated(changed: Map<string, unknown>): void {
    if (this.imageId && this.imageId !== this.loadedId) {
      this.loadedId = this.imageId;
      this.loading = this.load();
    }
    if (changed.has('neighbours')) this.preload();
  }

  /** Fetches and decodes the neighbours' originals, so stepping shows them at full resolution at once. */
  private preload(): void {
    const wanted = new Set(this.neighbours);
    for (const id of this.preloaded.keys()) if (!wanted.has(id)) this.preloaded.delete(id);
    for (const id of wanted) {
      if (this.preloaded.has(id)) continue;
      const img = new Image();
      img.src = `/api/image/${id}/file`;
      void img.decode().catch(() => undefined);
      this.preloaded.set(id, img);
    }
  }

  /** Reads the image again (after an undo changed it). */
  reload(): void {
    void this.load();
  }

  private async load(): Promise<void> {
    const id = this.imageId;
    try {
      const detail = await api.image(id);
      if (id === this.imageId) {
        this.detail = detail;
        this.error = null;
      }
    } catch (err) {
      this.error = (err as Error).message;
    }
    if (!this.categoryOptions.length) {
      api.categories().then((c) => (this.categoryOptions = c.categories.map((x) => x.name)), () => undefined);
    }
  }

  private emit(name: string, detail: unknown = {}): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  private viewer(): VvViewer | null {
    return this.renderRoot.querySelector('vv-viewer');
  }

  private setMode(mode: FitMode): void {
    this.view = { mode, zoom: 1, x: 0, y: 0 };
  }

  /** Fullscreen of the picture (the Fullscreen API; Esc or the key again leaves it). */
  async toggleFullscreen(): Promise<void> {
    if (document.fullscreenElement) await document.exitFullscreen();
    else await (this.renderRoot.querySelector('.picture') as HTMLElement).requestFullscreen();
  }

  private readonly onKey = (e: KeyboardEvent) => {
    const target = e.composedPath()[0] as HTMLElement;
    if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT')) {
      if (e.key === 'Escape') target.blur();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    if (key === 'Escape') {
      if (document.fullscreenElement) return; // the browser leaves fullscreen first
      this.emit('close');
    } else if (key === 'ArrowLeft' && this.hasPrev) this.emit('step', { delta: -1 });
    else if (key === 'ArrowRight' && this.hasNext) this.emit('step', { delta: 1 });
    else if (key === 'f') void this.toggleFavorite();
    else if (/^[0-5]$/.test(key)) void this.decide({ rating: Number(key) }, key === '0' ? 'Rating cleared' : `Rated ${key}`);
    else if (key === 'x') void this.decide({ rejected: true }, 'Rejected');
    else if (key === 'u') void this.decide({ rejected: false }, 'Unrejected');
    else if (key === 'Delete') this.trash();
    else if (key === 'c') this.cull = !this.cull;
    else if (key === 'z') this.setMode(MODES[(MODES.indexOf(this.view.mode) + 1) % MODES.length]);
    else if (key === '+' || key === '=') this.viewer()?.zoomAt(1.25);
    else if (key === '-') this.viewer()?.zoomAt(0.8);
    else if (key === 'Enter') void this.toggleFullscreen().catch(() => undefined);
    else if (key === 's') this.toggleSlideshow();
    else return;
    e.preventDefault();
  };

  private toggleSlideshow(): void {
    this.emit('slideshow', this.slideshow ? null : { ...this.showOptions });
  }

  private trash(): void {
    this.emit('trash', { id: this.imageId });
  }

  /**
   * Toggling needs the stored state: a key pressed while the stepped-to image is still loading
   * waits for it rather than being lost (culling is fast, loading under load is not).
   */
  private async toggleFavorite(): Promise<void> {
    const id = this.imageId;
    if (this.detail?.id !== id) await this.loading;
    const d = this.detail;
    if (this.imageId !== id || d?.id !== id) return;
    await this.decide({ favorite: !d.favorite }, d.favorite ? 'Removed from favorites' : 'Added to favorites');
  }

  /** A culling decision: saved, then in cull mode the next image. */
  private async decide(patch: Record<string, unknown>, done: string): Promise<void> {
    // Cull mode and image as they were at the key press: an answer that arrives after 'c', or after
    // the user stepped on by hand, must not advance.
    const advance = this.cull;
    const id = this.imageId;
    const saved = await this.save(patch, done);
    if (saved && advance && this.imageId === id && this.hasNext) this.emit('step', { delta: 1 });
  }

  /** PATCHes the image; the new state comes back from the server (what is shown is what is stored). */
  private async save(patch: Record<string, unknown>, done: string): Promise<boolean> {
    // The image shown now (keys may come faster than the next image's details load).
    const id = this.imageId;
    this.saving = null;
    try {
      const { change, ...detail } = await api.patch(id, patch);
      if (detail.id === this.imageId) {
        this.detail = detail;
        this.saving = `✓ ${done}`;
        this.error = null;
      }
      this.emit('edited', { image: detail, change: change ?? null, done });
      return true;
    } catch (err) {
      this.error = `Not saved: ${(err as Error).message}`;
      return false;
    }
  }

  private async suggestTags(prefix: string): Promise<void> {
    if (prefix.length < 1) return;
    try {
      this.tagOptions = (await api.tags(prefix, 20)).tags.map((t) => t.name);
    } catch {
      this.tagOptions = [];
    }
  }

  private addFrom(input: HTMLInputElement, kind: 'tags' | 'categories'): void {
    const value = input.value.trim();
    if (!value) return;
    input.value = '';
    void this.save({ [kind]: { add: [value] } }, kind === 'tags' ? `Tag “${value}” added` : `Added to “${value}”`);
  }

  private downloadJson(name: string, value: unknown): void {
    const blob = new Blob([typeof value === 'string' ? value : JSON.stringify(value, null, 2)], { type: 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `${this.detail?.filename.replace(/\.[^.]+$/, '') ?? 'image'}-${name}.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  private rawEntry(key: string, value: unknown) {
    let parsed: unknown = value;
    if (typeof value === 'string' && /^\s*[[{]/.test(value)) {
      try {
        parsed = JSON.parse(value);
      } catch {
        parsed = value;
      }
    }
    const pretty = typeof parsed === 'string' ? parsed : JSON.stringify(parsed, null, 2);
    return html`<details data-raw=${key}>
      <summary>${key} <span class="muted">(${pretty.length.toLocaleString()} chars)</span></summary>
      <div class="add"><button class="copy" @click=${(e: Event) => copy(pretty, e)}>Copy</button><button class="copy" @click=${() => this.downloadJson(key, parsed)}>Download JSON</button></div>
      <pre>${pretty.length > 200_000 ? `${pretty.slice(0, 200_000)}\n… (download for the rest)` : pretty}</pre>
    </details>`;
  }

  /** The picture: a video plays; an image is zoomable. */
  private picture(d: Detail) {
    if (d.media_type === 'video') return html`<vv-video class="video" .src=${d.file_url} .fps=${d.fps} .frames=${d.frame_count}></vv-video>`;
    const viewer = html`<vv-viewer
      .thumb=${d.thumbnail_url}
      .full=${d.file_url}
      .alt=${d.prompt ?? d.filename}
      .naturalWidth=${d.width}
      .naturalHeight=${d.height}
      .view=${this.view}
      @view-change=${(e: CustomEvent) => (this.view = e.detail.view)}
    ></vv-viewer>`;
    // An animation plays as the original; , and . pause it on one frame.
    if (d.media_type === 'animation') return html`<vv-animation class="video" .src=${d.file_url} .format=${d.format} .frames=${d.frame_count}>${viewer}</vv-animation>`;
    return viewer;
  }

  private pictureTools(d: Detail) {
    const o = this.showOptions;
    return html`<div class="pictools">
      <span class="modes" role="group" aria-label="zoom mode">
        ${MODES.map((m) => html`<button class=${this.view.mode === m && this.view.zoom === 1 ? 'on' : ''} data-mode=${m} @click=${() => this.setMode(m)}>${MODE_LABEL[m]}</button>`)}
      </span>
      <button aria-label="fullscreen" title="Enter: fullscreen" @click=${() => this.toggleFullscreen()}>${icon('fullscreen')}</button>
      <a href=${d.file_url} download=${d.filename} draggable="true" @dragstart=${(e: DragEvent) => e.dataTransfer && carryOriginal(e.dataTransfer, d)}><button tabindex="-1">Download</button></a>
      ${this.aiAvailable ? html`<button @click=${() => this.emit('similar', { id: d.id })}>Similar images</button>` : nothing}
      <span class="show" role="group" aria-label="slideshow">
        <button class=${this.slideshow ? 'on' : ''} data-slideshow=${this.slideshow ? 'playing' : 'stopped'} @click=${() => this.toggleSlideshow()}>${this.slideshow ? '❚❚ Stop' : '▶ Slideshow'}</button>
        <select aria-label="slideshow interval" @change=${(e: Event) => (this.showOptions = { ...o, interval: Number((e.target as HTMLSelectElement).value) })}>
          ${[1, 2, 4, 8, 15].map((s) => html`<option value=${s} ?selected=${o.interval === s}>${s} s</option>`)}
        </select>
        <label><input type="checkbox" aria-label="shuffle" .checked=${o.shuffle} @change=${(e: Event) => (this.showOptions = { ...o, shuffle: (e.target as HTMLInputElement).checked })} />shuffle</label>
        <label><input type="checkbox" aria-label="loop" .checked=${o.loop} @change=${(e: Event) => (this.showOptions = { ...o, loop: (e.target as HTMLInputElement).checked })} />loop</label>
      </span>
      <label class="cull" title="C: after each rating, favorite, reject or trash the next image opens"
        ><input type="checkbox" aria-label="cull mode" .checked=${this.cull} @change=${(e: Event) => (this.cull = (e.target as HTMLInputElement).checked)} />cull mode</label
      >
    </div>`;
  }

  override render() {
    const d = this.detail;
    if (!d || d.id !== this.imageId) {
      return html`<div class="panel" @click=${(e: Event) => e.stopPropagation()}><div class="side">${this.error ? html`<p class="status err">${this.error}</p>` : html`<p class="muted">Loading…</p>`}<button @click=${() => this.emit('close')}>Close</button></div></div>`;
    }
    const genSize = generationSizeIfDifferent(d.params as Params | null, d.width, d.height);
    return html`<div class="panel" role="dialog" aria-label="image details" @click=${(e: Event) => e.stopPropagation()}>
      <div class="picture ${d.rejected ? 'rejected' : ''}">
        ${this.picture(d)}
        ${this.hasPrev ? html`<button class="nav prev" aria-label="previous" @click=${() => this.emit('step', { delta: -1 })}>‹</button>` : nothing}
        ${this.hasNext ? html`<button class="nav next" aria-label="next" @click=${() => this.emit('step', { delta: 1 })}>›</button>` : nothing}
        ${d.rejected ? html`<span class="reject-mark" data-rejected="true">✕ rejected</span>` : nothing}
        ${this.pictureTools(d)}
      </div>
      <div class="side">
        <div class="top">
          <span class="title" title=${d.path}>${d.filename}</span>
          <button class="ghost fav ${d.favorite ? 'on' : ''}" aria-label="favorite" aria-pressed=${d.favorite} @click=${() => this.decide({ favorite: !d.favorite }, d.favorite ? 'Removed from favorites' : 'Added to favorites')}>${d.favorite ? '♥' : '♡'}</button>
          <button class="ghost reject ${d.rejected ? 'on' : ''}" aria-label="reject" aria-pressed=${d.rejected} title="X: reject, U: unreject" @click=${() => this.decide({ rejected: !d.rejected }, d.rejected ? 'Unrejected' : 'Rejected')}>✕ Reject</button>
          <button class="ghost" aria-label="move to trash" title="Delete: move the original to the system trash" @click=${() => this.trash()}>${icon('trash')} Trash</button>
          <button class="ghost nsfw-mark" aria-pressed=${d.nsfw} title="marked NSFW: SFW mode blurs or hides it" @click=${() => this.save({ tags: d.nsfw ? { remove: ['nsfw'] } : { add: ['nsfw'] } }, d.nsfw ? 'NSFW mark removed' : 'Marked NSFW')}>${d.nsfw ? 'NSFW ✓' : 'Mark NSFW'}</button>
          <button class="ghost" aria-label="close" @click=${() => this.emit('close')}>✕</button>
        </div>
        <div class="muted" data-dimensions>
          <button class="link path" title="show this folder" @click=${() => this.emit('show-folder', { dir: d.path.includes('/') ? d.path.slice(0, d.path.lastIndexOf('/')) : '' })}>${d.path}</button> ·
          <span data-pixel-size>${d.width ?? '?'}×${d.height ?? '?'}</span>${genSize ? html` <span data-generation-size title="the size it was generated at (before hires fix or upscaling)">(generated at ${genSize})</span>` : nothing}
          · ${(d.size / 1024).toFixed(0)} KB ·${d.duration_s !== null ? html` <span data-media>${d.duration_s.toFixed(2)} s${d.fps ? ` · ${d.fps} fps` : ''}${d.video_codec ? ` · ${d.video_codec}` : ''}${d.has_audio ? ' · audio' : ''}</span> ·` : nothing} ${d.created_at.slice(0, 16).replace('T', ' ')}
        </div>
        <div class="stars" aria-label="rating">
          ${[1, 2, 3, 4, 5].map((n) => html`<button class=${n <= d.rating ? 'on' : ''} aria-label="rate ${n}" @click=${() => this.decide({ rating: d.rating === n ? 0 : n }, `Rated ${d.rating === n ? 0 : n}`)}>★</button>`)}
          ${this.cull ? html`<span class="muted" data-cull="on">cull mode: the next image opens after each decision</span>` : nothing}
        </div>
        <div class="status ${this.error ? 'err' : 'ok'}" role="status">${this.error ?? this.saving ?? ''}</div>
        ${d.error ? html`<p class="status err">This file could not be read: ${d.error}</p>` : nothing}

        <h3>Prompt <button class="copy" @click=${(e: Event) => copy(d.prompt ?? '', e)}>Copy</button></h3>
        <textarea name="prompt" .value=${d.prompt ?? ''} aria-label="prompt"></textarea>
        <div class="add">
          <button @click=${(e: Event) => this.save({ prompt: ((e.target as HTMLElement).parentElement!.previousElementSibling as HTMLTextAreaElement).value }, 'Prompt saved')}>Save prompt</button>
          ${d.user_prompt !== null ? html`<button @click=${() => this.save({ prompt: null }, 'Prompt reset to the extracted one')}>Reset to extracted</button>` : nothing}
        </div>

        <h3>Parameters</h3>
        <vv-params .detail=${d}></vv-params>

        <h3>Tags</h3>
        <div class="chips">
          ${d.tags.map(
            (t) => html`<span class="chip" data-tag=${t.name} title="source: ${t.source}${t.confidence !== null ? `, confidence ${t.confidence}` : ''}"
              >${t.name} <span class="src">${t.source}</span
              ><button aria-label="remove tag ${t.name}" @click=${() => this.save({ tags: { remove: [t.name] } }, `Tag “${t.name}” removed`)}>×</button></span
            >`,
          )}
        </div>
        <form class="add" @submit=${(e: Event) => (e.preventDefault(), this.addFrom((e.target as HTMLFormElement).elements.namedItem('tag') as HTMLInputElement, 'tags'))}>
          <input name="tag" list="tag-options" placeholder="add a tag" aria-label="add a tag" autocomplete="off" @input=${(e: Event) => this.suggestTags((e.target as HTMLInputElement).value)} />
          <datalist id="tag-options">${this.tagOptions.map((t) => html`<option value=${t}></option>`)}</datalist>
          <button type="submit">Add</button>
        </form>

        <h3>Categories</h3>
        <div class="chips">
          ${d.categories.map((c) => html`<span class="chip">${c}<button aria-label="remove from ${c}" @click=${() => this.save({ categories: { remove: [c] } }, `Removed from “${c}”`)}>×</button></span>`)}
        </div>
        <form class="add" @submit=${(e: Event) => (e.preventDefault(), this.addFrom((e.target as HTMLFormElement).elements.namedItem('category') as HTMLInputElement, 'categories'))}>
          <input name="category" list="category-options" placeholder="add to a category" aria-label="add to a category" autocomplete="off" />
          <datalist id="category-options">${this.categoryOptions.map((c) => html`<option value=${c}></option>`)}</datalist>
          <button type="submit">Add</button>
        </form>

        ${d.caption || !(d.user_prompt ?? d.extracted_prompt)
          ? html`<h3>Caption ${d.caption ? html`<span class="muted" data-caption-source=${d.caption.source}>(${d.caption.source === 'ai' ? 'by the captioning model' : 'yours'})</span>` : ''}</h3>
              <textarea name="caption" .value=${d.caption?.text ?? ''} aria-label="caption"></textarea>
              <button @click=${(e: Event) => this.save({ caption: ((e.target as HTMLElement).previousElementSibling as HTMLTextAreaElement).value.trim() || null }, 'Caption saved')}>Save caption</button>`
          : ''}

        <h3>Notes</h3>
        <textarea name="notes" .value=${d.notes ?? ''} aria-label="notes"></textarea>
        <button @click=${(e: Event) => this.save({ notes: ((e.target as HTMLElement).previousElementSibling as HTMLTextAreaElement).value || null }, 'Notes saved')}>Save notes</button>

        <h3>Raw metadata</h3>
        ${Object.keys(d.raw).length ? Object.entries(d.raw).map(([k, v]) => this.rawEntry(k, v)) : html`<div class="muted">No metadata chunks in this file.</div>`}
      </div>
    </div>`;
  }
}

customElements.define('vv-detail', VvDetail);
