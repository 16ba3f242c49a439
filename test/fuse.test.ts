/**
 * The virtual filesystem, really mounted (FUSE) by `vv serve --mount`, driven from child processes
 * with the standard tools, and checked against the API, the originals and the XMP sidecars.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyCorpus, writeGenerated } from './support/library.js';
import { corpusAvailable } from './support/corpus.js';
import { sha256, solidImage, tempDir, writeFile } from './support/fixtures.js';
import { CLI, getJson, serve, waitFor, waitForScan, type ServerHandle } from './support/cli.js';
import { fuseAvailable, runTool as sh, unmountQuietly } from './support/fuse.js';
import { readSidecar } from '../src/ingest/xmp-sidecar.js';
import { addPngText } from '../src/demo/embed.js';

if (!fuseAvailable) console.warn('SKIPPED FUSE tests: /dev/fuse or fusermount is missing (apt-get install fuse libfuse2)');

let root: string;
let data: string;
let mnt: string;
let server: ServerHandle;
let originals: Map<string, string>;

const ls = async (dir: string) => {
  const r = await sh('ls', ['-1', path.join(mnt, dir)]);
  expect(r.code, `ls ${dir}: ${r.stderr}`).toBe(0);
  return r.stdout.split('\n').filter(Boolean).sort();
};

async function api(p: string, init?: RequestInit) {
  return (await getJson(`${server.url}${p}`, init)).body;
}

async function allImages(query = ''): Promise<any[]> {
  const out: any[] = [];
  let cursor = '';
  for (;;) {
    const page = await api(`/api/images?limit=500${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    out.push(...page.items);
    if (!page.next_cursor) return out;
    cursor = page.next_cursor;
  }
}

/** Names a folder must show for these images: file names, `~<id>` for later duplicates. */
function expectedNames(items: { id: number; filename: string }[]): string[] {
  const taken = new Set<string>();
  const names: string[] = [];
  for (const i of [...items].sort((a, b) => a.id - b.id)) {
    const ext = path.extname(i.filename);
    const name = taken.has(i.filename) ? `${i.filename.slice(0, i.filename.length - ext.length)}~${i.id}${ext}` : i.filename;
    taken.add(name);
    names.push(name);
  }
  return names.sort();
}

