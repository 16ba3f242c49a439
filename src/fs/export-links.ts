/**
 * `vv export-links <dir>`: the virtual folders as a plain tree of symlinks to the originals, for
 * machines without FUSE. /search is left out (its folders exist for any query). Rebuilt from
 * scratch on each run; only symlinks and folders this command made are ever removed.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Vault } from '../library/vault.js';
import { VirtualTree } from './tree.js';

const MARKER = '.visionary-vault-links';

export interface ExportStats {
  folders: number;
  links: number;
}

export function exportLinks(vault: Vault, target: string): ExportStats {
  const root = path.resolve(target);
  if (fs.existsSync(root) && fs.readdirSync(root).length > 0 && !fs.existsSync(path.join(root, MARKER))) {
    throw new Error(`${root} is not empty and was not made by export-links; choose an empty folder`);
  }
  // Remove the previous export: only links and folders (originals are elsewhere, never touched).
  if (fs.existsSync(path.join(root, MARKER))) {
    for (const name of fs.readdirSync(root)) if (name !== MARKER) removeLinkTree(path.join(root, name));
  }
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(root, MARKER), 'made by vv export-links\n');
  const tree = new VirtualTree(vault.catalog, () => []);
  const stats: ExportStats = { folders: 0, links: 0 };
  const visit = (parts: string[]) => {
    const folder = tree.folderAt(parts);
    if (!folder) return;
    const dir = path.join(root, ...parts);
    fs.mkdirSync(dir, { recursive: true });
    stats.folders++;
    for (const [name, entry] of folder.files) {
      fs.symlinkSync(vault.absolutePath(entry.path), path.join(dir, name));
      stats.links++;
    }
    for (const sub of folder.subdirs) if (!(parts.length === 0 && sub === 'search')) visit([...parts, sub]);
  };
  visit([]);
  return stats;
}

function removeLinkTree(p: string): void {
  const st = fs.lstatSync(p);
  if (st.isSymbolicLink()) fs.unlinkSync(p);
  else if (st.isDirectory()) {
    for (const name of fs.readdirSync(p)) removeLinkTree(path.join(p, name));
    fs.rmdirSync(p);
  }
}
