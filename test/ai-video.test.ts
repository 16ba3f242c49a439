/**
 * CLIP embeddings of animations and videos (issue 15) with the generated test model (an image
 * embeds as its mean colour): a clip's vector is the L2-normalised mean of the vectors of a few
 * frames spread over it — checked against frames this test decodes itself — so semantic search and
 * similar find clips by what they show throughout. Without ffmpeg a video gets no vector, says why,
 * is not retried while ffmpeg is missing, and is embedded once it is there.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clipOf, colorFrames, ffmpegAvailable, type FrameSpec } from '../src/demo/media-files.js';
import { Encoder, l2normalize } from '../src/ai/encoder.js';
import { loadModelInfo } from '../src/ai/models.js';
import Database from 'better-sqlite3';
import { blobToVector } from '../src/db/embeddings.js';
import { writeTestModel, TEST_MODEL_NAME, COLOR_WORDS } from '../scripts/make-test-model.js';
import { getJson, serve, vv, waitFor, type ServerHandle } from './support/cli.js';
import { tempDir } from './support/fixtures.js';

const hasFfmpeg = ffmpegAvailable();
if (!hasFfmpeg) console.warn('SKIPPED video embedding tests: ffmpeg not on PATH (Debian package `ffmpeg`)');

type Rgb = [number, number, number];
const { red, green, blue, yellow, orange } = COLOR_WORDS as Record<string, Rgb>;
const W = 64;
const H = 48;

/** Each clip: its colours in turn, `per` frames each. The four mixed clips hold the same colours in other orders. */
const CLIPS: { file: string; kind: Parameters<typeof clipOf>[2]; colors: Rgb[]; per: number }[] = [
  { file: 'clips/mix.mp4', kind: 'mp4', colors: [red, green, blue, yellow], per: 8 },
  { file: 'clips/mix.gif', kind: 'gif', colors: [yellow, blue, green, red], per: 3 },
  { file: 'clips/mix.webp', kind: 'webp', colors: [blue, yellow, red, green], per: 3 },
  { file: 'clips/mix.png', kind: 'apng', colors: [green, red, yellow, blue], per: 3 },
  { file: 'clips/orange.webm', kind: 'webm', colors: [orange, orange, orange, orange], per: 4 },
];
const STILLS: [string, Rgb][] = [
  ['red.png', red],
  ['green.png', green],
  ['blue.png', blue],
];
const FILES = CLIPS.length + STILLS.length;

let root: string;
let models: string;
let encoder: Encoder;

