/** The sidebar: filter fields, tag rows with counts and include / exclude / any-of buttons, the category tree (a drop target). */
import { css } from 'lit';
import { controls } from '../styles.js';

export const sidebarStyles = [
  controls,
  css`
    :host {
      display: block;
      overflow-y: auto;
      padding: 4px 12px 24px;
      border-right: 1px solid var(--line);
      background: var(--panel);
    }
    .row {
      display: flex;
      align-items: center;
      gap: 4px;
      padding: 1px 0;
    }
    .row .name {
      flex: 1;
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
      cursor: pointer;
      background: none;
      border: none;
      text-align: left;
      padding: 2px 4px;
    }
    .row .count {
      color: var(--muted);
      font-size: 11px;
      min-width: 28px;
      text-align: right;
    }
    .row .op {
      padding: 0 5px;
      font-size: 11px;
      line-height: 16px;
      opacity: 0.6;
    }
    .row:hover .op {
      opacity: 1;
    }
    .on-include {
      color: var(--accent);
      font-weight: 600;
    }
    .on-exclude {
      color: var(--danger);
      text-decoration: line-through;
    }
    .on-any {
      color: var(--accent2);
    }
    summary {
      cursor: pointer;
      color: var(--muted);
      font-size: 11px;
      text-transform: uppercase;
      letter-spacing: 0.06em;
      margin: 10px 0 4px;
    }
    .field {
      display: grid;
      grid-template-columns: 80px 1fr;
      align-items: center;
      gap: 6px;
      margin: 4px 0;
    }
    .field input,
    .field select {
      width: 100%;
      box-sizing: border-box;
    }
    .cat {
      border-radius: 6px;
    }
    .cat.drop {
      background: var(--accent-soft);
      outline: 1px dashed var(--accent);
    }
    .cat.active > .row .name {
      color: var(--accent);
      font-weight: 600;
    }
    .children {
      margin-left: 12px;
    }
    input.search {
      width: 100%;
      box-sizing: border-box;
    }
  `,
];