const patch = (id: number, body: object) => api(`/api/image/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

beforeAll(async () => {
  if (!fuseAvailable) return;
  root = tempDir('vv-fuse-lib-');
  data = tempDir('vv-fuse-data-');
  mnt = path.join(tempDir('vv-fuse-mnt-'), 'vault');
  if (corpusAvailable()) copyCorpus(root);
  await writeGenerated(root, 30);
  const base = addPngText(await solidImage('png', [10, 200, 10]), [{ type: 'tEXt', key: 'parameters', text: 'a green field\nSteps: 10, Sampler: Euler, Seed: 5' }]);
  writeFile(root, 'odd names/with space é ü 東京.png', base);
  writeFile(root, `odd names/${'long'.repeat(55)}.png`, addPngText(base, [{ type: 'tEXt', key: 'Comment', text: 'long' }]));
  writeFile(root, 'dup/a/same.png', addPngText(base, [{ type: 'tEXt', key: 'Comment', text: 'one' }]));
  writeFile(root, 'dup/b/same.png', addPngText(base, [{ type: 'tEXt', key: 'Comment', text: 'two' }]));
  originals = new Map([...listFiles(root)].map((f) => [f, sha256(path.join(root, f))]));
  server = await serve([root, '--data', data, '--mount', mnt, '--xmp', 'sidecar', '--no-watch', '--workers', '1']);
  await waitForScan(server, originals.size);
}, 120_000);

afterAll(async () => {
  if (!fuseAvailable) return;
  await server?.stop();
  unmountQuietly(mnt);
});

function listFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const abs = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(abs, base));
    else out.push(path.relative(base, abs));
  }
  return out;
}

describe.skipIf(!fuseAvailable)('virtual filesystem (FUSE)', () => {
  it('shows the views, and /all mirrors the library from the index', async () => {
    expect(await ls('')).toEqual(['albums', 'all', 'categories', 'dates', 'favorites', 'models', 'search', 'sfw', 'tags']);
    const found = await sh('find', [path.join(mnt, 'all'), '-type', 'f']);
    const files = found.stdout.split('\n').filter(Boolean).map((f) => path.relative(path.join(mnt, 'all'), f)).sort();
    expect(files).toEqual([...originals.keys()].sort());
  });

  it('lists in each view exactly what the API answers', async () => {
    const items = await allImages();
    const tag = (await api('/api/tags?limit=50')).tags.find((t: any) => !t.name.includes(':') && t.count > 1).name;
    expect(await ls(`tags/${tag}`)).toEqual(expectedNames(await allImages(`&tags=${encodeURIComponent(tag)}`)));
    const model = (await api('/api/tags?prefix=model:&limit=5')).tags[0].name.slice(6);
    expect(await ls(`models/${model}`)).toEqual(expectedNames(await allImages(`&tags=${encodeURIComponent(`model:${model}`)}`)));
    expect(await ls(`tags/model/${model}`)).toEqual(await ls(`models/${model}`));
    const day = items[0].created_at.slice(0, 10);
    expect(await ls(`dates/${day.slice(0, 4)}/${day.slice(5, 7)}/${day.slice(8)}`)).toEqual(expectedNames(await allImages(`&from=${day}&to=${day}`)));
    const search = await api('/api/search?q=knight&limit=200');
    expect(await ls('search/knight')).toEqual(expectedNames(search.items));
    expect((await ls('search/any query at all that matches nothing zzzqqq')).length).toBe(0);
  });

  it('serves the originals byte for byte with their real size and time, names with spaces, unicode and long names', async () => {
    for (const rel of [...originals.keys()].slice(0, 25)) {
      const through = await sh('sha256sum', [path.join(mnt, 'all', rel)]);
      expect(through.stdout.split(' ')[0], rel).toBe(originals.get(rel));
      const st = await sh('stat', ['-c', '%s %Y', path.join(mnt, 'all', rel)]);
      const real = fs.statSync(path.join(root, rel));
      expect(st.stdout.trim()).toBe(`${real.size} ${Math.floor(real.mtimeMs / 1000)}`);
    }
    expect(await ls('all/odd names')).toEqual([`${'long'.repeat(55)}.png`, 'with space é ü 東京.png'].sort());
    expect((await sh('cat', [path.join(mnt, 'all/odd names/with space é ü 東京.png')])).code).toBe(0);
    expect(await ls('tags/../all/dup')).toEqual(['a', 'b']);
  });

  it('names colliding files deterministically', async () => {
    const ids = (await allImages()).filter((i) => i.filename === 'same.png').map((i) => i.id).sort((a, b) => a - b);
    for (const id of ids) await patch(id, { tags: { add: ['twins'] } });
    await waitFor(async () => (await ls('tags')).includes('twins'));
    expect(await ls('tags/twins')).toEqual(['same.png', `same~${ids[1]}.png`]);
  });

  it('organizes with mkdir, cp, ln, ln -s, mv, rm and rmdir, editing only the index', async () => {
    const [a, b, c] = (await allImages()).filter((i) => i.path.startsWith('outputs/') || i.path.startsWith('ComfyUI/'));
    const inAll = (i: any) => path.join(mnt, 'all', i.path);
    expect((await sh('mkdir', ['-p', path.join(mnt, 'categories/trips/2024')])).code).toBe(0);
    expect((await sh('cp', [inAll(a), path.join(mnt, 'categories/trips/2024/')])).code).toBe(0);
    expect((await api(`/api/image/${a.id}`)).categories).toEqual(['trips/2024']);

    expect((await sh('mkdir', [path.join(mnt, 'tags/portfolio')])).code).toBe(0);
    expect((await sh('ln', [inAll(b), path.join(mnt, 'tags/portfolio/')])).code).toBe(0);
    expect((await api(`/api/image/${b.id}`)).tags.some((t: any) => t.name === 'portfolio' && t.source === 'user')).toBe(true);

    expect((await sh('ln', ['-s', inAll(c), path.join(mnt, 'favorites/')])).code).toBe(0);
    expect((await api(`/api/image/${c.id}`)).favorite).toBe(true);

    expect((await sh('mkdir', [path.join(mnt, 'tags/best')])).code).toBe(0);
    expect((await sh('mv', [path.join(mnt, 'tags/portfolio', b.filename), path.join(mnt, 'tags/best/')])).code).toBe(0);
    const moved = (await api(`/api/image/${b.id}`)).tags.map((t: any) => t.name);
    expect(moved).toContain('best');
    expect(moved).not.toContain('portfolio');

    expect((await sh('mv', [inAll(a), path.join(mnt, 'favorites/')])).code).toBe(0);
    expect((await api(`/api/image/${a.id}`)).favorite).toBe(true);
    expect(fs.existsSync(path.join(root, a.path))).toBe(true);

    expect((await sh('rmdir', [path.join(mnt, 'categories/trips')])).stderr).toMatch(/not empty/i);
    expect((await sh('mv', [path.join(mnt, 'categories/trips'), path.join(mnt, 'categories/journeys')])).code).toBe(0);
    expect((await api(`/api/image/${a.id}`)).categories).toEqual(['journeys/2024']);
    expect((await sh('rm', [path.join(mnt, 'categories/journeys/2024', a.filename)])).code).toBe(0);
    expect((await api(`/api/image/${a.id}`)).categories).toEqual([]);
    expect((await sh('rmdir', [path.join(mnt, 'categories/journeys/2024')])).code).toBe(0);
    expect((await api('/api/categories')).categories.map((x: any) => x.name)).toEqual(['journeys']);

    expect((await sh('rm', [path.join(mnt, 'favorites', c.filename)])).code).toBe(0);
    expect((await api(`/api/image/${c.id}`)).favorite).toBe(false);
    expect((await sh('rm', [path.join(mnt, 'tags/best', b.filename)])).code).toBe(0);
    expect((await api(`/api/image/${b.id}`)).tags.map((t: any) => t.name)).not.toContain('best');
    expect((await sh('rmdir', [path.join(mnt, 'tags/portfolio')])).code).toBe(0);
    expect(await ls('tags')).not.toContain('portfolio');
    expect((await sh('rmdir', [path.join(mnt, 'tags/twins')])).stderr).toMatch(/not empty/i);
  });

  it('refuses to change originals, with the documented errno', async () => {
    const [a] = await allImages();
    const inAll = path.join(mnt, 'all', a.path);
    expect((await sh('rm', [inAll])).stderr).toMatch(/Operation not permitted/);
    expect((await sh('sh', ['-c', `echo x >> "${inAll}"`])).stderr).toMatch(/Read-only file system/);
    expect((await sh('truncate', ['-s', '0', inAll])).stderr).toMatch(/Read-only file system/);
    expect((await sh('mv', [inAll, `${inAll}.renamed`])).stderr).toMatch(/Operation not permitted/);
    expect((await sh('touch', [path.join(mnt, 'all', 'new.png')])).stderr).toMatch(/Operation not permitted/);
    expect((await sh('mkdir', [path.join(mnt, 'elsewhere')])).stderr).toMatch(/Operation not permitted/);
    const outsider = path.join(tempDir(), 'outsider.png');
    fs.writeFileSync(outsider, await solidImage('png', [1, 2, 3]));
    const copy = await sh('cp', [outsider, path.join(mnt, 'favorites/')]);
    expect(copy.code).not.toBe(0);
    expect(copy.stderr).toMatch(/Operation not permitted/);
    expect(await ls('favorites')).not.toContain('outsider.png');
  });

  it('writes XMP sidecars that read back, keeping what other tools put there', async () => {
    const [, , , d] = await allImages();
    const sidecar = path.join(root, `${d.path}.xmp`);
    fs.writeFileSync(
      sidecar,
      `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:darktable="http://darktable.sf.net/" darktable:xmp_version="5"/></rdf:RDF></x:xmpmeta>`,
    );
    await patch(d.id, { tags: { add: ['keeper', 'style:noir'] }, rating: 4, favorite: true, categories: { add: ['prints/a4'] } });
    const parsed = await waitFor(async () => {
      const text = fs.readFileSync(sidecar, 'utf8');
      return text.includes('keeper') ? text : null;
    });
    const back = readSidecar(parsed);
    expect(back.rating).toBe(4);
    expect(back.tags).toEqual(expect.arrayContaining(['keeper', 'style:noir']));
    expect(parsed).toContain('Categories|prints|a4');
    expect(parsed).toContain('xmp:Label="Red"');
    expect(parsed).toContain('darktable:xmp_version="5"');
    // An edit through the filesystem is written too.
    const e = (await allImages()).find((i) => i.id !== d.id && !fs.existsSync(path.join(root, `${i.path}.xmp`)))!;
    expect((await sh('ln', [path.join(mnt, 'all', e.path), path.join(mnt, 'favorites/')])).code).toBe(0);
    await waitFor(async () => fs.existsSync(path.join(root, `${e.path}.xmp`)));
    expect(fs.readFileSync(path.join(root, `${e.path}.xmp`), 'utf8')).toContain('xmp:Label="Red"');
  });

  it('answers 8 concurrent listings during a scan', async () => {
    await api('/api/scan', { method: 'POST' });
    const results = await Promise.all(Array.from({ length: 8 }, (_, k) => sh(k % 2 ? 'find' : 'ls', k % 2 ? [mnt, '-type', 'f'] : ['-R', mnt])));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const counts = results.filter((_, k) => k % 2).map((r) => r.stdout.split('\n').filter(Boolean).length);
    expect(new Set(counts).size).toBe(1);
    await waitFor(async () => !(await api('/api/status')).scan.running);
  });

  it('exports the same views as a symlink tree', async () => {
    const out = path.join(tempDir(), 'links');
    const r = await sh(process.execPath, [CLI, 'export-links', out, '--data', data]);
    expect(r.code, r.stderr).toBe(0);
    const tag = (await ls('tags')).find((t) => t === 'twins')!;
    expect(fs.readdirSync(path.join(out, 'tags', tag)).sort()).toEqual(await ls(`tags/${tag}`));
    const link = path.join(out, 'tags', tag, 'same.png');
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(sha256(link)).toBe(originals.get('dup/a/same.png'));
  });

  it('left every original untouched', () => {
    for (const [rel, hash] of originals) expect(sha256(path.join(root, rel)), rel).toBe(hash);
  });

  it('unmounts on SIGTERM, and recovers a stale mount after a crash', async () => {
    expect(await server.stop('SIGTERM')).toBe(0);
    const mounted = () => fs.readFileSync('/proc/mounts', 'utf8').includes(` ${mnt} `);
    expect(mounted()).toBe(false);

    const crashed = spawn(process.execPath, [CLI, 'mount', mnt, '--data', data], { stdio: 'ignore' });
    await waitFor(async () => mounted());
    crashed.kill('SIGKILL');
    await new Promise((r) => crashed.once('exit', r));
    expect((await sh('ls', [mnt])).stderr).toMatch(/not connected|Transport endpoint/);

    server = await serve([root, '--data', data, '--mount', mnt, '--no-watch', '--workers', '1']);
    expect(await ls('')).toContain('tags');
  });
});