function writeLibrary(dir: string): Promise<unknown> {
  for (const c of CLIPS) {
    const spec: FrameSpec = { width: W, height: H, fps: 8, frames: c.colors.length * c.per };
    fs.mkdirSync(path.dirname(path.join(dir, c.file)), { recursive: true });
    fs.writeFileSync(path.join(dir, c.file), clipOf(colorFrames(c.colors, c.per, W, H), spec, c.kind));
  }
  return Promise.all(STILLS.map(([name, rgb]) => sharp({ create: { width: W, height: H, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toFile(path.join(dir, name))));
}

/** Frame `n` of a clip as this test decodes it: ffmpeg for videos and APNG, sharp's page for GIF and WebP. */
async function frame(file: string, kind: string, n: number): Promise<Buffer> {
  if (kind === 'gif' || kind === 'webp') return sharp(file, { page: n }).png().toBuffer();
  const r = spawnSync('ffmpeg', ['-v', 'error', ...(kind === 'apng' ? ['-f', 'apng'] : []), '-i', file, '-vf', `select=eq(n\\,${n})`, '-fps_mode', 'passthrough', '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', 'pipe:1']);
  expect(r.status, String(r.stderr)).toBe(0);
  return r.stdout;
}

/** The normalised mean of the vectors of one frame from the middle of each colour's run. */
async function expectedVector(clip: (typeof CLIPS)[number]): Promise<{ mean: Float32Array; frames: Float32Array[] }> {
  const frames = await Promise.all(clip.colors.map((_, i) => frame(path.join(root, clip.file), clip.kind, i * clip.per + Math.floor(clip.per / 2))));
  const vectors = await encoder.embedImages(frames);
  const sum = new Float32Array(vectors[0].length);
  for (const v of vectors) v.forEach((x, i) => (sum[i] += x));
  return { mean: l2normalize(sum), frames: vectors };
}

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);

/** Every image's stored vector (or the failure recorded instead), read from the data dir. */
function storedVectors(data: string): Map<string, { vector: Float32Array | null; error: string | null }> {
  const db = new Database(path.join(data, 'vault.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT i.path, e.vector, e.error FROM images i LEFT JOIN embeddings e ON e.image_id = i.id AND e.model = ?').all(TEST_MODEL_NAME) as { path: string; vector: Buffer | null; error: string | null }[];
    return new Map(rows.map((r) => [r.path, { vector: r.vector ? blobToVector(r.vector) : null, error: r.error }]));
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  if (!hasFfmpeg) return;
  root = tempDir('vv-ai-video-lib-');
  models = tempDir('vv-ai-video-models-');
  await writeLibrary(root);
  writeTestModel(models, 'clip');
  encoder = new Encoder(loadModelInfo(models, TEST_MODEL_NAME));
}, 120_000);

afterAll(async () => {
  await encoder?.close();
});

describe.skipIf(!hasFfmpeg)('embeddings of animations and videos', () => {
  let server: ServerHandle;
  let data: string;
  const idOf = new Map<string, number>();

  beforeAll(async () => {
    data = tempDir('vv-ai-video-data-');
    server = await serve([root, '--data', data, '--workers', '1', '--model', TEST_MODEL_NAME, '--no-watch'], { VV_MODELS_DIR: models });
    await waitFor(async () => {
      const { body } = await getJson(`${server.url}/api/status`);
      const e = body.embeddings;
      return body.scan.stats && !body.scan.running && body.counts.images === FILES && e.total === FILES && e.done === e.total && !e.running;
    }, 120_000);
    for (const item of (await getJson(`${server.url}/api/images?limit=100`)).body.items) idOf.set(item.path, item.id);
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
  });

  it("stores each clip's vector as the normalised mean of its frames' vectors", async () => {
    const { body: status } = await getJson(`${server.url}/api/status`);
    expect(status.embeddings).toMatchObject({ done: FILES, total: FILES, failed: 0 });
    const stored = storedVectors(data);
    for (const clip of CLIPS) {
      const { mean, frames } = await expectedVector(clip);
      const vector = stored.get(clip.file)?.vector;
      expect(vector, clip.file).toBeInstanceOf(Float32Array);
      expect(cosine(vector!, mean), clip.file).toBeGreaterThan(0.9999);
      for (let i = 0; i < mean.length; i++) expect(vector![i], `${clip.file}[${i}]`).toBeCloseTo(mean[i], 2);
      // Not one frame's vector: the mixed clips average four colours.
      if (new Set(clip.colors).size > 1) for (const f of frames) expect(cosine(vector!, f), clip.file).toBeLessThan(0.99);
    }
  });

  it('similar finds the clips that show the same colours (in another order), before any still', async () => {
    const mixed = CLIPS.filter((c) => c.file.includes('mix')).map((c) => c.file);
    for (const file of mixed) {
      const { status, body } = await getJson(`${server.url}/api/image/${idOf.get(file)}/similar?limit=10`);
      expect(status, JSON.stringify(body)).toBe(200);
      const others = mixed.filter((f) => f !== file);
      expect(body.items.slice(0, others.length).map((i: any) => i.path).sort(), file).toEqual(others.sort());
      expect(body.items[0].score).toBeGreaterThan(0.99);
    }
  });

  it('semantic search finds a video by what it shows, and the media filter keeps to videos', async () => {
    const { status, body } = await getJson(`${server.url}/api/search?q=orange&mode=semantic&limit=20`);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.items[0]).toMatchObject({ path: 'clips/orange.webm', media_type: 'video' });
    const videos = (await getJson(`${server.url}/api/search?q=blue&mode=semantic&limit=20&media=video`)).body;
    expect(videos.items.map((i: any) => i.path).sort()).toEqual(['clips/mix.mp4', 'clips/orange.webm']);
    expect(videos.items[0].path).toBe('clips/mix.mp4');
  });
});

describe.skipIf(!hasFfmpeg)('embeddings without ffmpeg', () => {
  it('leaves videos without a vector and says why, does not retry them while ffmpeg is missing, embeds them once it is there', () => {
    const data = tempDir('vv-ai-video-bare-');
    const env = { VV_MODELS_DIR: models, PATH: '', VV_FFMPEG: '' };
    const scan = vv(['scan', root, '--data', data, '--workers', '1', '--model', TEST_MODEL_NAME, '--json'], { env });
    expect(scan.status, scan.stderr).toBe(0);
    const videos = CLIPS.filter((c) => c.kind === 'mp4' || c.kind === 'webm').map((c) => c.file);
    const before = storedVectors(data);
    for (const [file, { vector, error }] of before) {
      if (videos.includes(file)) {
        expect(vector, file).toBeNull();
        expect(error, file).toMatch(/^no video decoder: ffmpeg is not installed/);
      } else {
        expect(vector, file).toBeInstanceOf(Float32Array);
      }
    }
    const again = vv(['embed', '--data', data, '--model', TEST_MODEL_NAME, '--json'], { env });
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ embedded: 0, failed: videos.length, done: FILES, total: FILES });
    const withFfmpeg = vv(['embed', '--data', data, '--model', TEST_MODEL_NAME, '--json'], { env: { VV_MODELS_DIR: models } });
    expect(withFfmpeg.status, withFfmpeg.stderr).toBe(0);
    expect(JSON.parse(withFfmpeg.stdout)).toMatchObject({ embedded: videos.length, failed: 0, done: FILES, total: FILES });
    const after = storedVectors(data);
    for (const file of videos) expect(after.get(file)?.vector, file).toBeInstanceOf(Float32Array);
  }, 180_000);
});
