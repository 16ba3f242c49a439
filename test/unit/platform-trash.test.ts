/**
 * The trash on macOS and Windows, as far as Linux can check it: the commands built for Finder
 * (osascript) and the Recycle Bin (PowerShell) carry the path as an argument / environment value,
 * never inside the script; the Recycle Bin's `$I` records are read (versions 1 and 2) to find where a
 * file went; the Trash follows a Finder stand-in (moved, journaled, restored, undone); and a platform
 * without a known trash refuses with trash_disabled and moves nothing.
 */
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
import {
  findRecycled,
  finderTrashCommand,
  parseFinderAnswer,
  parseSid,
  readRecycleRecord,
  recycleBinCommand,
  restoreFromPlatformTrash,
  trashKindOf,
  type PlatformCommand,
} from '../../src/library/platform-trash.js';
import { Trash } from '../../src/library/trash.js';
import { recordOf } from '../support/records.js';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vv-ptrash-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A Recycle Bin `$I` record as Windows 10+ writes it (version 2). */
function recordV2(original: string, size = 1234): Buffer {
  const name = Buffer.from(`${original}\0`, 'utf16le');
  const head = Buffer.alloc(28);
  head.writeBigInt64LE(2n, 0);
  head.writeBigInt64LE(BigInt(size), 8);
  head.writeBigInt64LE(133_000_000_000_000_000n, 16);
  head.writeUInt32LE(original.length + 1, 24);
  return Buffer.concat([head, name]);
}

/** Version 1 (Vista to 8.1): the path in a fixed 260-character field. */
function recordV1(original: string): Buffer {
  const buf = Buffer.alloc(24 + 520);
  buf.writeBigInt64LE(1n, 0);
  buf.write(original, 24, 'utf16le');
  return buf;
}

describe('which trash', () => {
  it('is the freedesktop.org one on Linux and the BSDs, Finder on macOS, the Recycle Bin on Windows, none elsewhere', () => {
    expect(trashKindOf('linux')).toBe('freedesktop');
    expect(trashKindOf('freebsd')).toBe('freedesktop');
    expect(trashKindOf('darwin')).toBe('finder');
    expect(trashKindOf('win32')).toBe('recycle-bin');
    expect(trashKindOf('aix')).toBeNull();
    expect(trashKindOf('haiku')).toBeNull();
  });
});

describe('the commands built', () => {
  const awkward = `/Users/ann/AI out/it's "best" $(rm -rf ~) \\ ünï.png`;

  it('asks Finder through osascript with the path as the script argument, not inside the script', () => {
    const c = finderTrashCommand(awkward);
    expect(c.program).toBe('/usr/bin/osascript');
    expect(c.args[c.args.length - 1]).toBe(awkward);
    const script = c.args.slice(0, -1);
    expect(script.filter((_, i) => i % 2 === 0).every((a) => a === '-e')).toBe(true);
    const lines = script.filter((_, i) => i % 2 === 1);
    expect(lines[0]).toBe('on run argv');
    expect(lines.join('\n')).toMatch(/tell application "Finder" to set trashed to delete target/);
    expect(lines.join('\n')).toMatch(/POSIX file \(item 1 of argv\)/);
    expect(lines.join('\n')).not.toContain('AI out');
    expect(parseFinderAnswer('/Users/ann/.Trash/it\'s "best" 12-01-02.png\n', awkward)).toBe('/Users/ann/.Trash/it\'s "best" 12-01-02.png');
    expect(() => parseFinderAnswer('execution error: Finder got an error (-1728)\n', awkward)).toThrow(/did not say where/);
  });

  it('sends to the Recycle Bin through PowerShell (FileSystem.DeleteFile, SendToRecycleBin) with the path in the environment', () => {
    const file = `C:\\Users\\Ann\\AI out\\it's "best"; Remove-Item -Recurse C:\\.png`;
    const c = recycleBinCommand(file);
    expect(c.program).toBe('powershell.exe');
    expect(c.args.slice(0, 2)).toEqual(['-NoProfile', '-NonInteractive']);
    const script = c.args[c.args.indexOf('-Command') + 1];
    expect(script).toContain("[Microsoft.VisualBasic.FileIO.FileSystem]::DeleteFile($env:VV_TRASH_FILE, 'OnlyErrorDialogs', 'SendToRecycleBin')");
    expect(c.args.join(' ')).not.toContain('AI out');
    expect(c.env).toEqual({ VV_TRASH_FILE: file });
    expect(parseSid('S-1-5-21-1004336348-1177238915-682003330-1001\r\n')).toBe('S-1-5-21-1004336348-1177238915-682003330-1001');
    expect(() => parseSid('DeleteFile : Access to the path is denied.\r\n')).toThrow(/SID/);
  });
});

