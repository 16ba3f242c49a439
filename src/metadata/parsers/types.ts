import type { EntryMap } from '../entries.js';
import type { ContainerInfo, GenerationFields } from '../types.js';

export type ParseResult = { ok: true; fields: GenerationFields } | { ok: false; error: string };

export interface ParseContext {
  entries: EntryMap;
  container: ContainerInfo;
}

/**
 * One parser per generator family. `detect` must be cheap (key lookups, substring tests) because
 * every file goes through every detector until one matches; `parse` does the real work.
 */
export interface GeneratorParser {
  /** Stable family id written to `generator` (a fork may refine it in its result). */
  id: string;
  detect(ctx: ParseContext): boolean;
  parse(ctx: ParseContext): ParseResult;
}

export const ok = (fields: GenerationFields): ParseResult => ({ ok: true, fields });
export const fail = (error: string): ParseResult => ({ ok: false, error });
