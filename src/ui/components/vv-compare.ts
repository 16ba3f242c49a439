/**
 * Compare 2–4 images: side by side with one zoom and pan for all (a wheel or drag on any moves
 * them all), an A/B slider over the first two, a flicker mode that alternates them, and the
 * parameter diff — the prompts word by word against the first image, every differing field marked.
 * Keys: Esc closes, 1/2/3 switch modes, Space swaps A and B while flickering.
 */
import { LitElement, html, nothing } from 'lit';
import { api, type Detail } from '../api.js';
import { compareFields, wordDiff, type Params } from '../params.js';
import { compareStyles } from './vv-compare.styles.js';
import { FIT, type View } from './vv-viewer.js';
import './vv-viewer.js';

export type CompareMode = 'side' | 'slider' | 'flicker';
const FLICKER_MS = 600;

export class VvCompare extends LitElement {
  static override styles = compareStyles;

  static override properties = {
    ids: { attribute: false },
    details: { state: true },
    error: { state: true },
    mode: { state: true },
    view: { state: true },
    split: { state: true },
    shown: { state: true },
  };

  declare ids: number[];
  declare details: Detail[];
  declare error: string | null;
  declare mode: CompareMode;
  declare view: View;
  /** Where the A/B slider divides, in percent from the left. */
  declare split: number;
  /** Flicker: which of the images is shown. */
  declare shown: number;
  private timer = 0;

  constructor() {
    super();
    this.ids = [];
    this.details = [];
    this.error = null;
    this.mode = 'side';
    this.view = FIT;
    this.split = 50;
    this.shown = 0;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('keydown', this.onKey);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('keydown', this.onKey);
    clearInterval(this.timer);
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('ids')) void this.load();
    if (changed.has('mode')) {
      clearInterval(this.timer);
      if (this.mode === 'flicker') this.timer = window.setInterval(() => (this.shown = (this.shown + 1) % Math.max(1, this.details.length)), FLICKER_MS);
    }
  }

  private async load(): Promise<void> {
    try {
      this.details = await Promise.all(this.ids.map((id) => api.image(id)));
      this.error = null;
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  private readonly onKey = (e: KeyboardEvent) => {
    const target = e.composedPath()[0] as HTMLElement;
    if (target && (target.tagName === 'INPUT' || target.tagName === 'SELECT')) return;
    if (e.key === 'Escape') this.dispatchEvent(new CustomEvent('close'));
    else if (e.key === '1') this.mode = 'side';
    else if (e.key === '2') this.mode = 'slider';
    else if (e.key === '3') this.mode = 'flicker';
    else if (e.key === ' ' && this.mode === 'flicker') {
      clearInterval(this.timer);
      this.shown = (this.shown + 1) % this.details.length;
    } else return;
    e.preventDefault();
  };

  private viewer(d: Detail) {
    return html`<vv-viewer
      data-id=${d.id}
      .thumb=${d.thumbnail_url}
      .full=${d.file_url}
      .alt=${d.filename}
      .naturalWidth=${d.width}
      .naturalHeight=${d.height}
      .view=${this.view}
      @view-change=${(e: CustomEvent) => (this.view = e.detail.view)}
    ></vv-viewer>`;
  }

  private label(i: number) {
    return String.fromCharCode(65 + i);
  }

  private stage() {
    const d = this.details;
    if (this.mode === 'side') {
      return html`<div class="side-by-side" style="grid-template-columns: repeat(${d.length}, 1fr)">
        ${d.map((x, i) => html`<div class="cell"><span class="tag">${this.label(i)} · ${x.filename}</span>${this.viewer(x)}</div>`)}
      </div>`;
    }
    if (this.mode === 'slider') {
      const [a, b] = d;
      return html`<div class="slider-stage">
        <div class="layer">${this.viewer(a)}</div>
        <div class="layer top" data-split=${this.split} style="clip-path: inset(0 0 0 ${this.split}%)">${this.viewer(b)}</div>
        <div class="divider" style="left: ${this.split}%"></div>
        <span class="tag left">A · ${a.filename}</span><span class="tag right">B · ${b.filename}</span>
        <input class="split" type="range" min="0" max="100" step="0.5" aria-label="A/B split" .value=${String(this.split)} @input=${(e: Event) => (this.split = Number((e.target as HTMLInputElement).value))} />
      </div>`;
    }
    const x = d[this.shown] ?? d[0];
    return html`<div class="flicker-stage" data-shown=${this.shown}><span class="tag">${this.label(this.shown)} · ${x.filename}</span>${this.viewer(x)}</div>`;
  }

  private diff() {
    const d = this.details;
    const fields = compareFields(d.map((x) => x.params as Params | null));
    const base = d[0].prompt ?? '';
    return html`<div class="diff">
      <table>
        <thead>
          <tr><th></th>${d.map((x, i) => html`<th>${this.label(i)} <span class="muted">${x.width}×${x.height}</span></th>`)}</tr>
        </thead>
        <tbody>
          <tr class=${d.some((x) => (x.prompt ?? '') !== base) ? 'differs' : ''} data-field="Prompt">
            <td>Prompt</td>
            ${d.map(
              (x, i) => html`<td class="prompt">
                ${i === 0 ? base : wordDiff(base, x.prompt ?? '').map((p) => (p.op === 'same' ? p.word : html`<span class=${p.op === 'added' ? 'add' : 'del'}>${p.word}</span>`))}
              </td>`,
            )}
          </tr>
          ${fields.map((f) => html`<tr class=${f.differs ? 'differs' : ''} data-field=${f.label}><td>${f.label}</td>${f.values.map((v) => html`<td>${v || html`<span class="muted">—</span>`}</td>`)}</tr>`)}
        </tbody>
      </table>
    </div>`;
  }

  override render() {
    if (this.error) return html`<div class="panel"><p class="err">Could not load the images: ${this.error}</p><button @click=${() => this.dispatchEvent(new CustomEvent('close'))}>Close</button></div>`;
    if (this.details.length < 2) return html`<div class="panel"><p class="muted">Loading…</p></div>`;
    return html`<div class="panel" role="dialog" aria-label="compare images">
      <div class="bar">
        <span role="group" aria-label="compare mode">
          ${(['side', 'slider', 'flicker'] as const).map((m, i) => html`<button class=${this.mode === m ? 'on' : ''} data-mode=${m} title="key ${i + 1}" @click=${() => (this.mode = m)}>${m === 'side' ? 'Side by side' : m === 'slider' ? 'A/B slider' : 'Flicker'}</button>`)}
        </span>
        <button @click=${() => (this.view = FIT)}>Fit</button>
        <button @click=${() => (this.view = { mode: 'actual', zoom: 1, x: 0, y: 0 })}>1:1</button>
        ${this.mode === 'slider' && this.details.length > 2 ? html`<span class="muted">the slider compares A and B</span>` : nothing}
        <span class="spacer"></span>
        <button aria-label="close compare" @click=${() => this.dispatchEvent(new CustomEvent('close'))}>Close</button>
      </div>
      <div class="stage">${this.stage()}</div>
      ${this.diff()}
    </div>`;
  }
}

customElements.define('vv-compare', VvCompare);
