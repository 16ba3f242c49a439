/**
 * Encoder lanes (issue 12, speed): several embedding workers, each with its own ONNX Runtime
 * session, share a pass. Whatever the number of lanes, every image gets the vector one worker
 * alone gives it.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeColorLibrary } from './support/colors.js';
import { writeGenerated } from './support/library.js';
import { tempDir } from './support/fixtures.js';
import { vv } from './support/cli.js';
import { writeTestModel, TEST_MODEL_NAMES } from '../scripts/make-test-model.js';
import { blobToVector } from '../src/db/embeddings.js';

const MODEL = TEST_MODEL_NAMES.clip;
let root: string;
let models: string;

function scanWith(lanes: number): Map<string, Float32Array | null> {
  const data = tempDir('vv-lanes-data-');
  const env = { VV_MODELS_DIR: models, VV_EMBED_THREADS: String(lanes), VV_EMBED_LANES: String(lanes) };
  const r = vv(['scan', root, '--data', data, '--workers', '1', '--model', MODEL, '--no-thumbnails', '--json'], { env });
  expect(r.status, r.stderr).toBe(0);
  const db = new Database(path.join(data, 'vault.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT i.path, e.vector FROM images i LEFT JOIN embeddings e ON e.image_id = i.id AND e.model = ?').all(MODEL) as { path: string; vector: Buffer | null }[];
    return new Map(rows.map((row) => [row.path, row.vector ? blobToVector(row.vector) : null]));
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  root = tempDir('vv-lanes-lib-');
  models = tempDir('vv-lanes-models-');
  await writeColorLibrary(root);
  // Over 32 images: three batches of 16, one per lane.
  await writeGenerated(path.join(root, 'generated'), 20);
  writeTestModel(models, 'clip');
}, 120_000);

describe('encoder lanes', () => {
  it('gives every image the same vector with three lanes as with one', () => {
    const one = scanWith(1);
    const three = scanWith(3);
    expect(one.size).toBeGreaterThan(32);
    expect([...three.keys()].sort()).toEqual([...one.keys()].sort());
    for (const [file, vector] of one) {
      expect(vector, file).toBeInstanceOf(Float32Array);
      const other = three.get(file)!;
      expect(other, file).toBeInstanceOf(Float32Array);
      const diff = Math.max(...vector!.map((x, i) => Math.abs(x - other[i])));
      expect(diff, file).toBeLessThan(1e-5);
    }
  });
});
