/** The detail modal: the picture with previous / next, and a side panel of metadata, tags, edits and their status. */
import { css } from 'lit';
import { controls } from '../styles.js';

export const detailStyles = [
  controls,
  css`
    :host {
      position: fixed;
      inset: 0;
      z-index: 20;
      display: grid;
      place-items: center;
      background: rgba(0, 0, 0, 0.7);
    }
    .panel {
      width: min(1400px, 96vw);
      height: min(900px, 94vh);
      display: grid;
      grid-template-columns: 1fr 420px;
      background: var(--panel);
      border: 1px solid var(--line);
      border-radius: 10px;
      overflow: hidden;
    }
    .picture {
      position: relative;
      background: #000;
      display: grid;
      place-items: center;
      min-height: 0;
    }
    .picture vv-viewer,
    .picture .video {
      position: absolute;
      inset: 0;
      width: 100%;
      height: 100%;
    }
    .picture.rejected vv-viewer {
      opacity: 0.55;
    }
    .picture:fullscreen {
      width: 100vw;
      height: 100vh;
    }
    .reject-mark {
      position: absolute;
      top: 8px;
      left: 8px;
      padding: 2px 8px;
      border-radius: 4px;
      background: var(--danger);
      color: #fff;
      font-weight: 600;
    }
    .reject.on {
      color: var(--danger);
    }
    .pictools button.on {
      border-color: var(--accent);
      color: var(--accent);
    }
    .pictools label {
      display: inline-flex;
      align-items: center;
      gap: 2px;
      color: #fff;
      font-size: 12px;
    }
    .nav {
      position: absolute;
      top: 50%;
      transform: translateY(-50%);
      font-size: 22px;
      background: rgba(0, 0, 0, 0.5);
      color: #fff;
      border: none;
    }
    .nav.prev {
      left: 8px;
    }
    .nav.next {
      right: 8px;
    }
    .pictools {
      position: absolute;
      bottom: 8px;
      left: 8px;
      right: 8px;
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 6px;
      padding: 4px;
      border-radius: 6px;
      background: rgba(0, 0, 0, 0.45);
    }
    .pictools .modes,
    .pictools .show {
      display: inline-flex;
      gap: 2px;
      align-items: center;
    }
    .side {
      overflow-y: auto;
      padding: 12px 16px 24px;
      border-left: 1px solid var(--line);
    }
    .top {
      display: flex;
      gap: 8px;
      align-items: center;
    }
    .top .title {
      flex: 1;
      font-weight: 600;
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .stars button {
      border: none;
      background: none;
      font-size: 18px;
      padding: 0 1px;
      color: var(--muted);
    }
    .stars button.on {
      color: #ffc94d;
    }
    .fav.on {
      color: #ff5d7a;
    }
    dl {
      display: grid;
      grid-template-columns: 110px 1fr auto;
      gap: 4px 8px;
      margin: 0;
    }
    dt {
      color: var(--muted);
    }
    dd {
      margin: 0;
      word-break: break-word;
    }
    .copy {
      padding: 0 6px;
      font-size: 11px;
    }
    textarea {
      width: 100%;
      box-sizing: border-box;
      min-height: 70px;
      resize: vertical;
    }
    .chips {
      display: flex;
      flex-wrap: wrap;
      gap: 4px;
      margin: 4px 0;
    }
    .src {
      font-size: 10px;
      color: var(--muted);
    }
    .add {
      display: flex;
      gap: 4px;
    }
    .add input {
      flex: 1;
    }
    pre {
      max-height: 260px;
      overflow: auto;
      background: var(--field);
      padding: 8px;
      border-radius: 6px;
      font-size: 11px;
    }
    .status {
      min-height: 18px;
      font-size: 12px;
    }
    .status.ok {
      color: var(--ok);
    }
    .status.err {
      color: var(--danger);
    }
      button.link {
      background: none;
      border: none;
      padding: 0;
      color: inherit;
      text-decoration: underline dotted;
      cursor: pointer;
      font: inherit;
    }
    button.copied {
      color: var(--ok);
      border-color: var(--ok);
    }
  `,
];
