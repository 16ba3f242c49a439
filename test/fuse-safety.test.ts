/**
 * The mount never hands out a writable original, and tag names through it follow the tag-name
 * rules: a real mount (`vv serve --mount`) driven from child processes with the standard tools.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256, solidImage, tempDir, writeFile } from './support/fixtures.js';
import { getJson, serve, waitForScan, type ServerHandle } from './support/cli.js';
import { fuseAvailable, runTool, unmountQuietly, type ToolResult } from './support/fuse.js';

if (!fuseAvailable) console.warn('SKIPPED FUSE safety tests: /dev/fuse or fusermount is missing (apt-get install fuse libfuse2)');

const FILES = ['symlink-abs.png', 'symlink-rel.png', 'symlink-mnt.png', 'hardlink.png', 'copy.png', 'plain.png'];

let root: string;
let mnt: string;
let server: ServerHandle;

/** A shell script with positional arguments ($1…). */
const sh = (script: string, ...args: string[]): Promise<ToolResult> => runTool('sh', ['-c', script, 'sh', ...args]);

const api = async (p: string) => (await getJson(`${server.url}${p}`)).body;
/** The tag folders the mount shows (empty tags made by mkdir included). */
const tagFolders = async (sub = ''): Promise<string[]> => (await sh('ls -1 "$1"', path.join(mnt, 'tags', sub))).stdout.split('\n').filter(Boolean);

/**
 * What must never change about an original: its bytes, permission bits, owner and times; ctime
 * moves on any change of the inode (chown, setxattr included), never on a read.
 */
function fingerprint(rel: string) {
  const abs = path.join(root, rel);
  const st = fs.statSync(abs);
  return { sha256: sha256(abs), mode: (st.mode & 0o7777).toString(8), uid: st.uid, mtime: st.mtimeMs, ctime: st.ctimeMs };
}

/**
 * Every write-ish operation, run through `$1` in the same shell right after the entry appeared
 * (well within the first second): each must leave the original alone, whether it fails or not.
 */
const ATTACKS = [
  'printf "\\211XXXXXXX" | dd of="$1" bs=8 count=1 conv=notrunc 2>&1',
  'chmod 777 "$1" 2>&1',
  'chown 12345 "$1" 2>&1',
  'touch -d "2001-02-03 04:05:06" "$1" 2>&1',
  'echo appended >> "$1" 2>&1',
  'truncate -s 0 "$1" 2>&1',
  'truncate -s 3 "$1" 2>&1',
  // setxattr is accepted and ignored by the mount: it cannot reach the original either.
  'python3 -c "import os, sys; os.setxattr(sys.argv[1], \'user.vv\', b\'x\')" "$1" 2>&1 | tail -1',
].join('; ');

beforeAll(async () => {
  if (!fuseAvailable) return;
  root = tempDir('vv-fuse-safety-lib-');
  const data = tempDir('vv-fuse-safety-data-');
  mnt = path.join(tempDir('vv-fuse-safety-mnt-'), 'vault');
  for (const [k, name] of FILES.entries()) {
    const file = writeFile(root, `pics/${name}`, await solidImage('png', [20 + k * 30, 200 - k * 20, 90]));
    fs.chmodSync(file, 0o644);
  }
  writeFile(root, 'pics/swapped.png', await solidImage('png', [9, 9, 9]));
  server = await serve([root, '--data', data, '--mount', mnt, '--no-watch', '--workers', '1']);
  await waitForScan(server, FILES.length + 1);
}, 120_000);

afterAll(async () => {
  if (!fuseAvailable) return;
  await server?.stop();
  unmountQuietly(mnt);
});

