/**
 * Hostile video containers, built box by box (src/demo/video.ts, no ffmpeg needed): truncated
 * `moov`, box sizes that lie, a 2 GB declared atom, 10k tags, EBML size lies, empty-element loops
 * and deep SimpleTag nesting. Each gives a bounded record (a warning or problem), never a hang or a
 * throw past the reader.
 */
import { describe, expect, it } from 'vitest';
import { extractMetadata } from '../../src/metadata/extract.js';
import { MAX_FILE_ENTRIES } from '../../src/metadata/limits.js';
import { comfyPrompt, makeGeneration } from '../../src/demo/generations.js';
import { ebml, ilstItem, mp4Box, simpleTag, syntheticMatroska, syntheticMp4 } from '../../src/demo/video.js';

const g = { ...makeGeneration(5), tool: 'comfyui' as const };
const comment = JSON.stringify({ prompt: JSON.stringify(comfyPrompt(g)) });

async function read(bytes: Buffer) {
  const record = await extractMetadata('hostile', bytes);
  expect(JSON.stringify(record).length).toBeLessThan(8 * 1024 * 1024);
  return record;
}

describe('synthetic containers (the fuzz seeds) read as written', () => {
  it('mp4: the ©cmt graph, 16 frames at 8 fps, h264 64x48', async () => {
    const r = await read(syntheticMp4({ comment }));
    expect(r).toMatchObject({ format: 'mp4', generator: 'comfyui', seed: g.seed, media_type: 'video', frame_count: 16, fps: 8, duration_s: 2, video_codec: 'h264', pixel_width: 64, has_audio: false });
    expect(r.error).toBeUndefined();
  });

  it('webm: the COMMENT graph, vp9, 2 s at 8 fps', async () => {
    const r = await read(syntheticMatroska({ tags: [simpleTag('COMMENT', comment)] }));
    expect(r).toMatchObject({ format: 'webm', generator: 'comfyui', seed: g.seed, media_type: 'video', duration_s: 2, fps: 8, frame_count: 16, video_codec: 'vp9', pixel_height: 48 });
  });
});

describe('hostile MP4', () => {
  it('truncated moov: what is there is read, the cut is a warning', async () => {
    const whole = syntheticMp4({ comment });
    const udta = whole.indexOf('udta', 0, 'latin1');
    const r = await read(whole.subarray(0, udta + 40));
    expect(r.warnings.join('\n')).toMatch(/box moov at offset \d+ claims \d+ bytes, beyond the end/);
    expect(r.frame_count).toBe(16);
  });

  it('box sizes that lie (a child larger than its parent, a zero-size box mid-file) end the walk of that level', async () => {
    const bytes = Buffer.from(syntheticMp4({ comment }));
    const trak = bytes.indexOf('trak', 0, 'latin1') - 4;
    bytes.writeUInt32BE(0x7fffffff, trak);
    const r = await read(bytes);
    expect(r.warnings.join('\n')).toMatch(/box trak .* beyond the end/);
    expect(r.media_type).toBe('video');
  });

  it('a 2 GB declared atom (64-bit size) inside ilst and at the top level: no allocation, a warning', async () => {
    const big = Buffer.alloc(16);
    big.writeUInt32BE(1, 0);
    big.write('©cmt', 4, 'latin1');
    big.writeBigUInt64BE(2n ** 31n, 8);
    const top = Buffer.concat([Buffer.from([0, 0, 0, 1]), Buffer.from('mdat'), Buffer.from([0, 0, 0, 0, 0x80, 0, 0, 0])]);
    const r = await read(Buffer.concat([syntheticMp4({ items: [ilstItem('©nam', 'title'), big] }), top]));
    expect(r.warnings.join('\n')).toMatch(/claims 2147483648 bytes/);
    expect(r.raw.title).toBe('title');
  });

  it('10k ilst items: entries capped at the per-file limit, one warning', async () => {
    const items = Array.from({ length: 10_000 }, (_, i) => ilstItem('©cmt', `comment ${i}`));
    const r = await read(syntheticMp4({ items }));
    expect(Object.keys(r.raw).length).toBeLessThanOrEqual(MAX_FILE_ENTRIES);
    expect(r.warnings.join('\n')).toMatch(/text entries beyond the first 1000/);
  });

  it('a million empty boxes at one level stop at the per-level bound', async () => {
    const empty = mp4Box('free');
    const moov = mp4Box('moov', Buffer.concat(Array.from({ length: 200_000 }, () => empty)));
    const r = await read(Buffer.concat([mp4Box('ftyp', Buffer.from('isom\0\0\0\0isom', 'latin1')), moov]));
    expect(r.error).toMatch(/no video dimensions/);
  });
});

describe('hostile Matroska', () => {
  it('an element size past its parent is cut to the parent, with a warning', async () => {
    const bytes = Buffer.from(syntheticMatroska({ tags: [simpleTag('COMMENT', comment)] }));
    const tags = bytes.indexOf(Buffer.from([0x12, 0x54, 0xc3, 0x67]));
    bytes.writeBigUInt64BE((1n << 56n) | 0xffffffffn, tags + 4);
    const r = await read(bytes);
    expect(r.warnings.join('\n')).toMatch(/element 0x1254c367 .* beyond the end/);
    expect(r.generator).toBe('comfyui');
  });

  it('10k tags: capped entries; 100k empty elements: bounded; SimpleTags nested 10k deep: depth-bounded', async () => {
    const many = await read(syntheticMatroska({ tags: Array.from({ length: 10_000 }, (_, i) => simpleTag(`T${i}`, 'v')) }));
    expect(many.warnings.join('\n')).toMatch(/text entries beyond the first 1000/);
    const voids = await read(syntheticMatroska({ tags: Array.from({ length: 150_000 }, () => Buffer.from([0xec, 0x80])) }));
    expect(voids.media_type).toBe('video');
    let nested = simpleTag('LEAF', 'x');
    for (let i = 0; i < 10_000; i++) nested = simpleTag(`N${i}`, 'y', nested);
    const deep = await read(syntheticMatroska({ tags: [nested] }));
    expect(deep.warnings.join('\n')).toMatch(/SimpleTag nested deeper than 8 levels/);
  });

  it('an unknown-size Cluster ends the walk; garbage after the EBML magic is a record with an error', async () => {
    const live = Buffer.concat([ebml(0x1a45dfa3), Buffer.from([0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), Buffer.from([0x1f, 0x43, 0xb6, 0x75, 0xff]), Buffer.alloc(1000, 0xa3)]);
    const r = await read(live);
    expect(r.error).toMatch(/no video dimensions/);
    const garbage = await read(Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), Buffer.alloc(100, 0xff)]));
    expect(garbage.error).toBeDefined();
  });
});
