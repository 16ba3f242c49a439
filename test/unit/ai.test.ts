/** The AI building blocks on their own: hashes, grouping, fusion, tagging, vocabulary, index, encoder. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { dHash, hammingDistance, NEAR_DUPLICATE_BITS, perceptualHash } from '../../src/ingest/phash.js';
import { nearDuplicateGroups } from '../../src/library/duplicates.js';
import { reciprocalRankFusion, RRF_K } from '../../src/ai/hybrid.js';
import { ZeroShotTagger, MIN_Z } from '../../src/ai/zero-shot.js';
import { parseVocabulary, loadVocabulary } from '../../src/ai/vocabulary.js';
import { VectorIndex } from '../../src/ai/vector-index.js';
import { Encoder, normaliseSiglipText } from '../../src/ai/encoder.js';
import { ModelUnsupportedError } from '../../src/ai/interface.js';
import { loadModelInfo } from '../../src/ai/models.js';
import { embedLanes, embedThreads } from '../../src/ai/embedding-job.js';
import { ortOptions } from '../../src/ai/ort-options.js';
import { writeTestModel, breakVisionTower, colorEmbedding, TEST_MODEL_NAME, TEST_MODEL_NAMES, TEST_MODEL_SHAPES, TEST_OPENCLIP_MODEL_NAME, TEST_SIGLIP_MODEL_NAME } from '../../scripts/make-test-model.js';
import { BASE, patternPixels } from '../support/colors.js';
import { tempDir } from '../support/fixtures.js';

const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return Float32Array.from(v, (x) => x / n);
};
const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);

async function patternPng(seed: number, size = 256): Promise<Buffer> {
  return sharp(patternPixels(BASE.red, seed, size), { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
}

describe('perceptual hash', () => {
  it('keeps resized and re-encoded copies within a few bits and different pictures far apart', async () => {
    const original = await patternPng(1);
    const h = await perceptualHash(original);
    expect(h).toMatch(/^[0-9a-f]{16}$/);
    expect(hammingDistance(h, await perceptualHash(await sharp(original).resize(100).jpeg({ quality: 60 }).toBuffer()))).toBeLessThanOrEqual(NEAR_DUPLICATE_BITS);
    const others = await Promise.all([2, 3, 4, 5].map(async (s) => hammingDistance(h, await perceptualHash(await patternPng(s)))));
    for (const d of others) expect(d).toBeGreaterThan(16);
    expect(hammingDistance('ffffffffffffffff', '0000000000000000')).toBe(64);
    expect(hammingDistance('8000000000000001', '0000000000000000')).toBe(2);
  });

  it('rejects what is not an image', async () => {
    await expect(perceptualHash(Buffer.from('not an image'))).rejects.toThrow();
  });
});

describe('dHash of decoded pixels', () => {
  /** Grey pixels from a function of (x, y), in 1–4 channels. */
  const pixels = (width: number, height: number, channels: number, grey: (x: number, y: number) => number, alpha = 255) => {
    const data = new Uint8Array(width * height * channels);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const p = (y * width + x) * channels;
        const g = grey(x, y);
        data.fill(g, p, p + Math.min(channels, 3));
        if (channels === 2 || channels === 4) data[p + channels - 1] = alpha;
      }
    }
    return data;
  };

  it('sets a bit where the left cell is brighter: a left-to-right fall is all ones, a rise all zeros', () => {
    expect(dHash(pixels(90, 80, 3, (x) => 255 - x * 2), 90, 80, 3)).toBe('ffffffffffffffff');
    expect(dHash(pixels(90, 80, 3, (x) => x * 2), 90, 80, 3)).toBe('0000000000000000');
    // Only the top half falls: the first 32 bits (rows 0–3) are set.
    expect(dHash(pixels(90, 80, 1, (x, y) => (y < 40 ? 255 - x * 2 : x * 2)), 90, 80, 1)).toBe('ffffffff00000000');
  });

  it('gives grey, RGB and their alpha forms the same hash, and counts transparent pixels as black', () => {
    const grey = (x: number, y: number) => (x * 7 + y * 13) % 256;
    const expected = dHash(pixels(64, 48, 1, grey), 64, 48, 1);
    expect(expected).not.toBe('0000000000000000');
    for (const channels of [2, 3, 4]) expect(dHash(pixels(64, 48, channels, grey), 64, 48, channels)).toBe(expected);
    // Fully transparent: whatever colour hides under it, the picture is black.
    expect(dHash(pixels(64, 48, 4, grey, 0), 64, 48, 4)).toBe('0000000000000000');
  });

  it('hashes images smaller than its 9×8 grid, down to one pixel', () => {
    expect(dHash(pixels(1, 1, 3, () => 200), 1, 1, 3)).toBe('0000000000000000');
    // Three columns, bright to dark: each spans three cells; the two boundaries between them fall.
    const three = dHash(pixels(3, 2, 1, (x) => 250 - x * 100), 3, 2, 1);
    expect(three).toMatch(/^[0-9a-f]{16}$/);
    expect(hammingDistance(three, '0000000000000000')).toBe(16);
  });

  it('refuses pixel counts its buffer cannot hold', () => {
    expect(() => dHash(new Uint8Array(10), 4, 4, 3)).toThrow(/do not fit/);
    expect(() => dHash(new Uint8Array(10), 0, 4, 1)).toThrow();
  });
});

