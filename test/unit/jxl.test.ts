/**
 * JPEG XL (issue 16 items 2 and the container list): size, alpha and animation from the codestream
 * header; Exif, XMP and C2PA from plain and Brotli-compressed (`brob`) boxes; hostile containers
 * bounded like the other readers. Containers are written by src/demo/embed.ts around codestreams
 * libjxl encoded (ffmpeg/libjxl decodes them: checked when the writer was made).
 */
import { describe, expect, it } from 'vitest';
import { encode as cbor } from 'cborg';
import { buildExif, JXL_CODESTREAM_37X23_RGBA, JXL_CODESTREAM_64X48_RGB, jxlContainer, jumbf } from '../../src/demo/embed.js';
import { bitFlipped, boxSizeLieJxl, brobBombJxl, truncated } from '../../src/demo/hostile.js';
import { readContainer, sniffFormat } from '../../src/metadata/readers/index.js';
import { extractMetadata } from '../../src/metadata/extract.js';
import { MAX_FILE_BLOCKS, ReadBudget } from '../../src/metadata/limits.js';

const MIB = 1024 * 1024;
const INFOTEXT = 'a red fox in the snow\nNegative prompt: blurry\nSteps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 5.5, Seed: 1234, Size: 832x1216, Model: juggernautXL';
const xmpPacket = (body: string, ns = '') =>
  `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" ${ns}>${body}</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;
const DESCRIPTION = xmpPacket('<dc:description><rdf:Alt><rdf:li xml:lang="x-default">a lighthouse at dusk</rdf:li></rdf:Alt></dc:description>');

/** Bits least significant first, as the JPEG XL codestream packs them. */
class BitWriter {
  private readonly bits: number[] = [];
  put(value: number, n: number): this {
    for (let i = 0; i < n; i++) this.bits.push(Math.floor(value / 2 ** i) & 1);
    return this;
  }
  bytes(): Buffer {
    const out = Buffer.alloc(Math.ceil(this.bits.length / 8) + 4);
    this.bits.forEach((b, i) => (out[i >> 3] |= b << (i & 7)));
    return Buffer.concat([Buffer.from([0xff, 0x0a]), out]);
  }
}

/**
 * A codestream header (ISO/IEC 18181-1 SizeHeader + ImageMetadata) with an animation header and
 * three extra channels: a named depth channel, a spot colour, then `last` (alpha: all default).
 */
function headerWithExtraChannels(last: 'alpha' | 'depth'): Buffer {
  const w = new BitWriter();
  w.put(0, 1).put(0, 2).put(299, 9).put(0, 3).put(0, 2).put(199, 9); // 200×300, spelled out
  w.put(0, 1).put(1, 1).put(0, 3).put(0, 1).put(0, 1); // not all default; extra fields; orientation; no intrinsic size, no preview
  w.put(1, 1).put(0, 2).put(0, 2).put(0, 2).put(0, 1); // animation: 100/1 ticks per second, loops forever, no timecodes
  w.put(0, 1).put(0, 2).put(1, 1).put(2, 2).put(1, 4); // 8-bit integer samples; 16-bit buffers; 3 extra channels
  w.put(0, 1).put(1, 2).put(0, 1).put(0, 2).put(0, 2).put(1, 2).put(2, 4).put(0x64, 8).put(0x70, 8); // depth, 8-bit, named "dp"
  w.put(0, 1).put(2, 2).put(0, 4).put(0, 1).put(0, 2).put(0, 2).put(0, 2).put(0x3c00, 16).put(0, 16).put(0, 16).put(0x3c00, 16); // spot colour
  if (last === 'alpha') w.put(1, 1);
  else w.put(0, 1).put(1, 2).put(0, 1).put(0, 2).put(0, 2).put(0, 2);
  return w.bytes();
}

describe('JPEG XL reader', () => {
  it('reads the size and alpha of bare libjxl codestreams', async () => {
    expect(sniffFormat(JXL_CODESTREAM_37X23_RGBA)).toBe('jxl');
    const rgba = await readContainer(JXL_CODESTREAM_37X23_RGBA);
    expect(rgba).toMatchObject({ format: 'jxl', width: 37, height: 23, hasAlpha: true, animated: false, warnings: [] });
    const rgb = await readContainer(JXL_CODESTREAM_64X48_RGB);
    expect(rgb).toMatchObject({ format: 'jxl', width: 64, height: 48, hasAlpha: false, warnings: [] });
  });

  it('finds alpha behind other extra channels, and the animation flag', async () => {
    expect(await readContainer(headerWithExtraChannels('alpha'))).toMatchObject({ width: 200, height: 300, animated: true, hasAlpha: true });
    expect(await readContainer(headerWithExtraChannels('depth'))).toMatchObject({ width: 200, height: 300, animated: true, hasAlpha: false });
    const record = await extractMetadata('anim.jxl', jxlContainer(headerWithExtraChannels('alpha'), []));
    expect(record).toMatchObject({ format: 'jxl', media_type: 'animation', pixel_width: 200, pixel_height: 300 });
  });

  it('reads Exif and XMP boxes, plain and Brotli-compressed, with the codestream in jxlc or split over jxlp', async () => {
    const exif = buildExif({ ImageDescription: INFOTEXT, Software: 'Forge', DateTimeOriginal: '2026:11:29 10:11:12' });
    for (const brotli of [false, true]) {
      for (const parts of [1, 3]) {
        const file = jxlContainer(JXL_CODESTREAM_37X23_RGBA, [{ type: 'Exif', data: exif, brotli }, { type: 'xml ', data: Buffer.from(DESCRIPTION), brotli }], { parts });
        const info = await readContainer(file);
        expect(info).toMatchObject({ format: 'jxl', width: 37, height: 23, hasAlpha: true, warnings: [], dateTimeOriginal: '2026-11-29T10:11:12' });
        const prefix = brotli ? 'jxl:brob:' : 'jxl:';
        expect(info.entries.find((e) => e.key === 'ImageDescription')).toMatchObject({ text: INFOTEXT, carrier: `${prefix}Exif:ImageDescription` });
        expect(info.entries.find((e) => e.key === 'dc:description')).toMatchObject({ text: 'a lighthouse at dusk', carrier: `${prefix}xmp:dc:description` });
        const record = await extractMetadata('forge.jxl', file);
        expect(record).toMatchObject({ generator: 'a1111', prompt: 'a red fox in the snow', negative_prompt: 'blurry', seed: 1234, steps: 28, width: 832, height: 1216, pixel_width: 37, pixel_height: 23 });
      }
    }
  });

  it('reads a C2PA manifest store from a jumb box, plain or in brob', async () => {
    const store = jumbf({
      label: 'c2pa',
      type: 'c2pa',
      children: [
        {
          label: 'urn:uuid:0001',
          type: 'c2ma',
          children: [
            { label: 'c2pa.assertions', type: 'c2as', children: [{ label: 'c2pa.actions', type: 'cbor', cbor: cbor({ actions: [{ action: 'c2pa.created', digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia' }] }) }] },
            { label: 'c2pa.claim', type: 'c2cl', cbor: cbor({ claim_generator: 'Adobe_Firefly' }) },
          ],
        },
      ],
    });
    for (const brotli of [false, true]) {
      const record = await extractMetadata('firefly.jxl', jxlContainer(JXL_CODESTREAM_64X48_RGB, [{ type: 'jumb', data: store, brotli }]));
      expect(record).toMatchObject({ generator: 'c2pa', c2pa_claim_generator: 'Adobe_Firefly', ai_generated: true });
      expect((record.raw.c2pa as { carriers: string[] }).carriers[0]).toMatch(brotli ? /^jxl:brob:jumb/ : /^jxl:jumb/);
    }
  });
});

describe('hostile JPEG XL containers', () => {
  it('a box that claims more than the file: reads what is there and says so', async () => {
    const info = await readContainer(boxSizeLieJxl(DESCRIPTION));
    expect(info).toMatchObject({ width: 64, height: 48 });
    expect(info.warnings.join('\n')).toMatch(/JPEG XL box "xml " at offset \d+ claims 4294967295 bytes, beyond the end of the file/);
  });

  it('a container cut inside the codestream header, or without one, is an error record, not a crash', async () => {
    const cut = jxlContainer(JXL_CODESTREAM_37X23_RGBA, []).subarray(0, 12 + 20 + 8 + 2);
    const record = await extractMetadata('cut.jxl', cut);
    expect(record.error).toMatch(/no image dimensions: .*JPEG XL/);
    const noCodestream = await extractMetadata('empty.jxl', jxlContainer(JXL_CODESTREAM_37X23_RGBA, []).subarray(0, 32));
    expect(noCodestream.error).toMatch(/JPEG XL container has no codestream box/);
  });

  it('stops unpacking brob bombs at the per-box and per-file limits and names what it skipped', async () => {
    // Over the 16 MiB a single box may unpack to: not read, said per box.
    const huge = await readContainer(brobBombJxl(1, 17 * MIB));
    expect(huge.warnings.join('\n')).toMatch(/brob box at offset \d+ could not be read: decompresses past 16 MiB/);
    // Three 8 MiB boxes in a 10 MiB budget: one read, two skipped as over the per-file limit.
    const info = await readContainer(brobBombJxl(3, 8 * MIB), new ReadBudget(10 * MIB));
    expect(info.warnings.join('\n')).toMatch(/2 JPEG XL brob payloads that inflate past the 10\.0 MiB per-file text limit/);
    // Many small ones: no more than the per-file block count is unpacked.
    const many = await readContainer(brobBombJxl(MAX_FILE_BLOCKS + 8, 1024));
    expect(many.warnings.join('\n')).toMatch(new RegExp(`8 JPEG XL brob box \\(xml\\) blocks beyond the first ${MAX_FILE_BLOCKS}`));
    expect(many).toMatchObject({ width: 64, height: 48 });
  });

  it('every truncation and bit flip of a container with every box kind gives a record, never a crash', async () => {
    const exif = buildExif({ ImageDescription: INFOTEXT });
    const file = jxlContainer(headerWithExtraChannels('alpha'), [{ type: 'Exif', data: exif, brotli: true }, { type: 'xml ', data: Buffer.from(DESCRIPTION) }, { type: 'Exif', data: exif }], { parts: 2 });
    const variants = [
      ...Array.from({ length: 60 }, (_, i) => truncated(file, (i + 1) / 61)),
      ...Array.from({ length: 120 }, (_, i) => bitFlipped(file, 1 + (i % 8), i * 7919 + 1)),
    ];
    for (const bytes of variants) {
      const record = await extractMetadata('mutated.jxl', bytes);
      expect(() => JSON.stringify(record)).not.toThrow();
      expect(record.error === undefined || typeof record.error === 'string').toBe(true);
      expect(record.error ?? '').not.toMatch(/RangeError|outside the bounds|out of bounds|undefined|Cannot read/i);
    }
  });
});
