/** The duplicates view: near / batch tabs, then each group's reason over a strip of thumbnails. */
import { css } from 'lit';
import { controls, scrollPanel } from '../styles.js';

export const duplicatesStyles = [
  controls,
  scrollPanel,
  css`
    .group {
      margin-bottom: 18px;
    }
    .reason {
      margin-bottom: 6px;
    }
    .strip {
      display: flex;
      gap: 6px;
      overflow-x: auto;
    }
    .strip img {
      height: 140px;
      border-radius: 6px;
      cursor: pointer;
      background: var(--card);
    }
    .tabs {
      display: flex;
      gap: 6px;
      margin-bottom: 12px;
    }
    .tabs button.on {
      border-color: var(--accent);
      color: var(--accent);
    }
  `,
];
