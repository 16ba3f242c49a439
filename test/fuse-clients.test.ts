/**
 * File managers and sync tools as real clients of the mount (issue 14): rsync, cp --preserve, gio
 * (what GNOME/GTK file managers call: copy, move, trash, info), mv and du, run as child processes
 * against `vv serve --mount`, checked against the API, the journal (`vv undo`) and the originals.
 * gio runs with GIO_USE_VFS=local: the local file backend, no session bus or gvfs daemons needed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeGenerated } from './support/library.js';
import { sha256, tempDir, treeHashes } from './support/fixtures.js';
import { getJson, serve, vv, waitForScan, type ServerHandle } from './support/cli.js';
import { fuseAvailable, hasCommand, runTool, unmountQuietly } from './support/fuse.js';

const toolsAvailable = fuseAvailable && hasCommand('rsync') && hasCommand('gio');
if (!toolsAvailable) console.warn('SKIPPED FUSE client tests: needs /dev/fuse, fusermount, rsync and gio (apt-get install fuse libfuse2 rsync libglib2.0-bin)');

let root: string;
let data: string;
let mnt: string;
let server: ServerHandle;
let originals: Map<string, string>;
let images: { id: number; path: string; filename: string }[];

const sh = (file: string, ...args: string[]) => runTool(file, args);
const gio = (...args: string[]) => runTool('env', ['GIO_USE_VFS=local', 'gio', ...args]);
const at = (...parts: string[]) => path.join(mnt, ...parts);
const inAll = (i: { path: string }) => at('all', i.path);
const detail = async (id: number) => (await getJson(`${server.url}/api/image/${id}`)).body;
const tagsOf = async (id: number) => (await detail(id)).tags.map((t: any) => t.name) as string[];

async function ls(dir: string, all = false): Promise<string[]> {
  const r = await sh('ls', all ? '-1A' : '-1', at(dir));
  expect(r.code, `ls ${dir}: ${r.stderr}`).toBe(0);
  return r.stdout.split('\n').filter(Boolean).sort();
}

beforeAll(async () => {
  if (!toolsAvailable) return;
  root = tempDir('vv-clients-lib-');
  data = tempDir('vv-clients-data-');
  mnt = path.join(tempDir('vv-clients-mnt-'), 'vault');
  await writeGenerated(root, 12);
  originals = treeHashes(root);
  server = await serve([root, '--data', data, '--mount', mnt, '--no-watch', '--workers', '1']);
  await waitForScan(server, originals.size);
  images = (await getJson(`${server.url}/api/images?limit=100`)).body.items;
  expect((await sh('mkdir', at('tags/synced'), at('categories/trips'))).code).toBe(0);
}, 120_000);

afterAll(async () => {
  if (!toolsAvailable) return;
  await server?.stop();
  unmountQuietly(mnt);
});

describe.skipIf(!toolsAvailable)('copy tools that write a temporary name, then rename it', () => {
  it('rsync -a into a tag folder exits 0, tags, and never lists its temporary names', async () => {
    const [a, b] = images;
    const r = await sh('rsync', '-a', inAll(a), inAll(b), at('tags/synced/'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(await tagsOf(a.id)).toContain('synced');
    expect(await tagsOf(b.id)).toContain('synced');
    expect(await ls('tags/synced', true)).toEqual([a.filename, b.filename].sort());
    // Again: rsync finds them there (same size and time) and has nothing to do.
    const again = await sh('rsync', '-a', '--itemize-changes', inAll(a), inAll(b), at('tags/synced/'));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe('');
  });

  it('rsync -a --inplace into a category folder exits 0 (setting times is accepted) and categorizes', async () => {
    const c = images[2];
    const r = await sh('rsync', '-a', '--inplace', inAll(c), at('categories/trips/'));
    expect(r.code, r.stderr).toBe(0);
    expect((await detail(c.id)).categories).toEqual(['trips']);
    expect(await ls('categories/trips', true)).toEqual([c.filename]);
  });

  it('rsync -a of a file that is not an image of the library still fails, adding nothing', async () => {
    const outsider = path.join(tempDir(), 'outsider.png');
    fs.writeFileSync(outsider, 'not an image of the library');
    const r = await sh('rsync', '-a', outsider, at('tags/synced/'));
    expect(r.code).not.toBe(0);
    expect(await ls('tags/synced', true)).not.toContain('outsider.png');
  });

  it('cp --preserve=all into a tag folder exits 0 and tags; copying onto an entry already there succeeds quietly', async () => {
    const d = images[3];
    const r = await sh('cp', '--preserve=all', inAll(d), at('tags/synced/'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(await tagsOf(d.id)).toContain('synced');
    const original = fs.statSync(path.join(root, d.path));
    const before = `${original.size} ${Math.floor(original.mtimeMs / 1000)}\n`;
    expect((await sh('stat', '-c', '%s %Y', at('tags/synced', d.filename))).stdout).toBe(before);
    for (const args of [[inAll(d), at('tags/synced/')], ['--preserve=all', inAll(d), at('tags/synced/')], ['-f', inAll(d), at('tags/synced', d.filename)]]) {
      const over = await sh('cp', ...args);
      expect(over.code, `cp ${args.join(' ')}: ${over.stderr}`).toBe(0);
      expect(over.stderr).toBe('');
    }
    expect(await ls('tags/synced', true)).toContain(d.filename);
    expect((await sh('stat', '-c', '%s %Y', at('tags/synced', d.filename))).stdout).toBe(before);
    expect(sha256(at('tags/synced', d.filename))).toBe(originals.get(d.path));
  });

  it('writing into an entry in place is still refused (EROFS), and changing its times or mode changes nothing', async () => {
    const d = images[3];
    const entry = at('tags/synced', d.filename);
    expect((await sh('dd', `of=${entry}`, 'conv=notrunc', 'if=/dev/zero', 'count=1')).stderr).toMatch(/Read-only file system/);
    expect((await sh('truncate', '-s', '3', entry)).stderr).toMatch(/Read-only file system/);
    expect((await sh('touch', '-d', '2001-02-03 04:05:06', entry)).code).toBe(0);
    expect((await sh('chmod', '644', entry)).code).toBe(0);
    const st = await sh('stat', '-c', '%a %s %Y', entry);
    expect(st.stdout.trim()).toBe(`444 ${fs.statSync(path.join(root, d.path)).size} ${Math.floor(fs.statSync(path.join(root, d.path)).mtimeMs / 1000)}`);
  });
});

describe.skipIf(!toolsAvailable)('gio: what GTK file managers do', () => {
  it('gio trash in /favorites and in a tag folder exits 0, removes only that association, leaves nothing in the trash; vv undo brings it back', async () => {
    const e = images[4];
    expect((await sh('ln', inAll(e), at('favorites/'))).code).toBe(0);
    expect((await sh('ln', inAll(e), at('tags/synced/'))).code).toBe(0);
    const info = await gio('info', '-a', 'access::can-trash,access::can-delete', at('favorites', e.filename));
    expect(info.stdout).toMatch(/access::can-trash: TRUE/);

    const r = await gio('trash', at('favorites', e.filename));
    expect(r.code, r.stderr).toBe(0);
    expect((await detail(e.id)).favorite).toBe(false);
    expect(await tagsOf(e.id)).toContain('synced');
    expect(await ls('favorites')).not.toContain(e.filename);
    const trash = `.Trash-${process.getuid!()}`;
    expect(await ls(`${trash}/files`, true)).toEqual([]);
    expect(await ls(`${trash}/info`, true)).toEqual([]);
    expect(await ls('', true)).toEqual(await ls('')); // the trash folder is not listed

    const undo = vv(['undo', '--data', data]);
    expect(undo.status, undo.stderr).toBe(0);
    expect((await detail(e.id)).favorite).toBe(true);

    const t = await gio('trash', at('tags/synced', e.filename));
    expect(t.code, t.stderr).toBe(0);
    expect(await tagsOf(e.id)).not.toContain('synced');
    expect((await detail(e.id)).favorite).toBe(true);
    expect(fs.existsSync(path.join(root, e.path))).toBe(true);
  });

  it('gio trash of a tag folder deletes the tag when it is empty, and refuses a folder with images', async () => {
    expect((await sh('mkdir', at('tags/emptied'))).code).toBe(0);
    const r = await gio('trash', at('tags/emptied'));
    expect(r.code, r.stderr).toBe(0);
    expect(await ls('tags')).not.toContain('emptied');
    const full = await gio('trash', at('tags/synced'));
    expect(full.code).not.toBe(0);
    expect(await ls('tags')).toContain('synced');
  });

  it('in /all trashing is refused: can-trash and can-delete false, gio trash fails, the original stays', async () => {
    const f = images[5];
    const info = await gio('info', '-a', 'access::can-trash,access::can-delete,access::can-write', inAll(f));
    expect(info.stdout).toMatch(/access::can-trash: FALSE/);
    expect(info.stdout).toMatch(/access::can-delete: FALSE/);
    expect(info.stdout).toMatch(/access::can-write: FALSE/);
    const r = await gio('trash', inAll(f));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Operation not permitted/);
    expect(await ls(path.dirname(path.join('all', f.path)))).toContain(f.filename);
    expect(fs.existsSync(path.join(root, f.path))).toBe(true);
  });

  it('gio copy over an entry already there (a file manager\'s "Overwrite": a temporary file renamed over it while open) succeeds quietly', async () => {
    const [a] = images;
    const over = await gio('copy', inAll(a), at('tags/synced', a.filename));
    expect(over.code, over.stderr).toBe(0);
    expect(over.stderr).toBe('');
    const asked = await runTool('sh', ['-c', 'echo y | GIO_USE_VFS=local gio copy -i "$1" "$2"', 'sh', path.join(root, a.path), at('tags/synced/')]);
    expect(asked.code, asked.stderr).toBe(0);
    expect(await ls('tags/synced', true)).toContain(a.filename);
    expect((await ls('tags/synced', true)).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(await tagsOf(a.id)).toContain('synced');
    expect(sha256(at('tags/synced', a.filename))).toBe(originals.get(a.path));
  });

  it('gio copy and gio move between views associate the image', async () => {
    const g = images[6];
    const copy = await gio('copy', inAll(g), at('favorites/'));
    expect(copy.code, copy.stderr).toBe(0);
    expect((await detail(g.id)).favorite).toBe(true);
    const move = await gio('move', at('favorites', g.filename), at('tags/synced/'));
    expect(move.code, move.stderr).toBe(0);
    expect((await detail(g.id)).favorite).toBe(false);
    expect(await tagsOf(g.id)).toContain('synced');
    const preserved = await gio('copy', '--preserve', inAll(g), at('categories/trips/'));
    expect(preserved.code, preserved.stderr).toBe(0);
    expect((await detail(g.id)).categories).toContain('trips');
  });
});

describe.skipIf(!toolsAvailable)('no silent no-ops', () => {
  it('mv to another name inside /favorites is refused (EPERM) and changes nothing', async () => {
    const h = images[7];
    expect((await sh('ln', inAll(h), at('favorites/'))).code).toBe(0);
    const r = await sh('mv', at('favorites', h.filename), at('favorites', `renamed-${h.filename}`));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Operation not permitted/);
    expect(await ls('favorites')).toContain(h.filename);
    expect(await ls('favorites')).not.toContain(`renamed-${h.filename}`);
    expect((await detail(h.id)).favorite).toBe(true);
  });
});

describe.skipIf(!toolsAvailable)('sizes and space', () => {
  it('du of a view is the sum of its originals; statfs counts one inode in use per image', async () => {
    const names = await ls('tags/synced');
    expect(names.length).toBeGreaterThan(2);
    const entries = names.map((n) => at('tags/synced', n));
    const byName = new Map(images.map((i) => [i.filename, i]));
    const sources = names.map((n) => path.join(root, byName.get(n)!.path));
    const total = async (files: string[], ...flags: string[]) => {
      const r = await sh('du', '-c', ...flags, ...files);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.trim().split('\n').pop()!.split('\t')[0];
    };
    expect(await total(entries, '-B1')).toBe(await total(sources, '-B1'));
    expect(await total(entries, '-b')).toBe(await total(sources, '-b'));
    const st = await sh('stat', '-c', '%o %s', at('tags/synced', names[0]));
    expect(Number(st.stdout.split(' ')[0])).toBe(fs.statfsSync(root).bsize);
    const fsStat = await sh('stat', '-f', '-c', '%c %d', mnt);
    const [files, free] = fsStat.stdout.trim().split(' ').map(Number);
    expect(files - free).toBe(images.length);
  });

  it('left every original untouched', () => {
    expect(treeHashes(root)).toEqual(originals);
  });
});
