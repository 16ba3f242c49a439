/**
 * Hostile files, written from scratch or from our own demo images (never from a user's library):
 * inflate bombs, thousands of repeated chunks, JSON nested 100k deep, truncations and bit flips.
 * bench:hostile, the fuzz target and the bounding tests all build their inputs here.
 */
import zlib from 'node:zlib';
import sharp from 'sharp';
import { addPngChunks, addPngText, buildExif, JXL_CODESTREAM_64X48_RGB, jxlContainer, pngChunk, pngTextData } from './embed.js';
import { makeGeneration, rng } from './generations.js';
import { encodeGeneration, type DemoFormat } from './library.js';

const MIB = 1024 * 1024;

export async function tinyImage(format: 'png' | 'jpeg' | 'webp' | 'gif'): Promise<Buffer> {
  const img = sharp({ create: { width: 16, height: 12, channels: 3, background: { r: 120, g: 40, b: 200 } } });
  if (format === 'png') return img.png().toBuffer();
  if (format === 'jpeg') return img.jpeg().toBuffer();
  if (format === 'webp') return img.webp().toBuffer();
  return img.gif().toBuffer();
}

/** A PNG with `count` zTXt chunks (or compressed iTXt) that each inflate to `inflated` bytes. */
export async function zTxtBombPng(count: number, inflated = 16 * MIB - 1024, type: 'zTXt' | 'iTXt' = 'zTXt'): Promise<Buffer> {
  const deflated = zlib.deflateSync(Buffer.alloc(inflated, 'a'), { level: 9 });
  const chunks: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const key = Buffer.from(`bomb${i}`, 'latin1');
    const header = type === 'zTXt' ? Buffer.from([0, 0]) : Buffer.from([0, 1, 0, 0, 0]);
    chunks.push(pngChunk(type, Buffer.concat([key, header, deflated])));
  }
  return addPngChunks(await tinyImage('png'), chunks);
}

/**
 * A JPEG XL container with `count` `brob` boxes whose Brotli stream unpacks to `inflated` bytes of
 * XMP padding each (a few hundred bytes on disk apiece).
 */
export function brobBombJxl(count: number, inflated = 16 * MIB - 1024, type: 'xml ' | 'Exif' = 'xml '): Buffer {
  const body = Buffer.alloc(inflated, 0x20);
  body.write('<x:xmpmeta xmlns:x="adobe:ns:meta/">', 0, 'latin1');
  body.write('</x:xmpmeta>', inflated - 12, 'latin1');
  const packed = zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } });
  const brob = Buffer.concat([Buffer.from(type, 'latin1'), packed]);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(brob.length + 8);
  head.write('brob', 4, 'latin1');
  const plain = jxlContainer(JXL_CODESTREAM_64X48_RGB, []);
  // Before the codestream box, where libjxl puts metadata boxes.
  const at = plain.length - (JXL_CODESTREAM_64X48_RGB.length + 8);
  return Buffer.concat([plain.subarray(0, at), ...Array.from({ length: count }, () => Buffer.concat([head, brob])), plain.subarray(at)]);
}

/** A JPEG XL container whose XMP box claims 4 GiB (more than the file), ending the file. */
export function boxSizeLieJxl(xmp: string): Buffer {
  const file = jxlContainer(JXL_CODESTREAM_64X48_RGB, [{ type: 'xml ', data: Buffer.from(xmp, 'utf8') }]);
  // Move the XMP box after the codestream, then make it claim 0xffffffff bytes.
  const xmpAt = file.indexOf('xml ', 0, 'latin1') - 4;
  const xmpBox = Buffer.from(file.subarray(xmpAt, xmpAt + file.readUInt32BE(xmpAt)));
  xmpBox.writeUInt32BE(0xffffffff);
  return Buffer.concat([file.subarray(0, xmpAt), file.subarray(xmpAt + file.readUInt32BE(xmpAt)), xmpBox]);
}

/** A PNG with `count` tEXt chunks of one keyword. */
export async function repeatedTextPng(count: number, key = 'parameters', text = 'Steps: 20, Seed: 1'): Promise<Buffer> {
  const chunk = pngChunk('tEXt', pngTextData({ type: 'tEXt', key, text }));
  return addPngChunks(await tinyImage('png'), Array.from({ length: count }, () => chunk));
}

function jpegSegment(marker: number, payload: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

/** A JPEG with `count` COM segments right after SOI. */
export async function repeatedCommentJpeg(count: number, text = 'a comment'): Promise<Buffer> {
  const jpeg = await tinyImage('jpeg');
  const segment = jpegSegment(0xfe, Buffer.from(text, 'utf8'));
  return Buffer.concat([jpeg.subarray(0, 2), ...Array.from({ length: count }, () => segment), jpeg.subarray(2)]);
}

/** A JPEG with `count` EXIF APP1 segments, each a small UserComment. */
export async function repeatedExifJpeg(count: number): Promise<Buffer> {
  const jpeg = await tinyImage('jpeg');
  const segment = jpegSegment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), buildExif({ UserComment: { text: 'Steps: 20', encoding: 'ascii' } })]));
  return Buffer.concat([jpeg.subarray(0, 2), ...Array.from({ length: count }, () => segment), jpeg.subarray(2)]);
}

