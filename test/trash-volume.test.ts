/**
 * The trash of another volume (freedesktop.org Trash spec): a library on a different device than
 * $XDG_DATA_HOME sends its originals to `$topdir/.Trash-$uid` (or `$topdir/.Trash/$uid` when an
 * administrator made `.Trash` sticky), with a `.trashinfo` whose Path is relative to the topdir.
 * The library lives in a fresh folder on /dev/shm (a tmpfs), XDG_DATA_HOME in the temp dir; both in
 * the library layer and through `vv serve --allow-trash` + the API + `vv undo`. Only the trash
 * entries this file creates are removed afterwards.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ScannedFile } from '../src/core/types.js';
import { Store } from '../src/db/store.js';
import { deriveTags } from '../src/ingest/tags.js';
import { Catalog } from '../src/library/catalog.js';
import { Organizer } from '../src/library/organize.js';
import { Trash } from '../src/library/trash.js';
import { encodeTrashPath } from '../src/library/trash-can.js';
import { getJson, serve, vv, waitForScan, type ServerHandle } from './support/cli.js';
import { tempDir, treeHashes } from './support/fixtures.js';
import { writeGenerated } from './support/library.js';
import { recordOf } from './support/records.js';

const SHM = '/dev/shm';
const UID = process.getuid?.() ?? 0;

/** Why /dev/shm cannot stand for another volume here, or null when it can. */
function shmUnusable(): string | null {
  if (process.platform !== 'linux') return 'the freedesktop.org trash is Linux only';
  try {
    if (fs.statSync(SHM).dev === fs.statSync(os.tmpdir()).dev) return `${SHM} is on the same device as ${os.tmpdir()}`;
    fs.accessSync(SHM, fs.constants.W_OK);
    // The topdir is the highest folder of the volume: /dev/shm itself, unless /dev is the same tmpfs.
    if (fs.statSync(path.dirname(SHM)).dev === fs.statSync(SHM).dev) return `${SHM} is not the top of its own volume`;
    return null;
  } catch (err) {
    return `${SHM} is not usable: ${(err as Error).message}`;
  }
}
const unusable = shmUnusable();
if (unusable) console.warn(`volume trash tests skipped: ${unusable}`);

const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** The trash entries (files/ names) of a trash directory now. */
const entries = (dir: string) => new Set(fs.existsSync(path.join(dir, 'files')) ? fs.readdirSync(path.join(dir, 'files')) : []);

