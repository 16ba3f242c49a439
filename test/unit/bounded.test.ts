/**
 * Hostile files built in the test (src/demo/hostile.ts): each is read completely, within bounded
 * output, with a warning naming what was cut. No timing assertions beyond the test timeout: before
 * the per-file bounds these took minutes (or crashed), which the timeout turns into a failure.
 */
import { describe, expect, it } from 'vitest';
import zlib from 'node:zlib';
import { extractMetadata, rawFromEntries } from '../../src/metadata/extract.js';
import { readContainer } from '../../src/metadata/readers/index.js';
import { ReadBudget, MAX_FILE_ENTRIES, MAX_RAW_CHARS } from '../../src/metadata/limits.js';
import { parseJsonLoose } from '../../src/metadata/text.js';
import { addPngChunks, pngChunk } from '../../src/demo/embed.js';
import {
  deepComfyPrompt,
  deepJsonPng,
  hugeInfotextPng,
  repeatedChunkWebp,
  repeatedCommentGif,
  repeatedCommentJpeg,
  repeatedExifJpeg,
  repeatedTextPng,
  tinyImage,
  zTxtBombPng,
} from '../../src/demo/hostile.js';
import type { MetadataEntry } from '../../src/metadata/types.js';
import { deriveTags } from '../../src/ingest/tags.js';

const MIB = 1024 * 1024;
/** A record line stays a few MiB: raw is capped at 4 MiB, fields at 1 MiB. */
const MAX_RECORD_JSON = 8 * MIB;

async function readHostile(bytes: Buffer) {
  const record = await extractMetadata('hostile', bytes);
  const json = JSON.stringify(record); // throws on records too deep to serialise
  return { record, json };
}

describe('per-file memory bounds', () => {
  it('stops inflating zTXt bombs at the per-file text limit and says how many chunks it skipped', async () => {
    // 8 chunks × 16 MiB inflated = 128 MiB, each chunk under the old per-chunk cap.
    const { record, json } = await readHostile(await zTxtBombPng(8));
    expect(record.error).toBeUndefined();
    expect(record.warnings.join('\n')).toMatch(/4 PNG zTXt chunks that inflate past the 64\.0 MiB per-file text limit/);
    expect(json.length).toBeLessThan(MAX_RECORD_JSON);
    const rawChars = Object.entries(record.raw).reduce((n, [k, v]) => n + k.length + (typeof v === 'string' ? v.length : JSON.stringify(v).length), 0);
    expect(rawChars).toBeLessThanOrEqual(MAX_RAW_CHARS);
    expect(record.warnings.join('\n')).toMatch(/raw: .*not kept, over the 4 MiB per-file limit/);
  });

  it('bounds compressed iTXt the same way, and honours a smaller budget', async () => {
    const bomb = await zTxtBombPng(3, 8 * MIB, 'iTXt');
    const info = await readContainer(bomb, new ReadBudget(10 * MIB));
    expect(info.entries.filter((e) => e.key.startsWith('bomb'))).toHaveLength(1);
    expect(info.warnings.join('\n')).toMatch(/2 PNG iTXt chunks that inflate past the 10\.0 MiB per-file text limit/);
  });

  it('keeps raw within 4 MiB and names what it cut', () => {
    const entries: MetadataEntry[] = Array.from({ length: 5 }, (_, i) => ({ key: `big${i}`, text: 'x'.repeat(1.5 * MIB), carrier: 'png:tEXt' }));
    const warnings: string[] = [];
    const raw = rawFromEntries(entries, undefined, warnings);
    expect(Object.keys(raw)).toEqual(['big0', 'big1', 'big2']);
    expect((raw.big2 as string).length).toBeLessThan(1.5 * MIB);
    expect(warnings).toEqual([
      'raw: 1 entry cut to the 2 MiB per-entry / 4 MiB per-file limit',
      `raw: 2 more entries (${2 * 1.5 * MIB} characters) not kept, over the 4 MiB per-file limit`,
    ]);
  });
});

