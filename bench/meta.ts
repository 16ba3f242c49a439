/**
 * `npm run bench:meta [-- --n 5000]` — metadata-only throughput (read + container + parsers,
 * hidden-LSB check on) over the conformance corpus repeated to ≥ n files, in-process and through
 * the worker pool. Prints a final JSON line.
 *
 * `npm run bench:meta -- --cli [--folder DIR] [--runs 5]` — the comparison mode: `vv meta --json`
 * as a user runs it, one process over every image of the folder (default: the corpus), against the
 * start-up of `vv meta` on one file and of a bare `node`; `--baseline other/dist/src/cli.js` times
 * another build the same way, alternating run by run, and adds the ratios. Prints a final JSON line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
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
  const startup = new Map<string, number[]>(builds.map(([name]) => [name, []]));
  const all = new Map<string, number[]>(builds.map(([name]) => [name, []]));
  const nodeTimes: number[] = [];
  for (let r = 0; r < runs; r++) {
    nodeTimes.push(timed(['-e', '']));
    for (const [name, cli] of builds) startup.get(name)!.push(timed([cli, 'meta', '--json', smallest]));
    for (const [name, cli] of builds) all.get(name)!.push(timed([cli, 'meta', '--json', ...files]));
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
  console.log(
    JSON.stringify({
      bench: 'meta-cli',
      folder,
      files: files.length,
      mb_on_disk: round(files.reduce((a, f) => a + fs.statSync(f).size, 0) / 1e6),
      cpus: os.availableParallelism(),
      load_average_1m: round(os.loadavg()[0], 2),
      runs,
      node_startup_ms: round(percentile(nodeTimes, 50) * 1000),
      ...current,
      ...(before ? { baseline: before, startup_ratio: round(current.startup_ms / before.startup_ms, 2), files_per_second_ratio: round(current.files_per_second / before.files_per_second, 2) } : {}),
    }),
  );
  process.exit(0);
}

const { readMetadataFile } = await import('../src/metadata/file.js');
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
