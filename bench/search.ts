/**
 * `npm run bench:search [-- --n 100000] [--library DIR] [--data DIR] [--queries 300] [--int8]`
 * Issue 12's two query goals through a real `vv serve`: the first semantic query after start
 * (< 1.5 s: the text tower loads lazily on it) and `/api/search` hybrid p95 (< 50 ms at 100k).
 *
 * The library: the synthetic one of bench/synthetic.ts (n images; `--library` reuses another),
 * indexed without embeddings (`vv scan --no-embed`, or a copy of bench:ui's data dir for the same
 * n, /tmp/vv-bench-ui-data-N, which is only read). Embedding 100k images through a ViT-B/32 takes
 * hours on this machine, so the embeddings table is filled instead with synthetic unit vectors of
 * the model's dimension (512) through the store's own write API (`store.embeddings.save`, as the
 * embedding job stores its batches), shaped like CLIP's (a shared cone, topics, sub-topics, noise;
 * as bench:vectors), so the vector index builds from them as it would from real ones.
 * The model: bench/vit-b32-model.ts's ViT-B/32-sized stand-in with a text tower of CLIP ViT-B/32's
 * size and interface (transformers.js layout, ~254 MB text tower, a 49,408-token BPE tokenizer),
 * random weights: query vectors mean nothing, their cost is a real model's.
 *
 * Runs: (1) a first `vv serve` after the vectors were stored (builds and saves the vector index,
 * zero-shot tags every image from its vector), waited on until that is done; (2) a restart, as a
 * user's next start: spawn → first page of /api/images → the first hybrid /api/search (fails if
 * it answered in text mode) → after the start-up scan, `--queries` hybrid and then as many
 * semantic-only queries (unique texts, limit 100); (3) another restart, its first query sent once
 * the start-up scan is over. Then, in this process, where the first query's
 * time goes (ONNX Runtime import, text session, tokenizer, first inference, vector index load)
 * and where a hybrid query's goes (text tower, vector candidates, full text, the whole search).
 * Final JSON line: { n, first_page_ms, first_query_ms, first_query_after_scan_ms, hybrid:
 * {p50_ms, p95_ms, max_ms}, semantic: {...}, server_rss_mb, profile: {...} }.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { syntheticLibrary } from './synthetic.js';
import { arg, percentile, round, rssMb, startServe, vvSync, gaussian } from './util.js';
import { writeVitBenchModel } from './vit-b32-model.js';
import { Store } from '../src/db/store.js';

const n = arg('n', 100_000);
const queryCount = arg('queries', 300);
const int8 = process.argv.includes('--int8');
const log = (m: string) => console.error(`[bench:search] ${m}`);
const DIM = 512;

const library = arg('library', '') || (await syntheticLibrary(path.join(os.tmpdir(), `vv-bench-${n}`, 'library'), n)).dir;
const data = arg('data', path.join(os.tmpdir(), `vv-bench-search-data-${n}`));
if (!fs.existsSync(path.join(data, 'vault.db'))) {
  const uiData = path.join(os.tmpdir(), `vv-bench-ui-data-${n}`, 'vault.db');
  fs.mkdirSync(data, { recursive: true });
  if (!arg('library', '') && fs.existsSync(uiData)) {
    log(`copying the index of ${path.dirname(uiData)}`);
    fs.copyFileSync(uiData, path.join(data, 'vault.db'));
  } else {
    log(`indexing ${n} images (no embeddings)…`);
    vvSync(['scan', library, '--data', data, '--no-embed', '--json']);
  }
}

const modelsDir = path.join(os.tmpdir(), 'vv-bench-search-models');
const modelName = `vv-bench-vit-b32${int8 ? '-q8' : ''}`;
{
  const manifest = path.join(modelsDir, modelName, 'model.json');
  if (!fs.existsSync(manifest) || !fs.readFileSync(manifest, 'utf8').includes('image and text')) {
    const t = performance.now();
    writeVitBenchModel(modelsDir, int8, 'vit-b32');
    log(`wrote ${modelName} (ViT-B/32-sized towers, random weights) in ${round((performance.now() - t) / 1000)} s`);
  }
}

// --- synthetic CLIP-like vectors, stored as the embedding job stores its batches -------------
const g = gaussian(11);
const unitRows = (count: number) => {
  const m = new Float32Array(count * DIM).map(() => g());
  for (let r = 0; r < count; r++) normalise(m.subarray(r * DIM, (r + 1) * DIM));
  return m;
};
function normalise(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const inv = 1 / Math.sqrt(s);
  for (let d = 0; d < v.length; d++) v[d] *= inv;
  return v;
}
const TOPICS = 200;
const SUBS = 20;
const cone = unitRows(1);
const topics = unitRows(TOPICS);
const subs = unitRows(TOPICS * SUBS);
function clipLike(): Float32Array {
  const t = Math.floor(Math.abs(g() * 7919)) % TOPICS;
  const s = t * SUBS + (Math.floor(Math.abs(g() * 104729)) % SUBS);
  const noise = 0.55 / Math.sqrt(DIM);
  const v = new Float32Array(DIM);
  for (let d = 0; d < DIM; d++) v[d] = 0.8 * cone[d] + 0.6 * topics[t * DIM + d] + 0.5 * subs[s * DIM + d] + g() * noise;
  return normalise(v);
}

{
  const store = Store.open(data);
  let stored = 0;
  const t = performance.now();
  const end = store.embeddings.maxImageId();
  for (let after = 0; after < end; ) {
    const tasks = store.embeddings.pending(modelName, after, end, 2000);
    after = tasks.length === 2000 ? tasks[tasks.length - 1].id : end;
    store.embeddings.save(
      modelName,
      tasks.map((task) => ({ id: task.id, hash: task.hash, vector: clipLike() })),
    );
    stored += tasks.length;
  }
  if (stored) log(`stored ${stored} synthetic vectors in ${round((performance.now() - t) / 1000)} s`);
  store.close();
}

// --- the server -------------------------------------------------------------------------------
process.env.VV_MODELS_DIR = modelsDir;
const serveArgs = [library, '--data', data, '--model', modelName, '--no-watch', '--no-thumbnails'];
type Status = {
  scan: { running: boolean; stats: unknown };
  embeddings: { available: boolean; running: boolean; done: number; total: number; index?: { size: number; exact: boolean; rebuilt_because: string | null } };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const getJson = async <T>(url: string): Promise<T> => {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url} → ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
};
function tagsSignature(): string {
  const store = Store.open(data);
  try {
    return store.getSetting('ai_tags_signature') ?? '';
  } finally {
    store.close();
  }
}

// (1) First start with the vectors: index built from the store and saved, every image tagged.
if (!fs.existsSync(path.join(data, 'vectors', `${modelName}.usearch`)) || !tagsSignature().startsWith(`${modelName}:`)) {
  const t = performance.now();
  const server = await startServe(serveArgs);
  const listening = performance.now() - t;
  const s = await getJson<Status>(`${server.url}/api/status`);
  log(`first start with the vectors: listening after ${round(listening / 1000)} s (index ${JSON.stringify(s.embeddings.index)})`);
  while (!tagsSignature().startsWith(`${modelName}:`)) await sleep(1000);
  log(`  index built and every image tagged after ${round((performance.now() - t) / 1000)} s`);
  await server.stop();
}

// (2) A restart, measured.
const WORDS = {
  subjects: ['knight', 'cat', 'lighthouse', 'castle', 'fox', 'astronaut', 'dragon', 'sailing ship', 'cabin', 'robot', 'samurai', 'owl', 'city skyline', 'forest spirit', 'witch', 'temple', 'bicycle', 'violin', 'teapot', 'whale'],
  settings: ['in the rain', 'at sunset', 'under the stars', 'snowy forest', 'misty lake', 'neon city', 'desert', 'autumn woods', 'on the moon', 'underwater'],
  styles: ['oil painting', 'watercolor', 'digital art', 'anime style', 'photorealistic', 'pixel art', 'concept art', 'ukiyo-e', 'charcoal sketch'],
  colors: ['red', 'blue', 'green', 'golden', 'purple', 'orange', 'teal', 'pink', 'black and white'],
};
/** Unique query texts (the service caches the 256 latest vectors: repeated texts would skip the model). */
function queries(count: number, seed: number): string[] {
  const r = gaussian(seed);
  const pick = (list: string[]) => list[Math.floor(Math.abs(r() * 9973)) % list.length];
  const out = new Set<string>();
  while (out.size < count) {
    const parts = [pick(WORDS.colors), pick(WORDS.subjects)];
    if (out.size % 2 === 0) parts.push(pick(WORDS.settings));
    if (out.size % 3 === 0) parts.push(pick(WORDS.styles));
    out.add(out.size % 5 === 4 ? parts.slice(1).join(' ') : parts.join(' '));
  }
  return [...out];
}
const hybridTexts = queries(queryCount + 1, 101);
const semanticTexts = queries(queryCount, 202).filter((q) => !hybridTexts.includes(q));

