/** The install's root folder (where package.json is), from compiled code in dist/ or sources in src/. */
import fs from 'node:fs';
import path from 'node:path';

function findRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) return start;
    dir = up;
  }
  return dir;
}

export const PACKAGE_ROOT = findRoot(import.meta.dirname);
