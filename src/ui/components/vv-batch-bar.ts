/** The bar shown while images are selected: batch tags, favorite, rating, reject, categories, compare, trash / restore, export. */
import { LitElement, html, nothing } from 'lit';
import { batchBarStyles } from './vv-batch-bar.styles.js';

export class VvBatchBar extends LitElement {
  static override styles = batchBarStyles;

  static override properties = {
    count: { type: Number },
    allMatching: { type: Boolean },
    total: { type: Number },
    busy: { type: Boolean },
    inTrash: { type: Boolean },
    trashEnabled: { type: Boolean },
    canCompare: { type: Boolean },
  };

  declare count: number;
  declare allMatching: boolean;
  declare total: number;
  declare busy: boolean;
  /** The trash view: Restore instead of the edits. */
  declare inTrash: boolean;
  declare trashEnabled: boolean;
  /** 2–4 images named one by one. */
  declare canCompare: boolean;

  constructor() {
    super();
    this.count = 0;
    this.allMatching = false;
    this.total = 0;
    this.busy = false;
    this.inTrash = false;
    this.trashEnabled = false;
    this.canCompare = false;
  }

  private emit(name: string): void {
    this.dispatchEvent(new CustomEvent(name));
  }

  private act(body: Record<string, unknown>, label: string): void {
    this.dispatchEvent(new CustomEvent('batch', { detail: { body, label } }));
  }

  private submit(e: Event, make: (value: string) => [Record<string, unknown>, string]): void {
    e.preventDefault();
    const input = (e.target as HTMLFormElement).elements[0] as HTMLInputElement;
    const value = input.value.trim();
    if (!value) return;
    input.value = '';
    const [body, label] = make(value);
    this.act(body, label);
  }

  override render() {
    const count = html`<span class="count" data-count=${this.count}>${this.count.toLocaleString()} selected${this.allMatching ? ' (everything matching)' : ''}</span>`;
    if (this.inTrash) {
      return html`${count}<button class="primary" ?disabled=${this.busy} @click=${() => this.emit('restore')}>Restore</button>
        <button class="ghost" @click=${() => this.emit('clear')}>Clear</button>`;
    }
    return html`
      ${count}
      ${!this.allMatching && this.total > this.count ? html`<button @click=${() => this.dispatchEvent(new CustomEvent('select-all'))}>Select all ${this.total.toLocaleString()} matching</button>` : nothing}
      <button ?disabled=${this.busy} @click=${() => this.act({ favorite: true }, 'Added to favorites')}>♥ Favorite</button>
      <button ?disabled=${this.busy} @click=${() => this.act({ favorite: false }, 'Removed from favorites')}>♡ Unfavorite</button>
      <select
        aria-label="rate selection"
        ?disabled=${this.busy}
        @change=${(e: Event) => {
          const v = (e.target as HTMLSelectElement).value;
          (e.target as HTMLSelectElement).value = '';
          if (v !== '') this.act({ rating: Number(v) }, `Rated ${v}`);
        }}
      >
        <option value="">Rate…</option>
        ${[0, 1, 2, 3, 4, 5].map((r) => html`<option value=${r}>${r ? '★'.repeat(r) : 'no rating'}</option>`)}
      </select>
      <button ?disabled=${this.busy} @click=${() => this.act({ rejected: true }, 'Rejected')}>✕ Reject</button>
      <button ?disabled=${this.busy} @click=${() => this.act({ rejected: false }, 'Unrejected')}>Unreject</button>
      <button ?disabled=${!this.canCompare} title="compare 2–4 selected images" @click=${() => this.emit('compare')}>Compare</button>
      <button
        ?disabled=${this.busy}
        title=${this.trashEnabled ? "move the originals to the system trash (restorable from the Trash view)" : 'off: start the server with --allow-trash'}
        @click=${() => this.emit('trash')}
      >
        Move to trash
      </button>
      <form @submit=${(e: Event) => this.submit(e, (v) => [{ tags: { add: [v] } }, `Tag “${v}” added`])}><input name="add-tag" placeholder="add tag" aria-label="add tag to selection" /><button ?disabled=${this.busy}>+ Tag</button></form>
      <form @submit=${(e: Event) => this.submit(e, (v) => [{ tags: { remove: [v] } }, `Tag “${v}” removed`])}><input name="remove-tag" placeholder="remove tag" aria-label="remove tag from selection" /><button ?disabled=${this.busy}>− Tag</button></form>
      <form @submit=${(e: Event) => this.submit(e, (v) => [{ categories: { add: [v] } }, `Added to “${v}”`])}><input name="add-category" placeholder="category" aria-label="add selection to category" /><button ?disabled=${this.busy}>+ Category</button></form>
      <form @submit=${(e: Event) => this.submit(e, (v) => [{ categories: { remove: [v] } }, `Removed from “${v}”`])}><input name="remove-category" placeholder="category" aria-label="remove selection from category" /><button ?disabled=${this.busy}>− Category</button></form>
      <select aria-label="export metadata" id="export-meta">
        <option value="json">+ metadata.json</option>
        <option value="csv">+ metadata.csv</option>
        <option value="both">+ JSON and CSV</option>
        <option value="none">originals only</option>
      </select>
      <button
        class="primary"
        ?disabled=${this.busy}
        @click=${() => this.dispatchEvent(new CustomEvent('export', { detail: { metadata: (this.renderRoot.querySelector('#export-meta') as HTMLSelectElement).value } }))}
      >
        Export zip
      </button>
      <button class="ghost" @click=${() => this.dispatchEvent(new CustomEvent('clear'))}>Clear</button>
    `;
  }
}

customElements.define('vv-batch-bar', VvBatchBar);
