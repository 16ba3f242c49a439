/**
 * Downloads a catalog model from the Hugging Face hub (or HF_ENDPOINT) into models/<name>/ at the
 * commit the catalog pins, and verifies every file against its pins (size, sha256, git blob sha1)
 * and against what the hub's tree API lists for that commit (every page: the listing is paginated
 * by a `Link: <…>; rel="next"` header). A mismatch anywhere refuses the download. Files go to
 * `.part` and are renamed only once verified; model.json (what makes the folder a model) is
 * written last, with checksums.json beside it for `vv models verify`.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { catalogEntry, CATALOG, type CatalogEntry, type PinnedFile } from './catalog.js';
import type { ModelManifest } from './models.js';
import type { CaptionerManifest } from './captioner.js';

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
  /** Another commit than the pinned one (the per-file pins still apply). */
  revision?: string;
  /** A catalog entry not in CATALOG (tests). */
  entry?: CatalogEntry;
  log?: (message: string) => void;
  fetchImpl?: typeof fetch;
}

async function getJson(fetchImpl: typeof fetch, url: string): Promise<{ body: unknown; next: string | null }> {
  let res: Response;
  try {
    res = await fetchImpl(url);
  } catch (err) {
    throw new DownloadError(`cannot reach ${new URL(url).origin} (${(err as Error).message}); downloading needs internet access`);
  }
  if (!res.ok) throw new DownloadError(`${url}: HTTP ${res.status}`);
  return { body: await res.json(), next: nextLink(res.headers.get('link'), url) };
}

/** The `rel="next"` target of a Link header (RFC 8288), resolved against the request URL. */
export function nextLink(header: string | null, base: string): string | null {
  for (const part of header?.split(',') ?? []) {
    const m = /<([^>]+)>\s*;(.*)/.exec(part.trim());
    if (m && /(^|;)\s*rel="?next"?\s*(;|$)/i.test(m[2])) return new URL(m[1], base).toString();
  }
  return null;
}

/** Every file the hub lists for a commit, page after page. */
async function listTree(fetchImpl: typeof fetch, endpoint: string, repo: string, commit: string): Promise<Map<string, TreeEntry>> {
  const files = new Map<string, TreeEntry>();
  let url: string | null = `${endpoint}/api/models/${repo}/tree/${commit}?recursive=true`;
  for (let pages = 0; url && pages < 1000; pages++) {
    const { body, next }: { body: unknown; next: string | null } = await getJson(fetchImpl, url);
    for (const t of body as TreeEntry[]) if (t.type === 'file') files.set(t.path, t);
    url = next;
  }
  return files;
}

/** What a file must be: its pins, completed by what the hub lists for the commit; a pin the listing contradicts refuses. */
function expectedFile(pin: PinnedFile, listed: TreeEntry, where: string): { size: number; sha256?: string; git_sha1?: string } {
  const size = listed.lfs?.size ?? listed.size;
  if (pin.size !== undefined && pin.size !== size) throw new DownloadError(`${where}: the hub lists ${size} bytes, the catalog pins ${pin.size}: refusing`);
  if (pin.sha256 && listed.lfs && listed.lfs.oid !== pin.sha256) throw new DownloadError(`${where}: the hub lists sha256 ${listed.lfs.oid}, the catalog pins ${pin.sha256}: refusing`);
  if (pin.git_sha1 && !listed.lfs && listed.oid !== pin.git_sha1) throw new DownloadError(`${where}: the hub lists blob ${listed.oid}, the catalog pins ${pin.git_sha1}: refusing`);
  return { size, sha256: pin.sha256 ?? listed.lfs?.oid, git_sha1: pin.git_sha1 ?? (listed.lfs ? undefined : listed.oid) };
}

export async function fileSha256(file: string): Promise<string> {
  const h = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function fetchVerified(fetchImpl: typeof fetch, url: string, target: string, file: string, want: { size: number; sha256?: string; git_sha1?: string }, log: (m: string) => void): Promise<void> {
  const part = `${target}.part`;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  let res: Response;
  try {
    res = await fetchImpl(url);
  } catch (err) {
    throw new DownloadError(`cannot download ${file}: ${(err as Error).message}`);
  }
  if (!res.ok || !res.body) throw new DownloadError(`${file}: HTTP ${res.status}`);
  const sha256 = crypto.createHash('sha256');
  // A git blob id is sha1("blob <size>\0" + content).
  const gitSha1 = crypto.createHash('sha1').update(`blob ${want.size}\0`);
  let bytes = 0;
  let lastLog = 0;
  const out = fs.createWriteStream(part);
  try {
    for await (const chunk of Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>)) {
      const buf = chunk as Buffer;
      sha256.update(buf);
      gitSha1.update(buf);
      bytes += buf.length;
      if (bytes > want.size) break;
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      if (performance.now() - lastLog > 2000) {
        lastLog = performance.now();
        log(`  ${file}: ${(bytes / 1e6).toFixed(0)} / ${(want.size / 1e6).toFixed(0)} MB`);
      }
    }
  } finally {
    await new Promise<void>((r) => out.end(() => r()));
  }
  const got = { sha256: sha256.digest('hex'), git_sha1: gitSha1.digest('hex') };
  const bad = bytes !== want.size ? `${bytes} bytes, expected ${want.size}` : want.sha256 && got.sha256 !== want.sha256 ? `sha256 ${got.sha256}, expected ${want.sha256}` : want.git_sha1 && got.git_sha1 !== want.git_sha1 ? `git blob ${got.git_sha1}, expected ${want.git_sha1}` : null;
  if (bad) {
    fs.rmSync(part, { force: true });
    throw new DownloadError(`${file}: checksum mismatch (${bad}): refusing`);
  }
  fs.renameSync(part, target);
}

export async function downloadModel(name: string, options: DownloadOptions): Promise<string> {
  const entry: CatalogEntry | null = options.entry ?? catalogEntry(name);
  if (!entry) throw new DownloadError(`unknown model ${name}; known: ${CATALOG.map((e) => e.name).join(', ')}`);
  const fetchImpl = options.fetchImpl ?? fetch;
  const endpoint = (options.endpoint ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/$/, '');
  const log = options.log ?? (() => undefined);
  const commit = options.revision ?? entry.revision;
  const listed = await listTree(fetchImpl, endpoint, entry.repo, commit);
  const dir = path.join(options.modelsDir, entry.name);
  // Every pin is checked against the listing before a byte is fetched.
  const plan = entry.files.map((pin) => {
    const where = `${entry.repo}@${commit.slice(0, 10)} ${pin.path}`;
    const t = listed.get(pin.path);
    if (!t) throw new DownloadError(`${entry.repo}@${commit.slice(0, 10)} has no ${pin.path}`);
    return { pin, want: expectedFile(pin, t, where) };
  });
  fs.mkdirSync(dir, { recursive: true });
  // No model.json until every file is verified: a half-downloaded folder is not a model.
  fs.rmSync(path.join(dir, 'model.json'), { force: true });
  const checksums: Record<string, string> = {};
  for (const { pin, want } of plan) {
    log(`${entry.name}: ${pin.path} (${(want.size / 1e6).toFixed(1)} MB)`);
    const target = path.join(dir, pin.path);
    await fetchVerified(fetchImpl, `${endpoint}/${entry.repo}/resolve/${commit}/${pin.path}`, target, pin.path, want, log);
    checksums[pin.path] = await fileSha256(target);
  }
  const manifest: ModelManifest | CaptionerManifest = { name: entry.name, ...entry.manifest, source: { repo: entry.repo, revision: commit } };
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
