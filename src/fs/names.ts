/**
 * File and folder names in the virtual tree: a tag or category part may contain '/', which a path
 * component cannot, so it shows as '∕' (U+2215); colliding file names get `~<id>`; every name
 * stays within the 255-byte limit of Linux file systems.
 */
import path from 'node:path';
import type { FileEntry } from '../core/types.js';

const SLASH = '/';
const STANDIN = '\u2215';
export const MAX_NAME_BYTES = 255;

export function encodeName(part: string): string {
  const name = part.split(SLASH).join(STANDIN);
  return name === '.' || name === '..' ? `${name}\u200b` : name;
}

export function decodeName(name: string): string {
  return name.split(STANDIN).join(SLASH).replace(/\u200b$/, '');
}

function truncateBytes(text: string, maxBytes: number): string {
  let out = text;
  while (Buffer.byteLength(out) > maxBytes) out = out.slice(0, -1);
  return out;
}

export function withSuffix(filename: string, suffix: string): string {
  const ext = path.extname(filename);
  const stem = filename.slice(0, filename.length - ext.length);
  return `${truncateBytes(stem, MAX_NAME_BYTES - Buffer.byteLength(suffix + ext))}${suffix}${ext}`;
}

/**
 * Names for the files of one folder: the original file name, or `name~<id>.ext` for every file
 * after the first (lowest id) to use a name — stable as images are added.
 */
export function nameFiles(files: FileEntry[]): Map<string, FileEntry> {
  const byName = new Map<string, FileEntry>();
  const sorted = [...files].sort((a, b) => a.id - b.id);
  for (const f of sorted) {
    let name = Buffer.byteLength(f.filename) > MAX_NAME_BYTES ? withSuffix(f.filename, '') : f.filename;
    if (byName.has(name)) name = withSuffix(f.filename, `~${f.id}`);
    byName.set(name, f);
  }
  return byName;
}
