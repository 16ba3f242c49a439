/**
 * Reject and trash in the library layer: an in-memory index over a real temp library folder and a
 * temp XDG_DATA_HOME. Originals move to the freedesktop.org trash (files/ + info/*.trashinfo), the
 * rows keep their data, Restore and undo bring the files back, and nothing moves while trash is off.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VaultError } from '../../src/core/errors.js';
import type { ScannedFile } from '../../src/core/types.js';
import { Store } from '../../src/db/store.js';
import { deriveTags } from '../../src/ingest/tags.js';
import { Catalog } from '../../src/library/catalog.js';
import { Organizer } from '../../src/library/organize.js';
import { Trash } from '../../src/library/trash.js';
import { encodeTrashPath } from '../../src/library/trash-can.js';
import { recordOf } from '../support/records.js';

function scanned(rel: string, prompt: string): ScannedFile {
  const record = recordOf({ parameters: `${prompt}\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512` });
  return { path: rel, size: 10, mtimeMs: 1_700_000_000_000, hash: `hash-${rel}`, createdAt: '2026-11-01T10:00:00.000Z', record, tags: deriveTags(record), rawText: '' };
}

const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

let tmp: string;
let root: string;
let dataHome: string;
let store: Store;
let trash: Trash;
let organize: Organizer;
let catalog: Catalog;
const ids: Record<string, number> = {};
const files = ['a.png', 'sub dir/b #1.png', 'c.png'];

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vv-trash-'));
  root = path.join(tmp, 'library');
  dataHome = path.join(tmp, 'xdg-data');
  store = Store.openFile(':memory:');
  trash = new Trash(store, root, { enabled: true, env: { XDG_DATA_HOME: dataHome } });
  organize = new Organizer(store, trash);
  catalog = new Catalog(store);
  for (const rel of files) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), `pixels of ${rel}`);
    ids[rel] = store.saveScanned(scanned(rel, `prompt of ${rel}`), null);
  }
});
afterEach(() => {
  store.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('reject', () => {
  it('is a journaled flag with a filter, undone like any edit', () => {
    const { change } = organize.editImage(ids['a.png'], { rejected: true });
    expect(catalog.get(ids['a.png'])!.rejected).toBe(true);
    expect(catalog.list({ rejected: true }, '-date', null, 10).items.map((i) => i.id)).toEqual([ids['a.png']]);
    expect(catalog.list({ rejected: false }, '-date', null, 10).total).toBe(2);
    expect(organize.history(1)[0].description).toMatch(/reject/);
    organize.undo({ change: change! });
    expect(catalog.get(ids['a.png'])!.rejected).toBe(false);
    expect(trash.rejectedIds()).toEqual([]);
  });
});

describe('trash', () => {
  it('moves originals to $XDG_DATA_HOME/Trash with a valid .trashinfo, keeps the row, and restores them', () => {
    const b = ids['sub dir/b #1.png'];
    organize.editImage(b, { tags: { add: ['keeper'] }, rating: 4 });
    const untouched = sha(path.join(root, 'c.png'));
    const { value, change } = trash.moveToTrash([b]);
    expect(value).toEqual([b]);
    expect(change).not.toBeNull();
    const original = path.join(root, 'sub dir/b #1.png');
    expect(fs.existsSync(original)).toBe(false);
    const inTrash = path.join(dataHome, 'Trash', 'files', 'b #1.png');
    expect(fs.readFileSync(inTrash, 'utf8')).toBe('pixels of sub dir/b #1.png');
    const info = fs.readFileSync(path.join(dataHome, 'Trash', 'info', 'b #1.png.trashinfo'), 'utf8');
    const lines = info.trim().split('\n');
    expect(lines[0]).toBe('[Trash Info]');
    expect(lines[1]).toBe(`Path=${encodeTrashPath(original)}`);
    expect(decodeURIComponent(lines[1].slice(5))).toBe(original);
    expect(lines[1]).toContain('sub%20dir/b%20%231.png');
    expect(lines[2]).toMatch(/^DeletionDate=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    // Gone from the library views, listed as trashed, its vault data kept.
    expect(catalog.list({}, '-date', null, 10).items.map((i) => i.id)).not.toContain(b);
    const listed = catalog.list({ trashed: true, missing: 'include' }, '-date', null, 10).items;
    expect(listed.map((i) => i.id)).toEqual([b]);
    expect(listed[0].trashed_at).not.toBeNull();

    const restored = trash.restore([b]);
    expect(restored.value).toEqual([b]);
    expect(fs.readFileSync(original, 'utf8')).toBe('pixels of sub dir/b #1.png');
    expect(fs.readdirSync(path.join(dataHome, 'Trash', 'files'))).toEqual([]);
    expect(fs.readdirSync(path.join(dataHome, 'Trash', 'info'))).toEqual([]);
    const detail = catalog.get(b)!;
    expect(detail).toMatchObject({ id: b, missing: false, trashed_at: null, rating: 4 });
    expect(detail.tags).toContain('keeper');
    expect(sha(path.join(root, 'c.png'))).toBe(untouched);
  });

  it('gives a clashing name a unique one and never overwrites what the trash holds', () => {
    fs.mkdirSync(path.join(dataHome, 'Trash', 'files'), { recursive: true });
    fs.mkdirSync(path.join(dataHome, 'Trash', 'info'), { recursive: true });
    fs.writeFileSync(path.join(dataHome, 'Trash', 'files', 'a.png'), 'someone else');
    fs.writeFileSync(path.join(dataHome, 'Trash', 'info', 'a.png.trashinfo'), '[Trash Info]\nPath=/elsewhere/a.png\nDeletionDate=2020-01-01T00:00:00\n');
    trash.moveToTrash([ids['a.png']]);
    expect(fs.readFileSync(path.join(dataHome, 'Trash', 'files', 'a.png'), 'utf8')).toBe('someone else');
    expect(fs.readFileSync(path.join(dataHome, 'Trash', 'files', 'a.1.png'), 'utf8')).toBe('pixels of a.png');
    expect(fs.readFileSync(path.join(dataHome, 'Trash', 'info', 'a.1.png.trashinfo'), 'utf8')).toContain(`Path=${encodeTrashPath(path.join(root, 'a.png'))}`);
  });

  it('undo of a trash change brings the files back; undoing that undo trashes them again', () => {
    const { change } = trash.moveToTrash([ids['a.png'], ids['c.png']]);
    expect(fs.existsSync(path.join(root, 'a.png'))).toBe(false);
    const undone = organize.undo({ change: change! });
    expect(undone.change).not.toBeNull();
    expect(fs.readFileSync(path.join(root, 'a.png'), 'utf8')).toBe('pixels of a.png');
    expect(fs.readFileSync(path.join(root, 'c.png'), 'utf8')).toBe('pixels of c.png');
    expect(catalog.list({}, '-date', null, 10).total).toBe(3);
    expect(fs.readdirSync(path.join(dataHome, 'Trash', 'info'))).toEqual([]);
    organize.undo({ change: undone.change! });
    expect(fs.existsSync(path.join(root, 'a.png'))).toBe(false);
    expect(fs.readdirSync(path.join(dataHome, 'Trash', 'files')).sort()).toEqual(['a.png', 'c.png']);
    expect(catalog.list({ trashed: true, missing: 'include' }, '-date', null, 10).total).toBe(2);
  });

  it('a restore that would overwrite a file changes nothing, files or rows', () => {
    trash.moveToTrash([ids['a.png'], ids['c.png']]);
    fs.writeFileSync(path.join(root, 'c.png'), 'a new file took the name');
    expect(() => trash.restore([ids['a.png'], ids['c.png']])).toThrow(/a file with that name is there/);
    expect(fs.existsSync(path.join(root, 'a.png'))).toBe(false);
    expect(fs.readFileSync(path.join(dataHome, 'Trash', 'files', 'a.png'), 'utf8')).toBe('pixels of a.png');
    expect(fs.existsSync(path.join(dataHome, 'Trash', 'info', 'a.png.trashinfo'))).toBe(true);
    expect(catalog.list({ trashed: true, missing: 'include' }, '-date', null, 10).total).toBe(2);
  });

  it('is refused while off, and moves nothing', () => {
    const off = new Trash(store, root, { enabled: false, env: { XDG_DATA_HOME: dataHome } });
    let error: unknown;
    try {
      off.moveToTrash([ids['a.png']]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(VaultError);
    expect((error as VaultError).code).toBe('trash_disabled');
    expect((error as Error).message).toMatch(/--allow-trash/);
    expect(fs.existsSync(path.join(root, 'a.png'))).toBe(true);
    expect(fs.existsSync(path.join(dataHome, 'Trash'))).toBe(false);
  });

  it('moves the rejects', () => {
    organize.editImages([ids['a.png'], ids['c.png']], { rejected: true });
    expect(trash.moveToTrash(trash.rejectedIds()).value.sort()).toEqual([ids['a.png'], ids['c.png']].sort());
    expect(fs.existsSync(path.join(root, 'sub dir/b #1.png'))).toBe(true);
  });
});
