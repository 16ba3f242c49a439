/** Builds temporary libraries for scanner/API tests, from our own encoders (and the corpus, copied to a temp dir). */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { addPngChunks, addPngText, pngChunk } from '../../src/demo/embed.js';
import { a1111Infotext, makeGeneration } from '../../src/demo/generations.js';
import { encodeGeneration, demoFormat, demoPath } from '../../src/demo/library.js';
import { solidImage, writeFile } from './fixtures.js';
import { CORPUS_DIR } from './corpus.js';

/** Copies the corpus images into `root/corpus/…` (the corpus itself is never written). */
export function copyCorpus(root: string): number {
  let n = 0;
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      else if (/\.(png|jpe?g|webp|avif|gif)$/i.test(e.name)) {
        const target = path.join(root, 'corpus', path.relative(CORPUS_DIR, abs));
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.copyFileSync(abs, target);
        n++;
      }
    }
  };
  walk(CORPUS_DIR);
  return n;
}

/** Writes `count` small demo-style images (real renders, real metadata) into dated folders. */
export async function writeGenerated(root: string, count: number, offset = 0, scale = 0.125): Promise<string[]> {
  const written: string[] = [];
  for (let i = offset; i < offset + count; i++) {
    const g = makeGeneration(i);
    const format = demoFormat(i);
    const rel = demoPath(g, format);
    writeFile(root, rel, await encodeGeneration(g, format, scale));
    written.push(rel);
  }
  return written;
}

/** A generation batch: one prompt and model rendered with `count` seeds (A1111 PNGs). */
export async function writeBatch(root: string, index: number, count: number, scale = 0.125): Promise<string[]> {
  const base = { ...makeGeneration(index), tool: 'a1111' as const };
  const written: string[] = [];
  for (let k = 0; k < count; k++) {
    const g = { ...base, seed: base.seed + 1000 * (k + 1) };
    const rel = demoPath(g, 'png');
    writeFile(root, rel, await encodeGeneration(g, 'png', scale));
    written.push(rel);
  }
  return written;
}

/** Many cheap, distinct PNGs: one base image with a different parameters chunk each. */
export async function writeManyPngs(root: string, count: number, dir = '2024-06-01', offset = 0): Promise<string[]> {
  const base = await solidImage('png', [90, 120, 200], 16, 16);
  const out: string[] = [];
  for (let i = offset; i < offset + count; i++) {
    const rel = `${dir}/img-${String(i).padStart(6, '0')}.png`;
    writeFile(root, rel, addPngText(base, [{ type: 'tEXt', key: 'parameters', text: a1111Infotext(makeGeneration(i)) }]));
    out.push(rel);
  }
  return out;
}

/** The broken files a real library accumulates. Returns relative path → what is wrong. */
export async function writeBadFiles(root: string): Promise<Record<string, string>> {
  const goodText = 'a cat\nSteps: 20, Seed: 1, Sampler: Euler';
  const good = addPngText(await solidImage('png'), [{ type: 'tEXt', key: 'parameters', text: goodText }]);
  const bad: Record<string, string> = {};
  const put = (rel: string, bytes: Uint8Array, why: string) => {
    writeFile(root, rel, bytes);
    bad[rel] = why;
  };
  put('bad/empty.png', Buffer.alloc(0), 'empty');
  put('bad/truncated.png', good.subarray(0, Math.floor(good.length / 2)), 'truncated');
  const crc = Buffer.from(good);
  crc[crc.indexOf('parameters') + 'parameters\0'.length + goodText.length] ^= 0xff; // first byte of the tEXt CRC
  put('bad/bad-crc.png', crc, 'bad CRC');
  put('bad/garbage.png', Buffer.from('this is not an image at all, just text pretending to be a PNG'), 'not an image');
  put('bad/garbage.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a]), 'truncated JPEG');
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(30000, 0);
  ihdr.writeUInt32BE(30000, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const huge = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', zlib.deflateSync(Buffer.alloc(100_000))), pngChunk('IEND', Buffer.alloc(0))]);
  put('bad/huge-30000.png', huge, '30000×30000 header');
  const invalidUtf8 = addPngChunks(await solidImage('png'), [
    pngChunk('iTXt', Buffer.concat([Buffer.from('parameters\0\0\0\0\0'), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x61, 0x0a])])),
  ]);
  put('bad/invalid-utf8.png', invalidUtf8, 'invalid UTF-8 text chunk');
  return bad;
}

/** A PNG whose chunks and metadata are valid (CRCs included) but whose compressed pixel data is broken. */
export async function corruptPixelsPng(prompt: string): Promise<Buffer> {
  const png = addPngText(await solidImage('png', [40, 160, 90], 64, 64), [{ type: 'tEXt', key: 'parameters', text: `${prompt}\nSteps: 20, Seed: 7, Sampler: Euler` }]);
  const parts: Buffer[] = [png.subarray(0, 8)];
  for (let off = 8; off < png.length; ) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    let data = png.subarray(off + 8, off + 8 + len);
    if (type === 'IDAT') {
      // Pixels that inflate to the wrong size: the stream is valid zlib, the image data is not.
      data = zlib.deflateSync(zlib.inflateSync(data).subarray(0, 100));
    }
    parts.push(pngChunk(type, data));
    off += 12 + len;
  }
  return Buffer.concat(parts);
}
