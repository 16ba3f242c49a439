/**
 * A full scan's comparison of the walk with the index, one folder at a time. A folder whose files
 * have the digest the last scan recorded for it (and whose rows nothing wrote since) is unchanged
 * as a whole: its rows are not read. Every other folder's files are compared with its rows by
 * size and mtime. After the scan, folders whose files all match their rows get their digest, so
 * the next unchanged rescan reads neither their rows nor anything but the folder listings and stats.
 */
import { folderOf } from '../core/library-paths.js';
import type { ScanIndexEntry } from '../core/types.js';
import type { ScanIndex } from '../db/scan-index.js';
import { loopSlices } from './loop-slices.js';
import type { WalkedFile, WalkResult } from './walk.js';

export interface Comparison {
  /** Files to read: new, or changed since their row was written. */
  todo: WalkedFile[];
  /** Of those, the paths that had a row. */
  reread: Set<string>;
  /** Rows marked missing whose file is back as it was. */
  restored: number[];
  /** Rows whose file the walk found as indexed. */
  seen: Set<number>;
  /** Files found as indexed (restored ones apart). */
  unchanged: number;
  /** Present rows of compared folders not found as indexed (read again, moved or gone: the scan's end tells). */
  notFound: number[];
  /** Whether a path not read in this scan still holds what its row says. */
  unchangedOnDisk(path: string): boolean;
}

const matches = (row: ScanIndexEntry | undefined, file: WalkedFile) => row !== undefined && row.size === file.size && row.mtimeMs === Math.round(file.mtimeMs);

/** Each compared folder with its files (the walk lists them folder after folder). */
function* comparedFolders(walked: WalkResult): Generator<{ dir: string; digest: string; files: WalkedFile[] }> {
  let next = 0;
  for (const folder of walked.folders) {
    if (folder.skipped) continue;
    yield { dir: folder.dir, digest: folder.digest, files: walked.files.slice(next, next + folder.count) };
    next += folder.count;
  }
}

/** `entryAt`: one path's row (a placement asks about a few paths in folders left out). */
export async function compareWithIndex(index: ScanIndex, walked: WalkResult, entryAt: (path: string) => ScanIndexEntry | null): Promise<Comparison> {
  const slices = loopSlices();
  const todo: WalkedFile[] = [];
  const reread = new Set<string>();
  const restored: number[] = [];
  const seen = new Set<number>();
  const notFound: number[] = [];
  const comparedPaths = new Set<string>();
  const skippedDirs = new Set<string>();
  let unchanged = 0;
  for (const folder of walked.folders) {
    if (!folder.skipped) continue;
    skippedDirs.add(folder.dir);
    unchanged += folder.count;
  }
  for (const folder of comparedFolders(walked)) {
    if (slices.due()) await slices.pause();
    const rows = index.rowsIn(folder.dir);
    for (const file of folder.files) {
      comparedPaths.add(file.rel);
      const row = rows.get(file.rel);
      if (row && matches(row, file)) {
        seen.add(row.id);
        if (row.missing) restored.push(row.id);
        else unchanged++;
      } else {
        todo.push(file);
        if (row) reread.add(file.rel);
      }
    }
    for (const row of rows.values()) if (!row.missing && !seen.has(row.id)) notFound.push(row.id);
  }
  return {
    todo,
    reread,
    restored,
    seen,
    unchanged,
    notFound,
    // In a folder left out by its digest every present row's file is there as indexed.
    unchangedOnDisk: (p) => comparedPaths.has(p) || (skippedDirs.has(folderOf(p)) && entryAt(p)?.missing === false),
  };
}

/**
 * After a complete scan: present rows of folders the walk did not find at all (removed, renamed,
 * excluded or unreadable folders), whose files are therefore gone.
 */
export function rowsOfFoldersNotWalked(index: ScanIndex, walked: WalkResult): number[] {
  const walkedDirs = new Set(walked.folders.map((f) => f.dir));
  return index.dirsWithRows().filter((dir) => !walkedDirs.has(dir)).flatMap((dir) => index.presentIn(dir));
}

/**
 * After a complete scan: records the digest of every compared folder whose files now all match
 * their rows (and that has no other present row), and forgets folders no longer there.
 */
export async function recordMatchingFolders(index: ScanIndex, walked: WalkResult): Promise<void> {
  const slices = loopSlices();
  const matching: { dir: string; digest: string }[] = [];
  for (const folder of comparedFolders(walked)) {
    if (slices.due()) await slices.pause();
    const rows = index.rowsIn(folder.dir);
    const present = [...rows.values()].filter((r) => !r.missing).length;
    if (present === folder.files.length && folder.files.every((f) => matches(rows.get(f.rel), f) && !rows.get(f.rel)!.missing)) matching.push(folder);
  }
  index.record(matching.map((f) => ({ dir: f.dir, digest: f.digest })));
  index.forgetAllBut(walked.folders.map((f) => f.dir));
}