function riffChunk(fourcc: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.write(fourcc, 0, 'latin1');
  head.writeUInt32LE(data.length, 4);
  return Buffer.concat([head, data, data.length & 1 ? Buffer.from([0]) : Buffer.alloc(0)]);
}

/** A WebP with `count` chunks of one FourCC (`XMP `, `EXIF` or an unknown one) after the image. */
export async function repeatedChunkWebp(count: number, fourcc: 'XMP ' | 'EXIF' | 'JUNK' = 'XMP '): Promise<Buffer> {
  const webp = await tinyImage('webp');
  const payload =
    fourcc === 'EXIF'
      ? buildExif({ UserComment: { text: 'Steps: 20', encoding: 'ascii' } })
      : fourcc === 'XMP '
        ? Buffer.from('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:title="t"/></rdf:RDF></x:xmpmeta>')
        : Buffer.from('junk');
  const chunk = riffChunk(fourcc, payload);
  const body = Buffer.concat([webp.subarray(8), ...Array.from({ length: count }, () => chunk)]);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

/** A GIF with `count` comment extensions before the trailer. */
export async function repeatedCommentGif(count: number, text = 'a comment'): Promise<Buffer> {
  const gif = await tinyImage('gif');
  const bytes = Buffer.from(text, 'latin1');
  const ext = Buffer.concat([Buffer.from([0x21, 0xfe, bytes.length]), bytes, Buffer.from([0])]);
  return Buffer.concat([gif.subarray(0, gif.length - 1), ...Array.from({ length: count }, () => ext), Buffer.from([0x3b])]);
}

/** An A1111 `parameters` chunk with a prompt of about `bytes` (weights, nesting, LoRAs, BREAKs). */
export async function hugeInfotextPng(bytes: number): Promise<Buffer> {
  const unit = '((masterpiece:1.2)), [a|b], <lora:style_N:0.8>, a cat BREAK ';
  const prompt = Array.from({ length: Math.ceil(bytes / unit.length) }, (_, i) => unit.replace('N', String(i))).join('');
  const text = `${prompt}\nNegative prompt: ${'(bad:1.1), '.repeat(1000)}\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512`;
  return addPngText(await tinyImage('png'), [{ type: 'tEXt', key: 'parameters', text }]);
}

/** A ComfyUI `prompt` graph whose sampler input holds a list nested `depth` levels deep. */
export function deepComfyPrompt(depth: number): string {
  const nested = '['.repeat(depth) + ']'.repeat(depth);
  return `{"3":{"class_type":"KSampler","inputs":{"seed":1,"steps":20,"cfg":7,"sampler_name":"euler","scheduler":"normal","positive":${nested},"negative":["7",0]}},"7":{"class_type":"CLIPTextEncode","inputs":{"text":"x"}}}`;
}

export async function deepJsonPng(depth: number, key = 'prompt'): Promise<Buffer> {
  return addPngText(await tinyImage('png'), [{ type: 'tEXt', key, text: deepComfyPrompt(depth) }]);
}

/** Generator-like images (A1111 and ComfyUI, PNG / JPEG / WebP) as mutation seeds. */
export async function seedImages(count = 6): Promise<{ name: string; bytes: Buffer }[]> {
  const formats: DemoFormat[] = ['png', 'jpeg', 'webp'];
  const out: { name: string; bytes: Buffer }[] = [];
  for (let i = 0; i < count; i++) {
    const g = makeGeneration(i + 1);
    const format = formats[i % formats.length];
    out.push({ name: `seed-${g.tool}-${i}.${format === 'jpeg' ? 'jpg' : format}`, bytes: await encodeGeneration(g, format, 0.125) });
  }
  return out;
}

/** The file cut at `fraction` of its length. */
export function truncated(bytes: Uint8Array, fraction: number): Buffer {
  return Buffer.from(bytes.subarray(0, Math.floor(bytes.length * fraction)));
}

/** A copy with `flips` random bits flipped (deterministic for a seed). */
export function bitFlipped(bytes: Uint8Array, flips: number, seed: number): Buffer {
  const out = Buffer.from(bytes);
  const r = rng(seed);
  for (let i = 0; i < flips; i++) {
    const at = Math.floor(r() * out.length);
    out[at] ^= 1 << Math.floor(r() * 8);
  }
  return out;
}