/** The one entry added to a trash directory since `before`, with its parsed .trashinfo. */
function added(dir: string, before: Set<string>): { name: string; file: string; info: string[] } {
  const fresh = [...entries(dir)].filter((n) => !before.has(n));
  expect(fresh).toHaveLength(1);
  const name = fresh[0];
  const info = fs.readFileSync(path.join(dir, 'info', `${name}.trashinfo`), 'utf8').trim().split('\n');
  expect(info[0]).toBe('[Trash Info]');
  expect(info[2]).toMatch(/^DeletionDate=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  return { name, file: path.join(dir, 'files', name), info };
}

/** Every library folder this file makes on /dev/shm starts with this (its trash entries' Path too). */
const PREFIX = 'vv-voltrash-';

/**
 * Removes what this file put in a volume trash, even after a failure: the entries whose Path points
 * into one of its folders, then the trash directories it created, when they are empty then (another
 * tool may share the trash).
 */
function cleanTrash(dir: string, created: boolean): void {
  const info = path.join(dir, 'info');
  for (const file of fs.existsSync(info) ? fs.readdirSync(info) : []) {
    const text = fs.readFileSync(path.join(info, file), 'utf8');
    const recorded = /^Path=(.*)$/m.exec(text)?.[1];
    // Relative to the topdir as the spec says, or absolute (what a wrong implementation would write).
    const target = recorded ? path.resolve(SHM, decodeURIComponent(recorded)) : '';
    if (!target.startsWith(path.join(SHM, PREFIX))) continue;
    fs.rmSync(path.join(dir, 'files', file.replace(/\.trashinfo$/, '')), { force: true });
    fs.rmSync(path.join(info, file), { force: true });
  }
  if (!created) return;
  try {
    for (const sub of ['files', 'info']) if (fs.existsSync(path.join(dir, sub))) fs.rmdirSync(path.join(dir, sub));
    fs.rmdirSync(dir);
  } catch {
    // not empty: someone else's entries are there
  }
}

function scanned(rel: string): ScannedFile {
  const record = recordOf({ parameters: `a lighthouse, ${rel}\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512` });
  return { path: rel, size: 10, mtimeMs: 1_700_000_000_000, hash: `hash-${rel}`, createdAt: '2026-11-01T10:00:00.000Z', record, tags: deriveTags(record), rawText: '' };
}

describe.skipIf(unusable !== null)('the trash of another volume, in the library layer', () => {
  const volumeTrash = path.join(SHM, `.Trash-${UID}`);
  const adminTrash = path.join(SHM, '.Trash');
  let tmp: string;
  let shmDir: string;
  let root: string;
  let dataHome: string;
  let store: Store;
  let trash: Trash;
  let organize: Organizer;
  let catalog: Catalog;
  const ids: Record<string, number> = {};
  const files = ['a.png', 'sub dir/b #1.png', 'c.png'];
  let createdVolume = false;
  let createdAdmin = false;

  beforeAll(() => {
    // Created by this file (when missing), so cleaning up removes them again.
    createdVolume = !fs.existsSync(volumeTrash);
  });

  beforeEach(() => {
    tmp = tempDir('vv-voltrash-');
    shmDir = fs.mkdtempSync(path.join(SHM, PREFIX));
    root = path.join(shmDir, 'library');
    dataHome = path.join(tmp, 'xdg-data');
    store = Store.openFile(':memory:');
    trash = new Trash(store, root, { enabled: true, env: { XDG_DATA_HOME: dataHome } });
    organize = new Organizer(store, trash);
    catalog = new Catalog(store);
    for (const rel of files) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), `pixels of ${rel} in ${shmDir}`);
      ids[rel] = store.saveScanned(scanned(rel), null);
    }
  });

  afterEach(() => {
    store.close();
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(shmDir, { recursive: true, force: true });
  });

  afterAll(() => {
    cleanTrash(path.join(adminTrash, String(UID)), createdAdmin);
    if (createdAdmin) fs.rmSync(adminTrash, { recursive: true, force: true });
    cleanTrash(volumeTrash, createdVolume);
  });

  it('moves an original to $topdir/.Trash-$uid with a Path relative to the topdir; restore and undo bring it back', () => {
    const rel = 'sub dir/b #1.png';
    const original = path.join(root, rel);
    const bytes = sha(original);
    const others = { a: sha(path.join(root, 'a.png')), c: sha(path.join(root, 'c.png')) };
    const before = entries(volumeTrash);
    const { change } = trash.moveToTrash([ids[rel]]);
    expect(fs.existsSync(original)).toBe(false);
    const entry = added(volumeTrash, before);
    expect(entry.name).toMatch(/^b #1(\.\d+)?\.png$/);
    expect(sha(entry.file)).toBe(bytes);
    // Path= is relative to the volume's top directory (no leading slash), URL-encoded.
    const relative = path.relative(SHM, original);
    expect(entry.info[1]).toBe(`Path=${encodeTrashPath(relative)}`);
    expect(entry.info[1]).not.toMatch(/^Path=\//);
    expect(decodeURIComponent(entry.info[1].slice('Path='.length))).toBe(relative);
    expect(entry.info[1]).toContain('sub%20dir/b%20%231.png');
    if (createdVolume) expect(fs.statSync(volumeTrash).mode & 0o777).toBe(0o700);
    // Nothing went to the home trash (another device).
    expect(fs.existsSync(path.join(dataHome, 'Trash'))).toBe(false);
    expect(catalog.list({ trashed: true, missing: 'include' }, '-date', null, 10).items.map((i) => i.id)).toEqual([ids[rel]]);

    trash.restore([ids[rel]]);
    expect(sha(original)).toBe(bytes);
    expect(fs.existsSync(entry.file)).toBe(false);
    expect(fs.existsSync(path.join(volumeTrash, 'info', `${entry.name}.trashinfo`))).toBe(false);

    // Undo of the restore trashes it again (same volume trash); undo of the move brings it back.
    organize.undo();
    expect(fs.existsSync(original)).toBe(false);
    const again = added(volumeTrash, before);
    expect(sha(again.file)).toBe(bytes);
    organize.undo({ change: change! });
    expect(sha(original)).toBe(bytes);
    expect(entries(volumeTrash)).toEqual(before);
    expect(catalog.get(ids[rel])).toMatchObject({ missing: false, trashed_at: null });
    expect({ a: sha(path.join(root, 'a.png')), c: sha(path.join(root, 'c.png')) }).toEqual(others);
  });

  it("uses the administrator's sticky $topdir/.Trash/$uid, and skips a .Trash that is not sticky", () => {
    // Someone else's .Trash on /dev/shm is theirs: this case runs only where none exists.
    if (fs.existsSync(adminTrash)) {
      console.warn(`skipped the sticky .Trash case: ${adminTrash} exists already`);
      return;
    }
    createdAdmin = true;
    fs.mkdirSync(adminTrash, { mode: 0o777 });
    fs.chmodSync(adminTrash, 0o777); // not sticky: the spec says use .Trash-$uid instead
    const beforeVolume = entries(volumeTrash);
    trash.moveToTrash([ids['a.png']]);
    const skipped = added(volumeTrash, beforeVolume);
    expect(fs.existsSync(path.join(adminTrash, String(UID)))).toBe(false);
    trash.restore([ids['a.png']]);

    fs.chmodSync(adminTrash, 0o1777);
    const userTrash = path.join(adminTrash, String(UID));
    trash.moveToTrash([ids['c.png']]);
    const entry = added(userTrash, new Set());
    expect(entry.name).toBe('c.png');
    expect(entry.info[1]).toBe(`Path=${encodeTrashPath(path.relative(SHM, path.join(root, 'c.png')))}`);
    expect(entries(volumeTrash)).toEqual(beforeVolume);
    trash.restore([ids['c.png']]);
    expect(fs.readFileSync(path.join(root, 'c.png'), 'utf8')).toBe(`pixels of c.png in ${shmDir}`);
    expect(entries(userTrash).size).toBe(0);
  });
});

