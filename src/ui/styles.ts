/** Shared component styles; colours come from the theme variables set on the document. */
import { css } from 'lit';

export const controls = css`
  :host {
    color: var(--fg);
    font: 13px/1.4 var(--font);
  }
  button,
  select,
  input,
  textarea {
    font: inherit;
    color: var(--fg);
    background: var(--field);
    border: 1px solid var(--line);
    border-radius: 6px;
    padding: 4px 8px;
  }
  button {
    cursor: pointer;
    background: var(--button);
  }
  button:hover:not(:disabled) {
    border-color: var(--accent);
  }
  button:disabled {
    opacity: 0.5;
    cursor: default;
  }
  button.primary {
    background: var(--accent);
    border-color: var(--accent);
    color: var(--on-accent);
  }
  button.ghost {
    background: none;
    border-color: transparent;
  }
  input:focus,
  textarea:focus,
  select:focus,
  button:focus-visible {
    outline: 2px solid var(--accent);
    outline-offset: 1px;
  }
  .chip {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    padding: 1px 8px;
    border-radius: 999px;
    background: var(--chip);
    border: 1px solid var(--line);
    font-size: 12px;
    white-space: nowrap;
  }
  .chip button {
    border: none;
    background: none;
    padding: 0 2px;
    color: var(--muted);
  }
  .muted {
    color: var(--muted);
  }
  h3 {
    font-size: 11px;
    text-transform: uppercase;
    letter-spacing: 0.06em;
    color: var(--muted);
    margin: 14px 0 6px;
  }
`;

/** A view that fills the body and scrolls on its own (duplicates, problems). */
export const scrollPanel = css`
  :host {
    display: block;
    overflow-y: auto;
    height: 100%;
    padding: 12px 16px;
    box-sizing: border-box;
  }
`;
