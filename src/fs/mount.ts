/**
 * Mount lifecycle: recover a stale mount left by a crash, mount, and unmount cleanly on
 * SIGINT/SIGTERM. The FUSE callbacks run on this process's event loop, so nothing here may touch
 * the mountpoint with synchronous fs calls once mounted (that would deadlock).
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import Fuse from 'fuse-native';
import type { Vault } from '../library/vault.js';
import { createOps } from './vfs.js';
import type { AsyncSearch } from './search-cache.js';

export interface MountedFs {
  mountpoint: string;
  unmount(): Promise<void>;
}

/** A mount whose process died answers ENOTCONN; unmount it lazily so the path is usable again. */
export function recoverStaleMount(mountpoint: string): boolean {
  try {
    fs.statSync(mountpoint);
    return false;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTCONN' && code !== 'EIO') return false;
  }
  const r = spawnSync('fusermount', ['-uz', mountpoint]);
  if (r.status !== 0) spawnSync('umount', ['-l', mountpoint]);
  return true;
}

export function isMounted(mountpoint: string): boolean {
  const abs = path.resolve(mountpoint);
  try {
    return fs
      .readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .some((line) => line.split(' ')[1]?.replace(/\\040/g, ' ') === abs);
  } catch {
    return false;
  }
}

export async function mountVault(vault: Vault, mountpoint: string, search: AsyncSearch, options: { log?: (m: string) => void } = {}): Promise<MountedFs> {
  const abs = path.resolve(mountpoint);
  if (recoverStaleMount(abs)) options.log?.(`recovered a stale mount at ${abs}`);
  if (abs === vault.root || abs.startsWith(vault.root + path.sep)) throw new Error(`the mountpoint ${abs} is inside the library it shows`);
  fs.mkdirSync(abs, { recursive: true });
  const ops = createOps({ vault, search, mountpoint: abs, log: options.log });
  const fuse = new Fuse(abs, ops as unknown as Record<string, unknown>, { force: true, mkdir: true, fsname: 'visionary-vault', entryTimeout: 1, attrTimeout: 1, timeout: 60_000 });
  await new Promise<void>((resolve, reject) => fuse.mount((err) => (err ? reject(new Error(`mount failed at ${abs}: ${err.message}`)) : resolve())));
  let mounted = true;
  return {
    mountpoint: abs,
    unmount: () =>
      new Promise<void>((resolve) => {
        if (!mounted) return resolve();
        mounted = false;
        fuse.unmount((err) => {
          if (err) spawnSync('fusermount', ['-uz', abs]);
          resolve();
        });
      }),
  };
}