describe.skipIf(unusable !== null)('the trash of another volume, through vv serve --allow-trash and vv undo', () => {
  const volumeTrash = path.join(SHM, `.Trash-${UID}`);
  let shmDir: string;
  let root: string;
  let data: string;
  let xdg: string;
  let server: ServerHandle;
  let createdTrash = false;
  const api = (p: string, body?: unknown) =>
    getJson(`${server.url}${p}`, body === undefined ? undefined : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    createdTrash = !fs.existsSync(volumeTrash);
    shmDir = fs.mkdtempSync(path.join(SHM, `${PREFIX}serve-`));
    root = path.join(shmDir, 'library');
    data = tempDir('vv-voltrash-data-');
    xdg = tempDir('vv-voltrash-xdg-');
    await writeGenerated(root, 4, 40, 0.125);
    server = await serve([root, '--data', data, '--workers', '1', '--no-watch', '--model', 'none', '--allow-trash'], { XDG_DATA_HOME: xdg });
    await waitForScan(server, 4);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    cleanTrash(volumeTrash, createdTrash);
    if (shmDir) fs.rmSync(shmDir, { recursive: true, force: true });
  });

  it('trashes to /dev/shm/.Trash-$uid, restores, and vv undo brings the original back byte for byte', async () => {
    const before = treeHashes(root);
    const item = (await api('/api/images?limit=10')).body.items[1] as { id: number; path: string };
    const original = path.join(root, item.path);
    const inTrash = entries(volumeTrash);

    const moved = await api('/api/trash', { ids: [item.id] });
    expect(moved.status).toBe(200);
    expect(moved.body.moved).toEqual([item.id]);
    expect(fs.existsSync(original)).toBe(false);
    const entry = added(volumeTrash, inTrash);
    expect(sha(entry.file)).toBe(before.get(item.path));
    expect(decodeURIComponent(entry.info[1].slice('Path='.length))).toBe(path.relative(SHM, original));
    expect(fs.existsSync(path.join(xdg, 'Trash'))).toBe(false);

    const restored = await api('/api/trash/restore', { ids: [item.id] });
    expect(restored.body.moved).toEqual([item.id]);
    expect(treeHashes(root)).toEqual(before);
    expect(entries(volumeTrash)).toEqual(inTrash);

    await api('/api/trash', { ids: [item.id] });
    expect(fs.existsSync(original)).toBe(false);
    added(volumeTrash, inTrash);
    const undo = vv(['undo', '--data', data, '--json']);
    expect(undo.status, undo.stderr).toBe(0);
    expect(JSON.parse(undo.stdout).reversed[0].description).toMatch(/trash/);
    expect(treeHashes(root)).toEqual(before);
    expect(entries(volumeTrash)).toEqual(inTrash);
    expect((await api(`/api/image/${item.id}`)).body).toMatchObject({ id: item.id, missing: false, trashed_at: null });
  });
});
