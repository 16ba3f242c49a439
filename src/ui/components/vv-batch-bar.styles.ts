/** The batch bar: one wrapping row of actions on the accent background. */
import { css } from 'lit';
import { controls } from '../styles.js';

export const batchBarStyles = [
  controls,
  css`
    :host {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 6px;
      padding: 8px 12px;
      background: var(--accent-soft);
      border-bottom: 1px solid var(--accent);
    }
    form {
      display: inline-flex;
      gap: 4px;
    }
    input {
      width: 130px;
    }
    .count {
      font-weight: 600;
      margin-right: 6px;
    }
  `,
];
