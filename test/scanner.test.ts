import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../src/db/store.js';
import { IngestPool } from '../src/ingest/ingest-pool.js';
import { MAX_FILES_HELD, Scanner } from '../src/ingest/scanner.js';
import { CHECKPOINT_BYTES } from '../src/db/wal-checkpointer.js';
import { creationDate, folderDate } from '../src/ingest/ingest.js';
import { solidImage, tempDir, treeHashes, writeFile } from './support/fixtures.js';
import { addPngText } from '../src/demo/embed.js';
import { XmpWriter } from '../src/library/xmp-writer.js';
import { Vault } from '../src/library/vault.js';
import { readSidecar } from '../src/ingest/xmp-sidecar.js';
import { writeBadFiles, writeGenerated, writeManyPngs } from './support/library.js';
import { CLI, vv } from './support/cli.js';
import sharp from 'sharp';
import { perceptualHash } from '../src/ingest/phash.js';
import { thumbnailPath, THUMBNAIL_SIZE } from '../src/ingest/thumbnail-file.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function setup(workers = 0) {
  const root = tempDir('vv-lib-');
  const data = tempDir('vv-data-');
  const store = Store.open(data);
  const pool = new IngestPool({ workers });
  const scanner = new Scanner(store, root, pool);
  cleanups.push(async () => {
    await pool.close();
    store.close();
  });
  return { root, data, store, pool, scanner };
}

describe('creation date', () => {
  it('prefers the folder date, then EXIF DateTimeOriginal, then mtime', () => {
    const mtime = Date.parse('2025-01-02T03:04:05.678Z');
    expect(folderDate('outputs/txt2img-images/2024-05-10/0001.png')).toBe('2024-05-10');
    expect(folderDate('2023/11/30/x.png')).toBe('2023-11-30');
    expect(folderDate('20240102-batch/x.png')).toBe('2024-01-02');
    expect(folderDate('a/2024-13-45/x.png')).toBeNull();
    expect(creationDate('2024-05-10/a.png', '2020-01-01T10:00:00', mtime)).toBe('2024-05-10T03:04:05.678Z');
    expect(creationDate('misc/a.png', '2020-01-01T10:00:00', mtime)).toBe('2020-01-01T10:00:00.000Z');
    expect(creationDate('misc/a.png', null, mtime)).toBe('2025-01-02T03:04:05.678Z');
  });
});

