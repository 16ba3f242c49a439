/** The grid: a scrolling box of absolutely placed cards (thumbnail, favorite star, selection tick, caption on hover). */
import { css } from 'lit';
import { controls } from '../styles.js';

export const gridStyles = [
  controls,
  css`
    :host {
      display: block;
      overflow-y: auto;
      height: 100%;
      position: relative;
      contain: strict;
    }
    .canvas {
      position: relative;
      margin: 8px;
    }
    .card {
      position: absolute;
      top: 0;
      left: 0;
      border-radius: 6px;
      overflow: hidden;
      background: var(--card);
      cursor: pointer;
      user-select: none;
      /* Each card is sized explicitly: nothing inside affects the rest of the page. */
      contain: strict;
    }
    .card img {
      width: 100%;
      height: 100%;
      object-fit: cover;
      display: block;
    }
    .card .noimg {
      padding: 8px;
      font-size: 11px;
      color: var(--muted);
      word-break: break-all;
    }
    .card.selected {
      outline: 3px solid var(--accent);
      outline-offset: -3px;
    }
    .card .tick,
    .card .fav {
      position: absolute;
      top: 6px;
      width: 24px;
      height: 24px;
      border-radius: 50%;
      border: none;
      padding: 0;
      display: grid;
      place-items: center;
      background: rgba(0, 0, 0, 0.45);
      color: #fff;
      /* Not painted until needed: a hidden overlay on every card costs paint time while scrolling. */
      display: none;
    }
    .card .tick {
      left: 6px;
    }
    .card .fav {
      right: 6px;
    }
    .card:hover .tick,
    .card:hover .fav,
    .card.selected .tick,
    .card .fav.on {
      display: grid;
    }
    .card.selected .tick {
      background: var(--accent);
    }
    .card .fav.on {
      color: #ff5d7a;
    }
    .card .caption {
      position: absolute;
      left: 0;
      right: 0;
      bottom: 0;
      padding: 14px 8px 5px;
      font-size: 11px;
      color: #eee;
      background: linear-gradient(transparent, rgba(0, 0, 0, 0.75));
      white-space: nowrap;
      overflow: hidden;
      text-overflow: ellipsis;
      display: none;
    }
    .card:hover .caption {
      display: block;
    }
    .stars {
      color: #ffc94d;
      margin-right: 4px;
    }
    .more {
      text-align: center;
      padding: 16px;
      color: var(--muted);
    }
    .card .duration {
      position: absolute;
      right: 6px;
      bottom: 6px;
      padding: 1px 6px;
      border-radius: 4px;
      background: rgb(0 0 0 / 0.7);
      color: #fff;
      font-size: 12px;
      pointer-events: none;
    }
    /* Rejects (X in the viewer): dimmed, with a mark beside the selection tick. */
    .card.rejected img {
      opacity: 0.35;
    }
    .card .reject-mark {
      position: absolute;
      top: 6px;
      left: 36px;
      padding: 1px 6px;
      border-radius: 4px;
      background: var(--danger);
      color: #fff;
      font-size: 12px;
      font-weight: 600;
      pointer-events: none;
    }
    /* SFW mode: marked images are blurred beyond recognition (hover does not unblur: screen sharing). */
    :host([sfw]) .card.nsfw img {
      filter: blur(28px);
      transform: scale(1.1);
    }
    :host([sfw]) .card.nsfw::after {
      content: 'NSFW';
      position: absolute;
      left: 8px;
      bottom: 8px;
      font-size: 11px;
      padding: 1px 6px;
      border-radius: 4px;
      background: rgba(0, 0, 0, 0.6);
      color: #fff;
    }
    .card:focus-visible {
      outline: 3px solid var(--accent);
      outline-offset: 2px;
      z-index: 1;
    }
  `,
];
