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
import { downloadModel, DownloadError, verifyModel } from '../src/ai/download.js';
import { catalogEntry } from '../src/ai/catalog.js';
import { listModels, loadModelInfo, chooseModel } from '../src/ai/models.js';
import { tempDir } from './support/fixtures.js';

const entry = catalogEntry('clip-vit-b32-openai')!;
const SHA = 'a'.repeat(40);
let files: Map<string, Buffer>;
let lie: string | null = null;
let server: http.Server;
let endpoint: string;
const requests: string[] = [];

function treeEntry(file: string, bytes: Buffer) {
  // Large files are LFS (sha256 listed), small ones plain git blobs (sha1 of "blob <n>\0" + bytes).
  if (file.endsWith('.onnx')) return { type: 'file', path: file, oid: 'x', size: 130, lfs: { oid: crypto.createHash('sha256').update(bytes).digest('hex'), size: bytes.length } };
  return { type: 'file', path: file, oid: crypto.createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex'), size: bytes.length };
}

beforeAll(async () => {
  files = new Map(entry.files.map((f) => [f, f.endsWith('.json') ? Buffer.from(JSON.stringify({ file: f })) : crypto.randomBytes(200_000)]));
  server = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url!.split('?')[0]);
    requests.push(url);
    const base = `/api/models/${entry.repo}`;
    if (url === `${base}/revision/main`) return res.end(JSON.stringify({ sha: SHA }));
    if (url === `${base}/tree/${SHA}`) return res.end(JSON.stringify([...files].map(([f, b]) => treeEntry(f, b))));
    const prefix = `/${entry.repo}/resolve/${SHA}/`;
    if (url.startsWith(prefix)) {
      const file = url.slice(prefix.length);
      const bytes = files.get(file);
      if (!bytes) return res.writeHead(404).end();
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
    const out = await downloadModel(entry.name, { modelsDir: dir, endpoint });
    for (const [file, bytes] of files) expect(fs.readFileSync(path.join(out, file)).equals(bytes), file).toBe(true);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: entry.name, dim: 512, family: 'clip', source: { repo: entry.repo, revision: SHA } });
    expect(requests).toContain(`/${entry.repo}/resolve/${SHA}/onnx/vision_model.onnx`);
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
      await expect(downloadModel(entry.name, { modelsDir: dir, endpoint })).rejects.toThrow(new RegExp(`${bad}: checksum mismatch`));
      expect(fs.existsSync(path.join(dir, entry.name, 'model.json'))).toBe(false);
      expect(fs.existsSync(path.join(dir, entry.name, `${bad}.part`))).toBe(false);
      expect(listModels(dir)).toEqual([]);
    }
    lie = null;
  });

  it('says clearly when the hub cannot be reached or the model is unknown', async () => {
    const dir = tempDir('vv-models-');
    await expect(downloadModel(entry.name, { modelsDir: dir, endpoint: 'http://127.0.0.1:9' })).rejects.toThrow(/cannot reach .* needs internet access/);
    await expect(downloadModel('no-such-model', { modelsDir: dir, endpoint })).rejects.toBeInstanceOf(DownloadError);
  });
});
