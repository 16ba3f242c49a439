/**
 * XMP sidecars as digiKam, Lightroom and the standard tools read them (issue 14 items 5 and 6):
 * exiftool and exiv2, run as child processes, read back what edits through the API wrote, in both
 * sidecar modes; `vv xmp export` writes sidecars for edits made while they were off; `vv xmp
 * import` reads back a sidecar exiftool edited, and `vv undo` reverses that. Originals never change.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeGenerated } from './support/library.js';
import { sha256, tempDir, writeFile } from './support/fixtures.js';
import { getJson, serve, vv, waitFor, waitForScan, type ServerHandle } from './support/cli.js';
import { hasCommand, runTool } from './support/fuse.js';
import { buildSidecar, readSidecar } from '../src/ingest/xmp-sidecar.js';
import { Store } from '../src/db/store.js';
import { resolveConfig } from '../src/config.js';

const toolsAvailable = hasCommand('exiftool') && hasCommand('exiv2');
if (!toolsAvailable) console.warn('SKIPPED XMP client tests: exiftool or exiv2 is missing (apt-get install libimage-exiftool-perl exiv2)');

const servers: ServerHandle[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
});

/** exiftool's reading of a sidecar, every group named (`XMP-lr:HierarchicalSubject`). */
async function exiftool(file: string): Promise<Record<string, unknown>> {
  const r = await runTool('exiftool', ['-j', '-G1', file]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as Record<string, unknown>[])[0];
}

/** exiv2's reading of a sidecar: key → its values (`Xmp.lr.hierarchicalSubject` → ['a|b', …]). */
async function exiv2(file: string): Promise<Map<string, string>> {
  const r = await runTool('exiv2', ['-px', file]);
  expect(r.code, r.stderr).toBe(0);
  const out = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const m = /^(Xmp\.\S+)\s+\S+\s+\d+\s+(.*)$/.exec(line);
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

const list = (v: unknown): string[] => (v === undefined ? [] : ([] as unknown[]).concat(v).map(String));

/** sha256 of every file of the library but the sidecars. */
function originalHashes(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      else if (!e.name.endsWith('.xmp')) out.set(path.relative(root, abs), sha256(abs));
    }
  };
  walk(root);
  return out;
}

function sidecarsIn(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.xmp'));
}

