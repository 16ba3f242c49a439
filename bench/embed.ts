/**
 * `npm run bench:embed [-- --n 500] [--model <name>] [--requests 200] [--vit] [--threads 1,2] [--lanes 1,2]`
 * The full embedding pipeline (decode → preprocess → ONNX Runtime → normalise → SQLite → vector
 * index → zero-shot tags) through a real `vv serve` over a demo library of full-size renders, with
 * whatever model is installed (VV_MODEL / VV_MODELS_DIR), else the generated test model (then the
 * figures measure the pipeline around inference, not CLIP). While it embeds, /api/images is timed.
 * Also: perceptual hashes per second on these full-size images (the scan's pixel pass).
 * Without an installed model it runs once per generated test-model layout (transformers.js CLIP,
 * SigLIP, Immich open_clip with batch fixed at 1): per-stage time of the pipeline around inference.
 * `--vit`: instead, ViT-B/32-sized stand-ins (bench/vit-b32-model.ts: float and int8, random
 * weights) — images/s with a real model's inference cost. `--threads 1,2`: one run per ONNX
 * Runtime thread count in all (VV_EMBED_THREADS; default: the machine's cores); `--lanes 1,2`: and
 * per number of encoder workers sharing them (VV_EMBED_LANES; default: src/ai/embedding-job.ts).
 * With several lanes `infer_ms_per_image` adds up the lanes' inference time (it overlaps).
 * Final JSON line: { model, n, images_per_second, decode_ms_per_image, infer_ms_per_image,
 * other_ms_per_image, api_images_p95_ms_while_embedding, ... } (per layout under `layouts`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeDemoLibrary } from '../src/demo/library.js';
import { chooseModel, DEFAULT_MODELS_DIR } from '../src/ai/models.js';
import { writeTestModel, TEST_MODEL_NAMES, TEST_MODEL_SHAPES } from '../scripts/make-test-model.js';
import { arg, percentile, round, rssMb, startServe } from './util.js';
import { writeVitBenchModel } from './vit-b32-model.js';

const n = arg('n', 500);
const requests = arg('requests', 200);
const log = (m: string) => console.error(`[bench:embed] ${m}`);

let modelsDir = process.env.VV_MODELS_DIR ?? DEFAULT_MODELS_DIR;
let models: string[] = [];
const requested = arg('model', process.env.VV_MODEL ?? '');
const threadCounts = arg('threads', '')
  .split(',')
  .filter(Boolean)
  .map(Number);
const laneCounts = arg('lanes', '')
  .split(',')
  .filter(Boolean)
  .map(Number);
if (process.argv.includes('--vit')) {
  modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vv-bench-models-'));
  models = [writeVitBenchModel(modelsDir, false), writeVitBenchModel(modelsDir, true)];
  log('ViT-B/32-sized stand-ins (random weights): float and int8');
} else if (requested) models = [requested];
else {
  const installed = chooseModel(modelsDir, null);
  if (installed) models = [installed.manifest.name];
  else {
    modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vv-bench-models-'));
    for (const shape of TEST_MODEL_SHAPES) writeTestModel(modelsDir, shape);
    models = TEST_MODEL_SHAPES.map((shape) => TEST_MODEL_NAMES[shape]);
    log('no CLIP model installed: one run per generated test-model layout; inference is trivial, the rest of the pipeline is real');
  }
}
process.env.VV_MODELS_DIR = modelsDir;

const library = path.join(os.tmpdir(), `vv-bench-embed-lib-${n}`);
fs.mkdirSync(library, { recursive: true });
const written = await writeDemoLibrary(library, n);
log(`library: ${n} demo images (512–768 px) in ${library}${written ? `, ${written} written now` : ''}`);
async function measure(model: string, threads: number | null, lanes: number | null) {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'vv-bench-embed-data-'));

  const server = await startServe([library, '--data', data, '--model', model, '--no-watch', '--no-thumbnails', '--workers', String(os.availableParallelism())], {
    env: { ...(threads ? { VV_EMBED_THREADS: String(threads) } : {}), ...(lanes ? { VV_EMBED_LANES: String(lanes) } : {}) },
  });
  type Status = { scan: { running: boolean; stats: { hashed: number; hashing_seconds: number } | null }; embeddings: Record<string, number | boolean | string | null> };
  const status = async () => (await (await fetch(`${server.url}/api/status`)).json()) as Status;

  let s = await status();
  while (!s.scan.stats || s.scan.running) {
    await new Promise((r) => setTimeout(r, 100));
    s = await status();
  }
  const scanStats = s.scan.stats;
  log(`perceptual hashes: ${round(scanStats.hashed / scanStats.hashing_seconds)}/s`);

  // While the embedding pass runs, time list requests as the gallery makes them.
  const times: number[] = [];
  let cursor: string | null = null;
  let i = 0;
  for (;;) {
    s = await status();
    if (!s.embeddings.running && s.embeddings.done === s.embeddings.total) break;
    if (!s.embeddings.running) {
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    if (i < requests) {
      const t = performance.now();
      const res = await fetch(`${server.url}/api/images?limit=100${i % 3 === 1 ? '&sort=random' : cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      const body = (await res.json()) as { next_cursor: string | null };
      times.push(performance.now() - t);
      if (i % 3 !== 1) cursor = body.next_cursor;
      i++;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const e = s.embeddings as { done: number; per_second: number; infer_ms: number; decode_ms: number; elapsed_ms: number; start_ms: number; embedded: number; failed: number };
  const rss = rssMb(server.pid);
  await server.stop();
  fs.rmSync(data, { recursive: true, force: true });

  const result = {
    bench: 'embed',
    model,
    n: e.done,
    cpus: os.availableParallelism(),
    ort_threads: threads ?? os.availableParallelism(),
    lanes: lanes ?? 'default',
    images_per_second: e.per_second,
    // Once the workers have started (the model loaded into each): the rate a large library sees.
    images_per_second_after_start: round(e.embedded / Math.max(0.001, (e.elapsed_ms - e.start_ms) / 1000), 1),
    worker_start_ms: e.start_ms,
    decode_ms_per_image: round(e.decode_ms / Math.max(1, e.embedded), 2),
    infer_ms_per_image: round(e.infer_ms / Math.max(1, e.embedded), 2),
    // Elapsed minus inference: decoding (partly overlapped), storing, indexing, tagging.
    other_ms_per_image: round((e.elapsed_ms - e.infer_ms) / Math.max(1, e.embedded), 2),
    overhead_ms_per_image: round((e.elapsed_ms - e.infer_ms) / Math.max(1, e.embedded), 2),
    infer_share: round(e.infer_ms / Math.max(1, e.elapsed_ms), 3),
    failed: e.failed,
    api_requests_while_embedding: times.length,
    api_images_p50_ms_while_embedding: round(percentile(times, 50), 2),
    api_images_p95_ms_while_embedding: round(percentile(times, 95), 2),
    phash_per_second: round(scanStats.hashed / scanStats.hashing_seconds),
    server_rss_mb: rss,
  };
  return result;
}

const results: Record<string, unknown>[] = [];
for (const model of models) {
  for (const threads of threadCounts.length ? threadCounts : [null]) {
    for (const lanes of laneCounts.length ? laneCounts : [null]) {
      if (threads && lanes && lanes > threads) continue;
      const r = await measure(model, threads, lanes);
      log(JSON.stringify(r));
      results.push(r);
    }
  }
}
const key = (r: Record<string, unknown>) => (threadCounts.length || laneCounts.length ? `${r.model}@${r.ort_threads}t/${r.lanes}l` : String(r.model));
console.log(JSON.stringify(results.length === 1 ? results[0] : { bench: 'embed', n, cpus: os.availableParallelism(), layouts: Object.fromEntries(results.map((r) => [key(r), r])) }));