const spawned = performance.now();
const server = await startServe(serveArgs);
const listeningMs = performance.now() - spawned;
await getJson(`${server.url}/api/images?limit=100`);
const firstPageMs = performance.now() - spawned;
const q0 = performance.now();
const first = await getJson<{ mode: string; items: unknown[]; reason?: string }>(`${server.url}/api/search?mode=hybrid&limit=100&q=${encodeURIComponent(hybridTexts[0])}`);
const firstQueryMs = performance.now() - q0;
if (first.mode !== 'hybrid') throw new Error(`the first query fell back to ${first.mode} mode: ${first.reason ?? '(no reason given)'}`);
let status = await getJson<Status>(`${server.url}/api/status`);
log(`listening ${round(listeningMs)} ms, first page ${round(firstPageMs)} ms after spawn; first hybrid query ${round(firstQueryMs)} ms (${first.items.length} hits; index ${JSON.stringify(status.embeddings.index)}; scan running: ${status.scan.running})`);
const scanWait = performance.now();
while (status.scan.running || !status.scan.stats) {
  await sleep(250);
  status = await getJson<Status>(`${server.url}/api/status`);
}
// The pass after the scan builds the zero-shot tagger (the vocabulary through the text tower): let it finish.
await sleep(500);
while ((status = await getJson<Status>(`${server.url}/api/status`)).embeddings.running) await sleep(250);
log(`start-up scan done ${round((performance.now() - scanWait) / 1000)} s after the first query`);