describe('near-duplicate grouping', () => {
  const flip = (hex: string, bits: number[]) => {
    let v = BigInt(`0x${hex}`);
    for (const b of bits) v ^= 1n << BigInt(b);
    return v.toString(16).padStart(16, '0');
  };
  const base = '5ba5194e3386c633';

  it('groups hashes within the threshold, transitively, and nothing else', () => {
    const rows = [
      { id: 1, hash: 'a', phash: base },
      { id: 2, hash: 'b', phash: flip(base, [0, 17, 40]) },
      { id: 3, hash: 'c', phash: flip(base, [0, 17, 40, 41, 50, 63, 5, 9]) }, // 5 bits from 2
      { id: 4, hash: 'd', phash: flip(base, Array.from({ length: 30 }, (_, i) => i * 2)) },
      { id: 5, hash: 'e', phash: 'ffff0000ffff0000' },
      { id: 6, hash: 'e', phash: 'ffff0000ffff0000' },
    ];
    const groups = nearDuplicateGroups(rows);
    expect(groups.map((g) => g.ids)).toEqual([[1, 2, 3], [5, 6]]);
    expect(groups[1].reason).toBe('identical files (same content hash)');
    expect(groups[0].reason).toMatch(/within \d+ of 64 bits$/);
  });

  it('lets CLIP veto a pair whose pictures differ', () => {
    const rows = [
      { id: 1, hash: 'a', phash: base },
      { id: 2, hash: 'b', phash: flip(base, [3]) },
      { id: 3, hash: 'c', phash: flip(base, [7]) },
    ];
    const groups = nearDuplicateGroups(rows, { cosines: (pairs) => pairs.map(([a, b]) => (a === 3 || b === 3 ? 0.3 : 0.97)) });
    expect(groups.map((g) => g.ids)).toEqual([[1, 2]]);
    expect(groups[0].reason).toMatch(/CLIP similarity ≥ 0.85/);
  });
});

describe('reciprocal rank fusion', () => {
  it('sums 1/(k + rank) over the lists', () => {
    const fused = reciprocalRankFusion([
      [10, 20, 30],
      [30, 40],
    ]);
    // 20 and 40 tie (both second in one list): the lower id first, so results are stable.
    expect(fused.map((f) => f.id)).toEqual([30, 10, 20, 40]);
    expect(fused[0].score).toBeCloseTo(1 / (RRF_K + 3) + 1 / (RRF_K + 1), 12);
    expect(fused[0].ranks).toEqual([3, 1]);
    expect(fused.find((f) => f.id === 20)!.ranks).toEqual([2, null]);
  });
});