describe.skipIf(!fuseAvailable)('the mount never exposes a writable original', () => {
  it('ln -s / ln / cp into a view, then write, chmod, chown, touch and truncate at once: every original unchanged', async () => {
    const before = new Map(FILES.map((f) => [f, fingerprint(`pics/${f}`)]));
    expect((await sh('mkdir "$1"', path.join(mnt, 'tags/guarded'))).code).toBe(0);
    const view = path.join(mnt, 'tags/guarded');
    const lib = (f: string) => path.join(root, 'pics', f);
    const scenarios: [string, string, string[]][] = [
      ['symlink-abs.png', 'ln -s "$2" "$1"', [lib('symlink-abs.png')]],
      ['symlink-rel.png', 'ln -s "$2" "$1"', [path.relative(view, lib('symlink-rel.png'))]],
      ['symlink-mnt.png', 'ln -s "$2" "$1"', [path.join(mnt, 'all/pics/symlink-mnt.png')]],
      ['hardlink.png', 'ln "$2" "$1"', [path.join(mnt, 'all/pics/hardlink.png')]],
      ['copy.png', 'cp "$2" "$1"', [lib('copy.png')]],
    ];
    const seen = new Map<string, string>();
    for (const [file, make, args] of scenarios) {
      // Made, looked at and attacked in one shell: all within the first second of the entry.
      const r = await sh(`${make} && readlink -f "$1" && stat -L -c '%F %a' "$1"; ${ATTACKS}`, path.join(view, file), ...args);
      seen.set(file, r.stdout + r.stderr);
    }
    for (const f of FILES) expect(fingerprint(`pics/${f}`), f).toEqual(before.get(f));
    for (const [file, output] of seen) {
      const [resolved, type] = output.split('\n');
      expect(resolved, `${file}: ${output}`).toMatch(new RegExp(`^${mnt}/`)); // never a link to outside the mount
      expect(type, file).toBe('regular file 444'); // a read-only file, even while the kernel still has the new entry's first attributes
      expect(output, file).toMatch(/Read-only file system/);
    }
    // And every entry still reads as its original.
    for (const [file] of scenarios) expect(sha256(path.join(view, file)), file).toBe(before.get(file)!.sha256);
    expect((await sh('ls "$1"', view)).stdout.split('\n').filter(Boolean).sort()).toEqual(scenarios.map(([f]) => f).sort());
  });

  it('an entry in any view is a read-only regular file; writes through it are refused', async () => {
    const before = fingerprint('pics/plain.png');
    const entry = path.join(mnt, 'all/pics/plain.png');
    const r = await sh(`stat -c '%F %a' "$1"; ${ATTACKS}`, entry);
    expect(r.stdout).toMatch(/^regular file 444\n/);
    expect(r.stdout).toMatch(/Read-only file system/);
    expect(fingerprint('pics/plain.png')).toEqual(before);
  });
});

describe.skipIf(!fuseAvailable)('the mount stays inside the library', () => {
  it('a file replaced after the scan by a link leading out of the library is not read through the mount', async () => {
    const outside = writeFile(tempDir('vv-fuse-outside-'), 'secret.png', Buffer.from('outside secret'));
    const swapped = path.join(root, 'pics/swapped.png');
    fs.rmSync(swapped);
    fs.symlinkSync(outside, swapped);
    const r = await sh('cat "$1"', path.join(mnt, 'all/pics/swapped.png'));
    expect(r.stdout).not.toContain('outside secret');
    expect(r.stderr).toMatch(/Permission denied/);
  });
});

describe.skipIf(!fuseAvailable)('tag names through the mount', () => {
  it('refuses a name that is not valid UTF-8 text (EINVAL), storing nothing', async () => {
    // The UTF-8 encoding of a lone surrogate (U+D800): not valid UTF-8, it would be stored as U+FFFD junk.
    const r = await sh('mkdir "$1/tags/bad$(printf "\\355\\240\\200")"', mnt);
    expect(r.stderr).toMatch(/Invalid argument/);
    expect((await tagFolders()).filter((t) => t.startsWith('bad'))).toEqual([]);
  });

  it('refuses a top-level tag folder with the namespace separator (EINVAL), creating nothing; nested, it works', async () => {
    const r = await sh('mkdir "$1/tags/a:b:c"', mnt);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Invalid argument/);
    expect((await tagFolders()).filter((t) => t.startsWith('a'))).toEqual([]);
    // The namespace is a folder level: /tags/a/b:c is the tag a:b:c.
    const nested = await sh('mkdir "$1/tags/a" && mkdir "$1/tags/a/b:c" && ls "$1/tags/a"', mnt);
    expect(nested.code, nested.stderr).toBe(0);
    expect(nested.stdout.split('\n')).toContain('b:c');
  });

  it('refuses a name over 255 bytes (ENAMETOOLONG), creating nothing', async () => {
    const long = 'é'.repeat(128); // 256 bytes
    const r = await sh('mkdir "$1/tags/$2"', mnt, long);
    expect(r.stderr).toMatch(/File name too long/);
    expect((await tagFolders()).filter((t) => t.startsWith('éé'))).toEqual([]);
    const link = await sh('ln "$1/all/pics/plain.png" "$1/tags/guarded/$2.png"', mnt, 'x'.repeat(300));
    expect(link.stderr).toMatch(/File name too long/);
    expect(await tagFolders('guarded')).not.toContain('plain.png');
    const ok = await sh('mkdir "$1/tags/$2"', mnt, 'é'.repeat(127)); // 254 bytes
    expect(ok.code, ok.stderr).toBe(0);
    expect(await tagFolders()).toContain('é'.repeat(127));
  });

  it('a tag folder answers to every spelling of its name: one tag, as in the API', async () => {
    expect((await sh('mkdir "$1/tags/Été"', mnt)).code).toBe(0);
    expect((await sh('mkdir "$1/tags/ÉTÉ"', mnt)).stderr).toMatch(/File exists/);
    const nfd = 'e\u0301te\u0301';
    const r = await sh('ln "$1/all/pics/plain.png" "$1/tags/$2/" && ls "$1/tags/$2"', mnt, nfd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toContain('plain.png');
    expect((await tagFolders()).filter((t) => t.normalize('NFC').toLowerCase() === 'été')).toEqual(['Été']);
    expect(await tagFolders('Été')).toEqual(['plain.png']);
  });
});
