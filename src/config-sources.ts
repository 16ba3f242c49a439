/**
 * Where settings come from (flags, `VV_*` variables, the `.env` file), without the schema: `vv meta`
 * needs one setting and must start fast, and zod alone costs more than the whole metadata reader.
 */
import fs from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';
import type { Config } from './config.js';

export class ConfigError extends Error {}

/** Config key → environment variable. */
export const ENV_NAMES: Record<keyof Config, string> = {
  data: 'VV_DATA',
  library: 'VV_LIBRARY',
  host: 'VV_HOST',
  port: 'VV_PORT',
  token: 'VV_TOKEN',
  workers: 'VV_WORKERS',
  watch: 'VV_WATCH',
  thumbnails: 'VV_THUMBNAILS',
  xmp: 'VV_XMP',
  xmpDir: 'VV_XMP_DIR',
  xmpFavorite: 'VV_XMP_FAVORITE',
  demoCount: 'VV_DEMO_COUNT',
  model: 'VV_MODEL',
  modelsDir: 'VV_MODELS_DIR',
  vocabulary: 'VV_VOCABULARY',
  embed: 'VV_EMBED',
  busyTimeout: 'VV_BUSY_TIMEOUT',
  followSymlinks: 'VV_FOLLOW_SYMLINKS',
  fileTimeout: 'VV_FILE_TIMEOUT',
  allowTrash: 'VV_ALLOW_TRASH',
};

export const DEFAULT_FILE_TIMEOUT = 30_000;
export const MAX_FILE_TIMEOUT = 3_600_000;

export function readDotenv(env: NodeJS.ProcessEnv, cwd: string): Record<string, string> {
  const file = env.VV_ENV_FILE ? path.resolve(cwd, env.VV_ENV_FILE) : path.join(cwd, '.env');
  if (!fs.existsSync(file)) return {};
  return dotenv.parse(fs.readFileSync(file));
}

/** `fileTimeout` alone, from the same sources and by the same rule as `resolveConfig` (for `vv meta`). */
export function resolveFileTimeout(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): number {
  const name = ENV_NAMES.fileTimeout;
  const given = env[name] || readDotenv(env, cwd)[name] || '';
  if (given === '') return DEFAULT_FILE_TIMEOUT;
  const value = Number(given);
  if (!Number.isInteger(value) || value < 1 || value > MAX_FILE_TIMEOUT) {
    throw new ConfigError(`invalid fileTimeout (flag --fileTimeout, env ${name}): expected a whole number of milliseconds from 1 to ${MAX_FILE_TIMEOUT}, got ${JSON.stringify(given)}`);
  }
  return value;
}