describe('scanner', () => {
  it('indexes a library, then skips unchanged files and re-reads changed ones', async () => {
    const { root, store, scanner } = setup(2);
    const files = await writeGenerated(root, 12);
    fs.writeFileSync(path.join(root, 'notes.txt'), 'not an image');
    const first = await scanner.scan();
    expect(first).toMatchObject({ seen: 12, new: 12, changed: 0, unchanged: 0, failed: 0, skipped: 1 });
    expect(store.counts().images).toBe(12);

    const second = await scanner.scan();
    expect(second).toMatchObject({ seen: 12, new: 0, changed: 0, unchanged: 12 });

    // Overwrite one file with another image's bytes: same path, new content.
    const other = tempDir();
    const [otherRel] = await writeGenerated(other, 1, 500);
    const target = path.join(root, files[0]);
    const id = store.idForPath(files[0])!;
    const before = store.getImage(id)!;
    fs.copyFileSync(path.join(other, otherRel), target);
    fs.utimesSync(target, new Date(), new Date(Date.now() + 5000));
    const third = await scanner.scan();
    expect(third).toMatchObject({ changed: 1, unchanged: 11, new: 0 });
    const after = store.getImage(id)!;
    expect(after.hash).not.toBe(before.hash);
    expect(after.params!.seed).not.toBe(before.params!.seed);
  });

  it('makes each thumbnail from the decode its perceptual hash needs, once per content', async () => {
    const root = tempDir('vv-lib-');
    const data = tempDir('vv-data-');
    const thumbs = path.join(data, 'thumbnails');
    const store = Store.open(data);
    const pool = new IngestPool({ workers: 2 });
    const scanner = new Scanner(store, root, pool, { thumbnailTarget: (hash) => thumbnailPath(thumbs, hash) });
    cleanups.push(async () => {
      await pool.close();
      store.close();
    });
    const files = await writeGenerated(root, 6);
    // A large image (reduced to the thumbnail size) and a copy of one file (one content, one thumbnail).
    writeFile(root, '2024-06-01/large.png', await solidImage('png', [200, 120, 40], 1400, 900));
    fs.copyFileSync(path.join(root, files[0]), path.join(root, '2024-06-01/copy.png'));
    const stats = await scanner.scan();
    expect(stats).toMatchObject({ new: 8, hashed: 8, thumbnails: 7 });
    for (const image of store.listImages({}, '-date', null, 100).items) {
      const row = store.getImage(image.id)!;
      const file = thumbnailPath(thumbs, row.hash!);
      const meta = await sharp(file).metadata();
      expect(meta.format).toBe('webp');
      const original = await sharp(path.join(root, row.path)).metadata();
      expect(Math.max(meta.width!, meta.height!)).toBe(Math.min(THUMBNAIL_SIZE, Math.max(original.width!, original.height!)));
      // The stored hash is the one computed without a thumbnail.
      expect(store.duplicates.phashOf(image.id)).toBe(await perceptualHash(path.join(root, row.path)));
    }
    expect(fs.readdirSync(thumbs, { recursive: true }).filter((f) => String(f).endsWith('.tmp'))).toEqual([]);
  });

  it('re-links moved and renamed files by content hash, keeping tags, favorite, rating and categories', async () => {
    const { root, store, scanner } = setup(0);
    const [rel] = await writeGenerated(root, 3);
    await scanner.scan();
    const id = store.idForPath(rel)!;
    store.patchImage(id, { favorite: true, rating: 4, tags: { add: ['keeper'], remove: ['masterpiece'] }, categories: { add: ['trips/2024'] }, notes: 'mine' });

    const moved = `renamed/2024-07-01/${path.basename(rel)}`;
    fs.mkdirSync(path.join(root, 'renamed/2024-07-01'), { recursive: true });
    fs.renameSync(path.join(root, rel), path.join(root, moved));
    const stats = await scanner.scan();
    expect(stats).toMatchObject({ moved: 1, new: 0, missing: 0 });
    const image = store.getImage(id)!;
    expect(image.path).toBe(moved);
    expect(image.created_at.startsWith('2024-07-01')).toBe(true);
    expect(image).toMatchObject({ favorite: true, rating: 4, notes: 'mine', categories: ['trips/2024'] });
    expect(image.tags).toContain('keeper');
    expect(image.tags).not.toContain('masterpiece');
    expect(store.counts()).toMatchObject({ images: 3, missing: 0 });
  });

  it('does not bring back a derived tag the user removed when the file is re-indexed', async () => {
    const { root, store, scanner } = setup(0);
    const [rel] = await writeGenerated(root, 1);
    await scanner.scan();
    const id = store.idForPath(rel)!;
    expect(store.getImage(id)!.tags).toContain('masterpiece');
    store.patchImage(id, { tags: { remove: ['masterpiece'], add: ['mine'] } });
    fs.utimesSync(path.join(root, rel), new Date(), new Date(Date.now() + 60_000)); // touched: re-read
    expect(await scanner.scan()).toMatchObject({ changed: 1 });
    const tags = store.getImage(id)!.tag_details;
    expect(tags.map((t) => t.name)).not.toContain('masterpiece');
    expect(tags.find((t) => t.name === 'mine')).toMatchObject({ source: 'user' });
    expect(tags.find((t) => t.name === 'best quality')).toMatchObject({ source: 'prompt' });
    // Adding it back by hand lifts the suppression.
    store.patchImage(id, { tags: { add: ['masterpiece'] } });
    expect(store.getImage(id)!.tags).toContain('masterpiece');
  });

  it('reads an A1111 .txt sidecar as the image metadata, and re-indexes when it changes', async () => {
    const { root, store, scanner } = setup(0);
    const png = await solidImage('png');
    writeFile(root, '2024-08-01/00001-1.png', png);
    writeFile(root, '2024-08-01/00001-1.txt', 'a lighthouse at dusk\nNegative prompt: fog\nSteps: 30, Sampler: DPM++ 2M, CFG scale: 6, Seed: 77, Size: 512x512, Model: dreamshaper');
    writeFile(root, '2024-08-01/other.webp', await solidImage('webp'));
    writeFile(root, '2024-08-01/other.webp.txt', 'a boat\nSteps: 10, Sampler: Euler, Seed: 5');
    await scanner.scan();
    const id = store.idForPath('2024-08-01/00001-1.png')!;
    expect(store.getImage(id)!.params).toMatchObject({ generator: 'a1111', prompt: 'a lighthouse at dusk', seed: 77, model: 'dreamshaper' });
    expect(store.getImage(id)!.params!.provenance.seed).toBe('sidecar:txt parameters › Seed');
    expect(store.getImage(store.idForPath('2024-08-01/other.webp')!)!.params).toMatchObject({ prompt: 'a boat', seed: 5 });
    writeFile(root, '2024-08-01/00001-1.txt', 'a lighthouse at dawn\nSteps: 30, Sampler: DPM++ 2M, Seed: 78');
    fs.utimesSync(path.join(root, '2024-08-01/00001-1.txt'), new Date(), new Date(Date.now() + 10_000));
    expect(await scanner.scan()).toMatchObject({ changed: 1 });
    expect(store.getImage(id)!.params).toMatchObject({ prompt: 'a lighthouse at dawn', seed: 78 });
  });

  it('keeps tag and image counts equal to a recount through edits, rescans, moves, missing and broken files', async () => {
    const { root, data, store, scanner } = setup(0);
    const files = await writeGenerated(root, 20);
    await scanner.scan();
    const db = new Database(path.join(data, 'vault.db'), { readonly: true });
    cleanups.push(() => db.close());
    const recount = () =>
      Object.fromEntries(
        (db
          .prepare('SELECT t.name, COUNT(DISTINCT it.image_id) AS n FROM image_tags it JOIN tags t ON t.id = it.tag_id JOIN images i ON i.id = it.image_id AND i.missing = 0 GROUP BY t.id')
          .all() as { name: string; n: number }[]).map((r) => [r.name, r.n]),
      );
    const counted = () => Object.fromEntries(store.listTags('', 100_000).map((t) => [t.name, t.count]));
    expect(counted()).toEqual(recount());
    const id = store.idForPath(files[0])!;
    store.patchImage(id, { tags: { add: ['masterpiece', 'extra'], remove: ['best quality'] } }); // user copy of a prompt tag
    store.patchImage(store.idForPath(files[1])!, { tags: { remove: ['masterpiece'] } });
    fs.rmSync(path.join(root, files[2]));
    fs.renameSync(path.join(root, files[3]), path.join(root, 'moved.png'));
    fs.utimesSync(path.join(root, files[4]), new Date(), new Date(Date.now() + 9000));
    fs.writeFileSync(path.join(root, files[5]), 'no longer an image');
    await scanner.scan();
    expect(counted()).toEqual(recount());
    expect(store.tagCount('extra')).toBe(1);
    // The image counts (triggers, like the tag counts) against a recount of the rows.
    const rows = db.prepare('SELECT COUNT(*) FILTER (WHERE missing = 0) AS images, COUNT(*) FILTER (WHERE missing = 1) AS missing, COUNT(*) FILTER (WHERE error IS NOT NULL AND missing = 0) AS errors FROM images').get();
    expect(store.counts()).toEqual(rows);
    expect(store.counts()).toMatchObject({ images: 19, missing: 1, errors: 1 });
    expect(store.listImages({ tags: ['masterpiece'] }).total).toBe(recount().masterpiece);
  });

  it('imports tags and rating from digiKam, Lightroom and darktable sidecars with source xmp', async () => {
    const { root, store, scanner } = setup(0);
    const [a, b] = await writeGenerated(root, 2);
    fs.writeFileSync(
      path.join(root, `${a}.xmp`),
      `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
       <rdf:Description rdf:about="" xmlns:digiKam="http://www.digikam.org/ns/1.0/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="3">
       <digiKam:TagsList><rdf:Seq><rdf:li>People/Alice</rdf:li><rdf:li>holiday</rdf:li></rdf:Seq></digiKam:TagsList>
       </rdf:Description></rdf:RDF></x:xmpmeta>`,
    );
    const stem = b.slice(0, b.length - path.extname(b).length);
    fs.writeFileSync(
      path.join(root, `${stem}.xmp`),
      `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
       <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:lr="http://ns.adobe.com/lightroom/1.0/">
       <dc:subject><rdf:Bag><rdf:li>sunset</rdf:li><rdf:li>Bob</rdf:li></rdf:Bag></dc:subject>
       <lr:hierarchicalSubject><rdf:Bag><rdf:li>People|Bob</rdf:li></rdf:Bag></lr:hierarchicalSubject>
       </rdf:Description></rdf:RDF></x:xmpmeta>`,
    );
    await scanner.scan();
    const ia = store.getImage(store.idForPath(a)!)!;
    expect(ia.tag_details.filter((t) => t.source === 'xmp').map((t) => t.name).sort()).toEqual(['People:Alice', 'holiday']);
    expect(ia.rating).toBe(3);
    const ib = store.getImage(store.idForPath(b)!)!;
    expect(ib.tag_details.filter((t) => t.source === 'xmp').map((t) => t.name).sort()).toEqual(['People:Bob', 'sunset']);
    // Editing the sidecar re-imports it.
    fs.writeFileSync(path.join(root, `${stem}.xmp`), fs.readFileSync(path.join(root, `${stem}.xmp`), 'utf8').replace('sunset', 'sunrise'));
    fs.utimesSync(path.join(root, `${stem}.xmp`), new Date(), new Date(Date.now() + 20_000));
    await scanner.scan();
    expect(store.getImage(store.idForPath(b)!)!.tag_details.filter((t) => t.source === 'xmp').map((t) => t.name).sort()).toEqual(['People:Bob', 'sunrise']);
  });

  it('makes raw chunks no parser understands searchable', async () => {
    const { root, store, scanner } = setup(0);
    writeFile(root, 'x/custom.png', addPngText(await solidImage('png'), [{ type: 'iTXt', key: 'my_tool_notes', text: 'zebracorn rendering pass 3' }]));
    await scanner.scan();
    const hits = store.searchText('zebracorn', {});
    expect(hits.map((h) => h.path)).toEqual(['x/custom.png']);
    expect(store.getImage(hits[0].id)!.raw.my_tool_notes).toBe('zebracorn rendering pass 3');
  });

  it('marks vanished files missing instead of deleting them, and restores them when they return', async () => {
    const { root, store, scanner } = setup(0);
    const [rel] = await writeGenerated(root, 2);
    await scanner.scan();
    const id = store.idForPath(rel)!;
    store.patchImage(id, { tags: { add: ['precious'] } });
    const bytes = fs.readFileSync(path.join(root, rel));
    const stat = fs.statSync(path.join(root, rel));
    fs.rmSync(path.join(root, rel));
    expect(await scanner.scan()).toMatchObject({ missing: 1 });
    expect(store.getImage(id)).toMatchObject({ missing: true });
    expect(store.listImages({}).total).toBe(1);
    expect(store.listImages({ missing: 'only' }).items.map((i) => i.id)).toEqual([id]);

    fs.writeFileSync(path.join(root, rel), bytes);
    fs.utimesSync(path.join(root, rel), stat.atime, stat.mtime);
    expect(await scanner.scan()).toMatchObject({ restored: 1, missing: 0 });
    expect(store.getImage(id)).toMatchObject({ missing: false });
    expect(store.getImage(id)!.tags).toContain('precious');
  });

  it("an unchanged rescan reads no folder's rows: each folder is recognised by the digest of its files", async () => {
    const { root, store, scanner } = setup(0);
    await writeManyPngs(root, 3, '2024-01-01');
    await writeManyPngs(root, 2, '2024-01-02', 3);
    const [top] = await writeManyPngs(root, 1, 'tmp', 5);
    fs.renameSync(path.join(root, top), path.join(root, 'top.png'));
    fs.rmdirSync(path.join(root, 'tmp'));
    expect(await scanner.scan()).toMatchObject({ seen: 6, new: 6 });
    expect([...store.scanIndex.digests().keys()].sort()).toEqual(['', '2024-01-01', '2024-01-02']);
    const read: string[] = [];
    const rowsIn = store.scanIndex.rowsIn.bind(store.scanIndex);
    store.scanIndex.rowsIn = (dir) => {
      read.push(dir);
      return rowsIn(dir);
    };
    expect(await scanner.scan()).toMatchObject({ seen: 6, unchanged: 6, new: 0, changed: 0, missing: 0 });
    expect(read).toEqual([]);

    // A file rewritten in place (same size, a later mtime) changes its folder's digest: that folder alone is compared.
    const rewritten = path.join(root, '2024-01-01/img-000001.png');
    fs.utimesSync(rewritten, new Date(), new Date(Date.now() + 60_000));
    expect(await scanner.scan()).toMatchObject({ seen: 6, unchanged: 5, changed: 1 });
    // Compared, then checked once more before its new digest is recorded.
    expect(read).toEqual(['2024-01-01', '2024-01-01']);
    read.length = 0;
    expect(await scanner.scan()).toMatchObject({ unchanged: 6, changed: 0 });
    expect(read).toEqual([]);
  });

  it("a folder's digest is forgotten when a row in it is written, and a removed folder's rows go missing", async () => {
    const { root, store, scanner } = setup(0);
    const kept = await writeManyPngs(root, 2, 'kept');
    const gone = await writeManyPngs(root, 2, 'gone/deep', 2);
    await scanner.scan();
    expect(store.scanIndex.digests().has('kept')).toBe(true);
    // Marked missing by hand (as the watcher would on a delete event): the folder is compared again and the row restored.
    store.setMissing([store.idForPath(kept[0])!], true);
    expect(store.scanIndex.digests().has('kept')).toBe(false);
    expect(await scanner.scan()).toMatchObject({ restored: 1, unchanged: 3 });
    expect(store.scanIndex.digests().has('kept')).toBe(true);

    fs.rmSync(path.join(root, 'gone'), { recursive: true });
    expect(await scanner.scan()).toMatchObject({ seen: 2, unchanged: 2, missing: 2 });
    expect(gone.map((p) => store.scanEntryAt(p)?.missing)).toEqual([true, true]);
    expect([...store.scanIndex.digests().keys()].sort()).toEqual(['', 'kept']);
    // Back as they were: restored, not new.
    await writeManyPngs(root, 2, 'gone/deep', 2);
    for (const p of gone) fs.utimesSync(path.join(root, p), new Date(), new Date(store.scanEntryAt(p)!.mtimeMs));
    expect(await scanner.scan()).toMatchObject({ restored: 2, new: 0, missing: 0 });
  });

  it('a stopped scan records no digest: its folders are compared in full next time', async () => {
    const { root, store, pool } = setup(0);
    const scanner: Scanner = new Scanner(store, root, pool, {
      batchSize: 1,
      perceptualHashes: false,
      onProgress: (status) => status.phase === 'indexing' && status.done >= 10 && scanner.stop(),
    });
    await writeManyPngs(root, 200, 'a');
    expect((await scanner.scan()).seen).toBe(200);
    expect(store.scanIndex.digests().size).toBe(0);
    const read: string[] = [];
    const rowsIn = store.scanIndex.rowsIn.bind(store.scanIndex);
    store.scanIndex.rowsIn = (dir) => {
      read.push(dir);
      return rowsIn(dir);
    };
    expect(await scanner.scan()).toMatchObject({ seen: 200, missing: 0 });
    expect(read).toContain('a');
    expect(store.counts().images).toBe(200);
    expect(store.scanIndex.digests().has('a')).toBe(true);
  });

  it('records every bad file with its error and keeps going', async () => {
    const { root, store, scanner } = setup(1);
    const bad = await writeBadFiles(root);
    await writeGenerated(root, 3);
    const stats = await scanner.scan();
    expect(stats.seen).toBe(Object.keys(bad).length + 3);
    const failures = new Map(scanner.status.failures.map((f) => [f.path, f.error]));
    expect(failures.get('bad/empty.png')).toMatch(/empty file/);
    expect(failures.get('bad/garbage.png')).toMatch(/not a PNG, JPEG/);
    // Metadata failures, and images whose pixels cannot be decoded (no perceptual hash).
    expect(failures.size).toBe(stats.failed + stats.undecodable);
    expect(failures.get('bad/huge-30000.png')).toMatch(/pixels cannot be decoded/);
    expect(stats.hashed).toBe(stats.new - stats.failed - stats.undecodable);
    for (const rel of Object.keys(bad)) expect(store.idForPath(rel), rel).not.toBeNull();
    const crc = store.getImage(store.idForPath('bad/bad-crc.png')!)!;
    expect(crc.params!.warnings.some((w) => w.includes('bad CRC'))).toBe(true);
    const huge = store.getImage(store.idForPath('bad/huge-30000.png')!)!;
    expect(huge.params!.pixel_width).toBe(30000);
    expect(huge.params!.warnings.some((w) => w.includes('too large to decode'))).toBe(true);
    const utf8 = store.getImage(store.idForPath('bad/invalid-utf8.png')!)!;
    expect(utf8.error).toBeNull();
    expect(String(utf8.raw.parameters)).toContain('\uFFFD');
    expect(store.counts().images).toBe(Object.keys(bad).length + 3);
  });

  it('never writes to the library', async () => {
    const { root, scanner, store } = setup(2);
    await writeGenerated(root, 6);
    await writeBadFiles(root);
    const before = treeHashes(root);
    await scanner.scan();
    store.patchImage(1, { tags: { add: ['x'] }, favorite: true, prompt: 'edited' });
    await scanner.scan();
    expect(treeHashes(root)).toEqual(before);
  });

  it('a scan whose writes meet another process holding the write lock waits its turns and records every file once', async () => {
    const root = tempDir('vv-busy-lib-');
    const data = tempDir('vv-busy-data-');
    await writeManyPngs(root, 100, '2024-06-03');
    Store.open(data).close();
    // Another process takes the lock 40 ms of every 80 (a server's or mount's writes) for 2 s.
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import Database from 'better-sqlite3';
         const db = new Database(process.argv[1], { timeout: 10000 });
         const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
         const end = Date.now() + 2000;
         for (let round = 0; Date.now() < end; round++) {
           db.exec('BEGIN IMMEDIATE');
           if (round === 0) process.stdout.write('held\\n');
           pause(40);
           db.exec('COMMIT');
           pause(40);
         }
         db.close();`,
        path.join(data, 'vault.db'),
      ],
      { cwd: path.resolve(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    cleanups.push(() => void holder.kill());
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.once('data', () => resolve());
      holder.once('exit', (code) => reject(new Error(`lock holder exited ${code}`)));
    });
    // SQLite's own wait is short here, so the kernel's retries and backoff do the waiting too.
    const store = Store.open(data, { busyTimeoutMs: 30 });
    const pool = new IngestPool({ workers: 1 });
    // One file a batch: each batch is written in one slice that ends without yielding.
    const scanner = new Scanner(store, root, pool, { batchSize: 1, perceptualHashes: false });
    cleanups.push(async () => {
      await pool.close();
      store.close();
    });
    const stats = await scanner.scan();
    expect(stats).toMatchObject({ seen: 100, new: 100, failed: 0 });
    expect(store.counts().images).toBe(100);
    const raw = new Database(path.join(data, 'vault.db'), { readonly: true });
    cleanups.push(() => raw.close());
    expect(raw.prepare('SELECT COUNT(DISTINCT path) AS n, COUNT(*) AS rows FROM images').get()).toEqual({ n: 100, rows: 100 });
    expect((await scanner.scan()).unchanged).toBe(100);
  }, 60_000);

  it('holds at most MAX_FILES_HELD files read and not yet stored when writing is slower than reading (memory stays bounded at 1M)', async () => {
    const { root, store, pool } = setup(2);
    await writeManyPngs(root, 1500, '2024-06-04');
    const scanner = new Scanner(store, root, pool, { perceptualHashes: false });
    // Writes made slow (a large database's index inserts): each stored file costs 1 ms.
    let read = 0;
    let stored = 0;
    let mostHeld = 0;
    const ingest = pool.ingest.bind(pool);
    pool.ingest = async (...args) => {
      const result = await ingest(...args);
      read++;
      mostHeld = Math.max(mostHeld, read - stored);
      return result;
    };
    const save = store.saveScanned.bind(store);
    store.saveScanned = (...args) => {
      const until = performance.now() + 1;
      while (performance.now() < until);
      stored++;
      return save(...args);
    };
    const stats = await scanner.scan();
    expect(stats).toMatchObject({ seen: 1500, new: 1500, failed: 0 });
    expect(mostHeld).toBeGreaterThan(0);
    expect(mostHeld).toBeLessThanOrEqual(MAX_FILES_HELD);
  }, 60_000);

  it('a watcher batch looks up its own paths and a removed folder by the path index, never the whole scan index', async () => {
    const { root, store, scanner } = setup(0);
    await writeManyPngs(root, 2, 'gone');
    await writeManyPngs(root, 1, 'gone/sub', 2);
    await writeManyPngs(root, 2, 'gonex', 3); // shares the prefix "gone" but not the folder
    await scanner.scan();
    let indexReads = 0;
    const rowsIn = store.scanIndex.rowsIn.bind(store.scanIndex);
    store.scanIndex.rowsIn = (...args) => {
      indexReads++;
      return rowsIn(...args);
    };
    fs.rmSync(path.join(root, 'gone'), { recursive: true });
    const [added] = await writeManyPngs(root, 1, 'new', 10);
    const stats = await scanner.processChanges([added], ['gone']);
    expect(stats).toMatchObject({ new: 1, missing: 3 });
    expect(indexReads).toBe(0);
    const missing = (p: string) => store.scanEntryAt(p)?.missing;
    expect(['gone/img-000000.png', 'gone/img-000001.png', 'gone/sub/img-000002.png'].map(missing)).toEqual([true, true, true]);
    expect(['gonex/img-000003.png', 'gonex/img-000004.png', added].map(missing)).toEqual([false, false, false]);
  });

  it('in a serving process, checkpoints the WAL in a worker thread between write slices, keeping it bounded', async () => {
    const root = tempDir('vv-ckpt-lib-');
    const data = tempDir('vv-ckpt-data-');
    await writeManyPngs(root, 1500, '2024-06-05');
    const store = Store.open(data, { maxWaitMs: 500 }); // as `vv serve` opens it
    const pool = new IngestPool({ workers: 2 });
    cleanups.push(async () => {
      await pool.close();
      store.close();
    });
    const wal = path.join(data, 'vault.db-wal');
    let largest = 0;
    const watch = setInterval(() => {
      if (fs.existsSync(wal)) largest = Math.max(largest, fs.statSync(wal).size);
    }, 5);
    const stats = await new Scanner(store, root, pool, { perceptualHashes: false }).scan();
    clearInterval(watch);
    expect(stats).toMatchObject({ seen: 1500, new: 1500, failed: 0 });
    expect(store.checkpoints).toBeGreaterThan(0);
    expect(largest).toBeGreaterThan(CHECKPOINT_BYTES / 2);
    expect(largest).toBeLessThan(3 * CHECKPOINT_BYTES);
    expect(store.counts().images).toBe(1500);
    const raw = new Database(path.join(data, 'vault.db'), { readonly: true });
    cleanups.push(() => raw.close());
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
  }, 120_000);

  it('starts its extraction workers on the first file to read, not when opened (a server’s start need not wait behind them)', async () => {
    const { root, pool, scanner } = setup(2);
    expect(pool.started).toBe(0);
    await scanner.scan(); // an empty library: nothing to read
    expect(pool.started).toBe(0);
    await writeGenerated(root, 2);
    await scanner.scan();
    expect(pool.started).toBe(2);
  });

  it('closing the vault mid-scan waits for the scan to stop: it ends recorded as stopped, not failed on a closed database', async () => {
    const root = tempDir('vv-lib-');
    const dataDir = tempDir('vv-data-');
    await writeManyPngs(root, 400);
    const vault = Vault.open({ dataDir, library: root, workers: 0 });
    const scanning = vault.scanAndThumbnail();
    await expect.poll(() => vault.scanner.status.done, { timeout: 20_000, interval: 5 }).toBeGreaterThan(0);
    await vault.close();
    await expect(scanning).resolves.toBeUndefined(); // was: "The database connection is not open"
    const db = new Database(path.join(dataDir, 'vault.db'), { readonly: true });
    const last = db.prepare('SELECT * FROM scans ORDER BY id DESC LIMIT 1').get() as Record<string, unknown>;
    db.close();
    expect(last.finished_at).not.toBeNull();
    expect(JSON.parse(String(last.stats))).toMatchObject({ stopped: true });
  });

  it('resumes after being killed mid-scan, with an intact database and no user edit lost', async () => {
    const root = tempDir('vv-crash-lib-');
    const data = tempDir('vv-crash-data-');
    await writeManyPngs(root, 300, '2024-06-01');
    expect(vv(['scan', root, '--data', data]).status).toBe(0);
    const store = Store.open(data);
    const edited = store.idForPath('2024-06-01/img-000007.png')!;
    store.patchImage(edited, { favorite: true, tags: { add: ['survivor'] }, rating: 5 });
    store.close();

    await writeManyPngs(root, 6000, '2024-06-02', 1000);
    const child = spawn(process.execPath, [CLI, 'scan', root, '--data', data], { stdio: 'ignore' });
    const db = new Database(path.join(data, 'vault.db'), { readonly: true, fileMustExist: true });
    const t0 = Date.now();
    let seenMidway = 0;
    while (Date.now() - t0 < 60_000) {
      seenMidway = (db.prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n;
      if (seenMidway > 700 || child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    db.close();
    expect(seenMidway).toBeGreaterThan(300);
    expect(seenMidway).toBeLessThan(6300); // it really was killed before the end

    const resumed = JSON.parse(vv(['scan', root, '--data', data, '--json']).stdout);
    expect(resumed.seen).toBe(6300);
    expect(resumed.new + resumed.unchanged + resumed.changed).toBe(6300);
    expect(resumed.unchanged).toBeGreaterThanOrEqual(seenMidway - 50);
    const after = Store.open(data);
    cleanups.push(() => after.close());
    expect(after.integrityCheck()).toBe('ok');
    expect(after.counts().images).toBe(6300);
    const raw = new Database(path.join(data, 'vault.db'), { readonly: true });
    cleanups.push(() => raw.close());
    const paths = raw.prepare('SELECT COUNT(DISTINCT path) AS n FROM images').get() as { n: number };
    expect(paths.n).toBe(6300);
    expect(after.getImage(edited)).toMatchObject({ favorite: true, rating: 5 });
    expect(after.getImage(edited)!.tags).toContain('survivor');
    // 6,300 files written and scanned twice: ~30 s on a quiet machine, over 60 s on a busy one.
  }, 180_000);
});

describe('XMP sidecar writer', () => {
  it('writes edits into a mirror tree when one is given, never into the library', async () => {
    const { root, store, scanner } = setup(0);
    const [rel] = await writeGenerated(root, 1);
    await scanner.scan();
    const before = treeHashes(root);
    const mirror = tempDir('vv-xmp-mirror-');
    const writer = new XmpWriter(store, root, { mirrorDir: mirror, debounceMs: 1 });
    store.patchImage(store.idForPath(rel)!, { tags: { add: ['mirrored'] }, rating: 2 });
    writer.flush();
    const back = readSidecar(fs.readFileSync(path.join(mirror, `${rel}.xmp`), 'utf8'));
    expect(back.tags).toContain('mirrored');
    expect(back.tags).toContain(`generator:${store.getImage(store.idForPath(rel)!)!.generator}`);
    expect(back.rating).toBe(2);
    expect(treeHashes(root)).toEqual(before);
    expect(writer.written).toBe(1);
  });
});
