/**
 * The freedesktop.org Trash specification (1.0), for the files the vault moves there on request:
 * a file on the home volume goes to `$XDG_DATA_HOME/Trash`, one on another volume to that volume's
 * `$topdir/.Trash/$uid` (when an administrator made `.Trash` sticky) or `$topdir/.Trash-$uid`.
 * Each trashed file is `files/NAME` with `info/NAME.trashinfo` (Path=, URL-encoded; DeletionDate=,
 * local time). Nothing is ever deleted: a file moves in, and moves back out on restore.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConflictError } from '../core/errors.js';

/** What the trash spec reads from the environment (tests point XDG_DATA_HOME at a temp folder). */
export interface TrashEnv {
  XDG_DATA_HOME?: string;
  HOME?: string;
}

/** A trash directory and, for a volume's trash, the volume's top directory (Path= is relative to it). */
interface TrashDir {
  dir: string;
  topdir: string | null;
}

function homeTrash(env: TrashEnv): string {
  const dataHome = env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : path.join(env.HOME ?? os.homedir(), '.local', 'share');
  return path.join(dataHome, 'Trash');
}

/** The device of a path, or of its nearest existing ancestor (the home trash may not exist yet). */
function deviceOf(p: string): number {
  for (let dir = p; ; dir = path.dirname(dir)) {
    try {
      return fs.statSync(dir).dev;
    } catch {
      if (path.dirname(dir) === dir) throw new Error(`cannot stat ${p}`);
    }
  }
}

/** The top directory of the volume a folder is on: the highest ancestor on the same device. */
function topdirOf(dir: string, dev: number): string {
  let top = dir;
  for (let parent = path.dirname(top); parent !== top && fs.statSync(parent).dev === dev; parent = path.dirname(top)) top = parent;
  return top;
}

function uid(): number {
  return process.getuid?.() ?? 0;
}

/** Where a file is trashed: the home trash when it is on the home volume, else its volume's. */
export function trashDirFor(file: string, env: TrashEnv): TrashDir {
  const folder = path.dirname(file);
  const dev = fs.statSync(folder).dev;
  const home = homeTrash(env);
  if (deviceOf(home) === dev) return { dir: home, topdir: null };
  const topdir = topdirOf(folder, dev);
  const admin = path.join(topdir, '.Trash');
  try {
    const st = fs.lstatSync(admin);
    // The spec: only a sticky, real directory (not a link) is used; otherwise fall back to .Trash-$uid.
    if (st.isDirectory() && !st.isSymbolicLink() && (st.mode & 0o1000) !== 0) return { dir: path.join(admin, String(uid())), topdir };
  } catch {
    // no administrator trash
  }
  return { dir: path.join(topdir, `.Trash-${uid()}`), topdir };
}

/** RFC 2396 escaping of each path segment (the spec's Path= value). */
export function encodeTrashPath(p: string): string {
  return p
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

/** YYYY-MM-DDThh:mm:ss in local time, as the spec wants DeletionDate. */
export function deletionDate(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
}

function infoFileOf(trashFile: string): string {
  return path.join(path.dirname(path.dirname(trashFile)), 'info', `${path.basename(trashFile)}.trashinfo`);
}

/** Claims a name in the trash: the info file is created first and exclusively, as the spec requires. */
function claimName(dir: string, wanted: string, info: string): string {
  const ext = path.extname(wanted);
  const stem = ext ? wanted.slice(0, -ext.length) : wanted;
  for (let n = 0; ; n++) {
    const name = n === 0 ? wanted : `${stem}.${n}${ext}`;
    let fd: number;
    try {
      fd = fs.openSync(path.join(dir, 'info', `${name}.trashinfo`), 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    // A file without its info file (another tool's leftover) also takes the name.
    if (fs.existsSync(path.join(dir, 'files', name))) {
      fs.closeSync(fd);
      fs.unlinkSync(path.join(dir, 'info', `${name}.trashinfo`));
      continue;
    }
    fs.writeSync(fd, info);
    fs.closeSync(fd);
    return name;
  }
}

/** Moves a file into the trash; returns where it went (the path of `files/NAME`). */
export function moveToTrash(file: string, env: TrashEnv, at = new Date()): string {
  const { dir, topdir } = trashDirFor(file, env);
  fs.mkdirSync(path.join(dir, 'files'), { recursive: true, mode: 0o700 });
  fs.mkdirSync(path.join(dir, 'info'), { recursive: true, mode: 0o700 });
  const recorded = topdir ? path.relative(topdir, file) : path.resolve(file);
  const info = `[Trash Info]\nPath=${encodeTrashPath(recorded)}\nDeletionDate=${deletionDate(at)}\n`;
  const name = claimName(dir, path.basename(file), info);
  const target = path.join(dir, 'files', name);
  try {
    fs.renameSync(file, target);
  } catch (err) {
    fs.rmSync(path.join(dir, 'info', `${name}.trashinfo`), { force: true });
    throw err;
  }
  return target;
}

/**
 * Moves a trashed file back to its path (never over another file) and drops its info file.
 * Returns how to put it back into the trash as it was (when the edit it belongs to fails).
 */
export function restoreFromTrash(trashFile: string, file: string): () => void {
  if (fs.existsSync(file)) throw new ConflictError(`cannot restore ${file}: a file with that name is there now`);
  if (!fs.existsSync(trashFile)) throw new ConflictError(`cannot restore ${file}: it is no longer in the trash (${trashFile})`);
  const infoFile = infoFileOf(trashFile);
  let info: string | null = null;
  try {
    info = fs.readFileSync(infoFile, 'utf8');
  } catch {
    // an info file lost meanwhile: the file still comes back
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.renameSync(trashFile, file);
  fs.rmSync(infoFile, { force: true });
  return () => {
    if (info !== null) fs.writeFileSync(infoFile, info, { mode: 0o600 });
    fs.renameSync(file, trashFile);
  };
}
