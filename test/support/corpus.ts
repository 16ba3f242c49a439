/**
 * Conformance corpus (../shared/corpus or VV_CORPUS): real generator outputs with expected values
 * transcribed from their source repositories' own tests. See ../shared/corpus/README.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { MetadataRecord } from '../../src/metadata/types.js';

export const CORPUS_DIR = path.resolve(process.env.VV_CORPUS ?? path.join(import.meta.dirname, '../../../shared/corpus'));

export function corpusAvailable(): boolean {
  return fs.existsSync(CORPUS_DIR) && fs.readdirSync(CORPUS_DIR).some((d) => fs.existsSync(path.join(CORPUS_DIR, d, 'expected.json')));
}

export const CORPUS_SKIP_MESSAGE = `conformance corpus not found at ${CORPUS_DIR} (set VV_CORPUS to its folder)`;

export interface CorpusFile {
  folder: string;
  relative: string;
  absolute: string;
  expected: Record<string, unknown> | null;
}

const IMAGE_EXT = /\.(png|jpe?g|webp|avif|gif|heic)$/i;

export function corpusFiles(): CorpusFile[] {
  const out: CorpusFile[] = [];
  for (const folder of fs.readdirSync(CORPUS_DIR).sort()) {
    const expectedPath = path.join(CORPUS_DIR, folder, 'expected.json');
    if (!fs.existsSync(expectedPath)) continue;
    const expected = JSON.parse(fs.readFileSync(expectedPath, 'utf8')) as { files: Record<string, { expected?: Record<string, unknown> | null }> };
    const walk = (dir: string) => {
      for (const name of fs.readdirSync(dir).sort()) {
        const abs = path.join(dir, name);
        if (fs.statSync(abs).isDirectory()) walk(abs);
        else if (IMAGE_EXT.test(name)) {
          const relative = path.relative(path.join(CORPUS_DIR, folder), abs).split(path.sep).join('/');
          out.push({ folder, relative, absolute: abs, expected: expected.files[relative]?.expected ?? null });
        }
      }
    };
    walk(path.join(CORPUS_DIR, folder));
  }
  return out;
}

/** Fields of expected.json that are asserted, with how our record answers each. */
export const ASSERTED_FIELDS = [
  'prompt',
  'negative_prompt',
  'seed',
  'steps',
  'sampler',
  'scheduler',
  'cfg',
  'model',
  'model_hash',
  'size',
  'c2pa_claim_generator',
  'digital_source_type',
  'ai_generated',
  'no_generation_metadata',
] as const;

export interface FieldCheck {
  field: string;
  expected: unknown;
  actual: unknown;
  ok: boolean;
}

function sameNumber(a: unknown, b: unknown): boolean {
  return a !== null && a !== undefined && String(a) === String(b);
}

/** Compares one record with its expectation; prompts compare after trimming, as the corpus README says. */
export function checkRecord(record: MetadataRecord, expected: Record<string, unknown>): FieldCheck[] {
  const checks: FieldCheck[] = [];
  for (const field of ASSERTED_FIELDS) {
    if (!(field in expected)) continue;
    const want = expected[field];
    let actual: unknown;
    let ok: boolean;
    switch (field) {
      case 'prompt':
      case 'negative_prompt':
        actual = record[field];
        ok = String(actual ?? '').trim() === String(want ?? '').trim();
        break;
      case 'seed':
      case 'steps':
      case 'cfg':
        actual = record[field];
        ok = sameNumber(actual, want);
        break;
      case 'size': {
        // "0x0" is the source repo's way of saying "no size in the metadata".
        const fromMetadata = record.provenance.width !== undefined && record.provenance.width !== 'pixels';
        actual = fromMetadata ? record.size : '0x0';
        ok = actual === want;
        break;
      }
      case 'no_generation_metadata':
        actual = record.generator === null && !record.prompt;
        ok = actual === want;
        break;
      default:
        actual = (record as unknown as Record<string, unknown>)[field];
        ok = actual === want;
    }
    checks.push({ field, expected: want, actual, ok });
  }
  return checks;
}
