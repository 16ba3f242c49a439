/**
 * `npm run bench:meta [-- --n 5000]` — metadata-only throughput (read + container + parsers,
 * hidden-LSB check on) over the conformance corpus repeated to ≥ n files, in-process and through
 * the worker pool. Prints a final JSON line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { arg, round } from './util.js';
import { readMetadataFile } from '../src/index/metadata/file.js';
import { IngestPool, defaultWorkerCount } from '../src/index/ingest-pool.js';

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
if (!fs.existsSync(corpus)) {
  console.error(`corpus not found at ${corpus} (set VV_CORPUS)`);
  process.exit(2);
}
walk(corpus);
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