describe('zero-shot tagger', () => {
  const entries = ['red', 'blue', 'green', 'cat', 'dog', 'tree', 'car', 'house'].map((tag) => ({ tag, text: tag }));
  const axes = entries.map((_, i) => unit(Array.from({ length: 8 }, (_, d) => (d === i ? 1 : 0.05))));

  it('picks the tags that stand out from the image’s own scores', () => {
    const tagger = new ZeroShotTagger(entries, axes);
    const tags = tagger.tagsFor(unit([0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]));
    expect(tags.map((t) => t.name)).toEqual(['red']);
    expect(tags[0].confidence).toBeGreaterThan(0.5);
    expect(tags[0].confidence).toBeLessThanOrEqual(1);
  });

  it('gives nothing when no score stands out (a flat distribution)', () => {
    const tagger = new ZeroShotTagger(entries, axes);
    expect(tagger.tagsFor(unit(Array(8).fill(1)))).toEqual([]);
    expect(MIN_Z).toBeGreaterThan(1);
  });
});

describe('vocabulary', () => {
  it('reads tags, optional texts and comments; later duplicates are dropped', () => {
    const entries = parseVocabulary('# comment\nred | a red picture\n\ncat\nCat\n  oil painting  \n');
    expect(entries).toEqual([
      { tag: 'red', text: 'a red picture' },
      { tag: 'cat', text: 'a picture of cat' },
      { tag: 'oil painting', text: 'a picture of oil painting' },
    ]);
  });

  it('ships a default list of a few hundred tags', () => {
    const v = loadVocabulary();
    expect(v.entries.length).toBeGreaterThan(250);
    expect(v.signature).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('vector index', () => {
  const dim = 8;
  const vectors = Array.from({ length: 300 }, (_, i) => unit(Array.from({ length: dim }, (_, d) => Math.sin(i * 0.37 + d * 1.3) + (d === i % dim ? 1 : 0))));
  const items = vectors.map((vector, i) => ({ id: i + 1, vector }));
  const exactTop = (q: Float32Array, k: number, exclude = new Set<number>()) =>
    items
      .filter((it) => !exclude.has(it.id))
      .map((it) => ({ id: it.id, score: cosine(q, it.vector) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, k)
      .map((h) => h.id);

  it('answers exactly below its threshold and like exact search above it', () => {
    const dir = tempDir('vv-vec-');
    const small = new VectorIndex({ file: path.join(dir, 'a.usearch'), dim, exactThreshold: 1000 });
    const graph = new VectorIndex({ file: path.join(dir, 'b.usearch'), dim, exactThreshold: 0, quantization: 'f32' });
    small.add(items);
    graph.add(items);
    expect(small.exact).toBe(true);
    expect(graph.exact).toBe(false);
    for (const q of [vectors[3], vectors[150], unit([1, 0, 0, 0, 0, 0, 0, 1])]) {
      expect(small.search(q, 10).map((h) => h.id)).toEqual(exactTop(q, 10));
      const recall = graph.search(q, 10).filter((h) => exactTop(q, 10).includes(h.id)).length;
      expect(recall).toBeGreaterThanOrEqual(9);
    }
    const top = small.search(vectors[41], 1)[0];
    expect(top).toEqual({ id: 42, score: expect.closeTo(1, 5) });
  });

  it('removes and replaces vectors', () => {
    const index = new VectorIndex({ file: path.join(tempDir('vv-vec-'), 'x.usearch'), dim });
    index.add(items);
    index.remove([42, 7]);
    expect(index.size).toBe(298);
    expect(index.search(vectors[41], 5).map((h) => h.id)).toEqual(exactTop(vectors[41], 5, new Set([42, 7])));
    index.add([{ id: 1, vector: vectors[99] }]);
    expect(index.size).toBe(298);
    expect(index.search(vectors[99], 2).map((h) => h.id).sort((a, b) => a - b)).toEqual([1, 100]);
  });

  it('loads a saved index of the same generation and rebuilds a stale one', () => {
    const file = path.join(tempDir('vv-vec-'), 'm.usearch');
    const first = new VectorIndex({ file, dim, exactThreshold: 0 });
    first.load({ count: () => items.length, generation: '7', rows: () => items });
    expect(first.rebuiltBecause).toBe('no index file');
    expect(fs.existsSync(file)).toBe(true);
    let read = 0;
    const rows = function* () {
      for (const it of items) {
        read++;
        yield it;
      }
    };
    const second = new VectorIndex({ file, dim, exactThreshold: 0 });
    second.load({ count: () => items.length, generation: '7', rows });
    expect(second.rebuiltBecause).toBeNull();
    expect(read).toBe(0);
    expect(second.search(vectors[10], 1)[0].id).toBe(11);
    const third = new VectorIndex({ file, dim, exactThreshold: 0 });
    third.load({ count: () => items.length, generation: '8', rows });
    expect(third.rebuiltBecause).toMatch(/older than the stored vectors/);
    expect(read).toBe(items.length);
  });
});

describe('the vector index and the presence log', () => {
  const dim = 8;
  const rand = (seed: number) => unit(Array.from({ length: dim }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233)));
  const all = Array.from({ length: 200 }, (_, n) => ({ id: n + 1, vector: rand(n + 1) }));

  it('drops vanished images, takes returned ones back, and replays what a saved file missed', () => {
    const file = path.join(tempDir('vv-vec-'), 'p.usearch');
    const present = new Set(all.map((i) => i.id));
    const source = (presence: number, changes?: (seq: number) => { seq: number; removed: number[]; restored: { id: number; vector: Float32Array }[] }) => ({
      generation: '3',
      presence,
      count: () => present.size,
      rows: () => all.filter((i) => present.has(i.id)),
      changesSince: changes,
    });
    // The graph (no brute-force copy), as at scale.
    const first = new VectorIndex({ file, dim, exactThreshold: 0 });
    first.load(source(0));
    expect(first.size).toBe(200);
    const gone = [5, 17, 99];
    for (const id of gone) present.delete(id);
    first.applyPresence({ seq: 4, removed: [...gone, 1000], restored: [] });
    expect(first.size).toBe(197);
    expect(first.presence).toBe(4);
    expect(first.search(all[16].vector, 5).map((h) => h.id)).not.toContain(17);
    first.save('3');

    // Saved at position 4; meanwhile 17 came back and 150 vanished (positions 5, 6).
    present.add(17);
    present.delete(150);
    let asked = -1;
    const second = new VectorIndex({ file, dim, exactThreshold: 0 });
    second.load(
      source(6, (seq) => {
        asked = seq;
        return { seq: 6, removed: [150], restored: [{ id: 17, vector: all[16].vector }] };
      }),
    );
    expect(asked).toBe(4);
    expect(second.rebuiltBecause).toBeNull();
    expect(second.size).toBe(197);
    expect(second.search(all[16].vector, 1)[0].id).toBe(17);
    expect(second.has(150)).toBe(false);

    // A file saved ahead of the store, or behind it with no way to replay, is rebuilt.
    second.save('3');
    const third = new VectorIndex({ file, dim, exactThreshold: 0 });
    third.load(source(2));
    expect(third.rebuiltBecause).toMatch(/present/);
    expect(third.size).toBe(197);
  });
});

describe('encoder with the generated test model', () => {
  it('embeds colour words and flat colours into the same direction, through the real tokenizer and ORT', async () => {
    const dir = tempDir('vv-model-');
    writeTestModel(dir);
    const encoder = new Encoder(loadModelInfo(dir, TEST_MODEL_NAME));
    const [red, blueSky, nothing] = await encoder.embedTexts(['red', 'a photo of the blue sky', 'zzz qqq']);
    const expectedRed = unit(colorEmbedding([220, 30, 30]));
    expect(cosine(red, expectedRed)).toBeCloseTo(1, 5);
    expect(cosine(blueSky, unit(colorEmbedding([30, 60, 220])))).toBeGreaterThan(0.9);
    expect(Array.from(nothing).every((x) => x === 0)).toBe(true);
    const flatRed = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 220, g: 30, b: 30 } } }).png().toBuffer();
    const [image] = await encoder.embedImages([flatRed]);
    expect(image).toHaveLength(16);
    expect(cosine(image, expectedRed)).toBeCloseTo(1, 4);
    await encoder.close();
  });

  it('runs a SigLIP-shaped export: text padded to its fixed 64 tokens, its outputs, 0.5 normalisation, squashed not cropped', async () => {
    const dir = tempDir('vv-model-');
    writeTestModel(dir, 'clip');
    writeTestModel(dir, 'siglip');
    const siglipInfo = loadModelInfo(dir, TEST_SIGLIP_MODEL_NAME);
    expect(siglipInfo).toMatchObject({ resizeMode: 'squash', mean: [0.5, 0.5, 0.5], imageSize: 224, manifest: { family: 'siglip' } });
    const siglip = new Encoder(siglipInfo);
    const clip = new Encoder(loadModelInfo(dir, TEST_MODEL_NAME));
    const [red, blueSky] = await siglip.embedTexts(['red', 'a photo of the blue sky']);
    expect(cosine(red, unit(colorEmbedding([220, 30, 30], 'siglip')))).toBeCloseTo(1, 5);
    expect(cosine(blueSky, unit(colorEmbedding([30, 60, 220], 'siglip')))).toBeGreaterThan(0.9);
    // A wide picture: a red square between two blue bands. Cropping the centre (CLIP) sees red;
    // squashing the whole picture (SigLIP) sees the mean of red and blue.
    const red224 = { r: 220, g: 30, b: 30 };
    const blue = { r: 30, g: 60, b: 220 };
    const band = await sharp({ create: { width: 112, height: 224, channels: 3, background: blue } }).png().toBuffer();
    const wide = await sharp({ create: { width: 448, height: 224, channels: 3, background: red224 } })
      .composite([
        { input: band, left: 0, top: 0 },
        { input: band, left: 336, top: 0 },
      ])
      .png()
      .toBuffer();
    const [seenBySiglip] = await siglip.embedImages([wide]);
    const [seenByClip] = await clip.embedImages([wide]);
    expect(cosine(seenByClip, unit(colorEmbedding([220, 30, 30])))).toBeGreaterThan(0.999);
    expect(cosine(seenBySiglip, unit(colorEmbedding([125, 45, 125], 'siglip')))).toBeGreaterThan(0.999);
    expect(cosine(seenBySiglip, unit(colorEmbedding([220, 30, 30], 'siglip')))).toBeLessThan(0.95);
    await siglip.close();
    await clip.close();
  });

  it('runs an open_clip export laid out as Immich ships the default model: visual/ and textual/, named int32 inputs, preprocess_cfg.json', async () => {
    const dir = tempDir('vv-model-');
    writeTestModel(dir, 'openclip');
    const info = loadModelInfo(dir, TEST_OPENCLIP_MODEL_NAME);
    expect(info).toMatchObject({ resizeMode: 'shortest', imageSize: 224, manifest: { tokenizer_dir: 'textual', text_dtype: 'int32' } });
    const encoder = new Encoder(info);
    const [red, blueSky] = await encoder.embedTexts(['red', 'a photo of the blue sky']);
    expect(cosine(red, unit(colorEmbedding([220, 30, 30])))).toBeCloseTo(1, 5);
    expect(cosine(blueSky, unit(colorEmbedding([30, 60, 220])))).toBeGreaterThan(0.9);
    const green = await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 40, g: 170, b: 60 } } }).jpeg({ quality: 95 }).toBuffer();
    const [image] = await encoder.embedImages([green]);
    expect(cosine(image, unit(colorEmbedding([40, 170, 60])))).toBeGreaterThan(0.999);
    await encoder.close();
  });
});

