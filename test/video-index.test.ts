/**
 * Videos and animations in the library (issue 15, indexing half), on a real `vv serve` over files
 * ffmpeg writes as VideoHelperSuite does: rows with their media fields, records equal to the
 * ComfyUI PNG record of the same graph, streamed content hashes, posters (not the black first
 * frame) and animated previews of the right size, `media` / `min_duration` filters, byte ranges of
 * the originals, near-duplicates from the poster, a Deforum settings file beside a video, and the
 * same library served without ffmpeg (PATH emptied): everything indexed, the reason in /api/status.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { animatedGif, animatedPng, animatedWebp, ffmpegAvailable, vhsVideo, type FrameSpec } from '../src/demo/media-files.js';
import { addPngText } from '../src/demo/embed.js';
import { comfyPrompt, comfyWorkflow, makeGeneration } from '../src/demo/generations.js';
import { extractMetadata } from '../src/metadata/extract.js';
import { contentHash } from '../src/ingest/ingest.js';
import { getJson, serve, waitFor, waitForScan, type ServerHandle } from './support/cli.js';
import { tempDir } from './support/fixtures.js';

const hasFfmpeg = ffmpegAvailable();
if (!hasFfmpeg) console.warn('SKIPPED video indexing tests: ffmpeg not on PATH (Debian package `ffmpeg`)');

const generation = { ...makeGeneration(5), tool: 'comfyui' as const, lora: { name: 'film_grain', weight: 0.8 } };
const graph = { prompt: comfyPrompt(generation), workflow: comfyWorkflow(generation) };
// 640×360: the poster and preview are reduced to 512×288.
const VIDEO: FrameSpec = { width: 640, height: 360, fps: 8, frames: 16, black: 3 };
const ANIMATION: FrameSpec = { width: 320, height: 240, fps: 8, frames: 12, black: 2 };
const DEFORUM_SETTINGS = { W: 640, H: 360, seed: 4242, sampler: 'Euler a', steps: 20, scale: 7, prompts: { '0': 'a paper boat on a river --neg blurry' }, animation_mode: '2D', max_frames: 16, fps: 8 };

let root: string;
let server: ServerHandle;
let byName: Map<string, any>;
let pngRecord: Awaited<ReturnType<typeof extractMetadata>>;

async function get(url: string): Promise<any> {
  const { status, body } = await getJson(`${server.url}${url}`);
  expect(status, url).toBe(200);
  return body;
}

function writeLibrary(dir: string): void {
  fs.mkdirSync(path.join(dir, 'clips'), { recursive: true });
  vhsVideo(path.join(dir, 'clips/vhs_00001.mp4'), 'mp4', VIDEO, graph);
  vhsVideo(path.join(dir, 'clips/vhs_00002.webm'), 'webm', VIDEO, graph);
  vhsVideo(path.join(dir, 'clips/voiced.mp4'), 'mp4', { ...VIDEO, frames: 24, variant: 3 }, graph, true);
  vhsVideo(path.join(dir, 'clips/20240501120000.mp4'), 'mp4', { ...VIDEO, variant: 7 }, null);
  fs.writeFileSync(path.join(dir, 'clips/20240501120000_settings.txt'), JSON.stringify(DEFORUM_SETTINGS, null, 2));
  fs.writeFileSync(path.join(dir, 'anim.gif'), animatedGif({ ...ANIMATION, variant: 4 }, graph));
  fs.writeFileSync(path.join(dir, 'anim.webp'), animatedWebp({ ...ANIMATION, variant: 1 }, graph));
  fs.writeFileSync(path.join(dir, 'anim.png'), animatedPng({ ...ANIMATION, variant: 2 }, graph));
}

const FILES = 7;

beforeAll(async () => {
  if (!hasFfmpeg) return;
  root = tempDir('vv-video-lib-');
  writeLibrary(root);
  const still = await sharp({ create: { width: 64, height: 48, channels: 3, background: [90, 120, 200] } }).png().toBuffer();
  fs.writeFileSync(path.join(root, 'still.png'), addPngText(still, [{ type: 'tEXt', key: 'prompt', text: JSON.stringify(graph.prompt) }, { type: 'tEXt', key: 'workflow', text: JSON.stringify(graph.workflow) }]));
  pngRecord = await extractMetadata('still.png', fs.readFileSync(path.join(root, 'still.png')));
  server = await serve([root, '--data', tempDir('vv-video-data-'), '--workers', '1']);
  await waitForScan(server, FILES + 1, 120_000).catch(async (err) => {
    throw new Error(`${err.message}: ${JSON.stringify((await getJson(`${server.url}/api/status`)).body)}`);
  });
  // The pixel pass (posters → perceptual hashes) runs after the metadata pass.
  await waitFor(async () => (await getJson(`${server.url}/api/status`)).body.scan.phase === 'idle', 60_000);
  const page = await get('/api/images?limit=100');
  byName = new Map(page.items.map((i: any) => [i.filename, i]));
}, 180_000);

afterAll(async () => {
  await server?.stop();
});

const GENERATION_FIELDS = ['generator', 'prompt', 'negative_prompt', 'seed', 'steps', 'cfg', 'sampler', 'scheduler', 'model', 'loras'] as const;

describe.skipIf(!hasFfmpeg)('videos and animations in the library', () => {
  it('indexes every video and animation with its media fields', async () => {
    expect([...byName.keys()].sort()).toEqual(['20240501120000.mp4', 'anim.gif', 'anim.png', 'anim.webp', 'still.png', 'vhs_00001.mp4', 'vhs_00002.webm', 'voiced.mp4']);
    const mp4 = await get(`/api/image/${byName.get('vhs_00001.mp4').id}`);
    expect(mp4).toMatchObject({ media_type: 'video', format: 'mp4', width: 640, height: 360, frame_count: 16, fps: 8, video_codec: 'h264', has_audio: false });
    expect(mp4.duration_s).toBeCloseTo(2, 2);
    const webm = await get(`/api/image/${byName.get('vhs_00002.webm').id}`);
    expect(webm).toMatchObject({ media_type: 'video', format: 'webm', width: 640, height: 360, video_codec: 'vp9', has_audio: false });
    expect(webm.duration_s).toBeCloseTo(2, 1);
    const voiced = await get(`/api/image/${byName.get('voiced.mp4').id}`);
    expect(voiced).toMatchObject({ media_type: 'video', has_audio: true, frame_count: 24 });
    for (const [name, codec] of [['anim.gif', 'gif'], ['anim.webp', 'webp'], ['anim.png', 'apng']]) {
      const detail = await get(`/api/image/${byName.get(name).id}`);
      expect(detail, name).toMatchObject({ media_type: 'animation', width: 320, height: 240, frame_count: 12, video_codec: codec });
      expect(detail.duration_s, name).toBeCloseTo(1.5, 1);
    }
    const still = await get(`/api/image/${byName.get('still.png').id}`);
    expect(still).toMatchObject({ media_type: 'image', duration_s: null, frame_count: 1, preview_url: null });
  });

  it('reads the workflow of every VHS output as the ComfyUI parser reads it from a PNG', async () => {
    for (const name of ['vhs_00001.mp4', 'vhs_00002.webm', 'voiced.mp4', 'anim.gif', 'anim.webp', 'anim.png']) {
      const { params } = await get(`/api/image/${byName.get(name).id}`);
      for (const field of GENERATION_FIELDS) expect(params[field], `${name} ${field}`).toEqual(pngRecord[field]);
    }
    // Tags and search work from the video's prompt like an image's.
    const found = await get(`/api/search?q=${encodeURIComponent(generation.subject)}&mode=text`);
    expect(found.items.map((i: any) => i.filename)).toEqual(expect.arrayContaining(['vhs_00001.mp4', 'vhs_00002.webm', 'anim.gif']));
  });

  it('reads a Deforum settings file beside a video like an infotext sidecar', async () => {
    const { params } = await get(`/api/image/${byName.get('20240501120000.mp4').id}`);
    expect(params).toMatchObject({ generator: 'deforum', seed: 4242, sampler: 'Euler a', steps: 20, cfg: 7, prompt: 'a paper boat on a river', negative_prompt: 'blurry', media_type: 'video' });
  });

  it('hashes videos as a stream: the same content hash as the whole file', async () => {
    for (const name of ['vhs_00001.mp4', 'vhs_00002.webm']) {
      const file = path.join(root, 'clips', name);
      expect(byName.get(name).thumbnail_url).toBe(`/thumbnails/${await contentHash(fs.readFileSync(file))}.webp`);
    }
  });

  it('filters by media type and duration', async () => {
    const names = async (query: string) => (await get(`/api/images?${query}`)).items.map((i: any) => i.filename).sort();
    expect(await names('media=video')).toEqual(['20240501120000.mp4', 'vhs_00001.mp4', 'vhs_00002.webm', 'voiced.mp4']);
    expect(await names('media=animation')).toEqual(['anim.gif', 'anim.png', 'anim.webp']);
    expect(await names('media=image')).toEqual(['still.png']);
    expect(await names('min_duration=2.5')).toEqual(['voiced.mp4']);
    expect(await names('media=animation&min_duration=1.9')).toEqual([]);
    expect((await get('/api/images?media=video&min_duration=1')).total).toBe(4);
    const bad = await getJson(`${server.url}/api/images?media=film`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_input');
  });

  it('makes posters from a representative frame (not the black first one) at thumbnail size', async () => {
    for (const [name, w, h] of [['vhs_00001.mp4', 512, 288], ['vhs_00002.webm', 512, 288], ['anim.gif', 320, 240], ['anim.png', 320, 240], ['anim.webp', 320, 240]] as const) {
      const res = await fetch(`${server.url}${byName.get(name).thumbnail_url}`);
      expect(res.status, name).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/webp');
      const image = sharp(Buffer.from(await res.arrayBuffer()));
      expect(await image.metadata(), name).toMatchObject({ format: 'webp', width: w, height: h });
      const { channels } = await image.stats();
      expect(channels[0].mean, `${name} poster is not black`).toBeGreaterThan(100);
    }
  });

  it('makes animated previews (animated WebP, a few frames at thumbnail size)', async () => {
    for (const [name, w, h] of [['vhs_00001.mp4', 512, 288], ['vhs_00002.webm', 512, 288], ['anim.gif', 320, 240], ['anim.png', 320, 240]] as const) {
      const url = byName.get(name).preview_url;
      expect(url, name).toMatch(/\.preview\.webp$/);
      const res = await fetch(`${server.url}${url}`);
      expect(res.status, name).toBe(200);
      const meta = await sharp(Buffer.from(await res.arrayBuffer()), { animated: true }).metadata();
      expect(meta.format).toBe('webp');
      expect(meta.width, name).toBe(w);
      expect(meta.pageHeight, name).toBe(h);
      expect(meta.pages, name).toBeGreaterThanOrEqual(4);
      expect(meta.pages, name).toBeLessThanOrEqual(12);
    }
    const still = await fetch(`${server.url}/thumbnails/${byName.get('still.png').hash ?? byName.get('still.png').thumbnail_url.slice(12, 28)}.preview.webp`);
    expect(still.status).toBe(404);
  });

  it('groups the mp4 and the webm of the same frames as near-duplicates (perceptual hash of the poster)', async () => {
    const { groups } = await get('/api/duplicates?kind=near');
    const names = groups.map((g: any) => g.items.map((i: any) => i.filename).sort());
    // Other clips (other pictures) are not in it.
    expect(names.find((g: string[]) => g.includes('vhs_00001.mp4'))).toEqual(['vhs_00001.mp4', 'vhs_00002.webm']);
  });

  it('answers byte ranges of the original: 206 with Content-Range, seeks, suffixes, 416', async () => {
    const id = byName.get('vhs_00001.mp4').id;
    const original = fs.readFileSync(path.join(root, 'clips/vhs_00001.mp4'));
    const size = original.length;
    const fetchRange = (range?: string) => fetch(`${server.url}/api/image/${id}/file`, { headers: range ? { Range: range } : {} });
    const whole = await fetchRange();
    expect(whole.status).toBe(200);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(whole.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await whole.arrayBuffer()).equals(original)).toBe(true);
    for (const [range, start, end] of [
      ['bytes=0-99', 0, 99],
      [`bytes=${size - 1000}-${size - 501}`, size - 1000, size - 501],
      ['bytes=1234-', 1234, size - 1],
      ['bytes=-300', size - 300, size - 1],
      [`bytes=10-${size + 5000}`, 10, size - 1],
      [`bytes=${size - 1}-${size - 1}`, size - 1, size - 1],
    ] as const) {
      const res = await fetchRange(range);
      expect(res.status, range).toBe(206);
      expect(res.headers.get('content-range'), range).toBe(`bytes ${start}-${end}/${size}`);
      expect(res.headers.get('content-length'), range).toBe(String(end - start + 1));
      expect(Buffer.from(await res.arrayBuffer()).equals(original.subarray(start, end + 1)), range).toBe(true);
    }
    for (const range of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, 'bytes=-0']) {
      const res = await fetchRange(range);
      expect(res.status, range).toBe(416);
      expect(res.headers.get('content-range'), range).toBe(`bytes */${size}`);
      expect((await res.json()).error.code).toBe('range_not_satisfiable');
    }
    // Not a byte range, or several at once (no multipart/byteranges body): the whole file, 200,
    // still offering single ranges — what players (one range per request) and curl accept.
    for (const range of ['items=0-5', 'bytes=0-1,5-6', 'bytes=0-10,20-30', 'bytes=9-3']) {
      const res = await fetchRange(range);
      expect(res.status, range).toBe(200);
      expect(res.headers.get('content-range'), range).toBeNull();
      expect(res.headers.get('accept-ranges'), range).toBe('bytes');
      expect(Buffer.from(await res.arrayBuffer()).equals(original), range).toBe(true);
    }
    const types = { 'vhs_00002.webm': 'video/webm', 'anim.png': 'image/apng', 'anim.gif': 'image/gif', 'anim.webp': 'image/webp', 'still.png': 'image/png' };
    for (const [name, type] of Object.entries(types)) {
      const res = await fetch(`${server.url}/api/image/${byName.get(name).id}/file`, { headers: { Range: 'bytes=0-3' } });
      expect(res.status, name).toBe(206);
      expect(res.headers.get('content-type'), name).toBe(type);
    }
  });

  it('says ffmpeg is there in /api/status', async () => {
    const status = await get('/api/status');
    expect(status.video).toMatchObject({ posters: true, reason: null });
    expect(status.video.ffmpeg).toMatch(/ffmpeg$/);
  });
});

describe.skipIf(!hasFfmpeg)('without ffmpeg (PATH emptied)', () => {
  let bare: ServerHandle;
  afterAll(async () => {
    await bare?.stop();
  });

  it('indexes everything with metadata, animations get posters through sharp, videos a placeholder, and the status says why', async () => {
    bare = await serve([root, '--data', tempDir('vv-video-bare-'), '--workers', '1'], { PATH: '', VV_FFMPEG: '' });
    await waitForScan(bare, FILES + 1);
    await waitFor(async () => (await getJson(`${bare.url}/api/status`)).body.scan.phase === 'idle', 60_000);
    const status = (await getJson(`${bare.url}/api/status`)).body;
    expect(status.video).toMatchObject({ ffmpeg: null, posters: false });
    expect(status.video.reason).toMatch(/ffmpeg is not installed/);
    // Videos are not decode problems: they wait for ffmpeg.
    expect(status.scan.stats.undecodable).toBe(0);
    const items = (await getJson(`${bare.url}/api/images?limit=100`)).body.items;
    expect(items).toHaveLength(FILES + 1);
    const video = items.find((i: any) => i.filename === 'vhs_00001.mp4');
    expect(video).toMatchObject({ media_type: 'video' });
    expect(video.duration_s).toBeCloseTo(2, 2);
    const detail = (await getJson(`${bare.url}/api/image/${video.id}`)).body;
    expect(detail.params.generator).toBe('comfyui');
    expect(detail.params.seed).toEqual(pngRecord.seed);
    const placeholder = await fetch(`${bare.url}${video.thumbnail_url}`);
    expect(placeholder.status).toBe(200);
    expect(placeholder.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(await placeholder.text()).toContain('no poster without ffmpeg');
    const gif = items.find((i: any) => i.filename === 'anim.gif');
    const poster = await fetch(`${bare.url}${gif.thumbnail_url}`);
    expect(await sharp(Buffer.from(await poster.arrayBuffer())).metadata()).toMatchObject({ format: 'webp', width: 320, height: 240 });
    const preview = await fetch(`${bare.url}${gif.preview_url}`);
    expect(await sharp(Buffer.from(await preview.arrayBuffer()), { animated: true }).metadata()).toMatchObject({ format: 'webp', pages: 12, width: 320, pageHeight: 240 });
  }, 120_000);
});
