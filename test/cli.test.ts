import fs from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig, DEFAULTS, ConfigError } from '../src/config.js';
import { tempDir, writeFile } from './support/fixtures.js';
import { writeBadFiles, writeGenerated } from './support/library.js';
import { CLI, vv } from './support/cli.js';
import { deepJsonPng, zTxtBombPng } from '../src/demo/hostile.js';

describe('configuration', () => {
  it('takes flags over VV_* environment over .env over defaults', () => {
    const cwd = tempDir();
    fs.writeFileSync(path.join(cwd, '.env'), 'VV_PORT=9001\nVV_HOST=127.0.0.2\nVV_DATA=./from-dotenv\nVV_WATCH=false\n');
    const fromDotenv = resolveConfig({}, {}, cwd);
    expect(fromDotenv).toMatchObject({ port: 9001, host: '127.0.0.2', data: path.join(cwd, 'from-dotenv'), watch: false });
    const fromEnv = resolveConfig({}, { VV_PORT: '9002' }, cwd);
    expect(fromEnv.port).toBe(9002);
    expect(fromEnv.host).toBe('127.0.0.2');
    const fromFlag = resolveConfig({ port: '9003' }, { VV_PORT: '9002' }, cwd);
    expect(fromFlag.port).toBe(9003);
    expect(resolveConfig({}, {}, tempDir())).toMatchObject({ port: DEFAULTS.port, host: '127.0.0.1', token: null });
  });

  it('explains invalid values', () => {
    expect(() => resolveConfig({ port: 'eighty' }, {}, tempDir())).toThrow(ConfigError);
    expect(() => resolveConfig({}, { VV_PORT: '70000' }, tempDir())).toThrow(/invalid port .*VV_PORT/);
    expect(() => resolveConfig({ token: 'short' }, {}, tempDir())).toThrow(/token/);
    const r = vv(['serve', tempDir(), '--port', 'nope']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/invalid port/);
  });
});

