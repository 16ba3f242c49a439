/**
 * CLIP features end to end with the generated test model (scripts/make-test-model.ts: an image
 * embeds as its mean colour, a text as its colour words), through a real `vv serve`: semantic and
 * hybrid ranking, filters, similar images, near-duplicates and batches, zero-shot tags, index
 * rebuild, no-model behaviour; and the embedding job's resumption after its worker is killed.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeColorLibrary, type ColorImage } from './support/colors.js';
import { tempDir } from './support/fixtures.js';
import { getJson, serve, vv, waitFor, type ServerHandle } from './support/cli.js';
import { writeTestCaptioner, writeTestModel, TEST_CAPTIONER_NAME, TEST_MODEL_NAMES, TEST_MODEL_SHAPES } from '../scripts/make-test-model.js';
import { Vault } from '../src/library/vault.js';
import { EMBEDDING_SLICE_IDS } from '../src/db/embeddings.js';

describe.each(TEST_MODEL_SHAPES)('with the %s test model', (shape) => {
  const MODEL = TEST_MODEL_NAMES[shape];
  let root: string;
  let models: string;
  let data: string;
  let server: ServerHandle;
  let images: ColorImage[];
  const idOf = new Map<string, number>();
  const colorOf = (item: { path: string }) => images.find((i) => i.path === item.path)!.color;

  async function startVault(dataDir: string, model = MODEL): Promise<ServerHandle> {
    const handle = await serve([root, '--data', dataDir, '--workers', '1', '--model', model, '--no-watch'], { VV_MODELS_DIR: models });
    await waitFor(async () => {
      const { body } = await getJson(`${handle.url}/api/status`);
      const e = body.embeddings;
      const scanned = body.scan.stats && !body.scan.running && body.counts.images === images.length;
      return scanned && (model === 'none' || (e.total === images.length && e.done === e.total && !e.running));
    }, 60_000);
    return handle;
  }

  async function search(query: string): Promise<any> {
    const { status, body } = await getJson(`${server.url}/api/search?${query}`);
    expect(status, JSON.stringify(body)).toBe(200);
    return body;
  }

  beforeAll(async () => {
    root = tempDir('vv-ai-lib-');
    models = tempDir('vv-ai-models-');
    data = tempDir('vv-ai-data-');
    images = await writeColorLibrary(root);
    writeTestModel(models, shape);
    server = await startVault(data);
    const { body } = await getJson(`${server.url}/api/images?limit=500`);
    for (const item of body.items) idOf.set(item.path, item.id);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  describe('embeddings', () => {
    it('reports progress in /api/status and indexes every image', async () => {
      const { body } = await getJson(`${server.url}/api/status`);
      expect(body.embeddings).toMatchObject({ available: true, model: MODEL, done: images.length, total: images.length, failed: 0, running: false });
      expect(typeof body.embeddings.per_second).toBe('number');
      expect(body.embeddings.index.size).toBe(images.length);
      expect(body.embeddings.index.exact).toBe(true);
    });
  });

  describe('semantic and hybrid search', () => {
    it('ranks the red images first for "red" and the blue ones for "blue sky"', async () => {
      for (const [query, color] of [
        ['red', 'red'],
        ['blue sky', 'blue'],
        ['green grass', 'green'],
      ] as const) {
        const body = await search(`q=${encodeURIComponent(query)}&mode=semantic&limit=50`);
        expect(body.mode).toBe('semantic');
        const expected = images.filter((i) => i.color === color).length;
        const top = body.items.slice(0, expected);
        expect(top.map(colorOf), query).toEqual(Array(expected).fill(color));
        expect(body.items.slice(expected).some((i: any) => colorOf(i) === color)).toBe(false);
        // Cosines, best first.
        const scores = body.items.map((i: any) => i.score);
        expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      }
    });

    it('fuses full text with CLIP by default: a prompt match joins the pictures that look the part', async () => {
      const hybrid = await search('q=red&limit=50');
      expect(hybrid.mode).toBe('hybrid');
      const reds = images.filter((i) => i.color === 'red').length;
      // The blue picture whose prompt says "red sports car" is found by its text; the red ones by their pixels.
      const top = hybrid.items.slice(0, reds + 1).map((i: any) => i.path);
      expect(top).toContain('colors/car.png');
      expect(hybrid.items.slice(0, reds + 1).filter((i: any) => i.path !== 'colors/car.png').every((i: any) => colorOf(i) === 'red')).toBe(true);
      const car = hybrid.items.find((i: any) => i.path === 'colors/car.png');
      expect(car.text_score).toBeGreaterThan(0);
      expect(car.semantic_score).toBeLessThan(0.5);

      const semantic = await search('q=red&mode=semantic&limit=50');
      const carIn = (body: any) => body.items.findIndex((i: any) => i.path === 'colors/car.png');
      expect(carIn(semantic)).toBeGreaterThanOrEqual(reds);
      expect(carIn(hybrid)).toBeLessThan(carIn(semantic));
      const text = await search('q=sports&mode=text');
      expect(text.items.map((i: any) => i.path)).toEqual(['colors/car.png']);
    });

    it('applies the /api/images filters to semantic results', async () => {
      const copies = await search('q=red&mode=semantic&dir=copies');
      expect(copies.items.map((i: any) => i.path).sort()).toEqual(['copies/red-0-cropped.png', 'copies/red-0-small.png', 'copies/red-0.jpg']);
      const wide = await search('q=blue&min_width=400');
      expect(wide.items.map((i: any) => i.path)).toEqual(['batch/lighthouse-512.png']);
    });

    it('finds visually similar images', async () => {
      const red0 = idOf.get('colors/red-0.png')!;
      const { status, body } = await getJson(`${server.url}/api/image/${red0}/similar?limit=6`);
      expect(status).toBe(200);
      expect(body.items).toHaveLength(6);
      expect(body.items.map((i: any) => i.id)).not.toContain(red0);
      expect(body.items.every((i: any) => colorOf(i) === 'red')).toBe(true);
      expect(body.items[0].score).toBeGreaterThan(0.99);
      const missing = await getJson(`${server.url}/api/image/999999/similar`);
      expect(missing.status).toBe(404);
    });
  });

  describe('duplicates', () => {
    it('groups re-encoded, resized and cropped copies, confirmed by CLIP', async () => {
      const { status, body } = await getJson(`${server.url}/api/duplicates?kind=near`);
      expect(status).toBe(200);
      const groups = body.groups.map((g: any) => ({ reason: g.reason, paths: g.items.map((i: any) => i.path).sort() }));
      const red = groups.find((g: any) => g.paths.includes('colors/red-0.png'));
      expect(red.paths).toEqual(['colors/red-0.png', 'copies/red-0-cropped.png', 'copies/red-0-small.png', 'copies/red-0.jpg']);
      expect(red.reason).toMatch(/perceptual hashes within \d+ of 64 bits, CLIP similarity/);
      expect(groups.find((g: any) => g.paths.includes('batch/lighthouse-256.png')).paths).toEqual(['batch/lighthouse-256.png', 'batch/lighthouse-512.png']);
      // Different pictures never group, even in the same colour.
      for (const g of body.groups) expect(new Set(g.items.map(colorOf)).size).toBe(1);
      expect(body.groups.every((g: any) => g.kind === 'near' && g.count === g.items.length)).toBe(true);
      expect(body.total).toBe(2);
    });

    it('groups generation batches: one prompt over seeds, one seed at several sizes', async () => {
      const { body } = await getJson(`${server.url}/api/duplicates?kind=batch`);
      const byReason = body.groups.map((g: any) => [g.reason, g.items.map((i: any) => i.path).sort()]);
      expect(byReason).toContainEqual([expect.stringMatching(/same prompt and model \(castleModel_v1\) across 3 seeds/), ['batch/castle-11.png', 'batch/castle-12.png', 'batch/castle-13.png']]);
      expect(byReason).toContainEqual([expect.stringMatching(/seed 4242 at 2 sizes/), ['batch/lighthouse-256.png', 'batch/lighthouse-512.png']]);
      expect(body.groups.every((g: any) => g.kind === 'batch')).toBe(true);
      const both = await getJson(`${server.url}/api/duplicates?limit=1&offset=1`);
      expect(both.body.total).toBe(body.total + 2);
      expect(both.body.groups).toHaveLength(1);
      expect((await getJson(`${server.url}/api/duplicates?kind=exact`)).status).toBe(400);
    });
  });

  describe('zero-shot tags', () => {
    it('tags each picture with its colour, with source ai and a confidence', async () => {
      const others = { red: ['blue', 'green'], blue: ['red', 'green'], green: ['red', 'blue'] } as const;
      for (const image of images.filter((i) => i.path.startsWith('colors/'))) {
        const { body } = await getJson(`${server.url}/api/image/${idOf.get(image.path)}`);
        const ai = body.tags.filter((t: any) => t.source === 'ai');
        const mine = ai.find((t: any) => t.name === image.color);
        expect(mine, `${image.path}: ${JSON.stringify(ai)}`).toBeDefined();
        expect(mine.confidence).toBeGreaterThan(0.5);
        expect(mine.confidence).toBeLessThanOrEqual(1);
        for (const other of others[image.color]) expect(ai.map((t: any) => t.name)).not.toContain(other);
      }
    });

    it('remembers an ai tag the user removed, and keeps user tags, when the image is re-tagged', async () => {
      const id = idOf.get('colors/red-1.png')!;
      const patch = (body: unknown) => getJson(`${server.url}/api/image/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await patch({ tags: { remove: ['red'], add: ['blue'] } })).status).toBe(200);
      // New content at the same path: rescanned, embedded again and re-tagged.
      const { patternPixels, BASE } = await import('./support/colors.js');
      const sharp = (await import('sharp')).default;
      await sharp(patternPixels(BASE.red, 424242, 256), { raw: { width: 256, height: 256, channels: 3 } }).png().toFile(path.join(root, 'colors/red-1.png'));
      const before = (await getJson(`${server.url}/api/status`)).body.embeddings.done;
      expect((await getJson(`${server.url}/api/scan`, { method: 'POST' })).status).toBe(202);
      await waitFor(async () => {
        const { body } = await getJson(`${server.url}/api/status`);
        return !body.scan.running && body.scan.stats?.changed === 1 && body.embeddings.done === before && !body.embeddings.running && body.embeddings.embedded === 1;
      }, 30_000);
      const { body } = await getJson(`${server.url}/api/image/${id}`);
      const tags = body.tags.map((t: any) => `${t.source}:${t.name}`);
      expect(tags).not.toContain('ai:red');
      expect(tags).toContain('user:blue');
      expect(tags.some((t: string) => t.startsWith('ai:'))).toBe(true);
    });
  });

  describe('the vector index', () => {
    it('is rebuilt from the stored vectors when its file is lost', async () => {
      const before = await search('q=red&mode=semantic&limit=50');
      await server.stop();
      const file = path.join(data, 'vectors', `${MODEL}.usearch`);
      expect(fs.existsSync(file)).toBe(true);
      fs.rmSync(file);
      server = await startVault(data);
      const { body } = await getJson(`${server.url}/api/status`);
      expect(body.embeddings.index).toMatchObject({ size: images.length, rebuilt_because: 'no index file' });
      expect(fs.existsSync(file)).toBe(true);
      const after = await search('q=red&mode=semantic&limit=50');
      expect(after.items.map((i: any) => i.id)).toEqual(before.items.map((i: any) => i.id));
    }, 60_000);

    it('is rebuilt when its file is corrupt', async () => {
      await server.stop();
      fs.writeFileSync(path.join(data, 'vectors', `${MODEL}.usearch`), 'not an index');
      fs.writeFileSync(path.join(data, 'vectors', `${MODEL}.usearch.json`), '{');
      server = await startVault(data);
      const { body } = await getJson(`${server.url}/api/status`);
      expect(body.embeddings.index.size).toBe(images.length);
      expect(body.embeddings.index.rebuilt_because).toMatch(/unreadable/);
    }, 60_000);

    it('drops a vanished image and takes it back when the file returns, across a restart, without a rebuild', async () => {
      const rel = 'colors/red-0.png';
      const away = path.join(tempDir('vv-ai-away-'), 'red-0.png');
      const redPaths = async () => (await search('q=red&mode=semantic&limit=100')).items.map((i: any) => i.path);
      const index = async () => (await getJson(`${server.url}/api/status`)).body.embeddings.index;
      expect(await redPaths()).toContain(rel);
      fs.renameSync(path.join(root, rel), away);
      expect((await getJson(`${server.url}/api/scan`, { method: 'POST' })).status).toBe(202);
      await waitFor(async () => {
        const { body } = await getJson(`${server.url}/api/status`);
        return !body.scan.running && body.counts.images === images.length - 1;
      }, 30_000);
      expect(await index()).toMatchObject({ size: images.length - 1 });
      expect(await redPaths()).not.toContain(rel);

      // Back while the server is down: the saved index (without it) loads as it is, then takes it back.
      await server.stop();
      fs.renameSync(away, path.join(root, rel));
      server = await startVault(data);
      expect(await redPaths()).toContain(rel);
      expect(await index()).toMatchObject({ size: images.length, rebuilt_because: null });
    }, 90_000);
  });

  describe('the embedding job', () => {
    it('resumes after its worker is killed mid-way: nothing stored is embedded twice, nothing is skipped', async () => {
      let killedAt = -1;
      let vault: Vault | null = null;
      const dataDir = tempDir('vv-ai-crash-');
      vault = Vault.open({
        dataDir,
        library: root,
        workers: 0,
        modelsDir: models,
        model: MODEL,
        embedBatchSize: 1,
        onEmbedProgress: (p) => {
          if (killedAt < 0 && p.running && p.done >= 5) {
            killedAt = p.done;
            void vault!.ai.job!.killWorker();
          }
        },
      });
      await vault.scanner.scan();
      // Workers end themselves once what they hold is answered: terminate() during an ONNX Runtime
      // call aborted the whole process ("terminate called after throwing an instance of 'Napi::Error'").
      const terminate = vi.spyOn(Worker.prototype, 'terminate');
      const first = (await vault.ai.embedPending())!;
      expect(first.error).toMatch(/worker exited/);
      const stored = vault.store.embeddings.doneCount(MODEL);
      expect(stored).toBeGreaterThanOrEqual(5);
      expect(stored).toBeLessThan(images.length);
      const second = (await vault.ai.embedPending())!;
      expect(second.error).toBeNull();
      expect(second.embedded + second.reused).toBe(images.length - stored);
      expect(second.done).toBe(images.length);
      const raw = new Database(path.join(vault.dataDir, 'vault.db'), { readonly: true });
      const rows = raw.prepare('SELECT COUNT(*) AS n, COUNT(DISTINCT image_id) AS d FROM embeddings WHERE vector IS NOT NULL').get() as { n: number; d: number };
      raw.close();
      expect(rows).toEqual({ n: images.length, d: images.length });
      expect(vault.ai.index!.size).toBe(images.length);
      await vault.close();
      expect(terminate).not.toHaveBeenCalled();
      terminate.mockRestore();
    }, 60_000);

    it('walks and counts image ids slice by slice: images on both sides of a slice boundary are embedded and counted', async () => {
      const dataDir = tempDir('vv-ai-slices-');
      const lib = tempDir('vv-ai-slices-lib-');
      fs.cpSync(root, lib, { recursive: true });
      const vault = Vault.open({ dataDir, library: lib, workers: 0, modelsDir: models, model: MODEL });
      await vault.scanner.scan();
      // A vanished image at the end of the second slice: the next files get ids 20,000 and 20,001.
      const raw = new Database(path.join(vault.dataDir, 'vault.db'));
      const now = new Date().toISOString();
      raw.prepare(`INSERT INTO images(id, path, filename, dir, size, mtime_ms, created_at, missing, rand, indexed_at, updated_at) VALUES (?, 'gone.png', 'gone.png', '', 1, 0, ?, 1, 1, ?, ?)`).run(2 * EMBEDDING_SLICE_IDS - 1, now, now, now);
      raw.close();
      fs.copyFileSync(path.join(lib, 'colors/red-0.png'), path.join(lib, 'late-a.png'));
      fs.copyFileSync(path.join(lib, 'colors/blue-0.png'), path.join(lib, 'late-b.png'));
      await vault.scanner.scan();
      expect([vault.store.idForPath('late-a.png'), vault.store.idForPath('late-b.png')].sort()).toEqual([2 * EMBEDDING_SLICE_IDS, 2 * EMBEDDING_SLICE_IDS + 1]);
      const run = (await vault.ai.embedPending())!;
      expect(run.error).toBeNull();
      expect(run).toMatchObject({ done: images.length + 2, total: images.length + 2 });
      expect(vault.store.embeddings.doneCount(MODEL)).toBe(images.length + 2);
      expect(vault.ai.index!.size).toBe(images.length + 2);
      await vault.close();
    }, 60_000);

    it('re-tags every image from its stored vector when the vocabulary changes, embedding nothing again', async () => {
      const dataDir = tempDir('vv-ai-vocab-');
      const open = (vocabulary?: string) => Vault.open({ dataDir, library: root, workers: 0, modelsDir: models, model: MODEL, vocabulary });
      let vault = open();
      await vault.scanner.scan();
      await vault.ai.embedPending();
      const red0 = vault.store.idForPath('colors/red-0.png')!;
      const aiTags = (v: Vault) => v.store.getImage(red0)!.tag_details.filter((t) => t.source === 'ai').map((t) => t.name);
      expect(aiTags(vault)).toContain('red');
      await vault.close();

      const file = path.join(tempDir('vv-ai-vocab-file-'), 'vocabulary.txt');
      const subjects = ['castle', 'knight', 'dragon', 'cat', 'dog', 'robot', 'city', 'portrait', 'landscape', 'ship', 'tree', 'flower', 'car', 'house', 'bird', 'horse', 'anime', 'sketch', 'mountain', 'river'];
      fs.writeFileSync(file, ['# a small custom list', 'scarlet | a crimson picture', 'ocean', 'forest', 'yellow', ...subjects].join('\n'));
      vault = open(file);
      const run = (await vault.ai.embedPending())!;
      expect(run.embedded + run.reused).toBe(0);
      expect(aiTags(vault)).toEqual(['scarlet']);
      await vault.close();
    }, 60_000);

    it('starts with nothing to embed or re-tag without loading the text tower (the vocabulary is not embedded again at every start)', async () => {
      const dataDir = tempDir('vv-ai-idle-');
      const ownModels = tempDir('vv-ai-idle-models-');
      fs.cpSync(path.join(models, MODEL), path.join(ownModels, MODEL), { recursive: true });
      const open = () => Vault.open({ dataDir, library: root, workers: 0, modelsDir: ownModels, model: MODEL });
      let vault = open();
      await vault.scanner.scan();
      await vault.ai.embedPending();
      expect(vault.ai.status().error).toBeNull();
      await vault.close();

      // A text tower that cannot load: only work that needs it may fail, and a start needs none.
      const manifest = JSON.parse(fs.readFileSync(path.join(ownModels, MODEL, 'model.json'), 'utf8')) as { text: string };
      fs.writeFileSync(path.join(ownModels, MODEL, manifest.text), 'not an ONNX model');
      vault = open();
      await vault.scanner.scan();
      const run = (await vault.ai.embedPending())!;
      expect(run.error).toBeNull();
      expect(vault.ai.status().error).toBeNull();
      await expect(vault.ai.semantic('red', {}, 5)).rejects.toThrow(/cannot load/);
      await vault.close();
    }, 60_000);
  });
});

describe('without a model', () => {
  it('works, falls back to text search and answers model_unavailable for AI endpoints', async () => {
    const root = tempDir('vv-ai-lib-');
    const images = await writeColorLibrary(root);
    const plain = await serve([root, '--data', tempDir('vv-ai-nomodel-'), '--workers', '1', '--model', 'none', '--no-watch']);
    await waitFor(async () => {
      const { body } = await getJson(`${plain.url}/api/status`);
      return body.scan.stats && !body.scan.running && body.counts.images === images.length;
    }, 60_000);
    try {
      const { body: status } = await getJson(`${plain.url}/api/status`);
      expect(status.embeddings).toMatchObject({ available: false, done: 0, total: 0 });
      const { body } = await getJson(`${plain.url}/api/search?q=sports`);
      expect(body.mode).toBe('text');
      expect(body.items.map((i: any) => i.path)).toEqual(['colors/car.png']);
      for (const url of ['/api/search?q=red&mode=semantic', '/api/image/1/similar']) {
        const r = await getJson(`${plain.url}${url}`);
        expect(r.status, url).toBe(503);
        expect(r.body.error.code).toBe('model_unavailable');
      }
      // Near-duplicates need no model: perceptual hashes alone.
      const dups = await getJson(`${plain.url}/api/duplicates?kind=near`);
      const red = dups.body.groups.find((g: any) => g.items.some((i: any) => i.path === 'colors/red-0.png'));
      expect(red.items).toHaveLength(4);
      expect(red.reason).not.toMatch(/CLIP/);
    } finally {
      await plain.stop();
    }
  }, 60_000);
});


describe('a model that fails', () => {
  it('never takes the server down: the error is logged and shown, search falls back to text, and the next pass retries', async () => {
    const root = tempDir('vv-ai-lib-');
    const models = tempDir('vv-ai-models-');
    const images = await writeColorLibrary(root);
    // The Immich layout (batch fixed at 1) with both towers unreadable.
    const dir = writeTestModel(models, 'openclip');
    for (const tower of ['visual/model.onnx', 'textual/model.onnx']) fs.writeFileSync(path.join(dir, tower), 'not an onnx model');
    const server = await serve([root, '--data', tempDir('vv-ai-fail-'), '--workers', '1', '--model', TEST_MODEL_NAMES.openclip, '--no-watch'], { VV_MODELS_DIR: models });
    try {
      await waitFor(async () => {
        const { body } = await getJson(`${server.url}/api/status`);
        return body.scan.stats && !body.scan.running && body.counts.images === images.length && !body.embeddings.running && body.embeddings.error;
      }, 60_000);
      const { body: status } = await getJson(`${server.url}/api/status`);
      expect(status.embeddings).toMatchObject({ available: true, done: 0, total: images.length });
      expect(status.embeddings.error).toMatch(/cannot load (visual|textual)\/model.onnx/);
      expect(status.embeddings.error_at).toEqual(expect.any(String));
      const hybrid = await getJson(`${server.url}/api/search?q=sports`);
      expect(hybrid.status).toBe(200);
      expect(hybrid.body).toMatchObject({ mode: 'text', reason: expect.stringMatching(/semantic search failed: .*cannot load textual\/model.onnx/) });
      expect(hybrid.body.items.map((i: any) => i.path)).toEqual(['colors/car.png']);
      const semantic = await getJson(`${server.url}/api/search?q=red&mode=semantic`);
      expect(semantic.status).toBe(503);
      expect(semantic.body.error.code).toBe('model_failed');
      expect(server.output()).toMatch(/\[vv ai\] .*cannot load/);

      // Repaired in place: the next pass (after a scan) embeds and tags everything, and the error clears.
      writeTestModel(models, 'openclip');
      expect((await getJson(`${server.url}/api/scan`, { method: 'POST' })).status).toBe(202);
      await waitFor(async () => {
        const { body } = await getJson(`${server.url}/api/status`);
        return !body.scan.running && !body.embeddings.running && body.embeddings.done === images.length && body.embeddings.error === null;
      }, 60_000);
      const red = (await getJson(`${server.url}/api/search?q=red&mode=semantic&limit=3`)).body;
      expect(red.items.every((i: any) => images.find((im) => im.path === i.path)!.color === 'red')).toBe(true);
      const { body: list } = await getJson(`${server.url}/api/images?limit=500`);
      const red0 = list.items.find((i: any) => i.path === 'colors/red-0.png');
      const { body: detail } = await getJson(`${server.url}/api/image/${red0.id}`);
      expect(detail.tags.filter((t: any) => t.source === 'ai').map((t: any) => t.name)).toContain('red');
    } finally {
      await server.stop();
    }
  }, 120_000);
});

describe('captions', () => {
  it('captions images without a prompt in the embedding pass (source ai), searchable, editable, redone by vv caption --all', async () => {
    const root = tempDir('vv-cap-lib-');
    const models = tempDir('vv-cap-models-');
    const dataDir = tempDir('vv-cap-data-');
    await writeColorLibrary(root);
    writeTestModel(models, 'clip');
    writeTestCaptioner(models);
    const vault = Vault.open({ dataDir, library: root, workers: 0, modelsDir: models, model: TEST_MODEL_NAMES.clip, captioner: TEST_CAPTIONER_NAME });
    try {
      await vault.scanner.scan();
      expect((await vault.ai.embedPending())!.error).toBeNull();
      const copies = ['copies/red-0.jpg', 'copies/red-0-small.png', 'copies/red-0-cropped.png'].map((p) => vault.store.idForPath(p)!);
      for (const id of copies) expect(vault.store.getImage(id)!.caption).toEqual({ text: 'a red picture', source: 'ai' });
      // Images with a prompt get none.
      expect(vault.store.getImage(vault.store.idForPath('colors/blue-0.png')!)!.caption).toBeNull();
      expect(vault.store.searchText('picture', {}, 50).map((s) => s.id).sort()).toEqual([...copies].sort());
      const edited = vault.store.patchImage(copies[0], { caption: 'my scarlet square' });
      expect(edited.caption).toEqual({ text: 'my scarlet square', source: 'user' });
      expect(vault.store.searchText('scarlet', {}, 50).map((s) => s.id)).toEqual([copies[0]]);
    } finally {
      await vault.close();
    }
    const env = { VV_MODELS_DIR: models };
    const none = vv(['caption', '--data', dataDir, '--captioner', TEST_CAPTIONER_NAME, '--json'], { env });
    expect(none.status, none.stderr).toBe(0);
    expect(JSON.parse(none.stdout)).toEqual({ captioned: 0, failed: [] });
    const all = vv(['caption', '--data', dataDir, '--captioner', TEST_CAPTIONER_NAME, '--all', '--json'], { env });
    expect(JSON.parse(all.stdout)).toEqual({ captioned: 2, failed: [] });
    const { Store } = await import('../src/db/store.js');
    const store = Store.open(dataDir);
    expect(store.getImage(store.idForPath('copies/red-0.jpg')!)!.caption).toEqual({ text: 'my scarlet square', source: 'user' });
    expect(store.getImage(store.idForPath('copies/red-0-small.png')!)!.caption).toEqual({ text: 'a red picture', source: 'ai' });
    store.close();
  }, 60_000);
});

describe('captions of identical files and captioner failures', () => {
  it('gives an exact copy embedded from a known vector the caption of the file it copies, or captions it', async () => {
    const root = tempDir('vv-cap-copy-lib-');
    const models = tempDir('vv-cap-copy-models-');
    await writeColorLibrary(root);
    writeTestModel(models, 'clip');
    writeTestCaptioner(models);
    const vault = Vault.open({ dataDir: tempDir('vv-cap-copy-data-'), library: root, workers: 0, modelsDir: models, model: TEST_MODEL_NAMES.clip, captioner: TEST_CAPTIONER_NAME });
    try {
      await vault.scanner.scan();
      expect((await vault.ai.embedPending())!.error).toBeNull();
      const jpg = vault.store.idForPath('copies/red-0.jpg')!;
      const small = vault.store.idForPath('copies/red-0-small.png')!;
      // A caption the test model would never write proves it was taken over, not made again.
      vault.store.setAiCaptions([{ id: jpg, caption: 'a crimson square' }]);
      vault.store.patchImage(small, { caption: 'my own words' });
      fs.mkdirSync(path.join(root, 'again'));
      fs.copyFileSync(path.join(root, 'copies/red-0.jpg'), path.join(root, 'again/red-0.jpg'));
      fs.copyFileSync(path.join(root, 'copies/red-0-small.png'), path.join(root, 'again/red-0-small.png'));
      await vault.scanner.scan();
      const run = (await vault.ai.embedPending())!;
      expect(run.error).toBeNull();
      // The first copy reuses the vector and the model's caption; the second's original has only
      // the user's caption (not the model's), so the copy is run through the models and captioned.
      expect(vault.store.getImage(vault.store.idForPath('again/red-0.jpg')!)!.caption).toEqual({ text: 'a crimson square', source: 'ai' });
      expect(vault.store.getImage(vault.store.idForPath('again/red-0-small.png')!)!.caption).toEqual({ text: 'a red picture', source: 'ai' });
      expect(run).toMatchObject({ reused: 1, embedded: 1, captioned: 2 });
      expect(vault.store.getImage(small)!.caption).toEqual({ text: 'my own words', source: 'user' });
      expect(vault.store.embeddings.doneCount(TEST_MODEL_NAMES.clip)).toBe(vault.store.counts().images);
    } finally {
      await vault.close();
    }
  }, 60_000);

  it('keeps a captioner failure in status (with error_at) until a later pass captions without error', async () => {
    const root = tempDir('vv-cap-fail-lib-');
    const models = tempDir('vv-cap-fail-models-');
    const images = await writeColorLibrary(root);
    writeTestModel(models, 'clip');
    const captioner = writeTestCaptioner(models);
    fs.writeFileSync(path.join(captioner, 'onnx/decoder_model_merged.onnx'), 'not an onnx model');
    const vault = Vault.open({ dataDir: tempDir('vv-cap-fail-data-'), library: root, workers: 0, modelsDir: models, model: TEST_MODEL_NAMES.clip, captioner: TEST_CAPTIONER_NAME });
    try {
      await vault.scanner.scan();
      const first = (await vault.ai.embedPending())!;
      // The vectors are kept: only the captions failed.
      expect(first).toMatchObject({ error: null, done: images.length, total: images.length });
      const failed = vault.ai.status();
      expect(failed.error).toMatch(/^captions: .*cannot load onnx\/decoder_model_merged.onnx/);
      expect(failed.error_at).toEqual(expect.any(String));
      expect(first).toMatchObject({ captioned: 0, caption_error: expect.stringMatching(/cannot load onnx\/decoder_model_merged.onnx/) });
      expect(vault.store.getImage(vault.store.idForPath('copies/red-0.jpg')!)!.caption).toBeNull();

      // A pass with nothing to caption does not clear it.
      expect((await vault.ai.embedPending())!.error).toBeNull();
      expect(vault.ai.status()).toMatchObject({ error: failed.error, error_at: failed.error_at });

      // Repaired, the next pass that captions clears it.
      writeTestCaptioner(models);
      const sharp = (await import('sharp')).default;
      await sharp({ create: { width: 96, height: 96, channels: 3, background: { r: 220, g: 20, b: 20 } } }).png().toFile(path.join(root, 'download.png'));
      await vault.scanner.scan();
      const repaired = (await vault.ai.embedPending())!;
      expect(repaired).toMatchObject({ error: null, caption_error: null, captioned: 1 });
      expect(vault.store.getImage(vault.store.idForPath('download.png')!)!.caption).toEqual({ text: 'a red picture', source: 'ai' });
      expect(vault.ai.status()).toMatchObject({ error: null, error_at: null });
    } finally {
      await vault.close();
    }
  }, 60_000);

  it('retries on the next pass the captions a failing captioner missed, with nothing new to embed', async () => {
    const root = tempDir('vv-cap-retry-lib-');
    const models = tempDir('vv-cap-retry-models-');
    const images = await writeColorLibrary(root);
    writeTestModel(models, 'clip');
    const captioner = writeTestCaptioner(models);
    fs.writeFileSync(path.join(captioner, 'onnx/decoder_model_merged.onnx'), 'not an onnx model');
    const vault = Vault.open({ dataDir: tempDir('vv-cap-retry-data-'), library: root, workers: 0, modelsDir: models, model: TEST_MODEL_NAMES.clip, captioner: TEST_CAPTIONER_NAME });
    const uncaptioned = ['copies/red-0.jpg', 'copies/red-0-small.png', 'copies/red-0-cropped.png'];
    const captionOf = (p: string) => vault.store.getImage(vault.store.idForPath(p)!)!.caption;
    try {
      await vault.scanner.scan();
      const failed = (await vault.ai.embedPending())!;
      expect(failed).toMatchObject({ error: null, done: images.length, captioned: 0, caption_error: expect.stringMatching(/cannot load onnx\/decoder_model_merged.onnx/) });
      for (const p of uncaptioned) expect(captionOf(p), p).toBeNull();

      // Still broken: the next pass tries again, fails again, and stores nothing.
      const again = (await vault.ai.embedPending())!;
      expect(again).toMatchObject({ error: null, embedded: 0, caption_retried: 0, caption_error: expect.stringMatching(/cannot load onnx\/decoder_model_merged.onnx/) });
      for (const p of uncaptioned) expect(captionOf(p), p).toBeNull();

      // Repaired: a pass with nothing new to embed captions every image the failures missed.
      writeTestCaptioner(models);
      const retried = (await vault.ai.embedPending())!;
      expect(retried).toMatchObject({ error: null, embedded: 0, caption_error: null, caption_retried: uncaptioned.length });
      for (const p of uncaptioned) expect(captionOf(p), p).toEqual({ text: 'a red picture', source: 'ai' });
      expect(vault.ai.status()).toMatchObject({ error: null, error_at: null });
      // Done once: the pass after that has nothing to caption.
      expect((await vault.ai.embedPending())!).toMatchObject({ embedded: 0, captioned: 0, caption_retried: 0 });
    } finally {
      await vault.close();
    }
  }, 60_000);

  it('re-tags on the next pass the images embedded while the text tower failed, without embedding them again', async () => {
    const root = tempDir('vv-tag-retry-lib-');
    const models = tempDir('vv-tag-retry-models-');
    const images = await writeColorLibrary(root);
    const dir = writeTestModel(models, 'openclip');
    fs.writeFileSync(path.join(dir, 'textual/model.onnx'), 'not an onnx model');
    const vault = Vault.open({ dataDir: tempDir('vv-tag-retry-data-'), library: root, workers: 0, modelsDir: models, model: TEST_MODEL_NAMES.openclip });
    const aiTags = (p: string) => vault.store.getImage(vault.store.idForPath(p)!)!.tag_details.filter((t) => t.source === 'ai').map((t) => t.name);
    try {
      await vault.scanner.scan();
      // The vision tower works: every image gets its vector, none a tag.
      const first = (await vault.ai.embedPending())!;
      expect(first).toMatchObject({ error: null, done: images.length, embedded: images.length });
      expect(aiTags('colors/red-0.png')).toEqual([]);
      expect(vault.ai.status().error).toMatch(/^zero-shot tagging: .*cannot load textual\/model.onnx/);

      writeTestModel(models, 'openclip');
      const repaired = (await vault.ai.embedPending())!;
      expect(repaired).toMatchObject({ error: null, embedded: 0 });
      expect(aiTags('colors/red-0.png')).toContain('red');
      expect(aiTags('colors/blue-0.png')).toContain('blue');
      expect(vault.ai.status()).toMatchObject({ error: null, error_at: null });
    } finally {
      await vault.close();
    }
  }, 60_000);
});