describe('the loader reads each export as it is', () => {
  const texts = Array.from({ length: 70 }, (_, i) => ['red', 'blue sky', 'green grass', 'a photo of a cat'][i % 4]);

  it.each(TEST_MODEL_SHAPES)('%s: passes its self-check and embeds 70 texts and 5 images whatever the batch the export allows', async (shape) => {
    const dir = tempDir('vv-model-');
    writeTestModel(dir, shape);
    const encoder = new Encoder(loadModelInfo(dir, TEST_MODEL_NAMES[shape]));
    const report = await encoder.selfCheck();
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.ids).toEqual(report.expected_ids);
    expect(report.vision.batch).toBe(shape === 'openclip' ? 1 : null);
    expect(report.text).toMatchObject(
      shape === 'openclip' ? { input: 'text', tokenType: 'int32', batch: 1, length: 77, output: 'embedding' } : { input: 'input_ids', tokenType: 'int64', batch: null, length: null, output: shape === 'siglip' ? 'pooler_output' : 'text_embeds' },
    );
    const family = shape === 'siglip' ? 'siglip' : 'clip';
    const vectors = await encoder.embedTexts(texts);
    expect(vectors).toHaveLength(70);
    expect(cosine(vectors[68], unit(colorEmbedding([220, 30, 30], family)))).toBeCloseTo(1, 5);
    expect(cosine(vectors[69], unit(colorEmbedding([30, 60, 220], family)))).toBeGreaterThan(0.9);
    const colours = [[220, 30, 30], [30, 60, 220], [40, 170, 60], [235, 215, 40], [130, 50, 180]] as [number, number, number][];
    const pngs = await Promise.all(colours.map(([r, g, b]) => sharp({ create: { width: 40, height: 40, channels: 3, background: { r, g, b } } }).png().toBuffer()));
    const images = await encoder.embedImages(pngs);
    images.forEach((v, i) => expect(cosine(v, unit(colorEmbedding(colours[i], family)))).toBeGreaterThan(0.999));
    await encoder.close();
  });

  it.each(TEST_MODEL_SHAPES)('%s: truncates long text so the end token survives, and pads as the tower needs', async (shape) => {
    const dir = tempDir('vv-model-');
    writeTestModel(dir, shape);
    const encoder = new Encoder(loadModelInfo(dir, TEST_MODEL_NAMES[shape]));
    const long = Array.from({ length: 120 }, () => 'red').join(' ');
    const [ids, short] = await encoder.tokenize([long, 'red']);
    const max = shape === 'siglip' ? 64 : 77;
    const end = 1; // `</s>` and `<|endoftext|>` are both id 1 in the generated vocabularies
    expect(ids).toHaveLength(max);
    expect(ids[max - 1]).toBe(end);
    // Padded to the longest in the run (transformers.js CLIP) or to the fixed / trained length.
    expect(short).toHaveLength(max);
    const [alone] = await encoder.tokenize(['red']);
    expect(alone).toHaveLength(shape === 'clip' ? 3 : max);
    await encoder.close();
  });

  it('normalises SigLIP text as its reference tokenizer does: lower case, ASCII punctuation removed', async () => {
    expect(normaliseSiglipText("  A Bird's-Eye  VIEW, of Red!  ")).toBe('a birdseye view of red');
    const dir = tempDir('vv-model-');
    writeTestModel(dir, 'siglip');
    const encoder = new Encoder(loadModelInfo(dir, TEST_SIGLIP_MODEL_NAME));
    const [plain, shouted] = await encoder.tokenize(['red sky', 'RED, Sky!']);
    expect(shouted).toEqual(plain);
    const [a, b] = await encoder.embedTexts(['red', 'Red!']);
    expect(cosine(a, b)).toBeCloseTo(1, 6);
    await encoder.close();
  });

  it.each(['nhwc', 'uint8', 'dim'] as const)('refuses a %s vision tower with model_unsupported, naming what it found', async (how) => {
    const dir = tempDir('vv-model-');
    breakVisionTower(writeTestModel(dir, 'clip'), how);
    const encoder = new Encoder(loadModelInfo(dir, TEST_MODEL_NAME));
    const err = await encoder.embedPixels([new Float32Array(3 * 224 * 224)]).catch((e: Error) => e);
    expect(err).toBeInstanceOf(ModelUnsupportedError);
    expect((err as ModelUnsupportedError).code).toBe('model_unsupported');
    const found = { nhwc: /pixels float32 \[batch_size, 224, 224, 3\].*NHWC/, uint8: /pixels uint8 \[batch_size, 3, 224, 224\].*not float32/, dim: /image_embeds has 32 dimensions, model.json says dim 16/ }[how];
    expect((err as Error).message).toMatch(found);
  });
});

