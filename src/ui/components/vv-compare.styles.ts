/** The compare overlay: the images above (side by side, slider or flicker), the parameter diff below. */
import { css } from 'lit';
import { controls } from '../styles.js';

export const compareStyles = [
  controls,
  css`
    :host {
      position: fixed;
      inset: 0;
      z-index: 25;
      background: rgba(0, 0, 0, 0.85);
      display: grid;
      place-items: center;
    }
    .panel {
      width: 98vw;
      height: 96vh;
      display: grid;
      grid-template-rows: auto 1fr minmax(120px, 32%);
      background: var(--panel);
      border: 1px solid var(--line);
      border-radius: 10px;
      overflow: hidden;
    }
    .bar {
      display: flex;
      gap: 6px;
      align-items: center;
      padding: 6px 8px;
      border-bottom: 1px solid var(--line);
    }
    .bar button.on {
      border-color: var(--accent);
      color: var(--accent);
    }
    .spacer {
      flex: 1;
    }
    .stage {
      position: relative;
      min-height: 0;
      background: #000;
    }
    .side-by-side {
      display: grid;
      gap: 2px;
      height: 100%;
    }
    .cell,
    .flicker-stage,
    .slider-stage {
      position: relative;
      height: 100%;
      min-width: 0;
    }
    vv-viewer {
      position: absolute;
      inset: 0;
    }
    .layer {
      position: absolute;
      inset: 0;
    }
    .layer.top {
      pointer-events: none;
    }
    .divider {
      position: absolute;
      top: 0;
      bottom: 0;
      width: 2px;
      background: #fff;
      pointer-events: none;
    }
    .split {
      position: absolute;
      left: 2%;
      right: 2%;
      bottom: 10px;
      width: 96%;
    }
    .tag {
      position: absolute;
      top: 6px;
      left: 6px;
      z-index: 1;
      padding: 1px 6px;
      border-radius: 4px;
      background: rgba(0, 0, 0, 0.6);
      color: #fff;
      font-size: 12px;
      pointer-events: none;
    }
    .tag.right {
      left: auto;
      right: 6px;
    }
    .diff {
      overflow: auto;
      border-top: 1px solid var(--line);
    }
    table {
      border-collapse: collapse;
      width: 100%;
      font-size: 12px;
    }
    th,
    td {
      text-align: left;
      vertical-align: top;
      padding: 3px 8px;
      border-bottom: 1px solid var(--line);
      word-break: break-word;
    }
    td:first-child {
      color: var(--muted);
      white-space: nowrap;
    }
    tr.differs td {
      background: color-mix(in srgb, var(--accent) 14%, transparent);
    }
    .add {
      background: color-mix(in srgb, var(--ok) 35%, transparent);
    }
    .del {
      background: color-mix(in srgb, var(--danger) 35%, transparent);
      text-decoration: line-through;
    }
    .err {
      color: var(--danger);
    }
  `,
];
