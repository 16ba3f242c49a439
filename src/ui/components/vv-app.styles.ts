/** The shell's layout: header, chips, the body's sidebar and main column, the toast; narrow windows fold the sidebar away. */
import { css } from 'lit';
import { controls } from '../styles.js';

export const appStyles = [
  controls,
  css`
    :host {
      /* A column whose last child, the body, takes the rest of the window: header, chips and
         the batch bar come and go, so no fixed row count. */
      display: flex;
      flex-direction: column;
      height: 100vh;
      background: var(--bg);
    }
    header {
      display: flex;
      align-items: center;
      gap: 10px;
      padding: 8px 12px;
      border-bottom: 1px solid var(--line);
      background: var(--panel);
      flex-wrap: wrap;
    }
    .brand {
      font-weight: 700;
      letter-spacing: 0.02em;
    }
    .search {
      flex: 1;
      min-width: 220px;
      max-width: 640px;
      display: flex;
      gap: 4px;
    }
    .search input {
      flex: 1;
    }
    .badge {
      font-size: 11px;
      padding: 1px 6px;
      border-radius: 4px;
      background: var(--chip);
      color: var(--muted);
    }
    .ai-error {
      font-size: 12px;
      color: var(--danger, #c0392b);
      white-space: nowrap;
    }
    .progress {
      font-size: 12px;
      color: var(--muted);
      white-space: nowrap;
    }
    .library-offline {
      font-size: 12px;
      padding: 2px 8px;
      border-radius: 4px;
      background: #8a5a00;
      color: #fff;
      white-space: nowrap;
    }
    .tabs button.on {
      border-color: var(--accent);
      color: var(--accent);
    }
    .chips {
      display: flex;
      flex-wrap: wrap;
      gap: 6px;
      padding: 6px 12px;
      border-bottom: 1px solid var(--line);
    }
    .body {
      display: grid;
      grid-template-columns: 270px 1fr;
      grid-template-rows: minmax(0, 1fr);
      flex: 1;
      min-height: 0;
    }
    main {
      min-height: 0;
      position: relative;
    }
    .empty,
    .banner {
      padding: 40px;
      text-align: center;
      color: var(--muted);
    }
    .banner.err {
      color: var(--danger);
      padding: 8px 12px;
      text-align: left;
    }
    .toast {
      position: fixed;
      bottom: 18px;
      left: 50%;
      transform: translateX(-50%);
      background: var(--panel);
      border: 1px solid var(--accent);
      padding: 8px 16px;
      border-radius: 8px;
      z-index: 30;
      display: flex;
      gap: 12px;
      align-items: center;
    }
    .toast .undo {
      padding: 2px 10px;
    }
    .similar-bar {
      padding: 6px 12px;
      display: flex;
      gap: 8px;
      align-items: center;
    }
    .filters-toggle {
      display: none;
    }
    @media (max-width: 900px) {
      .body {
        grid-template-columns: 1fr;
        position: relative;
      }
      .filters-toggle {
        display: inline-block;
      }
      vv-sidebar {
        display: none;
      }
      .body.filters-open vv-sidebar {
        display: block;
        position: absolute;
        inset: 0 auto 0 0;
        width: min(300px, 85vw);
        z-index: 20;
        box-shadow: 4px 0 16px rgba(0, 0, 0, 0.4);
      }
    }
  `,
];
