/**
 * User data follows the image, not the path: when a path's content changes, the content decides
 * which row (tags of every source incl. suppressions, favorite, rating, categories, notes, user
 * prompt) it belongs to — in one scan, in any walk order, and through the watcher.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { Store } from '../src/db/store.js';
import { IngestPool } from '../src/ingest/ingest-pool.js';
import { Scanner } from '../src/ingest/scanner.js';
import { tempDir } from './support/fixtures.js';
import { writeGenerated } from './support/library.js';
import { getJson, serve, waitFor } from './support/cli.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function setup(batchSize?: number) {
  const root = tempDir('vv-id-lib-');
  const data = tempDir('vv-id-data-');
  const store = Store.open(data);
  const pool = new IngestPool({ workers: 0 });
  const scanner = new Scanner(store, root, pool, batchSize ? { batchSize } : {});
  cleanups.push(async () => {
    await pool.close();
    store.close();
  });
  return { root, store, scanner };
}

/** Organizes one image the way a user would: every kind of user data, incl. a suppressed derived tag. */
function organize(store: Store, id: number, label: string): void {
  const derived = store.getImage(id)!.tag_details.find((t) => t.source === 'prompt' || t.source === 'model')!.name;
  store.patchImage(id, {
    favorite: true,
    rating: 4,
    notes: `notes of ${label}`,
    prompt: `my prompt for ${label}`,
    tags: { add: [label], remove: [derived] },
    categories: { add: [`cat-${label}`] },
  });
}

function userData(store: Store, id: number) {
  const image = store.getImage(id)!;
  return {
    favorite: image.favorite,
    rating: image.rating,
    notes: image.notes,
    user_prompt: image.user_prompt,
    categories: image.categories,
    user_tags: image.tag_details.filter((t) => t.source === 'user').map((t) => t.name),
  };
}

function expectOrganized(store: Store, id: number, label: string, suppressed: string): void {
  expect(userData(store, id)).toEqual({
    favorite: true,
    rating: 4,
    notes: `notes of ${label}`,
    user_prompt: `my prompt for ${label}`,
    categories: [`cat-${label}`],
    user_tags: [label],
  });
  expect(store.getImage(id)!.tags).not.toContain(suppressed);
}

function expectUntouched(store: Store, id: number): void {
  expect(userData(store, id)).toEqual({ favorite: false, rating: 0, notes: null, user_prompt: null, categories: [], user_tags: [] });
}

function suppressedTag(store: Store, id: number): string {
  return store.getImage(id)!.tag_details.find((t) => t.source === 'prompt' || t.source === 'model')!.name;
}

function later(abs: string, seconds = 5): void {
  const t = new Date(Date.now() + seconds * 1000);
  fs.utimesSync(abs, t, t);
}

// Both walk orders: the moved-to path is read before the replaced path, and after it.
const layouts = [
  { name: 'moved file walked after the replaced one', replaced: 'a.png', movedTo: 'sub/a-moved.png', other: 'other.png' },
  { name: 'moved file walked before the replaced one', replaced: 'zz/a.png', movedTo: 'a-moved.png', other: 'zz/other.png' },
];

