/** Duplicate groups: near-duplicates (perceptual hash, CLIP-confirmed) and generation batches. */
import { LitElement, html, nothing } from 'lit';
import { api, type DuplicateGroup } from '../api.js';
import { duplicatesStyles } from './vv-duplicates.styles.js';

function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

export class VvDuplicates extends LitElement {
  static override styles = duplicatesStyles;

  static override properties = {
    kind: { state: true },
    groups: { state: true },
    total: { state: true },
    error: { state: true },
    loading: { state: true },
    filters: { type: String },
    keep: { state: true },
    trashEnabled: { type: Boolean },
  };

  /** The sidebar's filters as a query string: only images they select are grouped. */
  declare filters: string;
  /** The image kept in each group (by the group's first id); the largest by default. */
  declare keep: Map<number, number>;
  private loadedFilters: string | null = null;

  declare kind: 'near' | 'batch';
  declare groups: DuplicateGroup[];
  declare total: number;
  declare error: string | null;
  declare loading: boolean;
  declare trashEnabled: boolean;

  constructor() {
    super();
    this.kind = 'near';
    this.groups = [];
    this.total = 0;
    this.error = null;
    this.loading = false;
    this.filters = '';
    this.keep = new Map();
    this.trashEnabled = false;
  }

  private emit(name: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  /** The one to keep: the most pixels, then the highest rating, then the largest file. */
  private best(g: DuplicateGroup): number {
    const score = (i: DuplicateGroup['items'][number]) => [(i.width ?? 0) * (i.height ?? 0), i.rating, i.favorite ? 1 : 0];
    return [...g.items].sort((a, b) => {
      const [x, y] = [score(a), score(b)];
      return y[0] - x[0] || y[1] - x[1] || y[2] - x[2] || a.id - b.id;
    })[0].id;
  }

  override updated(): void {
    if (this.filters !== this.loadedFilters) {
      this.loadedFilters = this.filters;
      void this.load(0);
    }
  }

  /** The one to keep: the user's pick, else the most pixels, then the largest file. */
  private keeper(g: DuplicateGroup): number {
    const picked = this.keep.get(g.items[0]?.id ?? -1);
    if (picked !== undefined) return picked;
    const area = (i: DuplicateGroup['items'][number]) => (i.width ?? 0) * (i.height ?? 0);
    return [...g.items].sort((a, b) => area(b) - area(a) || b.size - a.size)[0]?.id ?? -1;
  }

  private keepOne(g: DuplicateGroup, id?: number): void {
    if (id !== undefined) this.keep = new Map(this.keep).set(g.items[0].id, id);
    const keep = this.keeper(g);
    this.dispatchEvent(new CustomEvent('select-ids', { detail: { ids: g.items.map((i) => i.id).filter((i) => i !== keep) }, bubbles: true, composed: true }));
  }

  private async load(offset: number): Promise<void> {
    this.loading = true;
    try {
      const r = await api.duplicates(this.kind, offset, this.filters);
      this.groups = offset ? [...this.groups, ...r.groups] : r.groups;
      this.total = r.total;
      this.error = null;
    } catch (err) {
      this.error = (err as Error).message;
    }
    this.loading = false;
  }

  override render() {
    return html`
      <div class="tabs">
        ${(['near', 'batch'] as const).map(
          (k) => html`<button class=${this.kind === k ? 'on' : ''} @click=${() => ((this.kind = k), this.load(0))}>${k === 'near' ? 'Near-duplicates' : 'Generation batches'}</button>`,
        )}
        <span class="muted">${this.total.toLocaleString()} groups</span>
      </div>
      ${this.error ? html`<p class="muted">Could not load duplicates: ${this.error}</p>` : nothing}
      ${!this.loading && !this.error && this.groups.length === 0
        ? html`<p class="muted">${this.kind === 'near' ? 'No near-duplicates found (perceptual hashes are computed during scans).' : 'No generation batches: no prompt was rendered with several seeds or sizes.'}</p>`
        : nothing}
      ${this.groups.map(
        (g) => html`<div class="group" data-kind=${g.kind}>
          <div class="reason">
            ${g.reason} <span class="muted">· ${g.count} images</span>
            <button class="keep-rest" @click=${() => this.keepOne(g)}>Keep one, select the rest</button>
            <button data-action="compare" ?disabled=${g.items.length < 2} @click=${() => this.emit('compare', { ids: g.items.slice(0, 4).map((i) => i.id) })}>${g.kind === 'batch' ? 'Compare this batch' : 'Compare'}</button>
            <button
              data-action="keep-best"
              title=${this.trashEnabled ? 'keep the largest (then best rated) and move the others to the system trash' : 'off: start the server with --allow-trash'}
              @click=${() => {
                const keep = this.best(g);
                this.emit('trash-ids', { ids: g.items.filter((i) => i.id !== keep).map((i) => i.id) });
              }}
            >
              Keep best, trash the rest
            </button>
          </div>
          <div class="strip">
            ${g.items.map(
              (i) => html`<figure class="tile ${this.keeper(g) === i.id ? 'kept' : ''}" data-id=${i.id}>
                <img src=${i.thumbnail_url ?? ''} alt=${i.filename} title=${i.path} loading="lazy" @click=${() => this.dispatchEvent(new CustomEvent('open-image', { detail: { id: i.id }, bubbles: true, composed: true }))} />
                <figcaption>
                  <span class="name" title=${i.path}>${i.filename}</span>
                  <span class="muted">${i.width ?? '?'}×${i.height ?? '?'} · ${formatSize(i.size)} · ${(i.format ?? '?').toUpperCase()}</span>
                  <button class="ghost" aria-label="keep ${i.filename}" @click=${() => this.keepOne(g, i.id)}>${this.keeper(g) === i.id ? 'kept' : 'keep this'}</button>
                </figcaption>
              </figure>`,
            )}
          </div>
        </div>`,
      )}
      ${this.groups.length < this.total ? html`<button @click=${() => this.load(this.groups.length)}>More groups</button>` : nothing}
    `;
  }
}

customElements.define('vv-duplicates', VvDuplicates);