describe('the Recycle Bin records', () => {
  it('reads the original path of version 1 and 2 records, and nothing from others', () => {
    expect(readRecycleRecord(recordV2('C:\\AI\\ü one.png'))).toBe('C:\\AI\\ü one.png');
    expect(readRecycleRecord(recordV1('D:\\out\\a.webp'))).toBe('D:\\out\\a.webp');
    expect(readRecycleRecord(Buffer.from('not a record at all, just text'))).toBeNull();
    expect(readRecycleRecord(Buffer.alloc(4))).toBeNull();
  });

  it('finds the newest $R file recorded for a path, ignoring case and other files; restore moves it back and drops its record', () => {
    const bin = path.join(tmp, '$Recycle.Bin', 'S-1-5-21-1-2-3-1001');
    fs.mkdirSync(bin, { recursive: true });
    const original = path.join(tmp, 'library', 'A.png');
    const put = (id: string, recorded: string, bytes: string, mtime: number) => {
      fs.writeFileSync(path.join(bin, `$I${id}.png`), recordV2(recorded));
      fs.writeFileSync(path.join(bin, `$R${id}.png`), bytes);
      fs.utimesSync(path.join(bin, `$I${id}.png`), mtime, mtime);
    };
    put('OLD123', original, 'an earlier A.png', 1_700_000_000);
    put('NEW456', original.toLowerCase(), 'the A.png just trashed', 1_800_000_000);
    put('OTHER7', path.join(tmp, 'library', 'B.png'), 'B', 1_900_000_000);
    fs.writeFileSync(path.join(bin, 'desktop.ini'), '[.ShellClassInfo]');
    const found = findRecycled(bin, original);
    expect(found).toBe(path.join(bin, '$RNEW456.png'));
    expect(findRecycled(bin, path.join(tmp, 'library', 'C.png'))).toBeNull();

    const putBack = restoreFromPlatformTrash('recycle-bin', found!, original);
    expect(fs.readFileSync(original, 'utf8')).toBe('the A.png just trashed');
    expect(fs.existsSync(path.join(bin, '$RNEW456.png'))).toBe(false);
    expect(fs.existsSync(path.join(bin, '$INEW456.png'))).toBe(false);
    expect(fs.existsSync(path.join(bin, '$ROLD123.png'))).toBe(true);
    putBack();
    expect(fs.existsSync(original)).toBe(false);
    expect(findRecycled(bin, original)).toBe(found);
    // Never over a file that took the name meanwhile.
    fs.writeFileSync(original, 'a new A.png');
    expect(() => restoreFromPlatformTrash('recycle-bin', found!, original)).toThrow(/a file with that name is there/);
    expect(fs.readFileSync(original, 'utf8')).toBe('a new A.png');
  });
});

function scanned(rel: string): ScannedFile {
  const record = recordOf({ parameters: `a lighthouse\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512` });
  return { path: rel, size: 10, mtimeMs: 1_700_000_000_000, hash: `hash-${rel}`, createdAt: '2026-11-01T10:00:00.000Z', record, tags: deriveTags(record), rawText: '' };
}