describe('user data follows the image, not the path', () => {
  for (const layout of layouts) {
    for (const batchSize of [1, 250]) {
      it(`move + replace in one scan (${layout.name}, batch ${batchSize})`, async () => {
        const { root, store, scanner } = setup(batchSize);
        const src = tempDir();
        const [g1, g2] = await writeGenerated(src, 2);
        fs.mkdirSync(path.join(root, path.dirname(layout.replaced)), { recursive: true });
        fs.copyFileSync(path.join(src, g1), path.join(root, layout.replaced));
        fs.copyFileSync(path.join(src, g2), path.join(root, layout.other));
        await scanner.scan();
        const a = store.idForPath(layout.replaced)!;
        const other = store.idForPath(layout.other)!;
        const suppressed = suppressedTag(store, a);
        organize(store, a, 'keeper');

        fs.mkdirSync(path.join(root, path.dirname(layout.movedTo)), { recursive: true });
        fs.renameSync(path.join(root, layout.replaced), path.join(root, layout.movedTo));
        fs.copyFileSync(path.join(root, layout.other), path.join(root, layout.replaced));
        later(path.join(root, layout.replaced));
        const stats = await scanner.scan();

        expect(stats).toMatchObject({ moved: 1, new: 1, missing: 0 });
        // The organized image is the moved file, with all its data; the copy at the old name is a new, untagged image.
        expect(store.idForPath(layout.movedTo)).toBe(a);
        expectOrganized(store, a, 'keeper', suppressed);
        const replaced = store.idForPath(layout.replaced)!;
        expect(replaced).not.toBe(a);
        expect(replaced).not.toBe(other);
        expectUntouched(store, replaced);
        expect(store.getImage(replaced)!.hash).toBe(store.getImage(other)!.hash);
        expect(store.counts()).toMatchObject({ images: 3, missing: 0 });
        expect(store.tagCount('keeper')).toBe(1);
      });
    }
  }

  it('two copies of a content first seen together are two images, in a scan and in a watcher batch, and a copy of a known image keeps it where it is', async () => {
    for (const via of ['scan', 'watcher'] as const) {
      const { root, store, scanner } = setup();
      const [original] = await writeGenerated(root, 1);
      await scanner.scan();
      const originalId = store.idForPath(original)!;
      const suppressed = suppressedTag(store, originalId);
      organize(store, originalId, 'kept');
      fs.copyFileSync(path.join(root, original), path.join(root, 'copy-of-original.png'));
      const newBytes = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toBuffer();
      fs.writeFileSync(path.join(root, 'new-1.png'), newBytes);
      fs.writeFileSync(path.join(root, 'new-2.png'), newBytes);
      const stats = via === 'scan' ? await scanner.scan() : await scanner.processChanges(['copy-of-original.png', 'new-1.png', 'new-2.png']);
      expect(stats, via).toMatchObject({ new: 3, moved: 0, missing: 0 });
      const ids = ['new-1.png', 'new-2.png', 'copy-of-original.png', original].map((p) => store.idForPath(p));
      expect(new Set(ids).size, via).toBe(4);
      expect(store.idForPath(original), via).toBe(originalId);
      expectOrganized(store, originalId, 'kept', suppressed);
      expectUntouched(store, store.idForPath('copy-of-original.png')!);
    }
  });

  it('swapping two files’ names swaps nothing: each keeps its own data', async () => {
    const { root, store, scanner } = setup();
    const [x, y] = await writeGenerated(root, 2);
    await scanner.scan();
    const xId = store.idForPath(x)!;
    const yId = store.idForPath(y)!;
    const xHash = store.getImage(xId)!.hash;
    const xSuppressed = suppressedTag(store, xId);
    organize(store, xId, 'first');

    const tmp = path.join(root, 'swap.tmp');
    fs.renameSync(path.join(root, x), tmp);
    fs.renameSync(path.join(root, y), path.join(root, x));
    fs.renameSync(tmp, path.join(root, y));
    later(path.join(root, x));
    later(path.join(root, y));
    const stats = await scanner.scan();

    expect(stats).toMatchObject({ moved: 2, new: 0, missing: 0 });
    expect(store.idForPath(y)).toBe(xId);
    expect(store.getImage(xId)!.hash).toBe(xHash);
    expectOrganized(store, xId, 'first', xSuppressed);
    expect(store.idForPath(x)).toBe(yId);
    expectUntouched(store, yId);
    expect(store.counts()).toMatchObject({ images: 2, missing: 0 });
  });

  it('an in-place re-save (upscale written over the file) keeps the path’s data, also beside a move + replace', async () => {
    const { root, store, scanner } = setup();
    const [x, y, z] = await writeGenerated(root, 3);
    await scanner.scan();
    const xId = store.idForPath(x)!;
    const yId = store.idForPath(y)!;
    const xSuppressed = suppressedTag(store, xId);
    const ySuppressed = suppressedTag(store, yId);
    organize(store, xId, 'upscaled');
    organize(store, yId, 'travelled');
    const oldHash = store.getImage(xId)!.hash;

    // x: re-saved at twice the size (its old content exists nowhere any more).
    const upscaled = await sharp(path.join(root, x)).resize({ width: 256 }).png().toBuffer();
    fs.writeFileSync(path.join(root, x), upscaled);
    later(path.join(root, x));
    // y: moved away, and a copy of z written at its name.
    fs.renameSync(path.join(root, y), path.join(root, 'moved-y.png'));
    fs.copyFileSync(path.join(root, z), path.join(root, y));
    later(path.join(root, y));
    const stats = await scanner.scan();

    expect(stats).toMatchObject({ changed: 1, moved: 1, new: 1, missing: 0 });
    expect(store.idForPath(x)).toBe(xId);
    expect(store.getImage(xId)!.hash).not.toBe(oldHash);
    expectOrganized(store, xId, 'upscaled', xSuppressed);
    expect(store.idForPath('moved-y.png')).toBe(yId);
    expectOrganized(store, yId, 'travelled', ySuppressed);
    expectUntouched(store, store.idForPath(y)!);
  });

  it('new content over a file whose content is kept elsewhere is a new image; the old row waits as missing', async () => {
    const { root, store, scanner } = setup();
    const src = tempDir();
    const [g1, g2] = await writeGenerated(src, 2);
    fs.copyFileSync(path.join(src, g1), path.join(root, 'a.png'));
    fs.copyFileSync(path.join(src, g1), path.join(root, 'copy-of-a.png'));
    await scanner.scan();
    const a = store.idForPath('a.png')!;
    organize(store, a, 'original');
    fs.copyFileSync(path.join(src, g2), path.join(root, 'a.png'));
    later(path.join(root, 'a.png'));
    expect(await scanner.scan()).toMatchObject({ new: 1, missing: 1 });
    const fresh = store.idForPath('a.png')!;
    expect(fresh).not.toBe(a);
    expectUntouched(store, fresh);
    expect(store.getImage(a)).toMatchObject({ missing: true });
    // The content comes back at a new name: it takes the waiting row's data with it.
    fs.copyFileSync(path.join(src, g1), path.join(root, 'back.png'));
    expect(await scanner.scan()).toMatchObject({ moved: 1, new: 0 });
    expect(store.idForPath('back.png')).toBe(a);
    expect(userData(store, a).user_tags).toEqual(['original']);
  });
});

