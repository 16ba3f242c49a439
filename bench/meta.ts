/**
 * `npm run bench:meta [-- --n 5000]` — metadata-only throughput (read + container + parsers,
 * hidden-LSB check on) over the conformance corpus repeated to ≥ n files, in-process and through
 * the worker pool. Prints a final JSON line.
 *
 * `npm run bench:meta -- --cli [--folder DIR] [--runs 5]` — the comparison mode: `vv meta --json`
 * as a user runs it, one process over every image of the folder (default: the corpus), against the
 * start-up of `vv meta` on one file and of a bare `node`; `--baseline other/dist/src/cli.js` times
 * another build the same way, alternating run by run, and adds the ratios. Prints a final JSON line.
 * `--peer-cli PATH` does the same for another extractor: a node script that takes files as arguments
 * and prints one line per file (e.g. a CLI around @enslo/sd-metadata's `read()`); its start-up, files/s
 * and the ratios (vv ÷ peer) join the final line.
 *
 * `npm run bench:meta -- --peer-module PATH [--rounds 7] [--folder DIR]` — per-file extraction with
 * start-up excluded: an ESM module exporting `readFile(path)` (the peer's read of one file) and vv's
 * own `readMetadataFile`, in this one process over the same files, round by round alternating which
 * goes first, after one warm-up pass each; under `node --expose-gc dist/bench/meta.js` the heap is
 * collected before each pass. Prints a final JSON line (median files/s each, ratio).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { CLI, arg, percentile, round } from './util.js';

const n = arg('n', 5000);
const corpus = path.resolve(arg('corpus', process.env.VV_CORPUS ?? path.join(import.meta.dirname, '../../../shared/corpus')));
const files: string[] = [];
const walk = (dir: string) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const abs = path.join(dir, e.name);
    if (e.isDirectory()) walk(abs);
    else if (/\.(png|jpe?g|webp|avif|heic|jxl|gif)$/i.test(e.name)) files.push(abs);
  }
};
const folder = path.resolve(arg('folder', corpus));
if (!fs.existsSync(folder)) {
  console.error(`folder not found at ${folder} (set VV_CORPUS or --folder)`);
  process.exit(2);
}
walk(folder);

/** What every comparison line says of the files and the machine. */
const setFigures = () => ({
  folder,
  files: files.length,
  mb_on_disk: round(files.reduce((a, f) => a + fs.statSync(f).size, 0) / 1e6),
  cpus: os.availableParallelism(),
  load_average_1m: round(os.loadavg()[0], 2),
});

