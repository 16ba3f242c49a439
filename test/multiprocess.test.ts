/**
 * Several processes on one data dir, as the README documents them: `vv serve` (watching), `vv mount`
 * (its own process), `vv scan` runs, four shells organizing through the mount with cp / mv / rm /
 * mkdir, and 1,500 files arriving in the library — all at once. Nothing may crash, no file
 * operation may fail, and every edit a shell saw succeed must be in the index afterwards.
 * A second test holds the database's write lock from outside for longer than the server is willing
 * to wait: the background work that fails must be logged, never take the server down.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { writeManyPngs } from './support/library.js';
import { tempDir } from './support/fixtures.js';
import { CLI, getJson, serve, vv, waitFor, type ServerHandle } from './support/cli.js';
import { fuseAvailable } from './support/fuse.js';

if (!fuseAvailable) console.warn('SKIPPED multi-process mount test: /dev/fuse or fusermount is missing (apt-get install fuse libfuse2)');

const WORKERS = 4;
const IMAGES_PER_WORKER = 10;
const ROUNDS = 1;
const ARRIVING = 1500;
const QUIET = { VV_MODEL: 'none' };

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A child process with its output collected; `done` resolves with the exit code. */
function start(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const done = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  return { child, done, output: () => out };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

const imageName = (n: number) => `img-${String(n).padStart(6, '0')}.png`;

/**
 * One organizer: for each of its images, per round — tag it and file it by `cp` into a tag and a
 * category folder, favorite it by `mv` out of /all; untag and unfavorite the odd ones by `rm`;
 * move every fourth into the round's other category. Prints one line per operation.
 */
function organizerScript(mnt: string, worker: number): string {
  return `
set -u
MNT=${JSON.stringify(mnt)}
op() { if out=$("$@" 2>&1); then echo "ok|$*"; else echo "FAIL $?|$*|$out"; fi; }
for r in $(seq 0 ${ROUNDS - 1}); do
  for i in $(seq 0 ${IMAGES_PER_WORKER - 1}); do
    IMG=$(printf 'img-%06d.png' $((${worker} * ${IMAGES_PER_WORKER} + i)))
    T=w${worker}-r$r-t$((i % 3)); C=w${worker}-r$r-c$((i % 2))
    if [ $i -eq 0 ]; then
      for t in 0 1 2; do op mkdir "$MNT/tags/w${worker}-r$r-t$t"; done
      for c in 0 1; do op mkdir "$MNT/categories/w${worker}-r$r-c$c"; done
    fi
    op cp "$MNT/all/base/$IMG" "$MNT/tags/$T/"
    op cp "$MNT/all/base/$IMG" "$MNT/categories/$C/"
    op mv "$MNT/all/base/$IMG" "$MNT/favorites/"
    if [ $((i % 2)) -eq 1 ]; then op rm "$MNT/tags/$T/$IMG"; op rm "$MNT/favorites/$IMG"; fi
    if [ $((i % 4)) -eq 0 ]; then op mv "$MNT/categories/$C/$IMG" "$MNT/categories/w${worker}-r$r-c1/"; fi
  done
done
`;
}

/** What the organizer's edits leave on image `i` of `worker`. */
function expected(worker: number, i: number) {
  const tags: string[] = [];
  const categories: string[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (i % 2 === 0) tags.push(`w${worker}-r${r}-t${i % 3}`);
    categories.push(`w${worker}-r${r}-c${i % 4 === 0 ? 1 : i % 2}`);
  }
  return { tags: tags.sort(), categories: categories.sort(), favorite: i % 2 === 0 };
}

async function mounted(mnt: string): Promise<boolean> {
  const mounts = fs.readFileSync('/proc/mounts', 'utf8');
  return mounts.split('\n').some((l) => l.split(' ')[1] === mnt);
}

describe.runIf(fuseAvailable)('serve + mount + scan on one data dir', () => {
  it('organizing through the mount while files arrive and scans run: no crash, no EIO, every edit kept', async () => {
    const root = tempDir('vv-mp-lib-');
    const data = tempDir('vv-mp-data-');
    const mnt = path.join(tempDir('vv-mp-mnt-'), 'vault');
    await writeManyPngs(root, WORKERS * IMAGES_PER_WORKER, 'base');
    const first = vv(['scan', root, '--data', data, '--workers', '1', '--no-thumbnails'], { env: QUIET });
    expect(first.status, first.stderr).toBe(0);

    const server: ServerHandle = await serve([root, '--data', data, '--workers', '1', '--no-thumbnails'], QUIET);
    cleanups.push(() => server.stop());
    const mount = start(process.execPath, [CLI, 'mount', mnt, '--data', data], QUIET);
    cleanups.push(() => stop(mount.child));
    await waitFor(() => mounted(mnt), 30_000);

    const organizers = Array.from({ length: WORKERS }, (_, w) => start('bash', ['-c', organizerScript(mnt, w)]));
    const scans: ReturnType<typeof start>[] = [];
    for (let n = 0; n < ARRIVING / 100; n++) {
      await writeManyPngs(root, 100, `new/b${String(n).padStart(2, '0')}`, 1000 + n * 100);
      if (n === 3 || n === ARRIVING / 100 - 1) scans.push(start(process.execPath, [CLI, 'scan', root, '--data', data, '--workers', '1', '--no-thumbnails'], QUIET));
      await new Promise((r) => setTimeout(r, 150));
    }
    const organizerCodes = await Promise.all(organizers.map((o) => o.done));
    const scanCodes = await Promise.all(scans.map((s) => s.done));

    const lines = organizers.flatMap((o) => o.output().split('\n').filter(Boolean));
    const failed = lines.filter((l) => !l.startsWith('ok|'));
    expect(organizerCodes).toEqual(organizerCodes.map(() => 0));
    expect(failed, failed.slice(0, 10).join('\n')).toEqual([]);
    expect(lines.length).toBeGreaterThan(WORKERS * ROUNDS * IMAGES_PER_WORKER * 3);
    expect(scanCodes, scans.map((s) => s.output().slice(-2000)).join('\n---\n')).toEqual([0, 0]);

    const total = WORKERS * IMAGES_PER_WORKER + ARRIVING;
    await waitFor(async () => {
      const s = (await getJson(`${server.url}/api/status`)).body;
      return s.counts.images === total && !s.scan.running;
    }, 60_000, 250).catch(async () => {
      throw new Error(`index incomplete: ${JSON.stringify((await getJson(`${server.url}/api/status`)).body.counts)}\n${server.output().slice(-3000)}`);
    });
    expect(server.child.exitCode, server.output().slice(-3000)).toBeNull();
    expect(mount.child.exitCode, mount.output().slice(-3000)).toBeNull();
    expect(server.output() + mount.output()).not.toMatch(/SQLITE_BUSY|database is locked|background task failed|uncaught error/);

    const all = (await getJson(`${server.url}/api/images?limit=500&sort=date`)).body.items as { id: number; path: string }[];
    const byPath = new Map(all.filter((i) => i.path.startsWith('base/')).map((i) => [i.path, i.id]));
    for (let w = 0; w < WORKERS; w++) {
      for (let i = 0; i < IMAGES_PER_WORKER; i++) {
        const id = byPath.get(`base/${imageName(w * IMAGES_PER_WORKER + i)}`);
        expect(id).toBeDefined();
        const image = (await getJson(`${server.url}/api/image/${id}`)).body;
        const userTags = (image.tags as { name: string; source: string }[]).filter((t) => t.source === 'user').map((t) => t.name).sort();
        expect({ tags: userTags, categories: [...image.categories].sort(), favorite: image.favorite }, `worker ${w} image ${i}`).toEqual(expected(w, i));
      }
    }
  }, 120_000);
});

describe('background failures', () => {
  it('a write that cannot get the lock is logged; the server keeps serving and catches up afterwards', async () => {
    const root = tempDir('vv-mp-lock-lib-');
    const data = tempDir('vv-mp-lock-data-');
    await writeManyPngs(root, 20, 'base');
    const server = await serve([root, '--data', data, '--workers', '1', '--no-thumbnails'], { ...QUIET, VV_BUSY_TIMEOUT: '200' });
    cleanups.push(() => server.stop());
    await waitFor(async () => {
      const s = (await getJson(`${server.url}/api/status`)).body;
      return s.counts.images === 20 && !s.scan.running;
    }, 30_000);
    await waitFor(async () => (await getJson(`${server.url}/api/status`)).body.watching, 30_000);

    // Another process holds the write lock for longer than the server's busy timeout (and
    // longer than the 10 s it used to wait), while new files arrive and a scan is asked for.
    const locker = new Database(path.join(data, 'vault.db'));
    locker.exec('BEGIN IMMEDIATE');
    try {
      await writeManyPngs(root, 30, 'arrived', 100);
      expect((await getJson(`${server.url}/api/scan`, { method: 'POST' })).status).toBe(202);
      const until = Date.now() + 11_000;
      while (Date.now() < until) {
        const status = await getJson(`${server.url}/api/status`);
        expect(status.status, server.output().slice(-3000)).toBe(200);
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(server.output()).toMatch(/database is locked|busy/i);
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    expect(server.child.exitCode, server.output().slice(-3000)).toBeNull();

    // With the lock free again, a rescan indexes what arrived meanwhile.
    await waitFor(async () => !(await getJson(`${server.url}/api/status`)).body.scan.running, 30_000);
    expect((await getJson(`${server.url}/api/scan`, { method: 'POST' })).status).toBe(202);
    await waitFor(async () => {
      const s = (await getJson(`${server.url}/api/status`)).body;
      return s.counts.images === 50 && !s.scan.running;
    }, 30_000);
  }, 90_000);
});
