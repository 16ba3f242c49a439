/**
 * The scan index read in pages (the event loop runs between them at 1M rows) holds exactly what
 * one read of the whole table holds: every row by path, with its size, mtime, missing flag and hash.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/db/store.js';
import type { ScannedFile } from '../../src/core/types.js';
import type { MetadataRecord } from '../../src/metadata/types.js';
import { loadScanIndex } from '../../src/ingest/loop-slices.js';

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

describe('scan index in pages', () => {
  it('holds every row once, as one whole read does, across several pages', async () => {
    const store = Store.openFile(':memory:');
    cleanups.push(() => store.close());
    const ids: number[] = [];
    store.batch(() => {
      for (let i = 0; i < 4500; i++) ids.push(store.saveScanned(scanned(`d${i % 7}/img-${i}.png`, i), null));
    });
    store.setMissing(ids.filter((_, i) => i % 9 === 0), true);
    const paged = await loadScanIndex(store);
    const whole = store.scanIndex();
    expect(paged.size).toBe(4500);
    expect([...paged.entries()].sort()).toEqual([...whole.entries()].sort());
    expect(paged.get('d3/img-3.png')).toMatchObject({ size: 1003, mtimeMs: 1_700_000_000_003, hash: null });
    expect([...paged.values()].filter((e) => e.missing)).toHaveLength(500);
  });
});
