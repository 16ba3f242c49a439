/** The zoomable picture: a clipping stage, the image placed by a transform (no layout on zoom or pan). */
import { css } from 'lit';

export const viewerStyles = css`
  :host {
    display: block;
    position: relative;
    overflow: hidden;
    background: #000;
    touch-action: none;
    cursor: grab;
    user-select: none;
  }
  :host([panning]) {
    cursor: grabbing;
  }
  img {
    position: absolute;
    left: 0;
    top: 0;
    transform-origin: 0 0;
    max-width: none;
    max-height: none;
    image-rendering: auto;
    -webkit-user-drag: none;
  }
  img.pixelated {
    image-rendering: pixelated;
  }
  .badge {
    position: absolute;
    right: 8px;
    top: 8px;
    padding: 2px 6px;
    border-radius: 4px;
    font-size: 12px;
    background: rgba(0, 0, 0, 0.55);
    color: #fff;
    pointer-events: none;
  }
`;
