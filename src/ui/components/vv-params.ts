/**
 * Every generation parameter of one image, grouped (base, hires, refiner / second sampler,
 * ADetailer, ControlNet, LoRAs, extra), each with a copy button; "Copy all" as A1111 infotext and
 * "Copy workflow" (the ComfyUI API prompt, else the UI workflow).
 */
import { LitElement, html, nothing } from 'lit';
import type { Detail } from '../api.js';
import { copyText } from '../clipboard.js';
import { groupParams, infotext, workflowOf, type Params } from '../params.js';
import { paramsStyles } from './vv-params.styles.js';

export class VvParams extends LitElement {
  static override styles = paramsStyles;
  static override properties = { detail: { attribute: false }, copied: { state: true } };

  declare detail: Detail | null;
  declare copied: string;
  private timer = 0;

  constructor() {
    super();
    this.detail = null;
    this.copied = '';
  }

  private async copy(what: string, value: string): Promise<void> {
    await copyText(value);
    this.copied = what;
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => (this.copied = ''), 1500);
  }

  override render() {
    const d = this.detail;
    if (!d) return nothing;
    const params = d.params as Params | null;
    const workflow = workflowOf(d.raw);
    const label = (what: string, text: string) => (this.copied === what ? 'Copied ✓' : text);
    return html`<div class="actions">
        <button data-copy="all" @click=${() => this.copy('all', infotext(params, d.prompt))}>${label('all', 'Copy all')}</button>
        ${workflow
          ? html`<button data-copy="workflow" title=${workflow.kind === 'prompt' ? 'the ComfyUI API prompt' : 'the ComfyUI workflow'} @click=${() => this.copy('workflow', workflow.json)}>
              ${label('workflow', `Copy workflow (${workflow.kind === 'prompt' ? 'API' : 'UI'})`)}
            </button>`
          : nothing}
      </div>
      ${groupParams(params).map(
        (g) => html`<section data-group=${g.name}>
          <h4>${g.name}</h4>
          <dl>
            ${g.rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd><button class="copy" aria-label="copy ${k}" @click=${() => this.copy(k, v)}>${label(k, 'Copy')}</button>`)}
          </dl>
        </section>`,
      )}`;
  }
}

customElements.define('vv-params', VvParams);
