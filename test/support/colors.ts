/**
 * A library of generated images whose colours a test can predict, for the AI tests: each image is
 * one base colour with a blocky pattern of lighter / darker cells (the pattern, from a seed,
 * makes perceptual hashes differ between images while the mean colour stays the base colour).
 * Near-duplicate copies (re-encoded, resized, cropped) and generation batches come with it.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { rng, makeGeneration, a1111Infotext } from '../../src/demo/generations.js';
import { addPngText } from '../../src/demo/embed.js';

export const BASE: Record<string, [number, number, number]> = {
  red: [210, 40, 40],
  blue: [40, 70, 210],
  green: [40, 170, 60],
};

export interface ColorImage {
  path: string;
  color: keyof typeof BASE;
  prompt: string;
}

export function patternPixels(color: [number, number, number], seed: number, size: number): Buffer {
  const r = rng(seed);
  const cells = 8;
  const offsets = Array.from({ length: cells * cells }, () => Math.round((r() - 0.5) * 90));
  const px = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const o = offsets[Math.floor((y * cells) / size) * cells + Math.floor((x * cells) / size)];
      for (let c = 0; c < 3; c++) px[(y * size + x) * 3 + c] = Math.max(0, Math.min(255, color[c] + o));
    }
  }
  return px;
}

async function png(color: [number, number, number], seed: number, size: number, params: { prompt: string; seed: number; model?: string }): Promise<Buffer> {
  const g = { ...makeGeneration(seed), prompt: params.prompt, seed: params.seed, width: size, height: size, lora: null };
  if (params.model) g.model = params.model;
  const bytes = await sharp(patternPixels(color, seed, size), { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
  return addPngText(bytes, [{ type: 'tEXt', key: 'parameters', text: a1111Infotext(g) }]);
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];

/**
 * Writes the library; returns every image with its colour. Layout:
 *   colors/<color>-<n>.png      4 per colour, neutral prompts
 *   colors/car.png              a blue image whose prompt says "red sports car" (text vs. pixels)
 *   copies/red-0.*              a re-encoded JPEG, a 60 % resize and a 4 %-cropped copy of colors/red-0.png
 *   batch/castle-<seed>.png     one prompt and model, three seeds (green)
 *   batch/lighthouse-<px>.png   one prompt and seed at 256 and 512 px (blue)
 */
export async function writeColorLibrary(root: string): Promise<ColorImage[]> {
  const out: ColorImage[] = [];
  const put = (rel: string, bytes: Buffer, color: keyof typeof BASE, prompt: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), bytes);
    out.push({ path: rel, color, prompt });
  };
  let n = 0;
  for (const color of Object.keys(BASE) as (keyof typeof BASE)[]) {
    for (let i = 0; i < 4; i++) {
      const prompt = `study of shapes, ${WORDS[n]} composition`;
      put(`colors/${color}-${i}.png`, await png(BASE[color], 1000 + n, 256, { prompt, seed: 1000 + n }), color, prompt);
      n++;
    }
  }
  put('colors/car.png', await png(BASE.blue, 77, 256, { prompt: 'a red sports car', seed: 77 }), 'blue', 'a red sports car');

  const original = fs.readFileSync(path.join(root, 'colors/red-0.png'));
  const [w] = [256];
  put('copies/red-0.jpg', await sharp(original).jpeg({ quality: 70 }).toBuffer(), 'red', '');
  put('copies/red-0-small.png', await sharp(original).resize(Math.round(w * 0.6)).png().toBuffer(), 'red', '');
  const cut = Math.round(w * 0.04);
  put('copies/red-0-cropped.png', await sharp(original).extract({ left: cut, top: cut, width: w - 2 * cut, height: w - 2 * cut }).png().toBuffer(), 'red', '');

  for (const seed of [11, 12, 13]) {
    put(`batch/castle-${seed}.png`, await png(BASE.green, 5000 + seed, 256, { prompt: 'a castle on a hill', seed, model: 'castleModel_v1' }), 'green', 'a castle on a hill');
  }
  for (const size of [256, 512]) {
    put(`batch/lighthouse-${size}.png`, await png(BASE.blue, 6000, size, { prompt: 'a lighthouse at dusk', seed: 4242 }), 'blue', 'a lighthouse at dusk');
  }
  return out;
}
