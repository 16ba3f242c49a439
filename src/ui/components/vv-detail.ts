/**
 * The detail view of one image: the picture (thumbnail first, the original on demand), every
 * extracted field with a copy button, the raw metadata (workflow JSON viewable and downloadable),
 * and editing — tags, prompt, favorite, rating, categories, notes — saved through PATCH.
 * Keyboard: ←/→ previous/next, Esc closes, F favorite, 0–5 rating.
 */
import { LitElement, html, nothing } from 'lit';
import { api, type Detail } from '../api.js';
import { detailStyles } from './vv-detail.styles.js';

const FIELDS: [string, string][] = [
  ['negative_prompt', 'Negative prompt'],
  ['model', 'Model'],
  ['model_hash', 'Model hash'],
  ['sampler', 'Sampler'],
  ['scheduler', 'Scheduler'],
  ['steps', 'Steps'],
  ['cfg', 'CFG'],
  ['seed', 'Seed'],
  ['size', 'Size'],
  ['loras', 'LoRAs'],
  ['generator', 'Generator'],
];

function text(value: unknown, key = ''): string {
  if (value === null || value === undefined) return '';
  if (key === 'loras' && Array.isArray(value)) {
    return value.map((l: { name?: string; weight?: number | null }) => (l.weight !== null && l.weight !== undefined ? `${l.name} (${l.weight})` : String(l.name))).join(', ');
  }
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' && v ? Object.values(v as object).join(':') : String(v))).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

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

async function copyText(value: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(value);
  } catch {
    // Clipboard API refused (no permission, insecure context): the old way.
    const area = document.createElement('textarea');
    area.value = value;
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
}

export class VvDetail extends LitElement {
  static override styles = detailStyles;

  static override properties = {
    imageId: { type: Number },
    hasPrev: { type: Boolean },
    hasNext: { type: Boolean },
    aiAvailable: { type: Boolean },
    detail: { state: true },
    error: { state: true },
    saving: { state: true },
    original: { state: true },
    tagOptions: { state: true },
    categoryOptions: { state: true },
  };

  declare imageId: number;
  declare hasPrev: boolean;
  declare hasNext: boolean;
  declare aiAvailable: boolean;
  declare detail: Detail | null;
  declare error: string | null;
  declare saving: string | null;
  declare original: boolean;
  declare tagOptions: string[];
  declare categoryOptions: string[];
  private loadedId = 0;

  constructor() {
    super();
    this.detail = null;
    this.error = null;
    this.saving = null;
    this.original = false;
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
  }

  override updated(): void {
    if (this.imageId && this.imageId !== this.loadedId) {
      this.loadedId = this.imageId;
      this.original = false;
      void this.load();
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

  private readonly onKey = (e: KeyboardEvent) => {
    const target = e.composedPath()[0] as HTMLElement;
    if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT')) {
      if (e.key === 'Escape') target.blur();
      return;
    }
    if (e.key === 'Escape') this.emit('close');
    else if (e.key === 'ArrowLeft' && this.hasPrev) this.emit('step', { delta: -1 });
    else if (e.key === 'ArrowRight' && this.hasNext) this.emit('step', { delta: 1 });
    else if (e.key === 'f' || e.key === 'F') void this.save({ favorite: !this.detail?.favorite }, this.detail?.favorite ? 'Removed from favorites' : 'Added to favorites');
    else if (/^[0-5]$/.test(e.key)) void this.save({ rating: Number(e.key) }, `Rated ${e.key}`);
    else return;
    e.preventDefault();
  };

  /** PATCHes the image; the new state comes back from the server (what is shown is what is stored). */
  private async save(patch: Record<string, unknown>, done: string): Promise<void> {
    if (!this.detail) return;
    this.saving = null;
    try {
      const { change, ...detail } = await api.patch(this.detail.id, patch);
      this.detail = detail;
      this.saving = `✓ ${done}`;
      this.error = null;
      this.emit('edited', { image: this.detail, change: change ?? null, done });
    } catch (err) {
      this.error = `Not saved: ${(err as Error).message}`;
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

  override render() {
    const d = this.detail;
    if (!d || d.id !== this.imageId) {
      return html`<div class="panel" @click=${(e: Event) => e.stopPropagation()}><div class="side">${this.error ? html`<p class="status err">${this.error}</p>` : html`<p class="muted">Loading…</p>`}<button @click=${() => this.emit('close')}>Close</button></div></div>`;
    }
    const params = (d.params ?? {}) as Record<string, unknown>;
    const rows = FIELDS.map(([k, label]) => [label, k === 'size' ? (params.width && params.height ? `${params.width}×${params.height}` : '') : text(k === 'generator' ? d.generator : params[k], k)] as const).filter(([, v]) => v);
    const src = this.original ? d.file_url : (d.thumbnail_url ?? d.file_url);
    return html`<div class="panel" role="dialog" aria-label="image details" @click=${(e: Event) => e.stopPropagation()}>
      <div class="picture">
        <img src=${src} alt=${d.prompt ?? d.filename} />
        ${this.hasPrev ? html`<button class="nav prev" aria-label="previous" @click=${() => this.emit('step', { delta: -1 })}>‹</button>` : nothing}
        ${this.hasNext ? html`<button class="nav next" aria-label="next" @click=${() => this.emit('step', { delta: 1 })}>›</button>` : nothing}
        <div class="pictools">
          ${this.original ? nothing : html`<button @click=${() => (this.original = true)}>Show original</button>`}
          <a href=${d.file_url} download=${d.filename}><button>Download</button></a>
          ${this.aiAvailable ? html`<button @click=${() => this.emit('similar', { id: d.id })}>Similar images</button>` : nothing}
        </div>
      </div>
      <div class="side">
        <div class="top">
          <span class="title" title=${d.path}>${d.filename}</span>
          <button class="ghost fav ${d.favorite ? 'on' : ''}" aria-label="favorite" aria-pressed=${d.favorite} @click=${() => this.save({ favorite: !d.favorite }, d.favorite ? 'Removed from favorites' : 'Added to favorites')}>${d.favorite ? '♥' : '♡'}</button>
          <button class="ghost nsfw-mark" aria-pressed=${d.nsfw} title="marked NSFW: SFW mode blurs or hides it" @click=${() => this.save({ tags: d.nsfw ? { remove: ['nsfw'] } : { add: ['nsfw'] } }, d.nsfw ? 'NSFW mark removed' : 'Marked NSFW')}>${d.nsfw ? 'NSFW ✓' : 'Mark NSFW'}</button>
          <button class="ghost" aria-label="close" @click=${() => this.emit('close')}>✕</button>
        </div>
        <div class="muted"><button class="link path" title="show this folder" @click=${() => this.emit('show-folder', { dir: d.path.includes('/') ? d.path.slice(0, d.path.lastIndexOf('/')) : '' })}>${d.path}</button> · ${d.width ?? '?'}×${d.height ?? '?'} · ${(d.size / 1024).toFixed(0)} KB · ${d.created_at.slice(0, 16).replace('T', ' ')}</div>
        <div class="stars" aria-label="rating">
          ${[1, 2, 3, 4, 5].map((n) => html`<button class=${n <= d.rating ? 'on' : ''} aria-label="rate ${n}" @click=${() => this.save({ rating: d.rating === n ? 0 : n }, `Rated ${d.rating === n ? 0 : n}`)}>★</button>`)}
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
        <dl>
          ${rows.map(([label, value]) => html`<dt>${label}</dt><dd>${value}</dd><button class="copy" aria-label="copy ${label}" @click=${(e: Event) => copy(value, e)}>Copy</button>`)}
        </dl>

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
