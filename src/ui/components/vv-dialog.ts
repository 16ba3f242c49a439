/**
 * In-app dialogs instead of window.prompt() / confirm(): a modal <dialog> styled like the gallery,
 * answered with the keyboard (Enter, Esc) or the buttons. `askText` resolves the text (null when
 * cancelled), `askConfirm` true or false.
 */
import { LitElement, html, nothing, css } from 'lit';
import { controls } from '../styles.js';

interface Request {
  title: string;
  /** Asks for text when set (the initial value), else only confirms. */
  value?: string;
  placeholder?: string;
  confirm: string;
  danger?: boolean;
  resolve: (value: string | null) => void;
}

export class VvDialog extends LitElement {
  static override styles = [
    controls,
    css`
      dialog {
        background: var(--panel);
        color: var(--fg);
        border: 1px solid var(--line);
        border-radius: 10px;
        min-width: 320px;
        max-width: 90vw;
        padding: 16px;
      }
      dialog::backdrop {
        background: rgba(0, 0, 0, 0.5);
      }
      h2 {
        font-size: 14px;
        margin: 0 0 10px;
        font-weight: 600;
      }
      input {
        width: 100%;
        box-sizing: border-box;
      }
      .buttons {
        display: flex;
        justify-content: flex-end;
        gap: 8px;
        margin-top: 14px;
      }
      .danger {
        background: var(--danger);
        color: #fff;
      }
    `,
  ];
  static override properties = { request: { state: true } };
  declare request: Request | null;

  constructor() {
    super();
    this.request = null;
  }

  open(request: Request): void {
    this.request?.resolve(null);
    this.request = request;
    void this.updateComplete.then(() => {
      const dialog = this.renderRoot.querySelector('dialog')!;
      if (!dialog.open) dialog.showModal();
      const input = this.renderRoot.querySelector('input');
      input?.focus();
      input?.select();
    });
  }

  private finish(answer: string | null): void {
    const r = this.request;
    this.request = null;
    this.renderRoot.querySelector('dialog')?.close();
    r?.resolve(answer);
  }

  override render() {
    const r = this.request;
    return html`<dialog @cancel=${(e: Event) => (e.preventDefault(), this.finish(null))}>
      ${r
        ? html`<form
            method="dialog"
            @submit=${(e: Event) => {
              e.preventDefault();
              const input = this.renderRoot.querySelector('input');
              if (input && !input.value.trim()) return;
              this.finish(input ? input.value.trim() : '');
            }}
          >
            <h2>${r.title}</h2>
            ${r.value !== undefined ? html`<input name="answer" aria-label=${r.title} .value=${r.value} placeholder=${r.placeholder ?? ''} />` : nothing}
            <div class="buttons">
              <button type="button" class="ghost" @click=${() => this.finish(null)}>Cancel</button>
              <button type="submit" class=${r.danger ? 'danger' : 'primary'}>${r.confirm}</button>
            </div>
          </form>`
        : nothing}
    </dialog>`;
  }
}

customElements.define('vv-dialog', VvDialog);

function dialog(): VvDialog {
  let el = document.querySelector('vv-dialog') as VvDialog | null;
  if (!el) {
    el = document.createElement('vv-dialog') as VvDialog;
    document.body.append(el);
  }
  return el;
}

/** Asks for a text (a name); null when cancelled. */
export function askText(title: string, options: { value?: string; placeholder?: string; confirm?: string } = {}): Promise<string | null> {
  return new Promise((resolve) => dialog().open({ title, value: options.value ?? '', placeholder: options.placeholder, confirm: options.confirm ?? 'OK', resolve }));
}

/** Asks to confirm an action; `danger` styles its button as destructive. */
export function askConfirm(title: string, options: { confirm?: string; danger?: boolean } = {}): Promise<boolean> {
  return new Promise((resolve) => dialog().open({ title, confirm: options.confirm ?? 'OK', danger: options.danger, resolve: (v) => resolve(v !== null) }));
}
