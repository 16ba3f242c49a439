/** The problems view: a table of problem files, kind and reason. */
import { css } from 'lit';
import { controls, scrollPanel } from '../styles.js';

export const problemsStyles = [
  controls,
  scrollPanel,
  css`
    table {
      border-collapse: collapse;
      width: 100%;
      margin-bottom: 12px;
    }
    th,
    td {
      text-align: left;
      padding: 4px 8px;
      border-bottom: 1px solid var(--border, #8884);
      vertical-align: top;
    }
    td.path {
      font-family: ui-monospace, monospace;
      word-break: break-all;
    }
    .kind {
      white-space: nowrap;
    }
  `,
];