describe('ONNX Runtime threads', () => {
  it('gives the embedding worker every core unless VV_EMBED_THREADS says otherwise, with idle threads that do not spin', () => {
    const before = process.env.VV_EMBED_THREADS;
    try {
      delete process.env.VV_EMBED_THREADS;
      expect(embedThreads()).toBe(os.availableParallelism());
      process.env.VV_EMBED_THREADS = '3';
      expect(embedThreads()).toBe(3);
      process.env.VV_EMBED_THREADS = 'lots';
      expect(embedThreads()).toBe(os.availableParallelism());
    } finally {
      if (before === undefined) delete process.env.VV_EMBED_THREADS;
      else process.env.VV_EMBED_THREADS = before;
    }
    expect(ortOptions(2)).toMatchObject({ intraOpNumThreads: 2, extra: { session: { intra_op: { allow_spinning: '0' } } } });
  });

  it('runs a small vision tower in one worker per thread, a large one (float ViT-B/32) once with every thread, unless VV_EMBED_LANES says', () => {
    const before = process.env.VV_EMBED_LANES;
    try {
      delete process.env.VV_EMBED_LANES;
      expect(embedLanes(2, 96 * 1024 * 1024)).toBe(2); // int8 ViT-B/32
      expect(embedLanes(4, 351 * 1024 * 1024)).toBe(1); // float ViT-B/32
      process.env.VV_EMBED_LANES = '3';
      expect(embedLanes(2, 351 * 1024 * 1024)).toBe(2); // never more lanes than threads
      expect(embedLanes(4, 351 * 1024 * 1024)).toBe(3);
      process.env.VV_EMBED_LANES = 'many';
      expect(embedLanes(2, 96 * 1024 * 1024)).toBe(2);
    } finally {
      if (before === undefined) delete process.env.VV_EMBED_LANES;
      else process.env.VV_EMBED_LANES = before;
    }
  });

  it('runs a model with the options every session uses', async () => {
    const dir = tempDir('vv-ort-options-');
    const info = loadModelInfo(dir, path.basename(writeTestModel(dir, 'clip')));
    const [red] = await new Encoder(info, 2).embedTexts(['red']);
    expect(cosine(red, unit(colorEmbedding([220, 30, 30])))).toBeCloseTo(1, 5);
  });
});

