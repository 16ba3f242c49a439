/** Problem files: every file the scans could not fully read, with the reason (GET /api/problems, paged). */
import { LitElement, html, nothing } from 'lit';
import { api, type Problem } from '../api.js';
import { problemsStyles } from './vv-problems.styles.js';

const KIND_LABELS: Record<string, string> = {
  unreadable: 'unreadable',
  metadata_error: 'not a readable image',
  decode_error: 'pixels damaged',
  timeout: 'timed out',
  not_utf8_name: 'name not UTF-8',
  folder_unreadable: 'folder unreadable',
  outside_library: 'link leaves the library',
};

export class VvProblems extends LitElement {
  static override styles = problemsStyles;

  static override properties = {
    items: { state: true },
    total: { state: true },
    next: { state: true },
    error: { state: true },
    loading: { state: true },
  };

  declare items: Problem[];
  declare total: number;
  declare next: string | null;
  declare error: string | null;
  declare loading: boolean;

  constructor() {
    super();
    this.items = [];
    this.total = 0;
    this.next = null;
    this.error = null;
    this.loading = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load(null);
  }

  private async load(cursor: string | null): Promise<void> {
    this.loading = true;
    try {
      const page = await api.problems(cursor);
      this.items = cursor ? [...this.items, ...page.items] : page.items;
      this.total = page.total;
      this.next = page.next_cursor;
      this.error = null;
    } catch (err) {
      this.error = (err as Error).message;
    }
    this.loading = false;
  }

  override render() {
    return html`
      <p class="muted">
        ${this.total.toLocaleString()} problem files — files a scan could not fully read. They stay listed until they are fixed or removed (<code>vv problems</code> prints the
        same list).
      </p>
      ${this.error ? html`<p class="muted" role="alert">Could not load problems: ${this.error}</p>` : nothing}
      ${!this.loading && !this.error && this.items.length === 0 ? html`<p class="muted">No problem files.</p>` : nothing}
      ${this.items.length
        ? html`<table>
            <thead>
              <tr><th>file</th><th>problem</th><th>reason</th></tr>
            </thead>
            <tbody>
              ${this.items.map(
                (p) => html`<tr class="problem" data-path=${p.path} data-kind=${p.kind}>
                  <td class="path">${p.path}</td>
                  <td class="kind">${KIND_LABELS[p.kind] ?? p.kind}</td>
                  <td class="message">${p.message}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
        : nothing}
      ${this.next ? html`<button ?disabled=${this.loading} @click=${() => this.load(this.next)}>More (${(this.total - this.items.length).toLocaleString()} left)</button>` : nothing}
    `;
  }
}

customElements.define('vv-problems', VvProblems);