describe('user data follows the image through the watcher', () => {
  it('move + replace while serving', async () => {
    const root = tempDir('vv-id-watch-lib-');
    const src = tempDir();
    const [g1, g2] = await writeGenerated(src, 2);
    fs.copyFileSync(path.join(src, g1), path.join(root, 'a.png'));
    fs.copyFileSync(path.join(src, g2), path.join(root, 'other.png'));
    const server = await serve([root, '--data', tempDir('vv-id-watch-data-'), '--workers', '1']);
    cleanups.push(() => server.stop());
    const images = async () => (await getJson(`${server.url}/api/images?limit=50&missing=include`)).body.items as any[];
    await waitFor(async () => {
      const { body } = await getJson(`${server.url}/api/status`);
      return body.counts.images === 2 && body.watching && !body.scan.running;
    }, 30_000);
    const a = (await images()).find((i) => i.path === 'a.png');
    await getJson(`${server.url}/api/image/${a.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tags: { add: ['keeper'] }, favorite: true, rating: 3 }),
    });

    fs.mkdirSync(path.join(root, 'sub'));
    fs.renameSync(path.join(root, 'a.png'), path.join(root, 'sub/a-moved.png'));
    fs.copyFileSync(path.join(root, 'other.png'), path.join(root, 'a.png'));
    const moved = await waitFor(async () => {
      const list = await images();
      const m = list.find((i) => i.path === 'sub/a-moved.png');
      return m && list.some((i) => i.path === 'a.png' && i.id !== a.id) ? m : undefined;
    }, 20_000);
    expect(moved.id).toBe(a.id);
    expect(moved).toMatchObject({ favorite: true, rating: 3, missing: false });
    expect(moved.tags).toContain('keeper');
    const replaced = (await images()).find((i) => i.path === 'a.png');
    expect(replaced).toMatchObject({ favorite: false, rating: 0, missing: false });
    expect(replaced.tags).not.toContain('keeper');
  });
});
