/**
 * Recursive library walk. Hidden folders and symlinked folders (cycles) are skipped, and so are
 * file links that leave the library (see boundary.ts). Files are stat'ed synchronously a folder at
 * a time (much faster than one promise per file): on worker threads, several folders at once, or on
 * this thread yielding to the event loop between folders, so a server stays responsive during a scan.
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { realPathWithin, type LinkLimit } from './boundary.js';
import { RequestWorker } from '../core/request-worker.js';

/** Still and animated image extensions the scanner indexes; the bytes decide the real format. */
export const IMAGE_EXTENSIONS = new Set(['.png', '.apng', '.jpg', '.jpeg', '.jpe', '.jfif', '.webp', '.avif', '.gif']);
/** Video containers (MP4/QuickTime, Matroska/WebM): read sparsely, hashed as a stream. */
export const VIDEO_EXTENSIONS = new Set(['.mp4', '.m4v', '.mov', '.webm', '.mkv']);
/** Every extension the scanner indexes. */
export const INDEXED_EXTENSIONS = new Set([...IMAGE_EXTENSIONS, ...VIDEO_EXTENSIONS]);

export function isVideoName(name: string): boolean {
  return VIDEO_EXTENSIONS.has(path.extname(name).toLowerCase());
}

export interface WalkedFile {
  /** Relative to the library root, '/'-separated (the absolute path is made when the file is read: 1M of them cost ~100 MB). */
  rel: string;
  size: number;
  /** Latest of the image's and its sidecar's mtime: a new or edited sidecar re-indexes the image. */
  mtimeMs: number;
  /** A1111-style text/JSON sidecar beside the image (`name.txt`, `name.json`, `name.png.txt`). */
  sidecar?: string;
  /** XMP sidecar of a photo manager (`name.png.xmp`, `name.xmp`). */
  xmp?: string;
}

/** One folder the walk read: what its media files look like on disk, in one digest. */
export interface WalkedFolder {
  /** Relative to the library root, '/'-separated; '' for the root (as an image row's `dir`). */
  dir: string;
  /** Of each media file's name, size and (effective, rounded) mtime, in name order: equal digests, equal files. */
  digest: string;
  /** Its media files. */
  count: number;
  /** Its digest is the one the index knows (`knownDigest`): its files are not in `files`. */
  skipped: boolean;
}

export interface WalkResult {
  /** The media files of every folder not skipped. */
  files: WalkedFile[];
  /** Every folder read, in walk order. */
  folders: WalkedFolder[];
  /** Files present but not media we index (sidecars, text…). */
  skipped: number;
  /** Folders that could not be read, with the reason. */
  unreadable: { path: string; error: string }[];
  /** Image links whose target is outside the library: not followed. */
  outside: string[];
  /**
   * Image files and folders whose name is not valid UTF-8: not indexed (a path is text everywhere
   * else: API, FUSE, search), reported instead. `path` is `escapeName`'s lossless form.
   */
  badNames: { path: string; folder: boolean; size: number | null; mtimeMs: number | null }[];
}

/**
 * A file name's bytes as text, losslessly: valid UTF-8 as is, every other byte as `\xNN`, and a
 * backslash as `\\` (so the bytes can always be told back).
 */
export function escapeName(bytes: Buffer): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len > 0 && i + len <= bytes.length && isUtf8(bytes.subarray(i, i + len))) {
      const text = bytes.toString('utf8', i, i + len);
      out += text === '\\' ? '\\\\' : text;
      i += len;
    } else {
      out += `\\x${b.toString(16).padStart(2, '0')}`;
      i++;
    }
  }
  return out;
}

/** Entries of a folder whose names are not valid UTF-8 (Node shows them with U+FFFD, and cannot open them by that name). */
function nonUtf8Entries(root: string, dir: string): { lossy: string; escaped: string; folder: boolean; size: number | null; mtimeMs: number | null }[] {
  const out = [];
  let raws: Buffer[];
  try {
    raws = fs.readdirSync(dir, { encoding: 'buffer' });
  } catch {
    return [];
  }
  for (const raw of raws) {
    if (isUtf8(raw)) continue;
    const abs = Buffer.concat([Buffer.from(`${dir}${path.sep}`), raw]);
    let stat: fs.Stats | null = null;
    try {
      stat = fs.lstatSync(abs); // never through a link: only the name is reported
    } catch {
      stat = null;
    }
    const rel = toRelative(root, dir);
    out.push({
      lossy: raw.toString('utf8'),
      escaped: `${rel ? `${rel}/` : ''}${escapeName(raw)}`,
      folder: stat?.isDirectory() ?? false,
      size: stat?.isFile() ? stat.size : null,
      mtimeMs: stat ? stat.mtimeMs : null,
    });
  }
  return out;
}

export function toRelative(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join('/');
}

export const SIDECAR_EXTENSIONS = ['.txt', '.json', '.xmp'];

/** Deforum names its settings file after the batch: `<batch>_settings.txt` beside `<batch>.mp4`. */
export const DEFORUM_SETTINGS_SUFFIX = '_settings';

