/**
 * Model download and verification against a local stand-in for the Hugging Face hub API (this
 * machine cannot reach the real one): revision → tree with LFS sha256 / git blob sha1 → files.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadModel, DownloadError, nextLink, verifyModel } from '../src/ai/download.js';
import { CATALOG, catalogEntry, type CatalogEntry } from '../src/ai/catalog.js';
import { listModels, loadModelInfo, chooseModel } from '../src/ai/models.js';
import { tempDir } from './support/fixtures.js';
import { vv } from './support/cli.js';
import { breakVisionTower, writeTestModel, TEST_MODEL_NAME, TEST_OPENCLIP_MODEL_NAME, TEST_SIGLIP_MODEL_NAME } from '../scripts/make-test-model.js';

const base = catalogEntry('clip-vit-b32-openai')!;
const SHA = 'a'.repeat(40);
let files: Map<string, Buffer>;
let entry: CatalogEntry;
let lie: string | null = null;
/** A file served cut short (or with bytes added) while the listing gives the pinned size. */
let resized: { file: string; delta: number } | null = null;
let server: http.Server;
let endpoint: string;
const requests: string[] = [];
const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
const gitSha1 = (b: Buffer) => crypto.createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');

function treeEntry(file: string, bytes: Buffer) {
  // Large files are LFS (sha256 listed), small ones plain git blobs (sha1 of "blob <n>\0" + bytes).
  if (file.endsWith('.onnx')) return { type: 'file', path: file, oid: 'x', size: 130, lfs: { oid: sha256(bytes), size: bytes.length } };
  return { type: 'file', path: file, oid: gitSha1(bytes), size: bytes.length };
}

