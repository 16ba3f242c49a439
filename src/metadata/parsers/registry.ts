/**
 * The ordered list of generator parsers. Order encodes specificity: a file carrying several formats
 * (SwarmUI writes a ComfyUI graph and its own JSON; ComfyUI save nodes add A1111 text) is claimed by
 * the most specific parser first. A parser that detects but fails to parse hands over to the next.
 * C2PA provenance is not in this list: it is read beside whichever generator matched (extract.ts).
 */
import type { GeneratorParser } from './types.js';
import { a1111Parser } from './a1111.js';
import { comfyuiParser } from './comfyui.js';
import { novelaiParser } from './novelai.js';
import { invokeaiParser } from './invokeai.js';
import { swarmuiParser } from './swarmui.js';
import { stabilityMatrixParser } from './stability-matrix.js';
import { tensorartParser } from './tensorart.js';
import { drawthingsParser } from './drawthings.js';
import { fooocusParser } from './fooocus.js';
import { easydiffusionParser } from './easydiffusion.js';
import { hfSpaceParser } from './hf-space.js';
import { midjourneyParser } from './midjourney.js';
import { kohyaParser } from './kohya.js';
import { deforumParser } from './deforum.js';

export const PARSERS: readonly GeneratorParser[] = [
  deforumParser,
  novelaiParser,
  invokeaiParser,
  swarmuiParser,
  stabilityMatrixParser,
  tensorartParser,
  drawthingsParser,
  fooocusParser,
  easydiffusionParser,
  hfSpaceParser,
  midjourneyParser,
  comfyuiParser,
  kohyaParser,
  a1111Parser,
];
