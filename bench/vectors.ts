/**
 * `npm run bench:vectors -- --n 1000000 --dim 512 [--queries 200] [--k 50]`
 * Builds the vector index (src/ai/vector-index.ts, usearch HNSW f16) over n synthetic unit
 * vectors shaped like CLIP embeddings (a shared cone, topics, sub-topics, noise), then times k-NN queries (one at a time, one thread, as the API runs them) and measures
 * recall@k against exact search. Also times brute force vs HNSW at small sizes (the exact-search
 * threshold). Final JSON line: { n, dim, build_s, p50_ms, p95_ms, recall_at_50, rss_mb, ... }.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import type * as USearch from 'usearch';
import { VectorIndex } from '../src/ai/vector-index.js';
import { arg, percentile, round, gaussian } from './util.js';

const usearch = createRequire(import.meta.url)('usearch') as typeof USearch;
const n = arg('n', 100_000);
const dim = arg('dim', 512);
const queries = arg('queries', 200);
const k = arg('k', 50);
const connectivity = arg('connectivity', 0) || undefined;
const expansionSearch = arg('ef', 0) || undefined;
const expansionAdd = arg('ef-add', 0) || undefined;
/** Search widths to compare on the same built index (reloaded from its file for each). */
const efList = arg('ef-list', '64,128,256,512').split(',').map(Number).filter(Boolean);
const log = (m: string) => console.error(`[bench:vectors] ${m}`);


function normalizeRow(m: Float32Array, row: number): void {
  let s = 0;
  for (let d = 0; d < dim; d++) s += m[row * dim + d] ** 2;
  const inv = 1 / Math.sqrt(s);
  for (let d = 0; d < dim; d++) m[row * dim + d] *= inv;
}

// CLIP-like geometry: every vector shares a common direction (CLIP embeddings sit in a narrow
// cone: unrelated images still have cosine ~0.4), then a topic (200), a sub-topic (20 per topic,
// 4,000 in all) and per-image noise, so neighbours are graded rather than ties.
const TOPICS = 200;
const SUBS = 20;
const g = gaussian(7);
const unit = (count: number) => {
  const m = new Float32Array(count * dim).map(() => g());
  for (let r = 0; r < count; r++) normalizeRow(m, r);
  return m;
};
const cone = unit(1);
const topics = unit(TOPICS);
const subs = unit(TOPICS * SUBS);
function sample(out: Float32Array, row: number): void {
  const t = Math.floor(Math.abs(g() * 7919)) % TOPICS;
  const s = t * SUBS + (Math.floor(Math.abs(g() * 104729)) % SUBS);
  const noise = 0.55 / Math.sqrt(dim);
  for (let d = 0; d < dim; d++) out[row * dim + d] = 0.8 * cone[d] + 0.6 * topics[t * dim + d] + 0.5 * subs[s * dim + d] + g() * noise;
  normalizeRow(out, row);
}

const t0 = performance.now();
const data = new Float32Array(n * dim);
for (let i = 0; i < n; i++) sample(data, i);
const query = new Float32Array(queries * dim);
for (let i = 0; i < queries; i++) sample(query, i);
log(`generated ${n} × ${dim} vectors in ${round((performance.now() - t0) / 1000)} s`);

const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vv-bench-vectors-')), 'index.usearch');
const index = new VectorIndex({ file, dim, threads: os.availableParallelism(), exactThreshold: 0, connectivity, expansionSearch, expansionAdd });
const tb = performance.now();
const CHUNK = 10_000;
for (let start = 0; start < n; start += CHUNK) {
  const end = Math.min(n, start + CHUNK);
  const items = [];
  for (let i = start; i < end; i++) items.push({ id: i + 1, vector: data.subarray(i * dim, (i + 1) * dim) });
  index.add(items);
  if ((start / CHUNK) % 10 === 0) log(`  added ${end}`);
}
const buildS = (performance.now() - tb) / 1000;
log(`built in ${round(buildS)} s`);
const ts = performance.now();
index.save('bench');
const saveS = (performance.now() - ts) / 1000;

function measure(ix: VectorIndex): { p50: number; p95: number; recall: number } {
  const times: number[] = [];
  let hitsTotal = 0;
  for (let q = 0; q < queries; q++) {
    const v = query.subarray(q * dim, (q + 1) * dim);
    const t = performance.now();
    const hits = ix.search(v, k);
    times.push(performance.now() - t);
    hitsTotal += hits.filter((h) => truth[q].has(h.id)).length;
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95), recall: hitsTotal / (queries * k) };
}

const te = performance.now();
const exact = usearch.exactSearch(data, query, dim, k, 'cos' as USearch.MetricKind, os.availableParallelism()) as USearch.BatchMatches;
const exactMs = (performance.now() - te) / queries;
const truth = Array.from({ length: queries }, (_, q) => new Set(Array.from(exact.get(q).keys, (key) => Number(key) + 1)));
const main = measure(index);
const times = [main.p50, main.p95];
const recall = main.recall;
const byEf: Record<string, { p50_ms: number; p95_ms: number; recall_at_k: number }> = {};
for (const ef of efList) {
  const reloaded = new VectorIndex({ file, dim, exactThreshold: 0, expansionSearch: ef });
  reloaded.load({ count: () => n, generation: 'bench', rows: () => [] });
  if (reloaded.rebuiltBecause) throw new Error(`reloading the index failed: ${reloaded.rebuiltBecause}`);
  const m = measure(reloaded);
  byEf[ef] = { p50_ms: round(m.p50, 3), p95_ms: round(m.p95, 3), recall_at_k: round(m.recall, 4) };
}
log(`by search width (ef): ${JSON.stringify(byEf)}`);

// Where brute force (what VectorIndex does below its threshold) stops beating the graph.
const crossover: Record<string, { exact_ms: number; hnsw_ms: number }> = {};
for (const size of [2_000, 10_000, 20_000, 50_000].filter((s) => s <= n)) {
  const small = new VectorIndex({ file: `${file}.${size}`, dim, exactThreshold: size, threads: os.availableParallelism() });
  const items = [];
  for (let i = 0; i < size; i++) items.push({ id: i + 1, vector: data.subarray(i * dim, (i + 1) * dim) });
  small.add(items);
  const timeIt = () => {
    const t = performance.now();
    for (let q = 0; q < 50; q++) small.search(query.subarray(q * dim, (q + 1) * dim), k);
    return round((performance.now() - t) / 50, 2);
  };
  const exactTime = timeIt();
  (small as unknown as { exactIds: number[] }).exactIds = []; // force the graph
  crossover[size] = { exact_ms: exactTime, hnsw_ms: timeIt() };
}
log(`brute force vs HNSW (ms per k=${k} query): ${JSON.stringify(crossover)}`);

const result = {
  bench: 'vectors',
  n,
  dim,
  k,
  cpus: os.availableParallelism(),
  quantization: 'f16',
  connectivity: connectivity ?? 'default',
  ef_search: expansionSearch ?? 'default',
  build_s: round(buildS),
  save_s: round(saveS, 2),
  index_file_mb: round(fs.statSync(file).size / 1e6),
  p50_ms: round(times[0], 3),
  p95_ms: round(times[1], 3),
  exact_search_ms: round(exactMs, 1),
  recall_at_50: round(recall, 4),
  rss_mb: round(process.memoryUsage().rss / 1e6),
  by_ef: byEf,
  crossover,
};
fs.rmSync(path.dirname(file), { recursive: true, force: true });
console.log(JSON.stringify(result));
