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
    /* Long groups wrap instead of scrolling sideways. */
    .strip {
      display: flex;
      flex-wrap: wrap;
      gap: 8px;
    }
    .tile {
      margin: 0;
      display: flex;
      flex-direction: column;
      max-width: 220px;
      border: 2px solid transparent;
      border-radius: 8px;
    }
    .tile.kept {
      border-color: var(--ok);
    }
    .tile img {
      height: 140px;
      object-fit: contain;
      border-radius: 6px;
      cursor: pointer;
      background: var(--card);
    }
    figcaption {
      display: flex;
      flex-direction: column;
      font-size: 11px;
      padding: 2px 4px;
    }
    figcaption .name {
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .keep-rest {
      margin-left: 8px;
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
