/**
 * Mount lifecycle: recover a stale mount left by a crash, mount, unmount cleanly on SIGINT/SIGTERM,
 * and notice an unmount from outside (`fusermount -u`, a file manager's eject). The FUSE callbacks
 * run on this process's event loop, so nothing here may touch the mountpoint with synchronous fs
 * calls once mounted (that would deadlock): the mount table is read instead.
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
  /** Resolves when the mount went away without unmount() (unmounted from outside). */
  gone: Promise<void>;
}

/** How often the mount table is read to notice an unmount from outside. */
const GONE_POLL_MS = 1000;

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

/** Whether a mount table (`/proc/mounts` format) lists this path; its octal escapes (`\040` for a space) decoded. */
export function mountTableHas(table: string, abs: string): boolean {
  const unescape = (field: string) => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  return table.split('\n').some((line) => {
    const field = line.split(' ')[1];
    return field !== undefined && unescape(field) === abs;
  });
}

export function isMounted(mountpoint: string): boolean {
  try {
    return mountTableHas(fs.readFileSync('/proc/mounts', 'utf8'), path.resolve(mountpoint));
  } catch {
    return false;
  }
}

export async function mountVault(vault: Vault, mountpoint: string, search: AsyncSearch, options: { log?: (m: string) => void } = {}): Promise<MountedFs> {
  const abs = path.resolve(mountpoint);
  if (recoverStaleMount(abs)) options.log?.(`recovered a stale mount at ${abs}`);
  if (abs === vault.root || abs.startsWith(vault.root + path.sep)) throw new Error(`the mountpoint ${abs} is inside the library it shows`);
  fs.mkdirSync(abs, { recursive: true });
  const listedAs = fs.realpathSync(abs);
  const ops = createOps({ vault, search, mountpoint: abs, log: options.log });
  const fuse = new Fuse(abs, ops as unknown as Record<string, unknown>, { force: true, mkdir: true, fsname: 'visionary-vault', entryTimeout: 1, attrTimeout: 1, timeout: 60_000 });
  await new Promise<void>((resolve, reject) => fuse.mount((err) => (err ? reject(new Error(`mount failed at ${abs}: ${err.message}`)) : resolve())));
  let mounted = true;
  let noticeGone: () => void = () => undefined;
  const gone = new Promise<void>((resolve) => (noticeGone = resolve));
  // One small read of the mount table a second, asynchronous (never the mountpoint itself). The
  // table names the real path; gone counts only once the mount was seen there (no false alarm).
  let seen = isMounted(listedAs); // reads /proc/mounts, not the mountpoint
  const poll = setInterval(() => {
    fs.promises.readFile('/proc/mounts', 'utf8').then(
      (table) => {
        const listed = mountTableHas(table, listedAs);
        seen ||= listed;
        if (!mounted || !seen || listed) return;
        mounted = false;
        clearInterval(poll);
        vault.mount = { path: abs, mounted: false, reason: 'unmounted from outside (fusermount -u, eject)', since: new Date().toISOString() };
        noticeGone();
      },
      () => undefined,
    );
  }, GONE_POLL_MS);
  poll.unref();
  vault.mount = { path: abs, mounted: true, reason: null, since: new Date().toISOString() };
  return {
    mountpoint: abs,
    gone,
    unmount: () =>
      new Promise<void>((resolve) => {
        clearInterval(poll);
        if (!mounted) return resolve();
        mounted = false;
        vault.mount = { path: abs, mounted: false, reason: 'unmounted', since: new Date().toISOString() };
        fuse.unmount((err) => {
          if (err) spawnSync('fusermount', ['-uz', abs]);
          resolve();
        });
      }),
  };
}
