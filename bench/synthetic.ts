/**
 * Synthetic libraries for benchmarks: small rendered images (a pool of base renders per format)
 * each carrying its own realistic A1111 or ComfyUI metadata, so every file is distinct.
 */
import fs from 'node:fs';
import path from 'node:path';
import { a1111Infotext, comfyPrompt, comfyWorkflow, makeGeneration } from '../src/demo/generations.js';
import { demoFormat, demoPath, renderPixels } from '../src/demo/library.js';
import { addJpegMetadata, addPngText, addWebpMetadata, buildExif } from '../src/demo/embed.js';

const POOL = 24;
const SCALE = 0.125; // 64–96 px images: the benchmark measures indexing, not decoding

interface Base {
  png: Buffer;
  jpeg: Buffer;
  webp: Buffer;
  width: number;
  height: number;
}

async function basePool(): Promise<Base[]> {
  const pool: Base[] = [];
  for (let i = 0; i < POOL; i++) {
    const g = makeGeneration(10_000_000 + i);
    const img = await renderPixels(g, SCALE);
    const { info } = await img.clone().raw().toBuffer({ resolveWithObject: true });
    pool.push({ png: await img.clone().png().toBuffer(), jpeg: await img.clone().jpeg({ quality: 80 }).toBuffer(), webp: await img.clone().webp().toBuffer(), width: info.width, height: info.height });
  }
  return pool;
}

/** Writes `n` images under `dir` (reusing an existing library of the same size). */
export async function syntheticLibrary(dir: string, n: number): Promise<{ dir: string; created: boolean; seconds: number }> {
  const marker = path.join(dir, '.vv-bench');
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === String(n)) return { dir, created: false, seconds: 0 };
  const t0 = performance.now();
  fs.rmSync(dir, { recursive: true, force: true });
  const pool = await basePool();
  const made = new Set<string>();
  for (let i = 0; i < n; i++) {
    const g = makeGeneration(i, '2023-01-01', 700);
    const format = demoFormat(i);
    const base = pool[i % POOL];
    let bytes: Buffer;
    if (format === 'png') {
      bytes =
        g.tool === 'a1111'
          ? addPngText(base.png, [{ type: 'tEXt', key: 'parameters', text: a1111Infotext(g) }])
          : addPngText(base.png, [
              { type: 'tEXt', key: 'prompt', text: JSON.stringify(comfyPrompt(g)) },
              { type: 'tEXt', key: 'workflow', text: JSON.stringify(comfyWorkflow(g)) },
            ]);
    } else if (format === 'jpeg') {
      bytes = addJpegMetadata(base.jpeg, { exif: buildExif({ byteOrder: 'be', UserComment: { text: a1111Infotext(g), encoding: 'unicode-be' } }) });
    } else {
      bytes = addWebpMetadata(base.webp, base.width, base.height, { exif: buildExif({ UserComment: { text: a1111Infotext(g), encoding: 'unicode-le' } }) });
    }
    const file = path.join(dir, demoPath(g, format));
    const folder = path.dirname(file);
    if (!made.has(folder)) {
      fs.mkdirSync(folder, { recursive: true });
      made.add(folder);
    }
    fs.writeFileSync(file, bytes);
  }
  fs.writeFileSync(marker, String(n));
  return { dir, created: true, seconds: (performance.now() - t0) / 1000 };
}