describe('query text encoder in its own thread', () => {
  it('gives the vectors the encoder gives in-process, loads ahead with warm(), and keeps the class of a model that fails', async () => {
    const { QueryTextEncoder } = await import('../../src/ai/query-text-encoder.js');
    const { ModelFailedError } = await import('../../src/ai/runtime.js');
    const dir = tempDir('vv-query-encoder-');
    writeTestModel(dir, 'clip');
    const info = loadModelInfo(dir, TEST_MODEL_NAME);
    const inProcess = new Encoder(info, 1);
    const threaded = new QueryTextEncoder(info);
    threaded.warm();
    const texts = ['red', 'blue sky', 'a photo of a cat'];
    const expected = (await inProcess.embedTexts(texts)).map((v) => Array.from(v));
    expect((await threaded.embedTexts(texts)).map((v) => Array.from(v))).toEqual(expected);
    await Promise.all([threaded.close(), inProcess.close()]);

    const manifest = JSON.parse(fs.readFileSync(path.join(dir, TEST_MODEL_NAME, 'model.json'), 'utf8')) as { text: string };
    fs.writeFileSync(path.join(dir, TEST_MODEL_NAME, manifest.text), 'not an ONNX model');
    const broken = new QueryTextEncoder(loadModelInfo(dir, TEST_MODEL_NAME));
    broken.warm(); // its failure is left for the query to report
    const failure = await broken.embedTexts(['red']).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ModelFailedError);
    expect((failure as Error).message).toMatch(/cannot load/);
    await broken.close();
  }, 60_000);
});
