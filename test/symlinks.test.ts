/**
 * The library boundary: symlinks are followed only while their real path stays inside the
 * library's real path (the walk, .txt / .xmp sidecars, file serving, thumbnails and export), and serving
 * re-checks at request time, so a file swapped for an outside symlink after the scan is refused.
 * `--follow-symlinks` follows every link.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPngText } from '../src/demo/embed.js';
import { solidImage, tempDir, writeFile } from './support/fixtures.js';
import { getJson, serve, waitFor, type ServerHandle } from './support/cli.js';
import { zipEntries } from './support/zip.js';

let real: string;
let link: string;
let outside: string;
let server: ServerHandle;
let secretPng: Buffer;
const SECRET_WORD = 'zebracornoutside';

const get = (url: string) => getJson(url);
const post = (url: string, body: unknown) => getJson(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function png(prompt: string, color: [number, number, number]): Promise<Buffer> {
  return addPngText(await solidImage('png', color), [{ type: 'tEXt', key: 'parameters', text: `${prompt}\nSteps: 20, Seed: 1, Sampler: Euler` }]);
}

async function images(base: string): Promise<any[]> {
  return (await get(`${base}/api/images?limit=500&missing=include`)).body.items;
}

/** A server past its first scan (whatever that scan found: the tests check what it indexed). */
async function started(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServerHandle> {
  const s = await serve(args, env);
  await waitFor(async () => {
    const { body } = await get(`${s.url}/api/status`);
    return body.scan.stats && !body.scan.running && body.scan.finished_at;
  }, 60_000);
  return s;
}

beforeAll(async () => {
  outside = tempDir('vv-outside-');
  secretPng = await png(`${SECRET_WORD} secret image`, [10, 200, 10]);
  writeFile(outside, 'secret.png', secretPng);
  writeFile(outside, 'secret.txt', Buffer.from(`${SECRET_WORD} sidecar prompt\nSteps: 9, Seed: 7, Sampler: Euler`));
  writeFile(outside, 'secret.xmp', Buffer.from(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:subject><rdf:Bag><rdf:li>${SECRET_WORD}</rdf:li></rdf:Bag></dc:subject></rdf:Description></rdf:RDF></x:xmpmeta>`));

  // The library is reached through a symlink itself: the real root is what links must stay in.
  real = tempDir('vv-symlink-real-');
  link = path.join(tempDir('vv-symlink-parent-'), 'library');
  fs.symlinkSync(real, link);
  writeFile(real, 'sub/real.png', await png('a red fox', [200, 30, 30]));
  writeFile(real, 'plain.png', await png('a blue whale', [30, 30, 200]));
  writeFile(real, 'swap.png', await png('a grey owl', [120, 120, 120]));
  fs.symlinkSync(path.join(real, 'sub/real.png'), path.join(real, 'inside-link.png'));
  fs.symlinkSync('/etc/passwd', path.join(real, 'evil.png'));
  fs.symlinkSync(path.join(outside, 'secret.png'), path.join(real, 'stolen.png'));
  // Sidecars that point outside: the .txt infotext and the .xmp keywords of plain.png.
  fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(real, 'plain.txt'));
  fs.symlinkSync(path.join(outside, 'secret.xmp'), path.join(real, 'plain.png.xmp'));

  // Thumbnails on demand only, so the swap test below asks for one after the swap.
  server = await started([link, '--data', tempDir('vv-symlink-data-'), '--workers', '1', '--no-watch', '--no-thumbnails']);
}, 90_000);

afterAll(async () => {
  await server?.stop();
});

describe('symlinks in the library (default: stay inside the library)', () => {
  it('indexes files and inside links, never links that leave the library', async () => {
    const paths = (await images(server.url)).map((i) => i.path).sort();
    expect(paths).toEqual(['inside-link.png', 'plain.png', 'sub/real.png', 'swap.png']);
    // The link that was not followed is a problem the user can see, with the way to follow it.
    const problems = (await get(`${server.url}/api/problems`)).body.items;
    expect(problems.filter((p: any) => p.kind === 'outside_library').map((p: any) => p.path).sort()).toEqual(['evil.png', 'stolen.png']);
    expect(problems.find((p: any) => p.path === 'stolen.png').message).toMatch(/--follow-symlinks/);
  });

  it('reads no sidecar that leaves the library (.txt infotext, .xmp keywords)', async () => {
    const plain = (await images(server.url)).find((i) => i.path === 'plain.png');
    const detail = (await get(`${server.url}/api/image/${plain.id}`)).body;
    expect(detail.prompt).toContain('a blue whale');
    expect(JSON.stringify(detail)).not.toContain(SECRET_WORD);
    expect(detail.tags.map((t: any) => t.name)).not.toContain(SECRET_WORD);
    const search = await get(`${server.url}/api/search?q=${SECRET_WORD}`);
    expect(search.status).toBe(200);
    expect(search.body.items).toEqual([]);
  });

  it('serves inside links, and refuses a file swapped for an outside link after the scan (serve and export)', async () => {
    const all = await images(server.url);
    const inside = all.find((i) => i.path === 'inside-link.png');
    const served = await fetch(`${server.url}/api/image/${inside.id}/file`);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(fs.readFileSync(path.join(real, 'sub/real.png')))).toBe(true);

    const swap = all.find((i) => i.path === 'swap.png');
    const plain = all.find((i) => i.path === 'plain.png');
    fs.rmSync(path.join(real, 'swap.png'));
    fs.symlinkSync(path.join(outside, 'secret.png'), path.join(real, 'swap.png'));
    const refused = await fetch(`${server.url}/api/image/${swap.id}/file`);
    const text = await refused.text();
    expect([403, 404]).toContain(refused.status);
    expect(JSON.parse(text).error.code).toEqual(expect.any(String));
    expect(text).not.toContain(SECRET_WORD);
    // Nor is a thumbnail made from it.
    expect((await fetch(`${server.url}${swap.thumbnail_url}`)).status).toBe(404);
    expect((await fetch(`${server.url}${plain.thumbnail_url}`)).status).toBe(200);

    // A directory swapped for an outside link is refused too.
    fs.renameSync(path.join(real, 'sub'), path.join(outside, 'sub-moved'));
    fs.mkdirSync(path.join(outside, 'sub'));
    fs.copyFileSync(path.join(outside, 'secret.png'), path.join(outside, 'sub', 'real.png'));
    fs.symlinkSync(path.join(outside, 'sub'), path.join(real, 'sub'));
    const sub = all.find((i) => i.path === 'sub/real.png');
    expect([403, 404]).toContain((await fetch(`${server.url}/api/image/${sub.id}/file`)).status);

    const exported = await post(`${server.url}/api/export`, { ids: [swap.id, plain.id, sub.id], metadata: 'none' });
    expect(exported.status).toBe(201);
    const zip = await zipEntries(Buffer.from(await (await fetch(`${server.url}${exported.body.url}`)).arrayBuffer()));
    expect(zip.get('images/plain.png')?.equals(fs.readFileSync(path.join(real, 'plain.png')))).toBe(true);
    expect(zip.has('images/swap.png')).toBe(false);
    expect(zip.has('images/sub/real.png')).toBe(false);
    for (const bytes of zip.values()) expect(bytes.includes(SECRET_WORD)).toBe(false);

    // Back to a real file: served again.
    fs.rmSync(path.join(real, 'swap.png'));
    fs.writeFileSync(path.join(real, 'swap.png'), await png('a grey owl', [120, 120, 120]));
    expect((await fetch(`${server.url}/api/image/${swap.id}/file`)).status).toBe(200);
  });
});

describe('--follow-symlinks / VV_FOLLOW_SYMLINKS', () => {
  it('follows every link when asked', async () => {
    const lib = tempDir('vv-follow-lib-');
    writeFile(lib, 'own.png', await png('a white cat', [250, 250, 250]));
    fs.symlinkSync(path.join(outside, 'secret.png'), path.join(lib, 'stolen.png'));
    const flag = await started([lib, '--data', tempDir('vv-follow-data-'), '--workers', '0', '--no-watch', '--follow-symlinks']);
    try {
      const stolen = (await images(flag.url)).find((i) => i.path === 'stolen.png');
      const res = await fetch(`${flag.url}/api/image/${stolen.id}/file`);
      expect(Buffer.from(await res.arrayBuffer()).equals(secretPng)).toBe(true);
    } finally {
      await flag.stop();
    }
    const env = await started([lib, '--data', tempDir('vv-follow-data-'), '--workers', '0', '--no-watch'], { VV_FOLLOW_SYMLINKS: 'true' });
    try {
      expect((await images(env.url)).map((i) => i.path).sort()).toEqual(['own.png', 'stolen.png']);
    } finally {
      await env.stop();
    }
  });
});
