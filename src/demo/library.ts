/**
 * Writes a demo library: images our own code renders (a simple scene whose colours follow the
 * prompt), carrying the metadata A1111 and ComfyUI write, in their usual dated output folders.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { a1111Infotext, comfyPrompt, comfyWorkflow, COLORS, makeGeneration, rng, type Generation } from './generations.js';
import { addJpegMetadata, addPngText, addWebpMetadata, buildExif } from './embed.js';

export type DemoFormat = 'png' | 'jpeg' | 'webp';

function sceneSvg(g: Generation, width: number, height: number): string {
  const r = rng(g.seed);
  const [cr, cg, cb] = COLORS[g.color];
  const sky = g.setting.includes('night') || g.setting.includes('stars') ? [20, 24, 60] : g.setting.includes('sunset') ? [250, 150, 90] : [150, 190, 230];
  const mix = (a: number[], t: number) => a.map((v, i) => Math.round(v * (1 - t) + [cr, cg, cb][i] * t)).join(',');
  const hills = Array.from({ length: 3 }, (_, k) => {
    const y = height * (0.55 + k * 0.12);
    const pts = Array.from({ length: 7 }, (_, i) => `${(i / 6) * width},${y - r() * height * 0.18}`).join(' ');
    return `<polygon points="0,${height} ${pts} ${width},${height}" fill="rgb(${mix([30, 40, 50], 0.35 + k * 0.2)})"/>`;
  }).join('');
  const cx = width * (0.3 + r() * 0.4);
  const cy = height * (0.45 + r() * 0.1);
  const s = Math.min(width, height) * (0.12 + r() * 0.08);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
  <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="rgb(${mix(sky, 0.25)})"/><stop offset="1" stop-color="rgb(${mix(sky, 0.6)})"/></linearGradient></defs>
  <rect width="${width}" height="${height}" fill="url(#sky)"/>
  <circle cx="${width * (0.15 + r() * 0.7)}" cy="${height * 0.18}" r="${s * 0.6}" fill="rgb(255,240,200)" opacity="0.85"/>
  ${hills}
  <ellipse cx="${cx}" cy="${cy + s * 1.3}" rx="${s * 0.8}" ry="${s * 1.1}" fill="rgb(${cr},${cg},${cb})"/>
  <circle cx="${cx}" cy="${cy}" r="${s * 0.55}" fill="rgb(${Math.min(255, cr + 40)},${Math.min(255, cg + 40)},${Math.min(255, cb + 40)})"/>
</svg>`;
}

export async function renderPixels(g: Generation, scale = 1): Promise<Sharp> {
  const width = Math.max(16, Math.round(g.width * scale));
  const height = Math.max(16, Math.round(g.height * scale));
  return sharp(Buffer.from(sceneSvg(g, width, height)));
}

/** Encodes one generation as its tool would save it. */
export async function encodeGeneration(g: Generation, format: DemoFormat, scale = 1): Promise<Buffer> {
  const image = await renderPixels(g, scale);
  const width = Math.max(16, Math.round(g.width * scale));
  const height = Math.max(16, Math.round(g.height * scale));
  if (format === 'png') {
    const png = await image.png({ compressionLevel: 6 }).toBuffer();
    if (g.tool === 'a1111') return addPngText(png, [{ type: 'tEXt', key: 'parameters', text: a1111Infotext(g) }]);
    return addPngText(png, [
      { type: 'tEXt', key: 'prompt', text: JSON.stringify(comfyPrompt(g)) },
      { type: 'tEXt', key: 'workflow', text: JSON.stringify(comfyWorkflow(g)) },
    ]);
  }
  if (format === 'jpeg') {
    const jpeg = await image.jpeg({ quality: 85 }).toBuffer();
    if (g.tool === 'a1111') return addJpegMetadata(jpeg, { exif: buildExif({ byteOrder: 'be', UserComment: { text: a1111Infotext(g), encoding: 'unicode-be' } }) });
    return addJpegMetadata(jpeg, { exif: buildExif({ UserComment: { text: JSON.stringify({ prompt: comfyPrompt(g), workflow: comfyWorkflow(g) }), encoding: 'unicode-le' } }) });
  }
  const webp = await image.webp({ quality: 82 }).toBuffer();
  const exif =
    g.tool === 'a1111'
      ? buildExif({ UserComment: { text: a1111Infotext(g), encoding: 'unicode-le' } })
      : buildExif({ Make: `workflow:${JSON.stringify(comfyWorkflow(g))}`, Model: `prompt:${JSON.stringify(comfyPrompt(g))}` });
  return addWebpMetadata(webp, width, height, { exif });
}

/** Where each tool saves: A1111 `outputs/txt2img-images/<day>/00012-<seed>.png`, ComfyUI `output/<day>/ComfyUI_00012_.png`. */
export function demoPath(g: Generation, format: DemoFormat): string {
  const ext = format === 'jpeg' ? 'jpg' : format;
  const n = String(g.index).padStart(5, '0');
  return g.tool === 'a1111' ? `outputs/txt2img-images/${g.day}/${n}-${g.seed}.${ext}` : `ComfyUI/output/${g.day}/ComfyUI_${n}_.${ext}`;
}

export function demoFormat(index: number): DemoFormat {
  const r = rng(index * 104729 + 3)();
  return r < 0.6 ? 'png' : r < 0.85 ? 'jpeg' : 'webp';
}

/** Writes `count` demo images under `dir` (skipping files already there). Returns how many were written. */
export async function writeDemoLibrary(dir: string, count: number, onProgress?: (done: number, total: number) => void): Promise<number> {
  let written = 0;
  let done = 0;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const g = makeGeneration(index);
      const format = demoFormat(index);
      const file = path.join(dir, demoPath(g, format));
      if (!fs.existsSync(file)) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const bytes = await encodeGeneration(g, format);
        fs.writeFileSync(`${file}.tmp`, bytes);
        fs.renameSync(`${file}.tmp`, file);
        // Files carry their generation day as mtime, like a real output folder.
        const when = new Date(`${g.day}T${String(8 + (index % 14)).padStart(2, '0')}:${String(index % 60).padStart(2, '0')}:00Z`);
        fs.utimesSync(file, when, when);
        written++;
      }
      onProgress?.(++done, count);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return written;
}
