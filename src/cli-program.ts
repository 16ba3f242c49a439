/** `vv`'s commands (commander). Thin: parses arguments, resolves config, calls the vault. */
import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import type { IndexSession } from './library/open-index.js';
import { VaultError } from './core/errors.js';
import type { ChangeSummary, UndoResult } from './library/organize.js';
import { guardProcess } from './process-guard.js';
import type { Config } from './config.js';
import type { Vault } from './library/vault.js';
import type { MountedFs } from './fs/mount.js';
import type { ScanStats, ScanStatus } from './ingest/scanner.js';
import { LibraryOfflineError } from './ingest/presence.js';
import type { EmbeddingProgress } from './ai/embedding-job.js';
import type { CaptionerInfo } from './ai/captioner.js';
import { DEFAULT_MODELS_DIR, listModels } from './ai/models.js';
import { CATALOG, DEFAULT_MODEL } from './ai/catalog.js';

/**
 * Each command loads only the modules it uses, when it runs: `vv meta` must start fast, without the
 * database, sharp, ONNX Runtime, the HTTP server or FUSE.
 */
const load = {
  config: () => import('./config.js'),
  vault: () => import('./library/vault.js'),
  server: () => import('./http/server.js'),
  demo: () => import('./demo/library.js'),
  mount: () => import('./fs/mount.js'),
  exportLinks: () => import('./fs/export-links.js'),
  download: () => import('./ai/download.js'),
  verify: () => import('./ai/verify.js'),
  openIndex: () => import('./library/open-index.js'),
  captioner: () => import('./ai/captioner.js'),
  progressBar: () => import('cli-progress'),
};

/** The longest `vv serve` holds its start-up scan back for the query model to load (the API answers meanwhile). */
const QUERY_MODEL_WAIT_MS = 3000;

/** The longest a server's write blocks its event loop waiting for another process's lock (a scan writes in slices of ~25 ms). */
const SERVE_WRITE_WAIT_MS = 500;

const program = new Command();
program.name('vv').description('Visionary Vault: index, search and organize AI-generated images without touching them').version('0.1.0');

function fail(message: string, status = 2): never {
  console.error(`vv: ${message}`);
  process.exit(status);
}

/** A domain error as the CLI reports it: its message, exit 2 (refused), or 75 (EX_TEMPFAIL) when the database stayed busy. */
function failWith(err: VaultError): never {
  fail(err.message, err.code === 'busy' ? 75 : 2);
}

