/**
 * The scan index read folder by folder holds exactly the rows of each folder, with size, mtime,
 * missing flag and hash; the folder digests are forgotten by any write that changes what a scan compares.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/db/store.js';
import type { ScannedFile } from '../../src/core/types.js';
import type { MetadataRecord } from '../../src/metadata/types.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function scanned(p: string, i: number): ScannedFile {
  const record = {
    file: p, format: 'png', generator: 'A1111', generator_version: null, prompt: `image ${i}`, negative_prompt: null,
    seed: i, steps: 20, sampler: 'Euler', scheduler: null, cfg: 7, model: 'm1', model_hash: null, width: 64, height: 64, size: null,
    pixel_width: 64, pixel_height: 64, loras: [], samplers: [], c2pa_claim_generator: null, digital_source_type: null,
    ai_generated: null, extra: {}, provenance: {}, raw: {}, date_time_original: null, warnings: [],
  } as MetadataRecord;
  return { path: p, size: 1000 + i, mtimeMs: 1_700_000_000_000 + i, hash: i % 10 === 3 ? null : `h-${i}`, createdAt: '2024-01-01T00:00:00.000Z', record, tags: [], rawText: '' };
}

describe('scan index by folder', () => {
  it("reads each folder's rows (not those below it), its present ids, and every folder with rows", () => {
    const store = Store.openFile(':memory:');
    cleanups.push(() => store.close());
    const ids: number[] = [];
    const dirs = ['', 'd0', 'd0/sub', 'd1', 'd1-x', 'é'];
    store.batch(() => {
      for (let i = 0; i < 600; i++) ids.push(store.saveScanned(scanned(dirs[i % 6] ? `${dirs[i % 6]}/img-${i}.png` : `img-${i}.png`, i), null));
    });
    store.setMissing(ids.filter((_, i) => i % 9 === 0), true);
    expect(store.scanIndex.dirsWithRows()).toEqual([...dirs].sort());
    let total = 0;
    for (const dir of dirs) {
      const rows = store.scanIndex.rowsIn(dir);
      expect(rows.size).toBe(100);
      for (const [p, entry] of rows) {
        expect(p.slice(0, p.lastIndexOf('/') + 1)).toBe(dir ? `${dir}/` : '');
        expect(store.scanEntryAt(p)).toEqual(entry);
      }
      expect(store.scanIndex.presentIn(dir).sort((a, b) => a - b)).toEqual([...rows.values()].filter((e) => !e.missing).map((e) => e.id).sort((a, b) => a - b));
      total += rows.size;
    }
    expect(total).toBe(600);
    expect(store.scanIndex.rowsIn('d1').get('d1/img-3.png')).toMatchObject({ size: 1003, mtimeMs: 1_700_000_000_003, hash: null });
  });

  it("forgets a folder's digest when a row in it is added, touched or goes missing, and only then", () => {
    const store = Store.openFile(':memory:');
    cleanups.push(() => store.close());
    let id = 0;
    store.batch(() => {
      id = store.saveScanned(scanned('a/x.png', 1), null);
      store.saveScanned(scanned('b/y.png', 2), null);
    });
    const all = () => store.scanIndex.record([{ dir: 'a', digest: 'A' }, { dir: 'b', digest: 'B' }, { dir: 'c', digest: 'C' }]);
    const known = () => [...store.scanIndex.digests().keys()].sort();
    all();
    expect(store.scanIndex.digests().get('a')).toBe('A');
    store.patchImage(id, { favorite: true, rating: 4, tags: { add: ['kept'] } });
    expect(known()).toEqual(['a', 'b', 'c']);
    store.setMissing([id], true);
    expect(known()).toEqual(['b', 'c']);
    all();
    store.batch(() => store.saveScanned(scanned('b/z.png', 3), null));
    expect(known()).toEqual(['a', 'c']);
    all();
    store.batch(() => store.saveScanned({ ...scanned('a/x.png', 1), mtimeMs: 1_800_000_000_000 }, id));
    expect(known()).toEqual(['b', 'c']);
    store.scanIndex.forgetAllBut(['b']);
    expect(known()).toEqual(['b']);
  });
});
