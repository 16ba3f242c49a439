/**
 * Replays every input the fuzz target (`npm run fuzz`) saved under test/fixtures/fuzz/: each once
 * crashed, hung or overran the extractor; each must now give a record that serialises, within bounds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractMetadata } from '../../src/metadata/extract.js';

const DIR = path.resolve(import.meta.dirname, '../fixtures/fuzz');
const files = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => !f.startsWith('.')).sort() : [];

describe('saved fuzz inputs', () => {
  it('are present (the first ones were found on the unbounded extractor)', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const name of files) {
    it(`${name}: extracted, serialised, bounded`, { timeout: 30_000 }, async () => {
      const record = await extractMetadata(name, fs.readFileSync(path.join(DIR, name)));
      const json = JSON.stringify(record);
      expect(JSON.parse(json).file).toBe(name);
      expect(json.length).toBeLessThan(16 * 1024 * 1024);
    });
  }
});
