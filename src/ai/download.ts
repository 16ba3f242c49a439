/**
 * Downloads a catalog model from the Hugging Face hub (or HF_ENDPOINT) into models/<name>/ and
 * verifies every file: LFS files against their sha256, small files against their git blob sha1,
 * as the hub's tree API lists them. Files go to `.part` and are renamed only once verified;
 * model.json (what makes the folder a model) is written last, with checksums.json beside it
 * for `--verify` later.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { catalogEntry, CATALOG, type CatalogEntry } from './catalog.js';
import type { ModelManifest } from './models.js';

export class DownloadError extends Error {}

interface TreeEntry {
  type: string;
  path: string;
  oid: string;
  size: number;
  lfs?: { oid: string; size: number };
}

export interface DownloadOptions {
  modelsDir: string;
  endpoint?: string;
  revision?: string;
  log?: (message: string) => void;
  fetchImpl?: typeof fetch;
}

async function getJson(fetchImpl: typeof fetch, url: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetchImpl(url);
  } catch (err) {
    throw new DownloadError(`cannot reach ${new URL(url).origin} (${(err as Error).message}); downloading needs internet access`);
  }
  if (!res.ok) throw new DownloadError(`${url}: HTTP ${res.status}`);
  return res.json();
}

/** The checksum the hub lists for a file, and how to compute it locally. */
function expectedDigest(entry: TreeEntry): { algorithm: 'sha256' | 'git-sha1'; hex: string; size: number } {
  return entry.lfs ? { algorithm: 'sha256', hex: entry.lfs.oid, size: entry.lfs.size } : { algorithm: 'git-sha1', hex: entry.oid, size: entry.size };
}

function hasher(algorithm: 'sha256' | 'git-sha1', size: number): crypto.Hash {
  const h = crypto.createHash(algorithm === 'sha256' ? 'sha256' : 'sha1');
  // A git blob id is sha1("blob <size>\0" + content).
  if (algorithm === 'git-sha1') h.update(`blob ${size}\0`);
  return h;
}

export async function fileSha256(file: string): Promise<string> {
  const h = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function fetchVerified(fetchImpl: typeof fetch, url: string, target: string, entry: TreeEntry, log: (m: string) => void): Promise<void> {
  const want = expectedDigest(entry);
  const part = `${target}.part`;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  let res: Response;
  try {
    res = await fetchImpl(url);
  } catch (err) {
    throw new DownloadError(`cannot download ${entry.path}: ${(err as Error).message}`);
  }
  if (!res.ok || !res.body) throw new DownloadError(`${entry.path}: HTTP ${res.status}`);
  const h = hasher(want.algorithm, want.size);
  let bytes = 0;
  let lastLog = 0;
  const out = fs.createWriteStream(part);
  try {
    for await (const chunk of Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>)) {
      const buf = chunk as Buffer;
      h.update(buf);
      bytes += buf.length;
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      if (performance.now() - lastLog > 2000) {
        lastLog = performance.now();
        log(`  ${entry.path}: ${(bytes / 1e6).toFixed(0)} / ${(want.size / 1e6).toFixed(0)} MB`);
      }
    }
  } finally {
    await new Promise<void>((r) => out.end(() => r()));
  }
  const got = h.digest('hex');
  if (bytes !== want.size || got !== want.hex) {
    fs.rmSync(part, { force: true });
    throw new DownloadError(`${entry.path}: checksum mismatch (expected ${want.algorithm} ${want.hex}, ${want.size} bytes; got ${got}, ${bytes} bytes)`);
  }
  fs.renameSync(part, target);
}

export async function downloadModel(name: string, options: DownloadOptions): Promise<string> {
  const entry: CatalogEntry | null = catalogEntry(name);
  if (!entry) throw new DownloadError(`unknown model ${name}; known: ${CATALOG.map((e) => e.name).join(', ')}`);
  const fetchImpl = options.fetchImpl ?? fetch;
  const endpoint = (options.endpoint ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/$/, '');
  const log = options.log ?? (() => undefined);
  const revisionInfo = (await getJson(fetchImpl, `${endpoint}/api/models/${entry.repo}/revision/${options.revision ?? 'main'}`)) as { sha?: string };
  if (!revisionInfo.sha) throw new DownloadError(`${entry.repo}: the hub gave no commit for revision ${options.revision ?? 'main'}`);
  const sha = revisionInfo.sha;
  const tree = (await getJson(fetchImpl, `${endpoint}/api/models/${entry.repo}/tree/${sha}?recursive=true`)) as TreeEntry[];
  const listed = new Map(tree.filter((t) => t.type === 'file').map((t) => [t.path, t]));
  const dir = path.join(options.modelsDir, entry.name);
  fs.mkdirSync(dir, { recursive: true });
  // No model.json until every file is verified: a half-downloaded folder is not a model.
  fs.rmSync(path.join(dir, 'model.json'), { force: true });
  const checksums: Record<string, string> = {};
  for (const file of entry.files) {
    const t = listed.get(file);
    if (!t) throw new DownloadError(`${entry.repo}@${sha.slice(0, 10)} has no ${file}`);
    log(`${entry.name}: ${file} (${((t.lfs?.size ?? t.size) / 1e6).toFixed(1)} MB)`);
    const target = path.join(dir, file);
    await fetchVerified(fetchImpl, `${endpoint}/${entry.repo}/resolve/${sha}/${file}`, target, t, log);
    checksums[file] = await fileSha256(target);
  }
  const manifest: ModelManifest = { name: entry.name, ...entry.manifest, source: { repo: entry.repo, revision: sha } };
  fs.writeFileSync(path.join(dir, 'checksums.json'), JSON.stringify({ algorithm: 'sha256', files: checksums }, null, 2));
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(manifest, null, 2));
  return dir;
}

/** Re-hashes an installed model's files against the checksums recorded at download. */
export async function verifyModel(modelsDir: string, name: string): Promise<{ ok: boolean; problems: string[] }> {
  const dir = path.join(modelsDir, name);
  const file = path.join(dir, 'checksums.json');
  if (!fs.existsSync(file)) return { ok: false, problems: [`${name} has no checksums.json (not installed by models:download)`] };
  const { files } = JSON.parse(fs.readFileSync(file, 'utf8')) as { files: Record<string, string> };
  const problems: string[] = [];
  for (const [rel, want] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    if (!fs.existsSync(abs)) problems.push(`${rel}: missing`);
    else if ((await fileSha256(abs)) !== want) problems.push(`${rel}: checksum mismatch`);
  }
  return { ok: problems.length === 0, problems };
}