async function config(flags: Partial<Record<keyof Config, unknown>>): Promise<Config> {
  const { ConfigError, resolveConfig } = await load.config();
  try {
    return resolveConfig(flags);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
}

async function progressReporter(label: string) {
  if (!process.stderr.isTTY) {
    let last = 0;
    return {
      update(s: ScanStatus) {
        if ((s.phase === 'indexing' || s.phase === 'hashing') && performance.now() - last > 5000) {
          last = performance.now();
          console.error(`${s.phase === 'hashing' ? 'pixels (hashes, thumbnails)' : label}: ${s.done}/${s.total} files`);
        }
      },
      stop() {},
    };
  }
  const cliProgress = (await load.progressBar()).default;
  const bar = new cliProgress.SingleBar(
    { format: `{phase} [{bar}] {value}/{total} files | {speed} files/s | eta {eta_formatted}`, hideCursor: true, clearOnComplete: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let t0 = performance.now();
  let phase = '';
  return {
    update(s: ScanStatus) {
      if (s.phase !== 'indexing' && s.phase !== 'hashing') return;
      const name = s.phase === 'hashing' ? 'pixels (hashes, thumbnails)' : label;
      if (!started) {
        bar.start(s.total, 0, { speed: 0, phase: name });
        started = true;
      }
      if (name !== phase) {
        phase = name;
        t0 = performance.now();
      }
      bar.setTotal(s.total);
      bar.update(s.done, { speed: Math.round(s.done / Math.max(0.001, (performance.now() - t0) / 1000)), phase: name });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** The two passes apart: reading metadata is ~50× faster than decoding pixels. */
function pixelPassNote(stats: ScanStats): string {
  if (!stats.hashing_seconds) return '';
  const metadataSeconds = Math.max(0.001, stats.seconds - stats.hashing_seconds);
  const round = (v: number) => Math.round(v * 10) / 10;
  return ` (metadata ${round(metadataSeconds)}s, ${Math.round(stats.seen / metadataSeconds)} files/s; pixels ${round(stats.hashing_seconds)}s, ${Math.round((stats.hashed + stats.undecodable) / stats.hashing_seconds)} images/s)`;
}

function summaryLine(stats: ScanStats): string {
  return (
    `seen ${stats.seen}, new ${stats.new}, changed ${stats.changed}, moved ${stats.moved}, missing ${stats.missing}, ` +
    `restored ${stats.restored}, unchanged ${stats.unchanged}, failed ${stats.failed}, with warnings ${stats.warnings}, skipped (not images) ${stats.skipped}, ` +
    `perceptual hashes ${stats.hashed}${stats.undecodable ? ` (${stats.undecodable} undecodable)` : ''}${stats.damaged ? ` (${stats.damaged} with damaged pixel data)` : ''}, thumbnails ${stats.thumbnails} — ` +
    `${stats.seconds}s, ${stats.files_per_second} files/s${pixelPassNote(stats)}`
  );
}

/** Files indexed with warnings: how many, and the first few by name with their first warning. */
function warningLines(count: number, warned: { path: string; warnings: string[] }[], shown = 5): string[] {
  if (!count) return [];
  const lines = [`${count} file${count === 1 ? '' : 's'} indexed with warnings${count > shown ? ` (first ${shown})` : ''}:`];
  for (const w of warned.slice(0, shown)) lines.push(`  ${w.path}: ${w.warnings[0]}${w.warnings.length > 1 ? ` (+${w.warnings.length - 1} more)` : ''}`);
  return lines;
}

/** Vault options that come from the config (model, vocabulary, busy and per-file timeouts). */
function aiOptions(cfg: Config) {
  return { modelsDir: cfg.modelsDir ?? undefined, model: cfg.model, vocabulary: cfg.vocabulary, busyTimeoutMs: cfg.busyTimeout, fileTimeoutMs: cfg.fileTimeout };
}

function embedReporter() {
  let last = 0;
  return (p: EmbeddingProgress) => {
    if (!p.running || performance.now() - last < (process.stderr.isTTY ? 500 : 5000)) return;
    last = performance.now();
    const line = `embedding ${p.done}/${p.total} images | ${p.per_second} images/s`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}   `);
    else console.error(line);
  };
}

function embedSummary(p: EmbeddingProgress): string {
  return (
    `embeddings (${p.model}): ${p.done}/${p.total} images, ${p.embedded} embedded this run, ${p.reused} copies reused, ${p.failed} failed — ` +
    `${(p.elapsed_ms / 1000).toFixed(1)}s, ${p.per_second} images/s` +
    (p.error ? ` — stopped: ${p.error}` : '')
  );
}

async function openVault(cfg: Config, library: string, rebind: boolean, onScanProgress?: (s: ScanStatus) => void, batchSize?: number, maxWriteWaitMs?: number, prepareQueries = false): Promise<Vault> {
  const { Vault, LibraryMismatchError } = await load.vault();
  try {
    return Vault.open({ dataDir: cfg.data, library, workers: cfg.workers, rebind, onScanProgress, batchSize, maxWriteWaitMs, prepareQueries, ...aiOptions(cfg), onEmbedProgress: embedReporter(), followSymlinks: cfg.followSymlinks });
  } catch (err) {
    if (err instanceof LibraryMismatchError) fail(err.message);
    throw err;
  }
}

const XMP_HELP = 'sidecar: write tag/rating/favorite/category edits to XMP sidecars; off (default; --xmp-dir alone means sidecar); env VV_XMP';
const XMP_DIR_HELP = 'write the sidecars into this mirror tree instead of beside the originals (turns sidecars on by itself); env VV_XMP_DIR';
const XMP_FAVORITE_HELP = 'how a favorite is marked in a sidecar: red (default), yellow, green, blue, purple (that colour label, xmp:Label) or pick (digiKam PickLabel accepted); env VV_XMP_FAVORITE';

/** Sidecars on when configured; `--xmp off` with a mirror dir says the dir is not used. */
function startXmp(vault: Vault, cfg: Config): void {
  if (cfg.xmp === 'sidecar') {
    vault.enableXmp(cfg.xmpDir, (m) => console.error(m), cfg.xmpFavorite);
    console.error(`writing XMP sidecars ${cfg.xmpDir ? `into ${cfg.xmpDir}` : 'beside the originals'}`);
  } else if (cfg.xmpDir) console.error(`vv: --xmp off: no sidecars are written, ${cfg.xmpDir} is not used`);
}

program
  .command('scan')
  .description('index a library folder (incremental: unchanged files are not read again)')
  .argument('<library>', 'folder of images')
  .option('--data <dir>', 'data dir (database, thumbnails); env VV_DATA')
  .option('--workers <n>', 'extraction worker threads (0 = in-process); env VV_WORKERS')
  .option('--rebind', 'accept a data dir that indexed this library at another path (the folder was moved)')
  .option('--model <name>', 'CLIP model (folder under the models dir; "none": no AI); env VV_MODEL')
  .addOption(new Option('--no-embed', 'skip CLIP embeddings (and zero-shot tags) after the scan; env VV_EMBED=false'))
  .addOption(new Option('--no-thumbnails', 'make no thumbnails while decoding pixels (the server makes them on demand); env VV_THUMBNAILS=false'))
  .option('--follow-symlinks', 'follow symlinks that lead outside the library (default: only links that stay inside); env VV_FOLLOW_SYMLINKS')
  .option('--json', 'print the summary as JSON')
  .action(async (library: string, opts: { data?: string; workers?: string; rebind?: boolean; json?: boolean; model?: string; embed?: boolean; thumbnails?: boolean; followSymlinks?: boolean }) => {
    const cfg = await config({ data: opts.data, workers: opts.workers, library, model: opts.model, embed: opts.embed === false ? false : undefined, thumbnails: opts.thumbnails === false ? false : undefined, followSymlinks: opts.followSymlinks });
    const progress = await progressReporter('indexing');
    const vault = await openVault(cfg, cfg.library!, Boolean(opts.rebind), (s) => progress.update(s));
    vault.backgroundThumbnails = cfg.thumbnails;
    let stats: ScanStats;
    try {
      stats = await vault.scanner.scan();
    } catch (err) {
      progress.stop();
      await vault.close();
      if (err instanceof LibraryOfflineError) fail(`${err.message} — nothing was scanned or marked missing`);
      throw err;
    }
    progress.stop();
    const failures = vault.scanner.status.failures;
    const embedded = cfg.embed ? await vault.ai.embedPending() : null;
    if (embedded && process.stderr.isTTY) process.stderr.write('\n');
    if (opts.json) console.log(JSON.stringify({ ...stats, failures, embeddings: embedded }));
    else {
      console.log(summaryLine(stats));
      for (const f of failures.slice(0, 20)) console.log(`  failed: ${f.path}: ${f.error}`);
      if (failures.length > 20) console.log(`  … and ${failures.length - 20} more`);
      for (const line of warningLines(stats.warnings, vault.scanner.status.warned)) console.log(line);
      if (stats.problems) console.log(`${stats.problems} problem files in the library: vv problems${opts.data ? ` --data ${opts.data}` : ''} lists them all`);
      if (embedded) console.log(embedSummary(embedded));
    }
    await vault.close();
  });

program
  .command('serve')
  .description('scan in the background and serve the API and gallery; with no library, a demo library')
  .argument('[library]', 'folder of images (env VV_LIBRARY); omitted: a generated demo library')
  .option('--data <dir>', 'data dir (database, thumbnails); env VV_DATA')
  .option('--host <host>', 'address to listen on (default 127.0.0.1); env VV_HOST')
  .option('--port <port>', 'port (default 8787, 0 = any free port); env VV_PORT')
  .option('--token <token>', 'require this token on every request (required beyond loopback); env VV_TOKEN')
  .option('--workers <n>', 'extraction worker threads; env VV_WORKERS')
  .addOption(new Option('--no-watch', 'do not watch the library for changes; env VV_WATCH=false'))
  .addOption(new Option('--no-thumbnails', 'make thumbnails only on demand, not in the background; env VV_THUMBNAILS=false'))
  .option('--rebind', 'accept a data dir that indexed this library at another path')
  .option('--mount <mountpoint>', 'also mount the virtual filesystem there (FUSE), in this process')
  .option('--xmp <mode>', XMP_HELP)
  .option('--xmp-dir <dir>', XMP_DIR_HELP)
  .option('--xmp-favorite <mark>', XMP_FAVORITE_HELP)
  .option('--model <name>', 'CLIP model (folder under the models dir; "none": no AI); env VV_MODEL')
  .addOption(new Option('--no-embed', 'do not compute CLIP embeddings in the background; env VV_EMBED=false'))
  .option('--follow-symlinks', 'follow symlinks that lead outside the library (default: only links that stay inside); env VV_FOLLOW_SYMLINKS')
  .option('--allow-trash', "let the gallery move originals to the operating system's trash (restorable; off by default); env VV_ALLOW_TRASH")
  .action(async (library: string | undefined, opts: { data?: string; host?: string; port?: string; token?: string; workers?: string; watch?: boolean; thumbnails?: boolean; rebind?: boolean; mount?: string; xmp?: string; xmpDir?: string; xmpFavorite?: string; model?: string; embed?: boolean; followSymlinks?: boolean; allowTrash?: boolean }) => {
    const cfg = await config({
      data: opts.data,
      host: opts.host,
      port: opts.port,
      token: opts.token,
      workers: opts.workers,
      watch: opts.watch === false ? false : undefined,
      thumbnails: opts.thumbnails === false ? false : undefined,
      xmp: opts.xmp,
      xmpDir: opts.xmpDir,
      xmpFavorite: opts.xmpFavorite,
      model: opts.model,
      embed: opts.embed === false ? false : undefined,
      followSymlinks: opts.followSymlinks,
      allowTrash: opts.allowTrash,
      library,
    });
    if (!(await load.config()).isLoopback(cfg.host) && !cfg.token) fail(`serving on ${cfg.host} exposes your library to the network: set a token (--token or VV_TOKEN)`);
    let root = cfg.library;
    let dataDir = cfg.data;
    if (!root) {
      dataDir = path.join(cfg.data, 'demo');
      root = path.join(dataDir, 'library');
      fs.mkdirSync(root, { recursive: true });
      console.error(`no library given: serving a demo library in ${root}`);
      const written = await (await load.demo()).writeDemoLibrary(root, cfg.demoCount, (done, total) => {
        if (process.stderr.isTTY) process.stderr.write(`\rwriting demo images ${done}/${total}`);
      });
      if (process.stderr.isTTY) process.stderr.write('\n');
      if (written) console.error(`wrote ${written} demo images`);
    }
    // Smaller write batches while serving: a batch holds the event loop for its duration. A write
    // waits at most SERVE_WRITE_WAIT_MS for another process's lock (then answers busy, 503).
    // The query text tower starts loading in its thread while the vector index loads.
    const vault = await openVault({ ...cfg, data: dataDir }, root, Boolean(opts.rebind), undefined, 200, SERVE_WRITE_WAIT_MS, true);
    vault.backgroundThumbnails = cfg.thumbnails;
    vault.backgroundEmbeddings = cfg.embed;
    startXmp(vault, cfg);
    if (cfg.allowTrash) vault.enableTrash();
    const server = await (await load.server()).startServer(vault, { host: cfg.host, port: cfg.port, token: cfg.token });
    // The query text tower (loading since the vault opened, not on the first semantic query: ~1 s
    // of a ViT-B/32's) gets the cores before the start-up scan (at most QUERY_MODEL_WAIT_MS).
    const queriesReady = vault.ai.prepareQueries();
    let mounted: MountedFs | null = null;
    if (opts.mount) {
      try {
        mounted = await (await load.mount()).mountVault(vault, opts.mount, (q, n) => vault.search.ids(q, n), { log: (m) => console.error(m) });
      } catch (err) {
        await server.close();
        await vault.close();
        fail((err as Error).message);
      }
    }
    console.log(`Visionary Vault serving ${root}`);
    if (mounted) console.log(`  mounted at ${mounted.mountpoint}`);
    // Unmounted from outside (a file manager's eject): the server goes on; /api/status says so.
    void mounted?.gone.then(() => console.error(`mount at ${mounted!.mountpoint} is gone (unmounted from outside); still serving the API and gallery`));
    console.log(`  ${server.url}/  (API: ${server.url}/api/openapi.json)`);
    console.log(vault.ai.available ? `  semantic search with model ${vault.ai.modelName}` : `  semantic search off: ${String(vault.ai.status().reason)}`);
    guardProcess('serve', async () => {
      await mounted?.unmount().catch(() => undefined);
      await server.close().catch(() => undefined);
      await vault.close().catch(() => undefined);
    });
    let last = 0;
    await Promise.race([queriesReady, new Promise((r) => setTimeout(r, QUERY_MODEL_WAIT_MS))]);
    // The bitmaps of the largest tags, built on a worker meanwhile: the first filter combining them need not wait for them.
    const warmTags = () => void vault.catalog.warmTagBitmaps().catch(() => undefined);
    warmTags();
    const scanning = vault.scanAndThumbnail().then(
      () => {
        const s = vault.scanner.status.stats;
        if (s) console.log(`scan finished: ${summaryLine(s)}`);
        warmTags();
      },
      (err: Error) => console.error(`scan failed: ${err.message}`),
    );
    if (cfg.watch) vault.startWatching();
    vault.startMonitoring();
    const tick = setInterval(() => {
      const s = vault.scanner.status;
      if (s.running && s.phase === 'indexing' && performance.now() - last > 3000) {
        last = performance.now();
        console.log(`indexing ${s.done}/${s.total}`);
      }
    }, 1000);
    tick.unref();
    let closing = false;
    const shutdown = async (signal: string) => {
      if (closing) return;
      closing = true;
      console.log(`\n${signal}: shutting down`);
      await mounted?.unmount();
      await server.close();
      await vault.close();
      await scanning.catch(() => undefined);
      process.exit(0);
    };
    process.on('SIGINT', () => void shutdown('SIGINT'));
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
  });

program
  .command('mount')
  .description('mount the virtual filesystem (tags, categories, favorites, dates, models, search) of an indexed library')
  .argument('<mountpoint>', 'an empty folder (created if missing)')
  .option('--data <dir>', 'data dir of the indexed library; env VV_DATA')
  .option('--workers <n>', 'extraction worker threads; env VV_WORKERS')
  .option('--xmp <mode>', XMP_HELP)
  .option('--xmp-dir <dir>', XMP_DIR_HELP)
  .option('--xmp-favorite <mark>', XMP_FAVORITE_HELP)
  .action(async (mountpoint: string, opts: { data?: string; workers?: string; xmp?: string; xmpDir?: string; xmpFavorite?: string }) => {
    const cfg = await config({ data: opts.data, workers: opts.workers, xmp: opts.xmp, xmpDir: opts.xmpDir, xmpFavorite: opts.xmpFavorite });
    let vault: Vault;
    try {
      vault = (await load.vault()).Vault.openExisting({ dataDir: cfg.data, workers: cfg.workers, ...aiOptions(cfg) });
    } catch (err) {
      fail((err as Error).message);
    }
    startXmp(vault, cfg);
    let mounted: MountedFs;
    try {
      mounted = await (await load.mount()).mountVault(vault, mountpoint, (q, n) => vault.search.ids(q, n), { log: (m) => console.error(m) });
    } catch (err) {
      await vault.close();
      fail((err as Error).message);
    }
    console.log(`mounted ${vault.root} at ${mounted.mountpoint} (Ctrl-C to unmount)`);
    guardProcess('mount', async () => {
      await mounted.unmount().catch(() => undefined);
      await vault.close().catch(() => undefined);
    });
    let closing = false;
    const shutdown = async () => {
      if (closing) return;
      closing = true;
      await mounted.unmount();
      await vault.close();
      console.log('unmounted');
      process.exit(0);
    };
    process.on('SIGINT', () => void shutdown());
    process.on('SIGTERM', () => void shutdown());
    // Unmounted from outside (fusermount -u, a file manager's eject): nothing left to serve.
    void mounted.gone.then(async () => {
      if (closing) return;
      closing = true;
      console.log(`${mounted.mountpoint} was unmounted from outside: exiting`);
      await vault.close();
      process.exit(0);
    });
  });

program
  .command('embed')
  .description('compute CLIP embeddings and zero-shot tags for an indexed library (resumes where it stopped)')
  .option('--data <dir>', 'data dir of the indexed library; env VV_DATA')
  .option('--model <name>', 'CLIP model (folder under the models dir); env VV_MODEL')
  .option('--json', 'print the summary as JSON')
  .action(async (opts: { data?: string; model?: string; json?: boolean }) => {
    const cfg = await config({ data: opts.data, model: opts.model });
    let vault: Vault;
    try {
      vault = (await load.vault()).Vault.openExisting({ dataDir: cfg.data, workers: 0, ...aiOptions(cfg), onEmbedProgress: embedReporter() });
    } catch (err) {
      fail((err as Error).message);
    }
    if (!vault.ai.available) {
      await vault.close();
      fail(String(vault.ai.status().reason));
    }
    process.on('SIGINT', () => vault.ai.job?.stop());
    const result = (await vault.ai.embedPending())!;
    if (process.stderr.isTTY) process.stderr.write('\n');
    console.log(opts.json ? JSON.stringify(result) : embedSummary(result));
    await vault.close();
    if (result.error) process.exit(1);
  });

program
  .command('caption')
  .description('caption the images without a prompt (downloads, edits, exports) with an image-to-text model; --all redoes the model-made captions')
  .option('--data <dir>', 'data dir of the indexed library; env VV_DATA')
  .option('--captioner <name>', 'captioning model (folder under the models dir; default: the one installed); env VV_CAPTIONER')
  .option('--all', "caption again every image whose caption a model wrote (a user's caption is kept)")
  .option('--json', 'print the summary as JSON')
  .action(async (opts: { data?: string; captioner?: string; all?: boolean; json?: boolean }) => {
    const cfg = await config({ data: opts.data });
    const modelsDir = cfg.modelsDir ?? DEFAULT_MODELS_DIR;
    let info: CaptionerInfo | null;
    try {
      info = (await load.captioner()).chooseCaptioner(modelsDir, opts.captioner ?? process.env.VV_CAPTIONER ?? null);
    } catch (err) {
      fail((err as Error).message);
    }
    if (!info) fail(`no captioning model installed in ${modelsDir}: npm run models:download -- vit-gpt2-captions (see models/README.md)`);
    let vault: Vault;
    try {
      vault = (await load.vault()).Vault.openExisting({ dataDir: cfg.data, workers: 0, modelsDir, model: 'none', captioner: 'none', busyTimeoutMs: cfg.busyTimeout });
    } catch (err) {
      fail((err as Error).message);
    }
    const run = await vault.captionImages(info, { all: opts.all, onProgress: (n) => process.stderr.isTTY && process.stderr.write(`\rcaptioned ${n}`) });
    if (process.stderr.isTTY) process.stderr.write('\n');
    console.log(opts.json ? JSON.stringify(run) : `captioned ${run.captioned} image${run.captioned === 1 ? '' : 's'} with ${info.manifest.name}${run.failed.length ? `; ${run.failed.length} could not be decoded` : ''}`);
    await vault.close();
  });

const models = program.command('models').description('CLIP models: list, download (needs internet), verify');

models
  .command('list')
  .description('models you can download, and those installed')
  .action(async () => {
    const cfg = await config({});
    const dir = cfg.modelsDir ?? DEFAULT_MODELS_DIR;
    const installed = new Set(listModels(dir));
    for (const e of CATALOG) {
      console.log(`${installed.has(e.name) ? '*' : ' '} ${e.name}${e.name === DEFAULT_MODEL ? ' (default)' : ''} — ~${e.size_mb} MB — ${e.manifest.description}`);
    }
    for (const name of installed) if (!CATALOG.some((e) => e.name === name)) console.log(`* ${name} (installed, not in the catalog)`);
    console.log(`models dir: ${dir}`);
  });

models
  .command('download')
  .description('download a model into the models dir and verify its checksums')
  .argument('[name]', `model name (default ${DEFAULT_MODEL}; see vv models list)`)
  .option('--revision <commit>', 'another commit of the model repository than the pinned one (the per-file pins still apply)')
  .action(async (name: string | undefined, opts: { revision?: string }) => {
    const cfg = await config({});
    const dir = cfg.modelsDir ?? DEFAULT_MODELS_DIR;
    try {
      const { downloadModel } = await load.download();
      const out = await downloadModel(name ?? DEFAULT_MODEL, { modelsDir: dir, revision: opts.revision, log: (m) => console.error(m) });
      console.log(`installed ${name ?? DEFAULT_MODEL} in ${out} (checksums verified)`);
    } catch (err) {
      if (err instanceof (await load.download()).DownloadError) fail(err.message);
      throw err;
    }
  });

models
  .command('verify')
  .description('re-hash an installed model against its pins and run its self-check (inputs, outputs, shapes, dims, timings)')
  .argument('<name>')
  .option('--json', 'print the report as JSON')
  .action(async (name: string, opts: { json?: boolean }) => {
    const cfg = await config({});
    const { formatVerifyReport, verifyInstalledModel } = await load.verify();
    const report = await verifyInstalledModel(cfg.modelsDir ?? DEFAULT_MODELS_DIR, name);
    console.log(opts.json ? JSON.stringify(report) : formatVerifyReport(report));
    if (!report.ok) process.exit(1);
  });

program
  .command('problems')
  .description('list every problem file the scans found (unreadable, not an image, damaged pixels, timed out, name not UTF-8), kept current by each scan')
  .option('--data <dir>', 'data dir of the indexed library; env VV_DATA')
  .option('--json', 'one JSON object per line')
  .action(async (opts: { data?: string; json?: boolean }) => {
    const cfg = await config({ data: opts.data });
    const index = await openIndex(cfg.data);
    try {
      let n = 0;
      for (const p of index.catalog.allProblems()) {
        n++;
        process.stdout.write(opts.json ? `${JSON.stringify(p)}\n` : `${p.kind}\t${p.path}: ${p.message}\n`);
      }
      if (!opts.json) console.log(n === 0 ? 'no problem files' : `${n} problem files`);
    } finally {
      index.close();
    }
  });

program
  .command('export-links')
  .description('build the virtual folders as a plain tree of symlinks to the originals (no FUSE needed)')
  .argument('<dir>', 'an empty folder, or one a previous export-links made')
  .option('--data <dir>', 'data dir of the indexed library; env VV_DATA')
  .action(async (dir: string, opts: { data?: string }) => {
    const cfg = await config({ data: opts.data });
    let vault: Vault;
    try {
      vault = (await load.vault()).Vault.openExisting({ dataDir: cfg.data, workers: 0 });
    } catch (err) {
      fail((err as Error).message);
    }
    try {
      const stats = (await load.exportLinks()).exportLinks(vault, dir);
      console.log(`${stats.links} links in ${stats.folders} folders under ${path.resolve(dir)}`);
    } catch (err) {
      fail((err as Error).message);
    } finally {
      await vault.close();
    }
  });

const xmp = program.command('xmp').description('XMP sidecars on demand: write them for edits made while they were off, or read them back after another app edited them');

/** The vault of a data dir for the xmp commands, with the sidecar settings of the config. */
async function openForXmp(opts: { data?: string; xmpDir?: string; xmpFavorite?: string }) {
  const cfg = await config({ data: opts.data, xmpDir: opts.xmpDir, xmpFavorite: opts.xmpFavorite });
  let vault: Vault;
  try {
    vault = (await load.vault()).Vault.openExisting({ dataDir: cfg.data, workers: 0, model: 'none', captioner: 'none', busyTimeoutMs: cfg.busyTimeout });
  } catch (err) {
    fail((err as Error).message);
  }
  return { vault, sidecars: vault.xmpSidecars({ mirrorDir: cfg.xmpDir, favoriteMark: cfg.xmpFavorite }), where: cfg.xmpDir ? `in ${cfg.xmpDir}` : 'beside the originals' };
}

xmp
  .command('export')
  .description('write the sidecars of every image with user data (tags, rating, favorite, category) whose sidecar is missing or says something else; --all: every image')
  .option('--all', 'every indexed image, also those with only derived tags (generator, model)')
  .option('--data <dir>', 'data dir of the indexed library; env VV_DATA')
  .option('--xmp-dir <dir>', 'the mirror tree of the sidecars (default: beside the originals); env VV_XMP_DIR')
  .option('--xmp-favorite <mark>', XMP_FAVORITE_HELP)
  .option('--json', 'print the result as JSON')
  .action(async (opts: { all?: boolean; data?: string; xmpDir?: string; xmpFavorite?: string; json?: boolean }) => {
    const { vault, sidecars, where } = await openForXmp(opts);
    try {
      const r = sidecars.export({ all: opts.all });
      if (opts.json) console.log(JSON.stringify(r));
      else {
        console.log(`wrote ${r.written} sidecar${r.written === 1 ? '' : 's'} ${where}; ${r.up_to_date} already up to date${r.failed.length ? `; ${r.failed.length} failed` : ''}`);
        for (const f of r.failed.slice(0, 20)) console.log(`  failed: ${f.path}: ${f.error}`);
      }
      if (r.failed.length) process.exitCode = 1;
    } finally {
      await vault.close();
    }
  });

xmp
  .command('import')
  .description('read the sidecars again (after another app edited them) as one change, origin xmp: vv undo reverses it')
  .option('--data <dir>', 'data dir of the indexed library; env VV_DATA')
  .option('--xmp-dir <dir>', 'the mirror tree of the sidecars (default: beside the originals); env VV_XMP_DIR')
  .option('--xmp-favorite <mark>', XMP_FAVORITE_HELP)
  .option('--json', 'print the result as JSON')
  .action(async (opts: { data?: string; xmpDir?: string; xmpFavorite?: string; json?: boolean }) => {
    const { vault, sidecars, where } = await openForXmp(opts);
    try {
      const r = sidecars.import();
      if (opts.json) console.log(JSON.stringify(r));
      else {
        console.log(`read ${r.sidecars} sidecar${r.sidecars === 1 ? '' : 's'} ${where}: ${r.changed} image${r.changed === 1 ? '' : 's'} changed${r.change !== null ? ` (change ${r.change}: vv undo ${r.change} reverses it)` : ''}`);
        for (const f of r.failed.slice(0, 20)) console.log(`  unreadable: ${f.path}: ${f.error}`);
      }
    } finally {
      await vault.close();
    }
  });

/** The index of a data dir, opened directly: fine beside a running server or mount (WAL, busy timeout). */
async function openIndex(data: string, options: { allowTrash?: boolean } = {}): Promise<IndexSession> {
  const { openIndex } = await load.openIndex();
  try {
    return openIndex(data, options);
  } catch (err) {
    fail((err as Error).message);
  }
}

function changeLine(c: ChangeSummary): string {
  const undone = c.undone_by !== null ? ` [undone by ${c.undone_by}]` : '';
  return `${String(c.id).padStart(6)}  ${c.at}  ${c.origin.padEnd(5)}  ${c.description} (${c.images} image${c.images === 1 ? '' : 's'})${undone}`;
}

program
  .command('history')
  .description('list the organizing changes (tags, favorites, ratings, categories, notes, prompts), newest first')
  .option('--data <dir>', 'data dir of the indexed library; env VV_DATA')
  .option('--limit <n>', 'how many changes', '50')
  .option('--json', 'one JSON object per line')
  .action(async (opts: { data?: string; limit: string; json?: boolean }) => {
    const cfg = await config({ data: opts.data });
    const limit = Number(opts.limit);
    if (!Number.isInteger(limit) || limit < 1) fail(`--limit must be a positive integer, not ${opts.limit}`);
    const index = await openIndex(cfg.data);
    try {
      for (const c of index.organize.history(limit)) console.log(opts.json ? JSON.stringify(c) : changeLine(c));
    } finally {
      index.close();
    }
  });

program
  .command('undo')
  .description('reverse changes newest first: change N, every change since a time, or the latest change not yet undone; the undo is itself a change (undo it to redo)')
  .argument('[change]', 'the id of a change (vv history)')
  .option('--since <time>', 'every change since this ISO 8601 time, e.g. 2026-11-29T12:00:00Z')
  .option('--data <dir>', 'data dir of the indexed library; env VV_DATA')
  .option('--allow-trash', 'an undo that would move originals back into the trash (a redo) may; bringing them out always may; env VV_ALLOW_TRASH')
  .option('--json', 'print the result as JSON')
  .action(async (change: string | undefined, opts: { since?: string; data?: string; json?: boolean; allowTrash?: boolean }) => {
    const cfg = await config({ data: opts.data, allowTrash: opts.allowTrash });
    if (change !== undefined && opts.since !== undefined) fail('give a change id or --since, not both');
    if (change !== undefined && !/^\d{1,15}$/.test(change)) fail(`a change id is a positive integer, not ${change}`);
    const index = await openIndex(cfg.data, { allowTrash: cfg.allowTrash });
    let result: UndoResult;
    try {
      result = index.organize.undo({ change: change === undefined ? undefined : Number(change), since: opts.since });
    } catch (err) {
      index.close();
      if (err instanceof VaultError) failWith(err);
      throw err;
    }
    index.close();
    if (opts.json) console.log(JSON.stringify(result));
    else if (result.reversed.length === 0) console.log('nothing to undo');
    else {
      console.log(`undid ${result.reversed.length} change${result.reversed.length === 1 ? '' : 's'}:`);
      for (const c of result.reversed) console.log(changeLine(c));
      if (result.change !== null) console.log(`recorded as change ${result.change} (vv undo ${result.change} redoes)`);
    }
  });

program
  .command('meta')
  .description('print the generation metadata of files (a bad file never fails: its record carries `error` and warnings; as text, a missing file exits 1)')
  .argument('<files...>', 'image, animation or video files (PNG/APNG, JPEG, WebP, AVIF/HEIC, JPEG XL, GIF, MP4/MOV, WebM/MKV), or .txt/.json sidecars (A1111 infotext, Deforum settings)')
  .option('--json', 'one JSON object per line')
  .action(async (files: string[], opts: { json?: boolean }) => {
    const { runMeta } = await import('./cli-meta.js');
    await runMeta(files, opts);
  });

program.parseAsync(process.argv).catch((err: Error) => fail(err.stack ?? err.message));
