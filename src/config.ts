/**
 * Configuration: command-line flags, then `VV_*` environment variables, then a `.env` file (in the
 * working directory, or the file named by VV_ENV_FILE), then defaults. Validated once, here.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_FAVORITE_MARK, FAVORITE_MARKS, type FavoriteMark } from './core/xmp-marks.js';
import { ConfigError, DEFAULT_FILE_TIMEOUT, ENV_NAMES, MAX_FILE_TIMEOUT, readDotenv } from './config-sources.js';

export { ConfigError, ENV_NAMES } from './config-sources.js';

export interface Config {
  data: string;
  library: string | null;
  host: string;
  port: number;
  token: string | null;
  workers: number | null;
  watch: boolean;
  /** Make thumbnails in the background after scans (else only on demand). */
  thumbnails: boolean;
  /** `sidecar`: write tag/rating/favorite/category edits to XMP sidecars; `off` (default). */
  xmp: 'off' | 'sidecar';
  /** Sidecars go into this mirror tree instead of beside the originals; alone, it turns sidecars on. */
  xmpDir: string | null;
  /** How a favorite is marked in a sidecar: a colour label (`xmp:Label`) or digiKam's pick flag. */
  xmpFavorite: FavoriteMark;
  demoCount: number;
  /** CLIP model folder name under modelsDir; null: the one installed; `none`: no AI. */
  model: string | null;
  modelsDir: string | null;
  /** Zero-shot tag vocabulary file (default models/vocabulary.txt). */
  vocabulary: string | null;
  /** Compute embeddings after scans when a model is present. */
  embed: boolean;
  /** How long (ms) a write waits for another process's write lock on the data dir, per attempt. */
  busyTimeout: number;
  /** Follow symlinks whose target is outside the library (default: only those that stay inside). */
  followSymlinks: boolean;
  /** How long (ms) reading one file's metadata may take before its worker is replaced (scan and `vv meta`). */
  fileTimeout: number;
  /** "Move to trash" may move originals to the operating system's trash (off by default). */
  allowTrash: boolean;
}

const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off']).transform((v) => ['true', '1', 'yes', 'on'].includes(v))]);

const schema = z.object({
  data: z.string().min(1),
  library: z.string().min(1).nullable(),
  host: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535),
  token: z.string().min(8, 'a token must have at least 8 characters').nullable(),
  workers: z.coerce.number().int().min(0).max(64).nullable(),
  watch: bool,
  thumbnails: bool,
  xmp: z.enum(['off', 'sidecar']),
  xmpDir: z.string().min(1).nullable(),
  xmpFavorite: z.enum(FAVORITE_MARKS),
  demoCount: z.coerce.number().int().min(1).max(100_000),
  model: z.string().regex(/^[\w.-]+$/, 'a model is a folder name under the models dir').nullable(),
  modelsDir: z.string().min(1).nullable(),
  vocabulary: z.string().min(1).nullable(),
  embed: bool,
  busyTimeout: z.coerce.number().int().min(0).max(600_000),
  followSymlinks: bool,
  fileTimeout: z.coerce.number().int().min(1).max(MAX_FILE_TIMEOUT),
  allowTrash: bool,
});

export const DEFAULTS: Config = {
  data: path.join(os.homedir(), '.visionary-vault'),
  library: null,
  host: '127.0.0.1',
  port: 8787,
  token: null,
  workers: null,
  watch: true,
  thumbnails: true,
  xmp: 'off',
  xmpDir: null,
  xmpFavorite: DEFAULT_FAVORITE_MARK,
  demoCount: 300,
  model: null,
  modelsDir: null,
  vocabulary: null,
  embed: true,
  busyTimeout: 10_000,
  followSymlinks: false,
  fileTimeout: DEFAULT_FILE_TIMEOUT,
  allowTrash: false,
};

export function resolveConfig(flags: Partial<Record<keyof Config, unknown>> = {}, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const dotfile = readDotenv(env, cwd);
  const merged: Record<string, unknown> = {};
  for (const key of Object.keys(DEFAULTS) as (keyof Config)[]) {
    const name = ENV_NAMES[key];
    const value = flags[key] ?? env[name] ?? dotfile[name] ?? DEFAULTS[key];
    merged[key] = value === '' ? DEFAULTS[key] : value;
  }
  // A mirror dir alone means sidecars: nobody names where sidecars go without wanting them.
  const xmpGiven = [flags.xmp, env[ENV_NAMES.xmp], dotfile[ENV_NAMES.xmp]].some((v) => v !== undefined && v !== '');
  if (!xmpGiven && merged.xmpDir) merged.xmp = 'sidecar';
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0]) as keyof Config;
    throw new ConfigError(`invalid ${key} (flag --${key}, env ${ENV_NAMES[key]}): ${issue.message}`);
  }
  const config = parsed.data as Config;
  config.data = path.resolve(cwd, config.data.replace(/^~(?=$|\/)/, os.homedir()));
  if (config.library) config.library = path.resolve(cwd, config.library.replace(/^~(?=$|\/)/, os.homedir()));
  for (const key of ['xmpDir', 'modelsDir', 'vocabulary'] as const) {
    const value = config[key];
    if (value) config[key] = path.resolve(cwd, value.replace(/^~(?=$|\/)/, os.homedir()));
  }
  return config;
}

const LOOPBACK = new net.BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** localhost, 127.0.0.0/8 and ::1 (also bracketed, as in a Host header, and IPv4-mapped). The one test for listening and for Host names. */
export function isLoopback(host: string): boolean {
  const name = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (name === 'localhost') return true;
  const family = net.isIP(name);
  return family !== 0 && LOOPBACK.check(name, family === 4 ? 'ipv4' : 'ipv6');
}