describe('per-record bounds', () => {
  it('cuts an 8 MiB prompt with 140k LoRAs to 1 MiB and 256 LoRAs, and derives a bounded tag list', { timeout: 30_000 }, async () => {
    const { record, json } = await readHostile(await hugeInfotextPng(8 * MIB));
    expect(record.generator).toBe('a1111');
    expect(record.prompt!.length).toBe(MIB);
    expect(record.loras).toHaveLength(256);
    expect(record.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^loras: \d+ found, the first 256 kept$/), expect.stringMatching(/^prompt: cut from \d+ to 1048576 characters$/)]));
    expect(json.length).toBeLessThan(MAX_RECORD_JSON);
    expect(deriveTags(record).length).toBeLessThanOrEqual(404);
  });
});

describe('per-file work is linear in the file size', () => {
  const cases: [string, () => Promise<Buffer>, RegExp][] = [
    ['a JPEG with 20k COM segments', () => repeatedCommentJpeg(20_000), /19,000 text entries beyond the first 1000/],
    ['a JPEG with 5k EXIF segments', () => repeatedExifJpeg(5_000), /4,968 JPEG EXIF blocks beyond the first 32/],
    ['a PNG with 150k tEXt chunks of one keyword', () => repeatedTextPng(150_000), /149,000 text entries beyond the first 1000/],
    ['a WebP with 30k XMP chunks', () => repeatedChunkWebp(30_000, 'XMP '), /29,968 WebP XMP blocks beyond the first 32/],
    ['a WebP with 30k EXIF chunks', () => repeatedChunkWebp(30_000, 'EXIF'), /29,968 WebP EXIF blocks beyond the first 32/],
    ['a GIF with 150k comments', () => repeatedCommentGif(150_000), /149,000 text entries beyond the first 1000/],
  ];
  for (const [name, build, cut] of cases) {
    it(`reads ${name} completely, keeping the first entries`, { timeout: 30_000 }, async () => {
      const { record, json } = await readHostile(await build());
      expect(record.error).toBeUndefined();
      expect(record.warnings.join('\n')).toMatch(cut);
      expect(Object.keys(record.raw).length).toBeLessThanOrEqual(MAX_FILE_ENTRIES);
      expect(Object.keys(record.raw).length).toBeGreaterThan(0);
      expect(json.length).toBeLessThan(MAX_RECORD_JSON);
    });
  }

  it('names 50k repeats of one key apart without probing every earlier name', { timeout: 30_000 }, () => {
    const entries: MetadataEntry[] = Array.from({ length: 50_000 }, () => ({ key: 'Comment', text: 'c', carrier: 'jpeg:COM' }));
    const raw = rawFromEntries(entries);
    const keys = Object.keys(raw);
    expect(keys).toHaveLength(50_000);
    expect(keys.slice(0, 3)).toEqual(['Comment', 'Comment (jpeg:COM)', 'Comment (jpeg:COM) #2']);
    expect(keys.at(-1)).toBe('Comment (jpeg:COM) #49999');
  });
});

describe('no recursion depth depends on the input', () => {
  it('keeps a ComfyUI prompt nested 100k levels deep as text, with a warning, and serialises the record', async () => {
    const { record, json } = await readHostile(await deepJsonPng(100_000));
    expect(record.error).toBeUndefined();
    expect(record.warnings).toContain('prompt: JSON nested deeper than 256 levels, kept as text and not parsed');
    expect(typeof record.raw.prompt).toBe('string');
    expect(JSON.parse(json).file).toBe('hostile');
  });

  it('still reads the same deep prompt when zTXt-compressed (a 1 KB file)', async () => {
    const data = Buffer.concat([Buffer.from('prompt\0\0', 'latin1'), zlib.deflateSync(Buffer.from(deepComfyPrompt(100_000)))]);
    const png = addPngChunks(await tinyImage('png'), [pngChunk('zTXt', data)]);
    expect(png.length).toBeLessThan(4096);
    const { record } = await readHostile(png);
    expect(record.warnings).toContain('prompt: JSON nested deeper than 256 levels, kept as text and not parsed');
  });

  it('parses JSON up to the depth limit and refuses deeper', () => {
    const nested = (d: number) => '['.repeat(d) + ']'.repeat(d);
    expect(parseJsonLoose(nested(256))).toBeDefined();
    expect(parseJsonLoose(nested(257))).toBeUndefined();
    // Brackets inside strings are text, not nesting.
    expect(parseJsonLoose(`{"a":"${'['.repeat(1000)}"}`)).toEqual({ a: '['.repeat(1000) });
  });
});