/** Wall-clock seconds of one `node …` process (stdout discarded). */
function timed(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`node ${args.slice(0, 3).join(' ')} … failed: ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

if (process.argv.includes('--cli')) {
  const runs = arg('runs', 5);
  const baseline = arg('baseline', '');
  const smallest = [...files].sort((a, b) => fs.statSync(a).size - fs.statSync(b).size)[0];
  // With --baseline (another build's dist/src/cli.js) every run times both, alternating, so both
  // see the same load on a shared machine.
  const builds: [string, string][] = baseline ? [['baseline', path.resolve(baseline)], ['current', CLI]] : [['current', CLI]];
  // --peer-cli: another extractor's script (`node PATH FILE...`), timed in the same runs.
  const peerCli = arg('peer-cli', '');
  const commands = new Map<string, (files: string[]) => string[]>(builds.map(([name, cli]) => [name, (list: string[]) => [cli, 'meta', '--json', ...list]]));
  if (peerCli) commands.set('peer', (list: string[]) => [path.resolve(peerCli), ...list]);
  const startup = new Map<string, number[]>([...commands.keys()].map((name) => [name, []]));
  const all = new Map<string, number[]>([...commands.keys()].map((name) => [name, []]));
  const nodeTimes: number[] = [];
  for (let r = 0; r < runs; r++) {
    nodeTimes.push(timed(['-e', '']));
    for (const [name, command] of commands) startup.get(name)!.push(timed(command([smallest])));
    for (const [name, command] of commands) all.get(name)!.push(timed(command(files)));
  }
  const figures = (name: string) => {
    const startupMs = percentile(startup.get(name)!, 50) * 1000;
    const allSeconds = percentile(all.get(name)!, 50);
    return {
      startup_ms: round(startupMs),
      one_process_seconds: round(allSeconds, 3),
      files_per_second: round(files.length / allSeconds),
      files_per_second_after_startup: round(files.length / Math.max(0.001, allSeconds - startupMs / 1000)),
    };
  };
  const current = figures('current');
  const before = baseline ? figures('baseline') : null;
  const peer = peerCli ? figures('peer') : null;
  console.log(
    JSON.stringify({
      bench: 'meta-cli',
      ...setFigures(),
      runs,
      node_startup_ms: round(percentile(nodeTimes, 50) * 1000),
      ...current,
      ...(before ? { baseline: before, startup_ratio: round(current.startup_ms / before.startup_ms, 2), files_per_second_ratio: round(current.files_per_second / before.files_per_second, 2) } : {}),
      ...(peer
        ? {
            peer: { cli: path.resolve(peerCli), ...peer },
            peer_startup_ratio: round(current.startup_ms / peer.startup_ms, 2),
            peer_files_per_second_ratio: round(current.files_per_second / peer.files_per_second, 2),
            peer_files_per_second_after_startup_ratio: round(current.files_per_second_after_startup / peer.files_per_second_after_startup, 2),
          }
        : {}),
    }),
  );
  process.exit(0);
}

const { readMetadataFile } = await import('../src/metadata/file.js');

const peerModule = arg('peer-module', '');
if (peerModule) {
  // Per-file extraction, start-up excluded: both read the same files in this process. Each round
  // times one pass of each, the order alternating round by round; one untimed warm-up pass each
  // first (JIT, lazily loaded parsers, page cache).
  const peer = (await import(pathToFileURL(path.resolve(peerModule)).href)) as { readFile?: (file: string) => unknown };
  if (typeof peer.readFile !== 'function') {
    console.error(`${peerModule} does not export readFile(path)`);
    process.exit(2);
  }
  const readers: Record<'vv' | 'peer', (file: string) => unknown> = { vv: readMetadataFile, peer: peer.readFile };
  // Under `node --expose-gc` each pass starts from a collected heap, so neither pays for the
  // other's garbage (the two share this process's heap).
  const gc = (globalThis as { gc?: () => void }).gc;
  const pass = async (name: 'vv' | 'peer'): Promise<number> => {
    gc?.();
    const t0 = performance.now();
    for (const f of files) await readers[name](f);
    return (performance.now() - t0) / 1000;
  };
  await pass('vv');
  await pass('peer');
  const rounds = arg('rounds', 7);
  const seconds = { vv: [] as number[], peer: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    const order: ('vv' | 'peer')[] = r % 2 ? ['peer', 'vv'] : ['vv', 'peer'];
    for (const name of order) seconds[name].push(await pass(name));
  }
  const perSecond = (name: 'vv' | 'peer') => files.length / percentile(seconds[name], 50);
  console.log(
    JSON.stringify({
      bench: 'meta-peer',
      ...setFigures(),
      rounds,
      gc_between_passes: gc !== undefined,
      peer_module: path.resolve(peerModule),
      files_per_second: round(perSecond('vv')),
      peer_files_per_second: round(perSecond('peer')),
      files_per_second_ratio: round(perSecond('vv') / perSecond('peer'), 2),
      ms_per_file: round((percentile(seconds.vv, 50) * 1000) / files.length, 3),
      peer_ms_per_file: round((percentile(seconds.peer, 50) * 1000) / files.length, 3),
    }),
  );
  process.exit(0);
}

const { IngestPool, defaultWorkerCount } = await import('../src/ingest/ingest-pool.js');
const list = Array.from({ length: Math.max(n, files.length) }, (_, i) => files[i % files.length]);
const bytes = list.reduce((a, f) => a + fs.statSync(f).size, 0);

// In-process: one core.
let t0 = performance.now();
let withPrompt = 0;
for (const f of list) {
  const r = await readMetadataFile(f);
  if (r.prompt) withPrompt++;
}
const inProcess = list.length / ((performance.now() - t0) / 1000);

// Worker pool, all cores: metadata only (sparse reads), then full ingestion as `vv scan` does it
// (whole-file read for the content hash, tags, search text).
const workers = defaultWorkerCount();
const pool = new IngestPool({ workers });
async function throughput(job: (f: string) => Promise<unknown>): Promise<number> {
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < list.length) await job(list[next++]);
    }),
  );
  return list.length / ((performance.now() - start) / 1000);
}
const pooled = await throughput((f) => pool.metadataJson(f));
const ingested = await throughput((f) => pool.ingest(f, path.basename(f)));
await pool.close();

console.log(
  JSON.stringify({
    bench: 'meta',
    files: list.length,
    distinct_files: files.length,
    mb_on_disk: round(bytes / 1e6),
    cpus: os.availableParallelism(),
    workers,
    stealth_check: true,
    files_per_second_one_core: round(inProcess),
    files_per_second: round(pooled),
    scan_ingest_files_per_second: round(ingested),
    with_prompt: withPrompt,
  }),
);
