/**
 * One change version for every cache of derived data: every write of the store's modules moves it
 * (perceptual hashes and embeddings included), and so do other processes' commits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../src/db/store.js';
import { Vault } from '../src/library/vault.js';
import { writeColorLibrary } from './support/colors.js';
import { tempDir } from './support/fixtures.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('the change version', () => {
  it('near-duplicates appear once the scan hashed the pixels, though they were asked for before (no model, no other edit)', async () => {
    const root = tempDir('vv-version-lib-');
    await writeColorLibrary(root);
    let vault: Vault | null = null;
    let askedWhileHashing: number | null = null;
    vault = Vault.open({
      dataDir: tempDir('vv-version-data-'),
      library: root,
      workers: 0,
      model: 'none',
      onScanProgress: (s) => {
        // The gallery asks while the pixel pass has not stored a hash yet: the answer is cached.
        if (s.phase === 'hashing' && askedWhileHashing === null) askedWhileHashing = vault!.duplicates.groups('near').length;
      },
    });
    cleanups.push(() => vault!.close());
    vault.backgroundThumbnails = false;
    await vault.scanner.scan();
    expect(askedWhileHashing).toBe(0);
    const id = (p: string) => vault!.store.idForPath(p)!;
    const redGroup = () => vault!.duplicates.groups('near').find((g) => g.ids.includes(id('colors/red-0.png')));
    const copies = ['copies/red-0.jpg', 'copies/red-0-small.png', 'copies/red-0-cropped.png'];
    expect(redGroup()?.ids.sort()).toEqual(['colors/red-0.png', ...copies].map(id).sort());

    // Another process's write (here: a second connection) moves it too.
    const other = Store.open(vault.dataDir);
    cleanups.push(() => other.close());
    other.duplicates.setPhashes([{ id: id('copies/red-0-small.png'), phash: '' }]);
    expect(redGroup()?.ids).not.toContain(id('copies/red-0-small.png'));
  }, 60_000);

  // (An embeddings batch moves it too: test/unit/db.test.ts stores one for an image; an empty one writes nothing.)
  it('moves on every write of the store, perceptual hashes included', () => {
    const store = Store.open(tempDir('vv-version-store-'));
    cleanups.push(() => store.close());
    const versions = [store.dataVersion()];
    store.setSetting('x', '1');
    versions.push(store.dataVersion());
    store.duplicates.setPhashes([]);
    versions.push(store.dataVersion());
    store.createCategory('c');
    versions.push(store.dataVersion());
    expect(new Set(versions).size).toBe(versions.length);
  });
});
