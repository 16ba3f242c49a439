import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import zlib from 'node:zlib';
import { readContainer, sniffFormat } from '../../src/metadata/readers/index.js';
import { addJpegMetadata, addPngChunks, addPngText, addWebpMetadata, buildExif, pngChunk } from '../../src/demo/embed.js';
import { solidImage } from '../support/fixtures.js';
import { decodeUserComment } from '../../src/metadata/text.js';

const INFOTEXT = 'a cat, (masterpiece:1.2)\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 512x768, Model: sdxl';
const JAPANESE = '初音ミク、テスト, 1girl';
const XMP = `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="Draw Things">
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">a lighthouse &amp; the sea</rdf:li></rdf:Alt></dc:description>
<dc:subject><rdf:Bag><rdf:li>sea</rdf:li><rdf:li>lighthouse</rdf:li></rdf:Bag></dc:subject>
</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;

const entry = (info: Awaited<ReturnType<typeof readContainer>>, key: string) => info.entries.find((e) => e.key === key);

describe('PNG reader', () => {
  it('reads tEXt, zTXt and iTXt chunks of any keyword, and the size from IHDR', async () => {
    const png = addPngText(await solidImage('png', [1, 2, 3], 40, 30), [
      { type: 'tEXt', key: 'parameters', text: INFOTEXT },
      { type: 'zTXt', key: 'compressed', text: 'zipped text '.repeat(50) },
      { type: 'iTXt', key: 'Description', text: JAPANESE },
    ]);
    const info = await readContainer(png);
    expect(info.format).toBe('png');
    expect([info.width, info.height]).toEqual([40, 30]);
    expect(entry(info, 'parameters')?.text).toBe(INFOTEXT);
    expect(entry(info, 'parameters')?.carrier).toBe('png:tEXt');
    expect(entry(info, 'compressed')?.text).toBe('zipped text '.repeat(50));
    expect(entry(info, 'Description')?.text).toBe(JAPANESE);
    expect(info.warnings).toEqual([]);
  });

  it('decodes UTF-8 written into tEXt (as many generators do) and latin-1 otherwise', async () => {
    const base = await solidImage('png');
    const utf8 = addPngChunks(base, [pngChunk('tEXt', Buffer.concat([Buffer.from('prompt\0'), Buffer.from(JAPANESE, 'utf8')]))]);
    expect(entry(await readContainer(utf8), 'prompt')?.text).toBe(JAPANESE);
    const latin1 = addPngChunks(base, [pngChunk('tEXt', Buffer.concat([Buffer.from('prompt\0'), Buffer.from('café crème', 'latin1')]))]);
    expect(entry(await readContainer(latin1), 'prompt')?.text).toBe('café crème');
  });

  it('reads eXIf, XMP iTXt, and text appended after IEND', async () => {
    const exif = buildExif({ UserComment: { text: INFOTEXT, encoding: 'unicode-be' }, byteOrder: 'be' });
    let png = addPngChunks(await solidImage('png'), [pngChunk('eXIf', exif)]);
    png = addPngText(png, [{ type: 'iTXt', key: 'XML:com.adobe.xmp', text: XMP }]);
    png = Buffer.concat([png, Buffer.from('\nSteps: 20, Seed: 1, trailing infotext')]);
    const info = await readContainer(png);
    expect(entry(info, 'UserComment')?.text).toBe(INFOTEXT);
    expect(entry(info, 'UserComment')?.carrier).toBe('png:eXIf:UserComment');
    expect(entry(info, 'dc:description')?.text).toBe('a lighthouse & the sea');
    expect(entry(info, 'dc:subject')?.text).toBe('sea\nlighthouse');
    expect(entry(info, 'xmp:CreatorTool')?.text).toBe('Draw Things');
    expect(entry(info, 'trailing')?.text).toBe('Steps: 20, Seed: 1, trailing infotext');
  });

  it('reports a bad CRC and a chunk running past the end, without throwing', async () => {
    const png = addPngText(await solidImage('png'), [{ type: 'tEXt', key: 'parameters', text: 'hello' }]);
    const corrupt = Buffer.from(png);
    const at = corrupt.indexOf('parameters') + 'parameters\0hello'.length; // CRC follows the data
    corrupt[at] ^= 0xff;
    const info = await readContainer(corrupt);
    expect(info.warnings.some((w) => w.includes('bad CRC'))).toBe(true);
    expect(entry(info, 'parameters')?.text).toBe('hello');

    const truncated = png.subarray(0, png.indexOf('IDAT') + 10);
    const t = await readContainer(truncated);
    expect(t.warnings.some((w) => /beyond the end|truncated/.test(w))).toBe(true);
  });

  it('bounds zTXt decompression (zip bomb) to a warning', async () => {
    const bomb = zlib.deflateSync(Buffer.alloc(64 * 1024 * 1024, 0x41), { level: 9 });
    const png = addPngChunks(await solidImage('png'), [pngChunk('zTXt', Buffer.concat([Buffer.from('bomb\0\0'), bomb]))]);
    const info = await readContainer(png);
    expect(entry(info, 'bomb')).toBeUndefined();
    expect(info.warnings.some((w) => w.includes('zTXt'))).toBe(true);
  });
});

describe('JPEG reader', () => {
  it.each([
    ['ASCII prefix', 'ascii', 'le'],
    ['UNICODE big-endian in a big-endian TIFF (piexif)', 'unicode-be', 'be'],
    ['UNICODE big-endian in a little-endian TIFF', 'unicode-be', 'le'],
    ['UNICODE little-endian', 'unicode-le', 'le'],
    ['no prefix, UTF-8', 'none', 'le'],
  ] as const)('decodes UserComment: %s', async (_name, encoding, byteOrder) => {
    const text = `${INFOTEXT}, ${JAPANESE}`;
    const jpeg = addJpegMetadata(await solidImage('jpeg', [10, 20, 30], 64, 48), { exif: buildExif({ byteOrder, UserComment: { text, encoding } }) });
    const info = await readContainer(jpeg);
    expect(info.format).toBe('jpeg');
    expect([info.width, info.height]).toEqual([64, 48]);
    expect(entry(info, 'UserComment')?.text).toBe(text);
  });

  it('reads ImageDescription, Make, Model, XPComment, DateTimeOriginal, COM and XMP segments', async () => {
    const exif = buildExif({ ImageDescription: 'desc', Make: 'Prompt: {"1":{}}', Model: 'model text', XPComment: 'xp ' + JAPANESE, DateTimeOriginal: '2024:05:10 13:45:00' });
    const jpeg = addJpegMetadata(await solidImage('jpeg'), { exif, comment: 'GIMPで再保存', xmp: XMP });
    const info = await readContainer(jpeg);
    expect(entry(info, 'ImageDescription')?.text).toBe('desc');
    expect(entry(info, 'Make')?.text).toBe('Prompt: {"1":{}}');
    expect(entry(info, 'Model')?.text).toBe('model text');
    expect(entry(info, 'XPComment')?.text).toBe('xp ' + JAPANESE);
    expect(entry(info, 'Comment')?.text).toBe('GIMPで再保存');
    expect(entry(info, 'dc:description')?.text).toBe('a lighthouse & the sea');
    expect(info.dateTimeOriginal).toBe('2024-05-10T13:45:00');
  });

  it('sniffs a JPEG saved with a .png name by its bytes', async () => {
    expect(sniffFormat(await solidImage('jpeg'))).toBe('jpeg');
  });
});

describe('WebP, AVIF and GIF readers', () => {
  it('reads WebP EXIF and XMP chunks and the canvas size', async () => {
    const webp = addWebpMetadata(await solidImage('webp', [1, 2, 3], 50, 20), 50, 20, {
      exif: buildExif({ UserComment: { text: INFOTEXT, encoding: 'unicode-le' } }),
      xmp: XMP,
    });
    const info = await readContainer(webp);
    expect(info.format).toBe('webp');
    expect([info.width, info.height]).toEqual([50, 20]);
    expect(entry(info, 'UserComment')?.text).toBe(INFOTEXT);
    expect(entry(info, 'dc:description')?.text).toBe('a lighthouse & the sea');
  });

  it('reads AVIF Exif and XMP items written by libheif', async () => {
    const avif = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 9, g: 9, b: 9 } } })
      .avif({ effort: 0 })
      .withExif({ IFD0: { ImageDescription: INFOTEXT } })
      .withXmp(XMP)
      .toBuffer();
    const info = await readContainer(avif);
    expect(info.format).toBe('avif');
    expect([info.width, info.height]).toEqual([40, 30]);
    expect(entry(info, 'ImageDescription')?.text).toBe(INFOTEXT);
    expect(entry(info, 'dc:description')?.text).toBe('a lighthouse & the sea');
  });

  it('reads GIF comment extensions', async () => {
    const gif = await solidImage('gif', [5, 5, 5], 20, 10);
    const palette = gif[10] & 0x80 ? 3 * (1 << ((gif[10] & 7) + 1)) : 0;
    const at = 13 + palette;
    const comment = Buffer.from('a gif comment');
    const withComment = Buffer.concat([gif.subarray(0, at), Buffer.from([0x21, 0xfe, comment.length]), comment, Buffer.from([0]), gif.subarray(at)]);
    const info = await readContainer(withComment);
    expect(info.format).toBe('gif');
    expect([info.width, info.height]).toEqual([20, 10]);
    expect(entry(info, 'Comment')?.text).toBe('a gif comment');
  });

  it('rejects files that are not images with a clear error', async () => {
    await expect(readContainer(Buffer.from('this is not an image'))).rejects.toThrow(/not a PNG, JPEG, WebP, AVIF or GIF/);
    await expect(readContainer(Buffer.alloc(0))).rejects.toThrow(/empty/);
  });
});

describe('UserComment decoding', () => {
  it('survives invalid UTF-16 (lone surrogates) without throwing', () => {
    const bytes = Buffer.concat([Buffer.from('UNICODE\0', 'latin1'), Buffer.from([0xd8, 0x00, 0x00, 0x41])]);
    expect(decodeUserComment(bytes, 'be')).toBe('\uFFFDA');
  });
});
