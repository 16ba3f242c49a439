/** Duplicate groups: near-duplicates (perceptual hash, CLIP-confirmed) and generation batches. */
import { LitElement, html, nothing } from 'lit';
import { api, type DuplicateGroup } from '../api.js';
import { duplicatesStyles } from './vv-duplicates.styles.js';

export class VvDuplicates extends LitElement {
  static override styles = duplicatesStyles;

  static override properties = {
    kind: { state: true },
    groups: { state: true },
    total: { state: true },
    error: { state: true },
    loading: { state: true },
  };

  declare kind: 'near' | 'batch';
  declare groups: DuplicateGroup[];
  declare total: number;
  declare error: string | null;
  declare loading: boolean;

  constructor() {
    super();
    this.kind = 'near';
    this.groups = [];
    this.total = 0;
    this.error = null;
    this.loading = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load(0);
  }

  private async load(offset: number): Promise<void> {
    this.loading = true;
    try {
      const r = await api.duplicates(this.kind, offset);
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
          <div class="reason">${g.reason} <span class="muted">· ${g.count} images</span></div>
          <div class="strip">
            ${g.items.map((i) => html`<img src=${i.thumbnail_url ?? ''} alt=${i.filename} title=${i.path} loading="lazy" @click=${() => this.dispatchEvent(new CustomEvent('open-image', { detail: { id: i.id }, bubbles: true, composed: true }))} />`)}
          </div>
        </div>`,
      )}
      ${this.groups.length < this.total ? html`<button @click=${() => this.load(this.groups.length)}>More groups</button>` : nothing}
    `;
  }
}

customElements.define('vv-duplicates', VvDuplicates);