/** Sidecar file names an image or video may have, most specific first. */
export function sidecarNames(imageName: string): string[] {
  const stem = imageName.slice(0, imageName.length - path.extname(imageName).length);
  return [`${imageName}.txt`, `${stem}.txt`, `${stem}.json`, `${stem}${DEFORUM_SETTINGS_SUFFIX}.txt`];
}

/** XMP sidecar names: darktable/digiKam `name.png.xmp`, Lightroom `name.xmp`. */
export function xmpNames(imageName: string): string[] {
  const stem = imageName.slice(0, imageName.length - path.extname(imageName).length);
  return [`${imageName}.xmp`, `${stem}.xmp`];
}

function findAmong(absImage: string, names: string[], present?: Set<string>): string | undefined {
  const dir = path.dirname(absImage);
  for (const name of names) if (present ? present.has(name) : fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  return undefined;
}

/** Finds an existing generation-text sidecar of an image (absolute path), or undefined. */
export function findSidecar(absImage: string, present?: Set<string>): string | undefined {
  return findAmong(absImage, sidecarNames(path.basename(absImage)), present);
}

export function findXmpSidecar(absImage: string, present?: Set<string>): string | undefined {
  return findAmong(absImage, xmpNames(path.basename(absImage)), present);
}

/** Image mtime, or the latest of it and its sidecars' (an edited sidecar re-indexes the image). */
export function effectiveMtime(imageMtimeMs: number, ...sidecars: (string | undefined)[]): number {
  let m = imageMtimeMs;
  for (const s of sidecars) {
    if (!s) continue;
    try {
      m = Math.max(m, fs.statSync(s).mtimeMs);
    } catch {
      // vanished meanwhile
    }
  }
  return m;
}

export function isIndexable(name: string): boolean {
  return INDEXED_EXTENSIONS.has(path.extname(name).toLowerCase()) && !name.startsWith('.');
}

export interface WalkOptions {
  exclude?: string[];
  shouldStop?: () => boolean;
  /** The digest the index holds for a folder (relative, '' the root): a folder that still has it is listed without its files. */
  knownDigest?: (dir: string) => string | undefined;
  /** Real root that file links must stay inside (null: follow every link; default: the root's real path). */
  limit?: LinkLimit;
  /**
   * Worker threads that read folders (their `stat`s are most of a rescan: ~7 µs a file here, 75 %
   * of an unchanged 1M rescan), several at once; 0: this thread reads them, letting the event loop run.
   */
  threads?: number;
}

/** What reading one folder found. */
export interface FolderListing {
  /** Null when the folder could not be read (see `unreadable`). */
  folder: WalkedFolder | null;
  /** Its media files; none when `folder.skipped`. */
  files: WalkedFile[];
  /** Folders in it to walk, absolute, in name order. */
  subdirs: string[];
  skipped: number;
  unreadable: WalkResult['unreadable'];
  outside: string[];
  badNames: WalkResult['badNames'];
}

/** What every folder read needs to know of the walk. */
export interface FolderContext {
  root: string;
  limit: LinkLimit;
  exclude: string[];
}

/** Longest the walk runs without letting the event loop run (a server walks while it serves). */
const WALK_SLICE_MS = 20;

/**
 * Reads one folder: its entries, the `stat` of each media file, its digest. `knownDigest`: the
 * digest the index holds for it (equal: its files are left out). `yieldsToLoop`: lets the event loop
 * run between slices of a large folder (on a thread that serves).
 */
export async function readFolder(context: FolderContext, dir: string, knownDigest: string | undefined, yieldsToLoop = true): Promise<FolderListing> {
  const { root, limit } = context;
  const listing: FolderListing = { folder: null, files: [], subdirs: [], skipped: 0, unreadable: [], outside: [], badNames: [] };
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    listing.unreadable.push({ path: toRelative(root, dir), error: (err as Error).message });
    return listing;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let badNames = new Set<string>();
  if (entries.some((e) => e.name.includes('\uFFFD'))) {
    const bad = nonUtf8Entries(root, dir);
    badNames = new Set(bad.map((b) => b.lossy));
    for (const b of bad) {
      if (b.folder || isIndexable(b.escaped)) listing.badNames.push({ path: b.escaped, folder: b.folder, size: b.size, mtimeMs: b.mtimeMs });
      else listing.skipped++;
    }
  }
  const exclude = new Set(context.exclude);
  const names = new Set(entries.filter((e) => !e.isDirectory()).map((e) => e.name));
  // Most generator folders hold no sidecar at all: their files skip the six name look-ups.
  const sidecarsHere = [...names].some((n) => SIDECAR_EXTENSIONS.includes(path.extname(n).toLowerCase()));
  // Each file's relative path from its folder's (path.relative per file was most of the walk's own time).
  const relDir = toRelative(root, dir);
  const files: WalkedFile[] = [];
  let digestText = '';
  let slice = performance.now();
  for (const entry of entries) {
    // A folder of many thousand files: the stats yield to the event loop every WALK_SLICE_MS.
    if (yieldsToLoop && performance.now() - slice > WALK_SLICE_MS) {
      await yieldToLoop();
      slice = performance.now();
    }
    if (badNames.has(entry.name)) continue;
    const abs = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!entry.name.startsWith('.') && !exclude.has(abs)) listing.subdirs.push(abs);
      continue;
    }
    if (!entry.isFile() && !entry.isSymbolicLink()) continue;
    if (!isIndexable(entry.name)) {
      listing.skipped++;
      continue;
    }
    if (entry.isSymbolicLink() && limit !== null && !realPathWithin(abs, limit)) {
      if (fs.existsSync(abs)) listing.outside.push(toRelative(root, abs));
      else listing.skipped++; // dangling
      continue;
    }
    try {
      const stat = fs.statSync(abs);
      if (!stat.isFile()) continue;
      const sidecar = sidecarsHere ? findSidecar(abs, names) : undefined;
      const xmp = sidecarsHere ? findXmpSidecar(abs, names) : undefined;
      const file: WalkedFile = { rel: relDir ? `${relDir}/${entry.name}` : entry.name, size: stat.size, mtimeMs: effectiveMtime(stat.mtimeMs, sidecar, xmp) };
      if (sidecar) file.sidecar = sidecar;
      if (xmp) file.xmp = xmp;
      files.push(file);
      digestText += `${entry.name}\0${file.size}\0${Math.round(file.mtimeMs)}\n`;
    } catch {
      listing.skipped++; // dangling symlink or vanished meanwhile
    }
  }
  const digest = createHash('sha1').update(digestText).digest('base64');
  const skipped = knownDigest === digest;
  listing.folder = { dir: relDir, digest, count: files.length, skipped };
  if (!skipped) listing.files = files;
  return listing;
}