beforeAll(async () => {
  files = new Map(base.files.map((f) => [f.path, f.path.endsWith('.json') ? Buffer.from(JSON.stringify({ file: f.path })) : crypto.randomBytes(200_000)]));
  // Pinned as the real entries are: size + sha256 for the towers, size + git blob id for the
  // tokenizer, the commit alone for the rest.
  entry = {
    ...base,
    revision: SHA,
    files: base.files.map(({ path: p }) => {
      const bytes = files.get(p)!;
      if (p.endsWith('.onnx')) return { path: p, size: bytes.length, sha256: sha256(bytes) };
      if (p === 'tokenizer.json') return { path: p, size: bytes.length, git_sha1: gitSha1(bytes) };
      return { path: p };
    }),
  };
  server = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url!.split('?')[0]);
    const query = new URLSearchParams(req.url!.split('?')[1] ?? '');
    requests.push(req.url!);
    const apiBase = `/api/models/${entry.repo}`;
    if (url === `${apiBase}/tree/${SHA}`) {
      // Two pages, as the hub paginates long listings (Link: <…>; rel="next").
      const all = [...files].map(([f, b]) => treeEntry(f, b));
      if (!query.get('cursor')) {
        res.setHeader('link', `<${apiBase}/tree/${SHA}?recursive=true&cursor=page2>; rel="next"`);
        return res.end(JSON.stringify(all.slice(0, 2)));
      }
      return res.end(JSON.stringify(all.slice(2)));
    }
    const prefix = `/${entry.repo}/resolve/${SHA}/`;
    if (url.startsWith(prefix)) {
      const file = url.slice(prefix.length);
      const bytes = files.get(file);
      if (!bytes) return res.writeHead(404).end();
      if (file === resized?.file) return res.end(resized.delta < 0 ? bytes.subarray(0, resized.delta) : Buffer.concat([bytes, Buffer.alloc(resized.delta)]));
      return res.end(file === lie ? Buffer.concat([bytes.subarray(0, -1), Buffer.from([bytes[bytes.length - 1] ^ 1])]) : bytes);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => server?.close());

describe('models:download', () => {
  it('fetches every file of a catalog model at a pinned commit, verifies it and writes model.json', async () => {
    const dir = tempDir('vv-models-');
    const out = await downloadModel(entry.name, { modelsDir: dir, endpoint, entry });
    for (const [file, bytes] of files) expect(fs.readFileSync(path.join(out, file)).equals(bytes), file).toBe(true);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: entry.name, dim: 512, family: 'clip', source: { repo: entry.repo, revision: SHA } });
    expect(requests).toContain(`/${entry.repo}/resolve/${SHA}/onnx/vision_model.onnx`);
    // Both pages of the listing were read, and nothing was asked of a branch.
    expect(requests.filter((r) => r.includes('/tree/')).length).toBe(2);
    expect(requests.some((r) => r.includes('main'))).toBe(false);
    expect(listModels(dir)).toEqual([entry.name]);
    // The only installed model is chosen without configuration.
    expect(chooseModel(dir, null)?.manifest.name).toBe(entry.name);
    expect(loadModelInfo(dir, entry.name).imageSize).toBe(224);
    expect(await verifyModel(dir, entry.name)).toEqual({ ok: true, problems: [] });
    fs.appendFileSync(path.join(out, 'onnx/text_model.onnx'), 'x');
    expect(await verifyModel(dir, entry.name)).toEqual({ ok: false, problems: ['onnx/text_model.onnx: checksum mismatch'] });
  });

  it('refuses a file whose checksum does not match and leaves no model behind', async () => {
    const dir = tempDir('vv-models-');
    for (const bad of ['onnx/text_model.onnx', 'tokenizer.json']) {
      lie = bad;
      await expect(downloadModel(entry.name, { modelsDir: dir, endpoint, entry })).rejects.toThrow(new RegExp(`${bad}: checksum mismatch`));
      expect(fs.existsSync(path.join(dir, entry.name, 'model.json'))).toBe(false);
      expect(fs.existsSync(path.join(dir, entry.name, `${bad}.part`))).toBe(false);
      expect(listModels(dir)).toEqual([]);
    }
    lie = null;
  });

  it('refuses a file whose size differs from its pin, cut short or longer, and leaves no model behind', async () => {
    for (const [file, delta] of [
      ['onnx/vision_model.onnx', -10],
      ['onnx/vision_model.onnx', 7],
      ['preprocessor_config.json', -1],
    ] as const) {
      const dir = tempDir('vv-models-');
      resized = { file, delta };
      const size = files.get(file)!.length;
      // A longer body is cut at the pinned size plus one chunk at most: what counts is that it is refused.
      await expect(downloadModel(entry.name, { modelsDir: dir, endpoint, entry })).rejects.toThrow(
        delta < 0 ? new RegExp(`${file}: checksum mismatch \\(${size + delta} bytes, expected ${size}\\): refusing`) : new RegExp(`${file}: checksum mismatch \\(\\d+ bytes, expected ${size}\\): refusing`),
      );
      expect(fs.existsSync(path.join(dir, entry.name, file))).toBe(false);
      expect(fs.existsSync(path.join(dir, entry.name, `${file}.part`))).toBe(false);
      expect(listModels(dir)).toEqual([]);
    }
    resized = null;
  });

  it('says clearly when the hub cannot be reached or the model is unknown', async () => {
    const dir = tempDir('vv-models-');
    await expect(downloadModel(entry.name, { modelsDir: dir, endpoint: 'http://127.0.0.1:9', entry })).rejects.toThrow(/cannot reach .* needs internet access/);
    await expect(downloadModel('no-such-model', { modelsDir: dir, endpoint })).rejects.toBeInstanceOf(DownloadError);
  });
  it('refuses before fetching anything when the hub lists a file other than the pinned one (a re-export)', async () => {
    for (const [file, pin, message] of [
      ['onnx/text_model.onnx', { sha256: 'b'.repeat(64) }, /the hub lists sha256 [0-9a-f]{64}, the catalog pins b{64}: refusing/],
      ['onnx/vision_model.onnx', { size: 123 }, /the hub lists 200000 bytes, the catalog pins 123: refusing/],
      ['tokenizer.json', { git_sha1: 'c'.repeat(40) }, /the hub lists blob [0-9a-f]{40}, the catalog pins c{40}: refusing/],
    ] as const) {
      const dir = tempDir('vv-models-');
      const before = requests.length;
      const repinned = { ...entry, files: entry.files.map((f) => (f.path === file ? { ...f, ...pin } : f)) };
      await expect(downloadModel(entry.name, { modelsDir: dir, endpoint, entry: repinned })).rejects.toThrow(message);
      expect(requests.slice(before).some((r) => r.includes('/resolve/'))).toBe(false);
      expect(listModels(dir)).toEqual([]);
    }
  });

  it('pins every catalog model to a commit, and its large files to a size or sha256', () => {
    for (const e of CATALOG) {
      expect(e.revision, e.name).toMatch(/^[0-9a-f]{40}$/);
      for (const f of e.files) {
        if (f.sha256) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
        if (f.git_sha1) expect(f.git_sha1).toMatch(/^[0-9a-f]{40}$/);
      }
      for (const f of e.files.filter((f) => f.path.endsWith('.onnx'))) expect(f.sha256, `${e.name} ${f.path}`).toBeDefined();
    }
    expect(nextLink('<https://h/api/x?cursor=2>; rel="next", <https://h/api/x>; rel="first"', 'https://h/api/x')).toBe('https://h/api/x?cursor=2');
    expect(nextLink('</api/x?c=3>; rel=next', 'https://h/api/x?c=2')).toBe('https://h/api/x?c=3');
    expect(nextLink(null, 'https://h/')).toBeNull();
  });
});

