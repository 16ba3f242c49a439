/**
 * The CLI's text outputs as a person reads them (issue 14 item 8): `vv meta` without --json shows
 * C2PA provenance and warnings and indents multi-line prompts; a missing file exits non-zero;
 * `vv scan` names the files indexed with warnings.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { encode as cbor } from 'cborg';
import { addPngChunks, addPngText, jumbf, pngChunk } from '../src/demo/embed.js';
import { solidImage, tempDir, writeFile } from './support/fixtures.js';
import { CLI, vv } from './support/cli.js';

function c2paStore(claimGenerator: string, digitalSourceType: string): Buffer {
  return jumbf({
    label: 'c2pa',
    type: 'c2pa',
    children: [
      {
        label: 'urn:uuid:0000',
        type: 'c2ma',
        children: [
          { label: 'c2pa.assertions', type: 'c2as', children: [{ label: 'c2pa.actions', type: 'cbor', cbor: cbor({ actions: [{ action: 'c2pa.created', digitalSourceType }] }) }] },
          { label: 'c2pa.claim', type: 'c2cl', cbor: cbor({ claim_generator: claimGenerator }) },
        ],
      },
    ],
  });
}

/** A PNG with an infotext whose prompt spans three lines. */
async function multiLinePng(): Promise<Buffer> {
  return addPngText(await solidImage('png', [40, 80, 120], 64, 48), [
    { type: 'tEXt', key: 'parameters', text: 'first line of the prompt\nsecond line\nthird line\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 11, Size: 64x48' },
  ]);
}

describe('vv meta as text', () => {
  it('shows the C2PA claim generator and the AI-generated flag', async () => {
    const dir = tempDir();
    const png = addPngChunks(await solidImage('png'), [pngChunk('caBX', c2paStore('ChatGPT', 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia'))]);
    const file = writeFile(dir, 'c2pa.png', png);
    const r = vv(['meta', file]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('c2pa claim generator: ChatGPT');
    expect(r.stdout).toContain('digital source type: http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia');
    expect(r.stdout).toContain('ai-generated: yes');
  });

  it('indents the continuation lines of a multi-line prompt under it', async () => {
    const file = writeFile(tempDir(), 'multi.png', await multiLinePng());
    const r = vv(['meta', file]);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => l === '  prompt: first line of the prompt');
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 3)).toEqual(['    second line', '    third line']);
    expect(lines[at + 3]).toBe('  negative_prompt: blurry');
  });

  it('lists the warnings of a truncated PNG, so it does not look like a normal file', async () => {
    const whole = await multiLinePng();
    const file = writeFile(tempDir(), 'cut.png', whole.subarray(0, whole.length - 30));
    const r = vv(['meta', file]);
    expect(r.status).toBe(0);
    const json = JSON.parse(vv(['meta', '--json', file]).stdout);
    expect(json.warnings.length).toBeGreaterThan(0);
    expect(r.stdout).toContain(`  warnings (${json.warnings.length}):`);
    for (const w of json.warnings) expect(r.stdout).toContain(`    - ${w.split('\n')[0]}`);
  });

  it('exits 1 with a clear message for a missing file, and still prints the others (as text)', async () => {
    const dir = tempDir();
    const file = writeFile(dir, 'ok.png', await multiLinePng());
    const missing = path.join(dir, 'missing.png');
    const r = vv(['meta', missing, file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`vv: ${missing}: no such file`);
    expect(r.stdout).toContain('prompt: first line of the prompt');
    // --json keeps one record per file given: the missing one carries its error.
    const json = vv(['meta', '--json', missing]);
    expect(JSON.parse(json.stdout)).toMatchObject({ file: missing, error: 'file not found' });
  });
});

describe('vv meta start-up (issue 16)', () => {
  it('loads only what extraction needs: no config schema, database, image decoder, AI runtime, server or FUSE', async () => {
    const dir = tempDir();
    const file = writeFile(dir, 'one.png', await multiLinePng());
    const log = path.join(dir, 'imports.log');
    const r = spawnSync(process.execPath, ['--import', path.resolve(import.meta.dirname, 'support/import-log.mjs'), CLI, 'meta', '--json', file], {
      encoding: 'utf8',
      env: { ...process.env, VV_IMPORT_LOG: log },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).prompt).toBe('first line of the prompt\nsecond line\nthird line');
    const urls = fs.readFileSync(log, 'utf8').split('\n');
    // The log is real: the worker's extractor is in it, as the one file the build bundles it into.
    expect(urls.some((u) => u.endsWith('/dist/src/ingest/meta-worker.bundle.js'))).toBe(true);
    expect(urls.some((u) => u.endsWith('/metadata/parsers/registry.js'))).toBe(false);
    // The plain `vv meta FILE` skips the command-line parser and every other command's code.
    const heavy = ['commander', 'zod', 'better-sqlite3', 'sharp', 'onnxruntime-node', 'koa', '@koa/router', 'fuse-native', 'usearch', 'cli-progress', 'chokidar'];
    const loaded = heavy.filter((name) => urls.some((u) => u.includes(`/node_modules/${name}/`)));
    expect(loaded).toEqual([]);
    expect(urls.filter((u) => /\/dist\/src\/(db|http|fs|ai|library)\/|\/cli-program\.js$/.test(u))).toEqual([]);
  });

  it('reads files the short path leaves to the full command line the same way (`--` before the files)', async () => {
    const file = writeFile(tempDir(), 'one.png', await multiLinePng());
    const plain = vv(['meta', '--json', file]);
    const full = vv(['meta', '--json', '--', file]);
    expect(full.status, full.stderr).toBe(0);
    expect(JSON.parse(full.stdout)).toEqual(JSON.parse(plain.stdout));
    expect(vv(['meta', '--help']).stdout).toContain('Usage: vv meta');
  });

  it('ends quietly when the reader of its output goes away (`vv meta … | head -c 1`)', async () => {
    const dir = tempDir();
    const files = Array.from({ length: 40 }, (_, i) => writeFile(dir, `f${i}.png`, ''));
    const big = writeFile(dir, 'big.png', await multiLinePng());
    const r = spawnSync('sh', ['-c', `node ${JSON.stringify(CLI)} meta --json ${[big, ...files, big].map((f) => JSON.stringify(f)).join(' ')} | head -c 1`], { encoding: 'utf8' });
    expect(r.stdout).toBe('{');
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
  });

  it('still refuses an invalid VV_FILE_TIMEOUT, with the setting named', async () => {
    const file = writeFile(tempDir(), 'one.png', await multiLinePng());
    const r = vv(['meta', file], { env: { VV_FILE_TIMEOUT: 'soon' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('invalid fileTimeout (flag --fileTimeout, env VV_FILE_TIMEOUT)');
  });
});

describe('vv scan as text', () => {
  it('counts the files indexed with warnings and names the first few', async () => {
    const root = tempDir();
    const whole = await multiLinePng();
    writeFile(root, 'fine.png', whole);
    for (let i = 0; i < 7; i++) writeFile(root, `cut/${i}.png`, addPngText(whole, [{ type: 'tEXt', key: 'Comment', text: String(i) }]).subarray(0, whole.length - 20));
    const r = vv(['scan', root, '--data', tempDir(), '--no-embed', '--no-thumbnails', '--workers', '0']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/with warnings 7,/);
    expect(r.stdout).toContain('7 files indexed with warnings (first 5):');
    const named = r.stdout.split('\n').filter((l) => /^ {2}cut\/\d\.png: /.test(l));
    expect(named).toHaveLength(5);
    expect(r.stdout).not.toMatch(/^ {2}fine\.png/m);
  });
});