async function timeQueries(texts: string[], mode: 'hybrid' | 'semantic') {
  const times: number[] = [];
  for (const text of texts) {
    const t = performance.now();
    const body = await getJson<{ mode: string; items: unknown[] }>(`${server.url}/api/search?mode=${mode}&limit=100&q=${encodeURIComponent(text)}`);
    times.push(performance.now() - t);
    if (body.mode !== mode) throw new Error(`a ${mode} query answered in ${body.mode} mode`);
  }
  return { count: times.length, p50_ms: round(percentile(times, 50), 2), p95_ms: round(percentile(times, 95), 2), max_ms: round(Math.max(...times), 2) };
}
const hybrid = await timeQueries(hybridTexts.slice(1), 'hybrid');
log(`hybrid: ${JSON.stringify(hybrid)}`);
const semantic = await timeQueries(semanticTexts, 'semantic');
log(`semantic: ${JSON.stringify(semantic)}`);
const serverRss = rssMb(server.pid);
await server.stop();

// (3) Another restart: the first query once the start-up scan is over (the user came back later).
let firstAfterScanMs: number;
{
  const again = await startServe(serveArgs);
  while (!(await getJson<Status>(`${again.url}/api/status`)).scan.stats || (await getJson<Status>(`${again.url}/api/status`)).scan.running) await sleep(250);
  const t = performance.now();
  const body = await getJson<{ mode: string; reason?: string }>(`${again.url}/api/search?mode=hybrid&limit=100&q=${encodeURIComponent(semanticTexts[0])}`);
  firstAfterScanMs = performance.now() - t;
  if (body.mode !== 'hybrid') throw new Error(`the first query after the scan fell back to ${body.mode} mode: ${body.reason ?? '(no reason given)'}`);
  log(`first hybrid query after the start-up scan (another restart): ${round(firstAfterScanMs)} ms`);
  await again.stop();
}