describe('vv models verify', () => {
  it('runs the self-check and prints what the loader read from each tower', () => {
    const dir = tempDir('vv-models-');
    writeTestModel(dir, 'openclip');
    const ok = vv(['models', 'verify', TEST_OPENCLIP_MODEL_NAME], { env: { VV_MODELS_DIR: dir } });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^vv-test-color-openclip: OK/);
    expect(ok.stdout).toContain('text inputs:  text int32 [1, 77]');
    expect(ok.stdout).toContain('vision uses: image → embedding [1, 16] (batch fixed at 1: one item per run, 224 px)');
    expect(ok.stdout).toMatch(/dim 16; load \d+ ms, one text \d+ ms, one image \d+ ms/);
    const json = JSON.parse(vv(['models', 'verify', TEST_OPENCLIP_MODEL_NAME, '--json'], { env: { VV_MODELS_DIR: dir } }).stdout);
    expect(json.self_check).toMatchObject({ ok: true, dim: 16, text: { tokenType: 'int32', length: 77, batch: 1 } });
    expect(json.self_check.ids).toEqual(json.self_check.expected_ids);
  });

  it('fails when the tokenizer does not give the known ids, or a tower is unsupported', () => {
    const dir = tempDir('vv-models-');
    const model = writeTestModel(dir, 'clip');
    const manifestFile = path.join(model, 'model.json');
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    // Without its own ids a CLIP-family model must tokenize as OpenAI's vocabulary does: this one cannot.
    delete manifest.self_check_ids;
    fs.writeFileSync(manifestFile, JSON.stringify(manifest));
    const bad = vv(['models', 'verify', TEST_MODEL_NAME], { env: { VV_MODELS_DIR: dir } });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/FAILED[\s\S]*"a photo of a cat" gave \[0, \d+, \d+, \d+, \d+, \d+, 1\], expected \[49406, 320, 1125, 539, 320, 2368, 49407\]/);

    // A SigLIP-family model without its own ids must tokenize as google/siglip-base-patch16-224's
    // vocabulary does (ids published in transformers' SigLIP tokenizer tests): this one cannot.
    const siglipDir = tempDir('vv-models-');
    const siglipManifestFile = path.join(writeTestModel(siglipDir, 'siglip'), 'model.json');
    const siglipManifest = JSON.parse(fs.readFileSync(siglipManifestFile, 'utf8'));
    delete siglipManifest.self_check_ids;
    fs.writeFileSync(siglipManifestFile, JSON.stringify(siglipManifest));
    const badSiglip = vv(['models', 'verify', TEST_SIGLIP_MODEL_NAME], { env: { VV_MODELS_DIR: siglipDir } });
    expect(badSiglip.status).toBe(1);
    expect(badSiglip.stdout).toMatch(/FAILED[\s\S]*"A long paragraph for summarization\." gave \[[\d, ]+\], expected \[262, 266, 476, 8532, 270, 4460, 3949, 1682, 1\]/);

    const nhwc = tempDir('vv-models-');
    breakVisionTower(writeTestModel(nhwc, 'clip'), 'nhwc');
    const refused = vv(['models', 'verify', TEST_MODEL_NAME], { env: { VV_MODELS_DIR: nhwc } });
    expect(refused.status).toBe(1);
    expect(refused.stdout).toMatch(/error: vision tower: input pixels float32 \[batch_size, 224, 224, 3\] is NHWC/);
  });
});
