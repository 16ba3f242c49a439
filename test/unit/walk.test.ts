/**
 * The library walk, on this thread or on worker threads: the same files, folders and digests in the
 * same (depth-first, name) order, whatever thread read which folder; a folder whose digest the index
 * knows is listed without its files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { walkLibrary } from '../../src/ingest/walk.js';
import { tempDir, writeFile } from '../support/fixtures.js';

const root = tempDir('vv-walk-');
const outside = tempDir('vv-walk-outside-');
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

// A tree with the shapes a real library has: nested dated folders, a folder of many files,
// sidecars, hidden and excluded folders, links in and out, files that are not media, a name that
// is not UTF-8, a folder that cannot be read.
for (const rel of ['b.png', 'a.jpg', '2024/01/x.png', '2024/01/y.webp', '2024/01/notes.txt', '2024/02/z.png', '2024/02/z.png.txt', '2024/10/w.png', '2024-extra/v.png', 'é/u.png', '.hidden/h.png', 'data/vault-thumb.png']) {
  writeFile(root, rel, `bytes of ${rel}`);
}
for (let i = 0; i < 300; i++) writeFile(root, `many/img-${String(i).padStart(4, '0')}.png`, 'x'.repeat(i));
writeFile(outside, 'o.png', 'outside');
fs.symlinkSync(path.join(outside, 'o.png'), path.join(root, 'link-out.png'));
fs.symlinkSync(path.join(root, 'b.png'), path.join(root, '2024/link-in.png'));
fs.writeFileSync(Buffer.concat([Buffer.from(`${root}/bad-`), Buffer.from([0xff, 0xfe]), Buffer.from('.png')]), 'not utf-8');
fs.mkdirSync(path.join(root, 'locked'));
writeFile(root, 'locked/l.png', 'l');
const canLock = process.getuid?.() !== 0; // root reads a folder whatever its mode

describe('walkLibrary', () => {
  const options = { exclude: [path.join(root, 'data')] };

  it('lists the same files, folders, digests and problems in the same order on worker threads as on this thread', async () => {
    if (canLock) fs.chmodSync(path.join(root, 'locked'), 0);
    try {
      const here = await walkLibrary(root, options);
      const threaded = await walkLibrary(root, { ...options, threads: 2 });
      expect(threaded).toEqual(here);
      expect(here.folders.map((f) => f.dir)).toEqual(['', '2024', '2024/01', '2024/02', '2024/10', '2024-extra', ...(canLock ? [] : ['locked']), 'many', 'é']);
      expect(here.files.slice(0, 8).map((f) => f.rel)).toEqual(['a.jpg', 'b.png', '2024/link-in.png', '2024/01/x.png', '2024/01/y.webp', '2024/02/z.png', '2024/10/w.png', '2024-extra/v.png']);
      expect(here.files).toHaveLength(9 + 300 + (canLock ? 0 : 1));
      expect(here.files.find((f) => f.rel === '2024/02/z.png')!.sidecar).toBe(path.join(root, '2024/02/z.png.txt'));
      expect(here.outside).toEqual(['link-out.png']);
      expect(here.badNames.map((b) => b.path)).toHaveLength(1);
      expect(here.skipped).toBe(2); // notes.txt and the sidecar z.png.txt: not media
      if (canLock) expect(here.unreadable.map((u) => u.path)).toEqual(['locked']);
      const many = here.folders.find((f) => f.dir === 'many')!;
      expect(many).toMatchObject({ count: 300, skipped: false });
    } finally {
      fs.chmodSync(path.join(root, 'locked'), 0o755);
    }
  });

  it('leaves out the files of a folder whose digest is known, and only while its files are unchanged', async () => {
    const first = await walkLibrary(root, options);
    const digests = new Map(first.folders.map((f) => [f.dir, f.digest]));
    for (const threads of [0, 2]) {
      const again = await walkLibrary(root, { ...options, threads, knownDigest: (dir) => (dir === 'many' || dir === '2024/01' ? digests.get(dir) : undefined) });
      expect(again.folders.filter((f) => f.skipped).map((f) => f.dir)).toEqual(['2024/01', 'many']);
      expect(again.files.some((f) => f.rel.startsWith('many/') || f.rel.startsWith('2024/01/'))).toBe(false);
      expect(again.folders.find((f) => f.dir === 'many')!.count).toBe(300);
    }
    // Rewritten in place, same size, later mtime: the digest changes.
    const file = path.join(root, 'many/img-0007.png');
    fs.utimesSync(file, new Date(), new Date(Date.now() + 10_000));
    const touched = await walkLibrary(root, { ...options, threads: 2, knownDigest: (dir) => digests.get(dir) });
    expect(touched.folders.filter((f) => !f.skipped).map((f) => f.dir)).toEqual(['many']);
    expect(touched.files).toHaveLength(300);
  });
});