describe('the Trash on other platforms', () => {
  let store: Store;
  let root: string;
  beforeEach(() => {
    store = Store.openFile(':memory:');
    root = path.join(tmp, 'library');
    fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(root, 'sub', 'a.png'), 'pixels of a');
    fs.writeFileSync(path.join(root, 'b.png'), 'pixels of b');
  });
  afterEach(() => store.close());

  it('on macOS moves through Finder, records where the file went, restores it and undoes', () => {
    const id = store.saveScanned(scanned('sub/a.png'), null);
    const finderTrash = path.join(tmp, 'home', '.Trash');
    fs.mkdirSync(finderTrash, { recursive: true });
    const ran: PlatformCommand[] = [];
    // What Finder does: moves the file into ~/.Trash under a name of its own, and answers the path.
    const finder = (c: PlatformCommand) => {
      ran.push(c);
      const target = path.join(finderTrash, 'a 10.42.07.png');
      fs.renameSync(c.args[c.args.length - 1], target);
      return `${target}\n`;
    };
    const trash = new Trash(store, root, { enabled: true, platform: 'darwin', run: finder });
    const organize = new Organizer(store, trash);
    const catalog = new Catalog(store);
    expect(trash.enabled).toBe(true);
    const { value, change } = trash.moveToTrash([id]);
    expect(value).toEqual([id]);
    expect(ran).toEqual([finderTrashCommand(path.join(root, 'sub', 'a.png'))]);
    expect(fs.existsSync(path.join(root, 'sub', 'a.png'))).toBe(false);
    expect(fs.readFileSync(path.join(finderTrash, 'a 10.42.07.png'), 'utf8')).toBe('pixels of a');
    expect(catalog.list({ trashed: true, missing: 'include' }, '-date', null, 10).items.map((i) => i.id)).toEqual([id]);

    trash.restore([id]);
    expect(fs.readFileSync(path.join(root, 'sub', 'a.png'), 'utf8')).toBe('pixels of a');
    expect(fs.readdirSync(finderTrash)).toEqual([]);
    // Undo of the restore asks Finder again; undo of the move brings the file back.
    organize.undo();
    expect(ran).toHaveLength(2);
    expect(fs.existsSync(path.join(root, 'sub', 'a.png'))).toBe(false);
    organize.undo({ change: change! });
    expect(fs.readFileSync(path.join(root, 'sub', 'a.png'), 'utf8')).toBe('pixels of a');
    expect(catalog.get(id)).toMatchObject({ missing: false, trashed_at: null });
    expect(fs.readFileSync(path.join(root, 'b.png'), 'utf8')).toBe('pixels of b');
  });

  it('on macOS, a Finder that fails leaves the file and the row as they were', () => {
    const id = store.saveScanned(scanned('b.png'), null);
    const trash = new Trash(store, root, {
      enabled: true,
      platform: 'darwin',
      run: () => {
        throw new Error('osascript: Not authorized to send Apple events to Finder. (-1743)');
      },
    });
    expect(() => trash.moveToTrash([id])).toThrow(/Not authorized/);
    expect(fs.readFileSync(path.join(root, 'b.png'), 'utf8')).toBe('pixels of b');
    expect(new Catalog(store).get(id)).toMatchObject({ missing: false, trashed_at: null });
  });

  it('where no trash is known, --allow-trash still refuses with trash_disabled, says why, and moves nothing', () => {
    const id = store.saveScanned(scanned('b.png'), null);
    let ran = 0;
    const trash = new Trash(store, root, {
      enabled: true,
      platform: 'aix',
      run: () => {
        ran++;
        return '';
      },
    });
    expect(trash.enabled).toBe(false);
    let error: unknown;
    try {
      trash.moveToTrash([id]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(VaultError);
    expect((error as VaultError).code).toBe('trash_disabled');
    expect((error as Error).message).toMatch(/not supported on aix.*nothing was moved/);
    expect(ran).toBe(0);
    expect(fs.readFileSync(path.join(root, 'b.png'), 'utf8')).toBe('pixels of b');
    expect(new Catalog(store).get(id)).toMatchObject({ missing: false, trashed_at: null });
  });
});
