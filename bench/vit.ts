/**
 * `npm run bench:vit [-- --batch 8] [--rounds 3]` — ONNX Runtime alone on the ViT-B/32-sized image
 * towers of bench/vit-b32-model.ts (random weights; float and transformers.js-style int8), with the
 * session options the embedding worker uses (src/ai/ort-options.ts), at 1 intra-op thread and at
 * every core: ms per image, best of `rounds` runs of one batch of `batch` random images, float/int8
 * alternated. Final JSON line: { cpus, batch, float_1t_ms, float_all_ms, int8_1t_ms, int8_all_ms,
 * speedup_int8_all_vs_float_1t, ... }.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ortOptions } from '../src/ai/ort-options.js';
import { writeVitVisionTower } from './vit-b32-model.js';
import { arg, round } from './util.js';

const batch = arg('batch', 8);
const rounds = arg('rounds', 3);
const cpus = os.availableParallelism();
const log = (m: string) => console.error(`[bench:vit] ${m}`);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vv-bench-vit-'));
const files = { float: path.join(dir, 'float.onnx'), int8: path.join(dir, 'int8.onnx') };
writeVitVisionTower(files.float, false);
writeVitVisionTower(files.int8, true);

const pixels = new ort.Tensor('float32', Float32Array.from({ length: batch * 3 * 224 * 224 }, (_, i) => Math.sin(i) * 2), [batch, 3, 224, 224]);
const best: Record<string, number> = {};
const sessions: Record<string, ort.InferenceSession> = {};
for (const threads of [1, cpus]) {
  for (const kind of ['float', 'int8'] as const) sessions[`${kind}_${threads}`] = await ort.InferenceSession.create(files[kind], ortOptions(threads));
}
for (let r = 0; r < rounds; r++) {
  for (const [key, session] of Object.entries(sessions)) {
    if (r === 0) await session.run({ pixel_values: pixels }); // warm-up
    const t = performance.now();
    const out = await session.run({ pixel_values: pixels });
    const ms = (performance.now() - t) / batch;
    if (!Array.from(out.image_embeds.data as Float32Array).every(Number.isFinite)) throw new Error(`${key}: non-finite output`);
    best[key] = Math.min(best[key] ?? Infinity, ms);
    log(`${key}: ${ms.toFixed(1)} ms/image`);
  }
}
fs.rmSync(dir, { recursive: true, force: true });
const result = {
  bench: 'vit',
  cpus,
  batch,
  float_1t_ms: round(best.float_1, 1),
  [`float_${cpus}t_ms`]: round(best[`float_${cpus}`], 1),
  int8_1t_ms: round(best.int8_1, 1),
  [`int8_${cpus}t_ms`]: round(best[`int8_${cpus}`], 1),
  float_1t_images_per_second: round(1000 / best.float_1, 1),
  int8_all_images_per_second: round(1000 / best[`int8_${cpus}`], 1),
  speedup_int8_all_vs_float_1t: round(best.float_1 / best[`int8_${cpus}`], 2),
  speedup_float_all_vs_1t: round(best.float_1 / best[`float_${cpus}`], 2),
  speedup_int8_vs_float_1t: round(best.float_1 / best.int8_1, 2),
};
console.log(JSON.stringify(result));
