/** The grouped parameter list. */
import { css } from 'lit';
import { controls } from '../styles.js';

export const paramsStyles = [
  controls,
  css`
    :host {
      display: block;
    }
    .actions {
      display: flex;
      gap: 6px;
      margin-bottom: 6px;
    }
    h4 {
      margin: 8px 0 2px;
      font-size: 12px;
      color: var(--muted);
      text-transform: uppercase;
      letter-spacing: 0.04em;
    }
    dl {
      display: grid;
      grid-template-columns: 120px 1fr auto;
      gap: 4px 8px;
      margin: 0;
    }
    dt {
      color: var(--muted);
      word-break: break-word;
    }
    dd {
      margin: 0;
      word-break: break-word;
    }
    .copy {
      padding: 0 6px;
      font-size: 11px;
    }
  `,
];
