/**
 * The ordered list of generator parsers. Order encodes specificity: a file carrying several formats
 * (SwarmUI writes a ComfyUI graph and its own JSON; ComfyUI save nodes add A1111 text) is claimed by
 * the most specific parser first. A parser that detects but fails to parse hands over to the next.
 */
import type { GeneratorParser } from './types.js';
import { a1111Parser } from './a1111.js';
import { comfyuiParser } from './comfyui.js';

export const PARSERS: readonly GeneratorParser[] = [comfyuiParser, a1111Parser];