describe('vv meta', () => {
  it('prints one JSON record per file, with an error record for bad files, and never fails', async () => {
    const root = tempDir();
    const [good] = await writeGenerated(root, 1);
    const bad = Object.keys(await writeBadFiles(root));
    const files = [path.join(root, good), ...bad.map((b) => path.join(root, b)), path.join(root, 'does-not-exist.png')];
    const r = vv(['meta', '--json', ...files]);
    expect(r.status).toBe(0);
    const records = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(records.map((x) => x.file)).toEqual(files);
    expect(records[0].error).toBeUndefined();
    expect(records[0].prompt).toEqual(expect.any(String));
    expect(typeof records[0].seed).toBe('number');
    expect(records.find((x) => x.file.endsWith('empty.png')).error).toMatch(/empty/);
    expect(records.find((x) => x.file.endsWith('garbage.png')).error).toMatch(/not a PNG/);
    expect(records.at(-1).error).toBe('file not found');
    for (const rec of records) {
      for (const key of ['file', 'generator', 'prompt', 'negative_prompt', 'seed', 'steps', 'sampler', 'scheduler', 'cfg', 'model', 'model_hash', 'width', 'height', 'loras', 'raw']) expect(rec).toHaveProperty(key);
    }
  });

  it('a file that used to crash it (a prompt nested 100k deep) gets its record; the files after it are read', async () => {
    const root = tempDir();
    const [first, last] = await writeGenerated(root, 2);
    const deep = writeFile(root, 'deep.png', await deepJsonPng(100_000));
    const files = [path.join(root, first), deep, path.join(root, last)];
    const r = vv(['meta', '--json', ...files]);
    expect(r.status).toBe(0);
    const records = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(records.map((x) => x.file)).toEqual(files);
    expect(records[1].warnings).toContain('prompt: JSON nested deeper than 256 levels, kept as text and not parsed');
    expect(records[2].prompt).toEqual(expect.any(String));
  });

  it('stops a file that takes longer than VV_FILE_TIMEOUT, as a scan does, and goes on with the next', async () => {
    const root = tempDir();
    const files = (await writeGenerated(root, 2)).map((f) => path.join(root, f));
    const r = vv(['meta', '--json', ...files], { env: { VV_FILE_TIMEOUT: '1' } });
    expect(r.status).toBe(0);
    const records = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(records.map((x) => x.file)).toEqual(files);
    for (const record of records) expect(record.error).toMatch(/longer than 1 ms/);
    // The default (30 s) reads them.
    const normal = vv(['meta', '--json', ...files]).stdout.trim().split('\n').map((l) => JSON.parse(l));
    for (const record of normal) expect(record.error).toBeUndefined();
  });

  it('VV_FILE_TIMEOUT bounds a scan the same way: the stopped files are problems of kind timeout', async () => {
    const root = tempDir();
    const data = tempDir();
    const names = await writeGenerated(root, 2);
    expect(vv(['scan', root, '--data', data, '--json', '--no-thumbnails', '--no-embed'], { env: { VV_FILE_TIMEOUT: '1' } }).status).toBe(0);
    const problems = vv(['problems', '--data', data, '--json']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(problems.map((p) => [p.path, p.kind]).sort()).toEqual(names.map((n) => [n, 'timeout']).sort());
  });

  it('caps the text inflated per file at VV_MAX_TEXT_BYTES and says so', async () => {
    const bomb = writeFile(tempDir(), 'bomb.png', await zTxtBombPng(3, 1024 * 1024));
    const record = JSON.parse(vv(['meta', '--json', bomb], { env: { VV_MAX_TEXT_BYTES: String(1.5 * 1024 * 1024) } }).stdout);
    expect(Object.keys(record.raw)).toEqual(['bomb0']);
    expect(record.warnings.join('\n')).toMatch(/2 PNG zTXt chunks that inflate past the 1\.5 MiB per-file text limit/);
  });

  it('reads an A1111 .txt infotext directly and prints a readable summary without --json', () => {
    const dir = tempDir();
    const txt = writeFile(dir, 'image.txt', 'a cat on a mat\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 7, Size: 512x512, Model: dream');
    const r = vv(['meta', txt]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('prompt: a cat on a mat');
    expect(r.stdout).toContain('sampler: Euler a');
    const json = JSON.parse(vv(['meta', '--json', txt]).stdout);
    expect(json).toMatchObject({ generator: 'a1111', seed: 7, width: 512, model: 'dream' });
  });
});

describe('vv meta on infotext sidecars found in the wild', () => {
  it('handles no negative prompt, no prompt, HTML, empty files and long merged-model names', () => {
    const dir = tempDir();
    const files = {
      'no-negative.txt': 'a cat\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512',
      'no-prompt.txt': 'Negative prompt: ugly\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 2, Size: 512x512',
      'html.txt': '<p>a <b>castle</b> &amp; a moat</p>\nNegative prompt: <i>fog</i>\nSteps: 30, Sampler: DDIM, CFG scale: 9, Seed: 3, Size: 768x512',
      'empty.txt': '',
      'merged.txt': 'x\nSteps: 20, Sampler: Euler, Seed: 4, Model hash: 0123abcd, Model: [0.5(anything-v3) + 0.5(dreamshaper_8)] + 0.3(realisticVision [v5.1]), Size: 512x512',
    };
    for (const [name, text] of Object.entries(files)) writeFile(dir, name, text);
    const records = vv(['meta', '--json', ...Object.keys(files).map((f) => path.join(dir, f))]).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(records[0]).toMatchObject({ prompt: 'a cat', negative_prompt: null, seed: 1 });
    expect(records[1]).toMatchObject({ prompt: null, negative_prompt: 'ugly', seed: 2 });
    expect(records[2]).toMatchObject({ prompt: '<p>a <b>castle</b> &amp; a moat</p>', negative_prompt: '<i>fog</i>', sampler: 'DDIM', width: 768 });
    expect(records[3]).toMatchObject({ generator: null, prompt: null });
    expect(records[3].error).toBeUndefined();
    expect(records[4]).toMatchObject({ model: '[0.5(anything-v3) + 0.5(dreamshaper_8)] + 0.3(realisticVision [v5.1])', model_hash: '0123abcd', seed: 4 });
  });
});

describe('vv scan', () => {
  it('prints a summary with counts and speed, lists failures, and refuses a data dir bound to another library', async () => {
    const root = tempDir();
    const data = tempDir();
    await writeGenerated(root, 4);
    await writeBadFiles(root);
    const r = vv(['scan', root, '--data', data]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/seen 11, new 11, changed 0, moved 0, missing 0, .*failed 3.*files\/s/);
    expect(r.stdout).toMatch(/failed: bad\/empty.png: empty file/);
    const json = JSON.parse(vv(['scan', root, '--data', data, '--json']).stdout);
    expect(json).toMatchObject({ seen: 11, unchanged: 11, new: 0 });

    const other = tempDir();
    const refused = vv(['scan', other, '--data', data]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/indexes .* not .*--rebind/);
    // A moved library keeps its index with --rebind.
    fs.cpSync(root, other, { recursive: true, preserveTimestamps: true });
    const rebound = JSON.parse(vv(['scan', other, '--data', data, '--rebind', '--json']).stdout);
    expect(rebound).toMatchObject({ seen: 11, unchanged: 11, new: 0, missing: 0 });
  });

  it('makes thumbnails while decoding pixels, unless told not to', async () => {
    const root = tempDir();
    await writeGenerated(root, 5);
    const thumbnailsIn = (data: string) => (fs.existsSync(path.join(data, 'thumbnails')) ? fs.readdirSync(path.join(data, 'thumbnails'), { recursive: true }).filter((f) => String(f).endsWith('.webp')).length : 0);
    const withThumbs = tempDir();
    const made = vv(['scan', root, '--data', withThumbs, '--no-embed']);
    expect(made.stdout).toMatch(/perceptual hashes 5, thumbnails 5/);
    expect(thumbnailsIn(withThumbs)).toBe(5);
    const without = tempDir();
    expect(JSON.parse(vv(['scan', root, '--data', without, '--no-embed', '--no-thumbnails', '--json']).stdout)).toMatchObject({ hashed: 5, thumbnails: 0 });
    expect(thumbnailsIn(without)).toBe(0);
  });
});

describe('the program bundle', () => {
  it('runs the built CLI from dist/program/ (its chunks, not the ~200 modules), and its scan finds its worker modules', async () => {
    const root = tempDir();
    const data = tempDir();
    await writeGenerated(root, 3);
    const r = vv(['scan', root, '--data', data, '--json'], { env: { NODE_DEBUG: 'esm' } });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout.slice(r.stdout.indexOf('{')))).toMatchObject({ seen: 3, new: 3, failed: 0 });
    const loaded = [...r.stderr.matchAll(/Storing (file:\S+)/g)].map((m) => m[1]);
    expect(loaded.some((u) => u.endsWith('/dist/program/cli-program.js'))).toBe(true);
    // The scanner's module only from the bundle; the ingest workers' own modules from dist/src/.
    expect(loaded.some((u) => u.endsWith('/dist/src/ingest/scanner.js'))).toBe(false);
    expect(loaded.some((u) => u.endsWith('/dist/src/ingest/ingest-worker.js'))).toBe(true);
  });
});

describe('vv serve whose output nobody reads any more', () => {
  it('shuts down on SIGTERM instead of spinning on EPIPE when the reader of its stdout and stderr is gone', async () => {
    const root = tempDir('vv-orphan-lib-');
    await writeGenerated(root, 2);
    const data = tempDir('vv-orphan-data-');
    // A parent that dies: the server's stdout/stderr pipes lose their reader.
    const parent = spawn(
      process.execPath,
      ['-e', `const c = require('node:child_process').spawn(process.execPath, [${JSON.stringify(CLI)}, 'serve', '--port', '0', ${JSON.stringify(root)}, '--data', ${JSON.stringify(data)}, '--no-watch'], { stdio: ['ignore', 'pipe', 'pipe'] }); c.stdout.once('data', () => { console.log(c.pid); process.exit(0); });`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    parent.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise((r) => parent.once('exit', r));
    const pid = Number(out.trim());
    expect(pid).toBeGreaterThan(0);
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive()).toBe(true);
    process.kill(pid, 'SIGTERM');
    const t0 = Date.now();
    while (alive() && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 100));
    const stillAlive = alive();
    if (stillAlive) process.kill(pid, 'SIGKILL');
    expect(stillAlive).toBe(false);
  }, 30_000);
});
