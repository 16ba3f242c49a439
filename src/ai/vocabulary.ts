/**
 * The zero-shot tag vocabulary: a text file, one tag per line, `tag | text the model reads`
 * optionally, `#` comments. Shipped as models/vocabulary.txt; VV_VOCABULARY names another file.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../package-root.js';
import { tagKey } from '../core/tag-names.js';

export interface VocabularyEntry {
  tag: string;
  /** What the text encoder reads for this tag. */
  text: string;
}

export interface Vocabulary {
  file: string;
  entries: VocabularyEntry[];
  /** Changes whenever the file's meaning changes: images are re-tagged then. */
  signature: string;
}

export const DEFAULT_VOCABULARY = path.join(PACKAGE_ROOT, 'models', 'vocabulary.txt');

export function parseVocabulary(text: string): VocabularyEntry[] {
  const seen = new Set<string>();
  const entries: VocabularyEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const bar = line.indexOf('|');
    const tag = (bar < 0 ? line : line.slice(0, bar)).trim().replace(/\s+/g, ' ');
    const said = bar < 0 ? '' : line.slice(bar + 1).trim();
    if (!tag || seen.has(tagKey(tag))) continue;
    seen.add(tagKey(tag));
    entries.push({ tag, text: said || `a picture of ${tag}` });
  }
  return entries;
}

export function loadVocabulary(file: string = DEFAULT_VOCABULARY): Vocabulary {
  const entries = parseVocabulary(fs.readFileSync(file, 'utf8'));
  const signature = crypto.createHash('sha256').update(JSON.stringify(entries)).digest('hex').slice(0, 16);
  return { file, entries, signature };
}
