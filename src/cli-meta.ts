/**
 * `vv meta FILE…`: the generation metadata of files. Files are read in a worker thread that is
 * replaced after VV_FILE_TIMEOUT (or over its heap limit), as in a scan: a hostile file gets a
 * record with `error`, and the files after it are still read. Start-up is what this command is
 * judged by, so it loads no other command's code, starts the worker first, and the worker loads
 * the extractor as one bundled file when the build made it.
 */
import fs from 'node:fs';
import type { MetadataRecord } from './metadata/types.js';
import { ConfigError, resolveFileTimeout } from './config-sources.js';
import { defaultWorkerCount, IngestPool } from './ingest/ingest-pool.js';

/**
 * The worker as one bundled module (`npm run build` writes it beside the compiled sources), unless
 * it is missing or older than the compiled modules (compiled with `tsc` alone since, or running
 * from sources): loading ~150 modules one by one costs the worker ~30 ms more.
 */
function metaWorker(): 'meta-worker' | 'meta-worker.bundle' {
  try {
    const bundle = fs.statSync(new URL('./ingest/meta-worker.bundle.js', import.meta.url));
    const modules = fs.statSync(new URL('./ingest/meta-worker.js', import.meta.url));
    return bundle.mtimeMs >= modules.mtimeMs ? 'meta-worker.bundle' : 'meta-worker';
  } catch {
    return 'meta-worker';
  }
}

/** A value as a person reads it: text as is, continuation lines of a multi-line text indented under it. */
function readable(v: unknown, indent: string): string {
  const text = typeof v === 'string' ? v : typeof v === 'boolean' ? (v ? 'yes' : 'no') : JSON.stringify(v);
  return text.replace(/\r?\n/g, `\n${indent}`);
}

export function humanRecord(r: MetadataRecord): string {
  const lines = [`${r.file}: ${r.error ? `error: ${r.error}` : r.generator ?? 'no generation metadata'}`];
  const show = (k: string, v: unknown) => {
    if (v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0)) lines.push(`  ${k}: ${readable(v, '    ')}`);
  };
  for (const k of ['prompt', 'negative_prompt', 'model', 'model_hash', 'sampler', 'scheduler', 'steps', 'cfg', 'seed', 'size', 'loras'] as const) show(k, r[k]);
  if (r.media_type === 'video' || r.media_type === 'animation') {
    const parts = [r.media_type, r.duration_s != null ? `${r.duration_s} s` : null, r.frame_count != null ? `${r.frame_count} frames` : null, r.fps != null ? `${r.fps} fps` : null, r.video_codec, r.pixel_width != null ? `${r.pixel_width}x${r.pixel_height}` : null, r.has_audio ? 'audio' : r.has_audio === false ? 'no audio' : null];
    show('media', parts.filter(Boolean).join(', '));
  }
  show('c2pa claim generator', r.c2pa_claim_generator);
  show('digital source type', r.digital_source_type);
  show('ai-generated', r.ai_generated);
  if (r.warnings.length) {
    lines.push(`  warnings (${r.warnings.length}):`);
    for (const w of r.warnings) lines.push(`    - ${readable(w, '      ')}`);
  }
  return lines.join('\n');
}

/**
 * The arguments of `vv meta` when they are only files and `--json`: the form the short path takes
 * without commander. Anything else (help, `--`, a file named like an option) returns null.
 */
export function plainMetaArguments(args: string[]): { files: string[]; json: boolean } | null {
  if (args[0] !== 'meta') return null;
  const rest = args.slice(1);
  const files = rest.filter((a) => a !== '--json');
  if (files.length === 0 || files.some((a) => a.startsWith('-'))) return null;
  return { files, json: files.length < rest.length };
}

/** From this many files on, `vv meta` reads them on every core. */
const MANY_FILES = 16;

export async function runMeta(files: string[], opts: { json?: boolean }): Promise<void> {
  let timeoutMs: number;
  try {
    timeoutMs = resolveFileTimeout();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`vv: ${err.message}`);
    process.exit(2);
  }
  // One worker for a few files (each costs ~50 ms to start); every core for a folder's worth.
  const workers = files.length >= MANY_FILES ? defaultWorkerCount() : 1;
  const pool = new IngestPool({ workers, worker: metaWorker(), timeoutMs });
  // `vv meta … | head`: a reader that stops reading ends the command, quietly.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
  // A file that is not there is the caller's mistake, not a bad file: as text, said on stderr with
  // exit status 1; with --json it stays a record (`error: file not found`), one per file given.
  const missing = opts.json ? [] : files.filter((file) => !fs.existsSync(file));
  for (const file of missing) console.error(`vv: ${file}: no such file`);
  const pending = files.filter((file) => !missing.includes(file)).map((file) => pool.metadataJson(file));
  for (const json of pending) {
    const text = await json;
    process.stdout.write(opts.json ? `${text}\n` : `${humanRecord(JSON.parse(text) as MetadataRecord)}\n`);
  }
  if (missing.length) process.exitCode = 1;
  // The worker ends with the process; waiting for it to shut down would only add to the command's time.
  pool.detach();
}
