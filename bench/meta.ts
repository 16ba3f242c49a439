/**
 * `npm run bench:meta [-- --n 5000]` — metadata-only throughput (read + container + parsers,
 * hidden-LSB check on) over the conformance corpus repeated to ≥ n files, in-process and through
 * the worker pool. Prints a final JSON line.
 *
 * `npm run bench:meta -- --cli [--folder DIR] [--runs 5]` — the comparison mode: `vv meta --json`
 * as a user runs it, one process over every image of the folder (default: the corpus), against the
 * start-up of `vv meta` on one file and of a bare `node`. Prints a final JSON line.
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
    else if (/\.(png|jpe?g|webp|avif|gif)$/i.test(e.name)) files.push(abs);
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
  const smallest = [...files].sort((a, b) => fs.statSync(a).size - fs.statSync(b).size)[0];
  const median = (f: () => number) => percentile(Array.from({ length: runs }, f), 50);
  const nodeMs = median(() => timed(['-e', ''])) * 1000;
  const startupMs = median(() => timed([CLI, 'meta', '--json', smallest])) * 1000;
  const allSeconds = median(() => timed([CLI, 'meta', '--json', ...files]));
  console.log(
    JSON.stringify({
      bench: 'meta-cli',
      folder,
      files: files.length,
      mb_on_disk: round(files.reduce((a, f) => a + fs.statSync(f).size, 0) / 1e6),
      cpus: os.availableParallelism(),
      load_average_1m: round(os.loadavg()[0], 2),
      runs,
      node_startup_ms: round(nodeMs),
      startup_ms: round(startupMs),
      one_process_seconds: round(allSeconds, 3),
      files_per_second: round(files.length / allSeconds),
      files_per_second_after_startup: round(files.length / Math.max(0.001, allSeconds - startupMs / 1000)),
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
