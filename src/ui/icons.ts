/**
 * Inline SVG icons (stroke in currentColor): they render the same everywhere, with no emoji font
 * (an emoji trash can shows as an empty box on many Linux desktops).
 */
import { svg, html } from 'lit';

const PATHS = {
  trash: svg`<path d="M3 6h18M8 6V4h8v2M6 6l1 14h10l1-14M10 10v7M14 10v7" />`,
  edit: svg`<path d="M4 20h4L19 9l-4-4L4 16v4zM13 7l4 4" />`,
  plus: svg`<path d="M12 5v14M5 12h14" />`,
  sun: svg`<circle cx="12" cy="12" r="4" /><path d="M12 2v2M12 20v2M2 12h2M20 12h2M5 5l1.5 1.5M17.5 17.5L19 19M5 19l1.5-1.5M17.5 6.5L19 5" />`,
  moon: svg`<path d="M20 14.5A8 8 0 1 1 9.5 4a6.5 6.5 0 0 0 10.5 10.5z" />`,
  eyeOff: svg`<path d="M3 3l18 18M10.6 6.1A9.7 9.7 0 0 1 12 6c6 0 9.5 6 9.5 6a16 16 0 0 1-3.1 3.7M6.3 7.6A16 16 0 0 0 2.5 12S6 18 12 18a9 9 0 0 0 4-.9M9.9 10a3 3 0 0 0 4.2 4.2" />`,
  folder: svg`<path d="M3 6h6l2 2h10v11H3z" />`,
  album: svg`<path d="M4 4h16v16H4zM4 15l5-5 4 4 3-3 4 4" />`,
  copy: svg`<path d="M8 8h12v12H8zM4 16V4h12" />`,
  check: svg`<path d="M5 12l5 5 9-10" />`,
  fullscreen: svg`<path d="M4 9V4h5M15 4h5v5M20 15v5h-5M9 20H4v-5" />`,
} as const;

export type IconName = keyof typeof PATHS;

export function icon(name: IconName) {
  return html`<svg class="icon" data-icon=${name} viewBox="0 0 24 24" width="14" height="14" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">${PATHS[name]}</svg>`;
}