/** Folder paths in the order of a depth-first walk with names sorted: a folder, then each subfolder's tree. */
function walkOrder(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return x.length - y.length;
}

export async function walkLibrary(root: string, options: WalkOptions = {}): Promise<WalkResult> {
  const context: FolderContext = {
    root: path.resolve(root),
    limit: options.limit !== undefined ? options.limit : (realPathWithin(root, null) ?? path.resolve(root)),
    exclude: (options.exclude ?? []).map((p) => path.resolve(p)),
  };
  const listings = options.threads ? await readInWorkers(context, options, options.threads) : await readHere(context, options);
  const result: WalkResult = { files: [], folders: [], skipped: 0, unreadable: [], outside: [], badNames: [] };
  for (const l of listings) {
    if (l.folder) result.folders.push(l.folder);
    for (const f of l.files) result.files.push(f);
    result.skipped += l.skipped;
    result.unreadable.push(...l.unreadable);
    result.outside.push(...l.outside);
    result.badNames.push(...l.badNames);
  }
  return result;
}

/** On this thread, depth first, the event loop let run between folders. */
async function readHere(context: FolderContext, options: WalkOptions): Promise<FolderListing[]> {
  const listings: FolderListing[] = [];
  const stack = [context.root];
  while (stack.length) {
    if (options.shouldStop?.()) break;
    const dir = stack.pop()!;
    const listing = await readFolder(context, dir, options.knownDigest?.(toRelative(context.root, dir)));
    listings.push(listing);
    stack.push(...[...listing.subdirs].reverse());
    await yieldToLoop();
  }
  return listings;
}

/** On `threads` worker threads, two folders in flight per thread; listed in walk order at the end. */
async function readInWorkers(context: FolderContext, options: WalkOptions, threads: number): Promise<FolderListing[]> {
  const workers = Array.from({ length: threads }, () => new RequestWorker<WalkReply>('ingest/walk-worker', context, 'walk worker'));
  const pending = workers.map(() => 0);
  const listings: FolderListing[] = [];
  const queue = [context.root];
  let inFlight = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const dispatch = () => {
        while (queue.length && inFlight < threads * 2 && !options.shouldStop?.()) {
          const dir = queue.pop()!;
          // The least busy thread: two folders each, one read while the other's listing travels back.
          const n = pending.indexOf(Math.min(...pending));
          pending[n]++;
          inFlight++;
          const known = options.knownDigest?.(toRelative(context.root, dir));
          workers[n].request((id) => ({ id, dir, known } satisfies WalkRequest)).then((reply) => {
            pending[n]--;
            inFlight--;
            listings.push(reply.listing);
            queue.push(...reply.listing.subdirs);
            dispatch();
          }, reject);
        }
        if (inFlight === 0) resolve();
      };
      dispatch();
    });
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
  return listings.sort((a, b) => walkOrder(dirOf(a), dirOf(b)));
}

const dirOf = (l: FolderListing) => l.folder?.dir ?? l.unreadable[0]?.path ?? '';

export interface WalkRequest {
  id: number;
  /** Absolute. */
  dir: string;
  /** The digest the index holds for it. */
  known: string | undefined;
}

export interface WalkReply {
  id: number;
  listing: FolderListing;
}
