/**
 * An unmount from outside (`fusermount -u`, what a file manager's eject does): `vv mount` notices
 * and exits 0 with a message; `vv serve --mount` keeps serving and reports the mount gone.
 */
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeGenerated } from './support/library.js';
import { tempDir } from './support/fixtures.js';
import { CLI, getJson, serve, vv, waitFor, waitForScan, type ServerHandle } from './support/cli.js';
import { fuseAvailable, runTool, unmountQuietly } from './support/fuse.js';

let root: string;
let data: string;
const mounts: string[] = [];

beforeAll(async () => {
  if (!fuseAvailable) return;
  root = tempDir('vv-unmount-lib-');
  data = tempDir('vv-unmount-data-');
  await writeGenerated(root, 3);
  expect(vv(['scan', root, '--data', data, '--no-embed', '--no-thumbnails', '--workers', '0']).status).toBe(0);
}, 60_000);

afterAll(() => {
  for (const m of mounts) unmountQuietly(m);
});

describe.skipIf(!fuseAvailable)('unmounted from outside', () => {
  it('vv mount notices fusermount -u and exits 0 with a message', async () => {
    const mnt = path.join(tempDir('vv-unmount-mnt-'), 'vault');
    mounts.push(mnt);
    const child = spawn(process.execPath, [CLI, 'mount', mnt, '--data', data], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await waitFor(async () => out.includes('mounted '), 30_000);
    expect((await runTool('ls', [path.join(mnt, 'all')])).code).toBe(0);
    const u = await runTool('fusermount', ['-u', mnt]);
    expect(u.code, u.stderr).toBe(0);
    // It notices by itself (a generous bound: the CI machine may be busy), rather than hanging.
    const code = await Promise.race([exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 20_000))]);
    if (code === 'still running') child.kill('SIGKILL');
    expect(code, out).toBe(0);
    expect(out).toContain(`${mnt} was unmounted from outside: exiting`);
  });

  it('vv serve --mount keeps serving and reports the mount gone in /api/status and its log', async () => {
    const mnt = path.join(tempDir('vv-unmount-mnt-'), 'vault');
    mounts.push(mnt);
    const server: ServerHandle = await serve([root, '--data', data, '--mount', mnt, '--no-watch', '--no-embed', '--workers', '1']);
    try {
      await waitForScan(server, 3);
      expect((await getJson(`${server.url}/api/status`)).body.mount).toMatchObject({ path: mnt, mounted: true, reason: null });
      expect((await runTool('fusermount', ['-u', mnt])).code).toBe(0);
      const status = await waitFor(async () => {
        const r = await getJson(`${server.url}/api/status`);
        return r.status === 200 && r.body.mount.mounted === false ? r.body : null;
      }, 5000);
      expect(status.mount.reason).toMatch(/unmounted from outside/);
      expect(server.output()).toContain(`mount at ${mnt} is gone (unmounted from outside); still serving`);
      expect(server.child.exitCode).toBeNull();
      expect((await getJson(`${server.url}/api/images?limit=5`)).body.items).toHaveLength(3);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