// --- where the time goes, in this process --------------------------------------------------------
const profile: Record<string, number> = {};
const timed = async <T>(key: string, fn: () => T | Promise<T>): Promise<T> => {
  const t = performance.now();
  const out = await fn();
  profile[key] = round(performance.now() - t, 1);
  return out;
};
{
  const { onnxRuntime, localTokenizer } = await import('../src/ai/runtime.js');
  const { loadModelInfo } = await import('../src/ai/models.js');
  const info = loadModelInfo(modelsDir, modelName);
  const ort = await timed('ort_import_ms', () => onnxRuntime());
  const { ortOptions } = await import('../src/ai/ort-options.js');
  await timed('text_session_create_ms', () => ort.InferenceSession.create(path.join(info.dir, info.manifest.text), ortOptions(1)));
  await timed('tokenizer_load_ms', () => localTokenizer(path.resolve(info.dir, info.manifest.tokenizer_dir ?? '.')));
  const { Encoder } = await import('../src/ai/encoder.js');
  const encoder = new Encoder(info, 1);
  await timed('encoder_ready_ms', () => encoder.textSession());
  await timed('first_text_embed_ms', () => encoder.embedTexts([hybridTexts[0]]));
  await encoder.close();

  const { VectorIndex } = await import('../src/ai/vector-index.js');
  const store = Store.open(data);
  const index = new VectorIndex({ file: path.join(data, 'vectors', `${modelName}.usearch`), dim: DIM });
  await timed('vector_index_load_ms', () =>
    index.load({
      generation: store.embeddings.generation(modelName),
      presence: store.embeddings.presenceSeq(),
      count: () => store.embeddings.presentCount(modelName),
      rows: () => store.embeddings.allPresent(modelName),
      changesSince: (seq) => store.embeddings.presenceChanges(modelName, seq),
    }),
  );
  if (index.rebuiltBecause) log(`(the index was rebuilt in the profile: ${index.rebuiltBecause})`);
  // A hybrid query's parts as src/library/search.ts runs them (the service and the search of the
  // server, in this process): the text tower, the vector candidates (HNSW + filter), full text,
  // and the whole search (fusion and summaries included).
  const { AiService } = await import('../src/ai/service.js');
  const { Search } = await import('../src/library/search.js');
  const ai = new AiService({ store, root: library, dataDir: data, modelsDir, model: info, autoTags: false });
  const search = new Search(store, ai, () => undefined);
  const parts = { whole_search: [] as number[], text_tower: [] as number[], vector_candidates: [] as number[], full_text: [] as number[] };
  await ai.textVector('warm up');
  const texts = queries(200, 303);
  for (const text of texts) {
    const filter = store.compileFilter({});
    let t = performance.now();
    await search.search(text, {}, 100, 'hybrid');
    parts.whole_search.push(performance.now() - t);
    t = performance.now();
    const vector = await ai.textVector(`${text} .`); // another token sequence: not from the query cache
    parts.text_tower.push(performance.now() - t);
    t = performance.now();
    ai.nearest(vector, filter, 200);
    parts.vector_candidates.push(performance.now() - t);
    t = performance.now();
    store.searchText(text, filter, 200);
    parts.full_text.push(performance.now() - t);
  }
  for (const [key, times] of Object.entries(parts)) {
    profile[`${key}_p50_ms`] = round(percentile(times, 50), 2);
    profile[`${key}_p95_ms`] = round(percentile(times, 95), 2);
  }
  await ai.close();
  store.close();
}
log(`profile: ${JSON.stringify(profile)}`);

console.log(
  JSON.stringify({
    bench: 'search',
    n,
    model: modelName,
    cpus: os.availableParallelism(),
    listening_ms: round(listeningMs),
    first_page_ms: round(firstPageMs),
    first_query_ms: round(firstQueryMs),
    first_query_mode: first.mode,
    first_query_after_scan_ms: round(firstAfterScanMs),
    index: status.embeddings.index,
    hybrid,
    semantic,
    server_rss_mb: serverRss,
    profile,
  }),
);