async function startServer(root: string, data: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServerHandle> {
  const server = await serve([root, '--data', data, '--no-watch', '--no-embed', '--workers', '1', ...args], env);
  servers.push(server);
  await waitForScan(server, 3);
  return server;
}

async function imagesOf(server: ServerHandle): Promise<{ id: number; path: string }[]> {
  const items: { id: number; path: string }[] = (await getJson(`${server.url}/api/images?limit=100`)).body.items;
  return items.sort((x, y) => x.id - y.id);
}

async function patch(server: ServerHandle, id: number, body: object): Promise<void> {
  const r = await getJson(`${server.url}/api/image/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(r.status).toBe(200);
}

const CURATED = { tags: { add: ['keeper', 'character:miku', 'style/noir'] }, rating: 4, favorite: true, categories: { add: ['prints/a4'] } };

describe.skipIf(!toolsAvailable).each([
  { mode: 'beside the originals (--xmp sidecar)', mirror: false, mark: 'red' },
  { mode: 'in a mirror tree (--xmp-dir alone), favorite as a pick', mirror: true, mark: 'pick' },
])('sidecars $mode read by exiftool and exiv2', ({ mirror, mark }) => {
  it('hold subject, hierarchical subject, TagsList, rating (none when unrated), favorite and categories as documented', async () => {
    const root = tempDir('vv-xmpc-lib-');
    const data = tempDir('vv-xmpc-data-');
    const mirrorDir = tempDir('vv-xmpc-mirror-');
    await writeGenerated(root, 3);
    const before = originalHashes(root);
    const server = await startServer(root, data, mirror ? ['--xmp-dir', mirrorDir] : ['--xmp', 'sidecar'], { VV_XMP_FAVORITE: mark });
    const [a, b] = await imagesOf(server);
    await patch(server, a.id, CURATED);
    await patch(server, b.id, { tags: { add: ['solo'] } });
    const sidecarOf = (rel: string) => path.join(mirror ? mirrorDir : root, `${rel}.xmp`);
    await waitFor(async () => fs.existsSync(sidecarOf(b.path)) && fs.readFileSync(sidecarOf(a.path), 'utf8').includes('keeper'));

    const x = await exiftool(sidecarOf(a.path));
    expect(list(x['XMP-dc:Subject'])).toEqual(expect.arrayContaining(['keeper', 'miku', 'noir', 'a4']));
    expect(list(x['XMP-lr:HierarchicalSubject'])).toEqual(expect.arrayContaining(['keeper', 'character|miku', 'style|noir', 'Categories|prints|a4']));
    expect(list(x['XMP-digiKam:TagsList'])).toEqual(expect.arrayContaining(['keeper', 'character/miku', 'style/noir', 'Categories/prints/a4']));
    expect(x['XMP-xmp:Rating']).toBe(4);
    if (mark === 'red') {
      expect(x['XMP-xmp:Label']).toBe('Red');
      expect(x['XMP-digiKam:PickLabel']).toBeUndefined();
    } else {
      expect(x['XMP-digiKam:PickLabel']).toBe(3);
      expect(x['XMP-xmp:Label']).toBeUndefined();
    }
    const e = await exiv2(sidecarOf(a.path));
    expect(e.get('Xmp.xmp.Rating')).toBe('4');
    expect(e.get('Xmp.lr.hierarchicalSubject')?.split(', ')).toEqual(expect.arrayContaining(['keeper', 'character|miku', 'style|noir', 'Categories|prints|a4']));
    expect(e.get('Xmp.digiKam.TagsList')?.split(', ')).toEqual(expect.arrayContaining(['character/miku', 'style/noir', 'Categories/prints/a4']));
    expect(e.get('Xmp.dc.subject')?.split(', ')).toEqual(expect.arrayContaining(['keeper', 'miku', 'noir']));
    if (mark === 'red') expect(e.get('Xmp.xmp.Label')).toBe('Red');
    else expect(e.get('Xmp.digiKam.PickLabel')).toBe('3');

    // Unrated, not a favorite: no rating at all (0 reads as "rejected" or "unrated" depending on the app), no label.
    const xb = await exiftool(sidecarOf(b.path));
    expect(list(xb['XMP-lr:HierarchicalSubject'])).toContain('solo');
    expect(xb['XMP-xmp:Rating']).toBeUndefined();
    expect(xb['XMP-xmp:Label']).toBeUndefined();
    expect(xb['XMP-digiKam:PickLabel']).toBeUndefined();
    expect((await exiv2(sidecarOf(b.path))).has('Xmp.xmp.Rating')).toBe(false);

    // Un-favoriting takes the mark away again.
    await patch(server, a.id, { favorite: false });
    await waitFor(async () => !/xmp:Label="Red"|digiKam:PickLabel="3"/.test(fs.readFileSync(sidecarOf(a.path), 'utf8')));
    await server.stop();
    if (mirror) expect(sidecarsIn(root)).toEqual([]);
    expect(originalHashes(root)).toEqual(before);
  });
});

describe.skipIf(!toolsAvailable)('vv xmp export and import', () => {
  it('exports edits made with sidecars off, imports a sidecar exiftool edited, and vv undo reverses the import', async () => {
    const root = tempDir('vv-xmpx-lib-');
    const data = tempDir('vv-xmpx-data-');
    await writeGenerated(root, 3);
    const before = originalHashes(root);
    const server = await startServer(root, data, []);
    const [a, b, c] = await imagesOf(server);
    await patch(server, a.id, CURATED);
    await server.stop();
    expect(sidecarsIn(root)).toEqual([]);

    const first = vv(['xmp', 'export', '--data', data]);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('wrote 1 sidecar beside the originals; 0 already up to date');
    expect(sidecarsIn(root)).toEqual([`${a.path}.xmp`]);
    const x = await exiftool(path.join(root, `${a.path}.xmp`));
    expect(list(x['XMP-lr:HierarchicalSubject'])).toEqual(expect.arrayContaining(['character|miku', 'Categories|prints|a4']));
    expect(x['XMP-xmp:Rating']).toBe(4);
    expect(x['XMP-xmp:Label']).toBe('Red');
    expect(vv(['xmp', 'export', '--data', data]).stdout).toContain('wrote 0 sidecars beside the originals; 1 already up to date');
    const all = JSON.parse(vv(['xmp', 'export', '--all', '--data', data, '--json']).stdout);
    expect(all).toMatchObject({ images: 3, written: 2, up_to_date: 1, failed: [] });
    expect((await exiftool(path.join(root, `${b.path}.xmp`)))['XMP-xmp:Rating']).toBeUndefined();

    // Another app edits the sidecars: exiftool adds a hierarchical keyword and changes the rating;
    // a Lightroom-style colour label favorites b; c's sidecar is one an older vault wrote.
    const sa = path.join(root, `${a.path}.xmp`);
    const edit = await runTool('exiftool', ['-overwrite_original', '-XMP-lr:HierarchicalSubject+=place|beach', '-XMP-dc:Subject+=beach', '-XMP-xmp:Rating=5', sa]);
    expect(edit.code, edit.stderr).toBe(0);
    expect((await runTool('exiftool', ['-overwrite_original', '-XMP-xmp:Label=Red', path.join(root, `${b.path}.xmp`)])).code).toBe(0);
    writeFile(
      root,
      `${c.path}.xmp`,
      `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:lr="http://ns.adobe.com/lightroom/1.0/" xmp:Rating="0" xmp:Label="Favorite"><lr:hierarchicalSubject><rdf:Bag><rdf:li>Categories|old</rdf:li><rdf:li>mood|calm</rdf:li></rdf:Bag></lr:hierarchicalSubject></rdf:Description></rdf:RDF></x:xmpmeta>`,
    );
    const imported = vv(['xmp', 'import', '--data', data, '--json']);
    expect(imported.status, imported.stderr).toBe(0);
    const result = JSON.parse(imported.stdout);
    expect(result).toMatchObject({ sidecars: 3, changed: 3, failed: [] });

    const store = Store.open(data);
    try {
      const ia = store.getImage(a.id)!;
      expect(ia.tag_details).toContainEqual({ name: 'place:beach', source: 'xmp', confidence: null });
      expect(ia.tag_details.filter((t) => t.name === 'character:miku').map((t) => t.source)).toEqual(['user']); // not doubled
      expect(ia.rating).toBe(5);
      expect(store.getImage(b.id)!.favorite).toBe(true);
      const ic = store.getImage(c.id)!;
      expect(ic).toMatchObject({ favorite: true, rating: 0, categories: ['old'] });
      expect(ic.tags).toContain('mood:calm');
      expect(store.history(1)[0]).toMatchObject({ id: result.change, origin: 'xmp', images: 3 });
    } finally {
      store.close();
    }

    const undo = vv(['undo', String(result.change), '--data', data]);
    expect(undo.status, undo.stderr).toBe(0);
    const after = Store.open(data);
    try {
      const ia = after.getImage(a.id)!;
      expect(ia.tags).not.toContain('place:beach');
      expect(ia.rating).toBe(4);
      expect(after.getImage(b.id)!.favorite).toBe(false);
      expect(after.getImage(c.id)).toMatchObject({ favorite: false, categories: [] });
    } finally {
      after.close();
    }
    expect(originalHashes(root)).toEqual(before);
  });
});

describe('sidecar mapping details', () => {
  it('turns sidecars on for --xmp-dir alone, and leaves them off when --xmp off is said as well', () => {
    const cwd = tempDir();
    expect(resolveConfig({}, {}, cwd)).toMatchObject({ xmp: 'off', xmpDir: null, xmpFavorite: 'red' });
    expect(resolveConfig({ xmpDir: 'mirror' }, {}, cwd)).toMatchObject({ xmp: 'sidecar', xmpDir: path.join(cwd, 'mirror') });
    expect(resolveConfig({}, { VV_XMP_DIR: '/srv/xmp', VV_XMP_FAVORITE: 'pick' }, cwd)).toMatchObject({ xmp: 'sidecar', xmpFavorite: 'pick' });
    expect(resolveConfig({ xmp: 'off', xmpDir: 'mirror' }, {}, cwd)).toMatchObject({ xmp: 'off' });
    expect(() => resolveConfig({ xmpFavorite: 'Favorite' }, {}, cwd)).toThrow(/xmpFavorite/);
  });

  const state = { tags: ['character:miku', 'character/miku', 'lora:a/b'], categories: [], rating: 0, favorite: false };

  it('maps a namespaced tag and a tag written with / to the same levels, and reads them back as the namespaced tag', () => {
    const xml = buildSidecar(null, state);
    expect(xml).not.toContain('xmp:Rating');
    const back = readSidecar(xml);
    expect(back.tags.sort()).toEqual(['character:miku', 'lora:a/b']);
    expect(xml).toContain('<rdf:li>lora|a|b</rdf:li>');
    expect(xml).toContain('<rdf:li>lora/a/b</rdf:li>');
  });

  it("keeps another app's reject (rating -1) on an unrated image, and reads it as no rating", () => {
    const rejected = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"><xmp:Rating>-1</xmp:Rating></rdf:Description></rdf:RDF></x:xmpmeta>';
    expect(readSidecar(rejected)).toMatchObject({ rating: null, rejected: true });
    const rewritten = buildSidecar(rejected, { ...state, tags: ['x'] });
    expect(rewritten).toContain('xmp:Rating="-1"');
    expect(rewritten.match(/Rating/g)).toHaveLength(1);
    expect(buildSidecar(rejected, { ...state, rating: 2 })).toContain('xmp:Rating="2"');
  });

  it('replaces the old non-standard Favorite label, and reads it as a favorite', () => {
    const old = buildSidecar(null, state).replace('<rdf:Description', '<rdf:Description xmp:Label="Favorite"');
    expect(readSidecar(old).favorite).toBe(true);
    expect(buildSidecar(old, { ...state, favorite: true })).toContain('xmp:Label="Red"');
    expect(buildSidecar(old, state)).not.toContain('xmp:Label');
    expect(buildSidecar(old, { ...state, favorite: true }, 'pick')).toMatch(/digiKam:PickLabel="3"/);
    expect(buildSidecar(null, { ...state, favorite: false }, 'pick')).not.toContain('PickLabel');
  });
});
