/**
 * `npm run bench:fuse [-- --n 100000] [--entries 10000] [--data DIR]` — the mounted virtual
 * filesystem: `ls` of the tag folder closest to `--entries` entries, `find` over the whole mount,
 * sequential read MB/s through the mount vs directly. `--data` uses (and rescans) a data dir indexed
 * before (1M: the first scan alone takes ~20 min).
 * Prints a final JSON line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { syntheticLibrary } from './synthetic.js';
import { arg, CLI, round, vvSync } from './util.js';
import { Store } from '../src/db/store.js';

const n = arg('n', 100_000);
const dir = arg('dir', path.join(os.tmpdir(), `vv-bench-${n}`));
const data = arg('data', '') || path.join(os.tmpdir(), `vv-bench-fuse-data-${n}`);
const entries = arg('entries', 10_000);
const mnt = path.join(os.tmpdir(), `vv-bench-fuse-mnt-${process.pid}`);
const log = (m: string) => console.error(`[bench:fuse] ${m}`);

const lib = await syntheticLibrary(path.join(dir, 'library'), n);
// A few large images, for read throughput (the synthetic ones are a few KB each).
const large = path.join(lib.dir, 'large');
if (!fs.existsSync(large)) {
  fs.mkdirSync(large);
  for (let i = 0; i < 6; i++) {
    const noise = Buffer.alloc(2048 * 2048 * 3);
    for (let k = 0; k < noise.length; k += 4) noise.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, k);
    await sharp(noise, { raw: { width: 2048, height: 2048, channels: 3 } }).png({ compressionLevel: 0 }).toFile(path.join(large, `noise-${i}.png`));
  }
}
const scan = JSON.parse(vvSync(['scan', lib.dir, '--data', data, '--json']).stdout);
log(`scanned: ${scan.seen} files (${scan.new} new)`);

// The tag closest to `entries` images.
const store = Store.open(data);
const tag = store.listTags('', 100_000).sort((a, b) => Math.abs(a.count - entries) - Math.abs(b.count - entries))[0];
store.close();
const tagPath = tag.name.includes(':') ? `tags/${tag.name.replace(':', '/')}` : `tags/${tag.name}`;
log(`tag folder: ${tagPath} (${tag.count} images)`);

const child = spawn(process.execPath, [CLI, 'mount', mnt, '--data', data], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise<void>((resolve, reject) => {
  child.stdout!.on('data', (c: Buffer) => c.toString().includes('mounted') && resolve());
  child.once('exit', (code) => reject(new Error(`mount exited ${code}`)));
});

const timed = (cmd: string, args: string[]) => {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return { ms: performance.now() - t0, out: r.stdout };
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

timed('ls', [path.join(mnt, tagPath)]); // warm the view cache once, as a user's second look would
const lsRuns = Array.from({ length: 5 }, () => timed('ls', ['-f', path.join(mnt, tagPath)]));
const lsEntries = lsRuns[0].out.split('\n').filter((l) => l && l !== '.' && l !== '..').length;
const lslRuns = Array.from({ length: 3 }, () => timed('ls', ['-l', path.join(mnt, tagPath)]));
// Counted by wc: at 1M images the listing (~13M paths) is longer than a JS string may be.
const find = timed('sh', ['-c', `find '${mnt}' -type f | wc -l`]);
const findEntries = Number(find.out.trim());

const bigFiles = fs.readdirSync(large).map((f) => f);
const readAll = (base: string) => {
  const t0 = performance.now();
  let bytes = 0;
  for (const f of bigFiles) {
    const r = spawnSync('cat', [path.join(base, f)], { maxBuffer: 1 << 30 });
    bytes += r.stdout.length;
  }
  return bytes / 1e6 / ((performance.now() - t0) / 1000);
};
readAll(large); // page cache warm for both
const direct = median([readAll(large), readAll(large), readAll(large)]);
const through = median([readAll(path.join(mnt, 'all/large')), readAll(path.join(mnt, 'all/large')), readAll(path.join(mnt, 'all/large'))]);

child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
fs.rmSync(mnt, { recursive: true, force: true });

console.log(
  JSON.stringify({
    bench: 'fuse',
    n,
    tag_folder_entries: lsEntries,
    ls_tag_folder_ms: round(median(lsRuns.map((r) => r.ms))),
    ls_l_tag_folder_ms: round(median(lslRuns.map((r) => r.ms))),
    find_entries: findEntries,
    find_whole_mount_s: round(find.ms / 1000, 2),
    read_direct_mb_s: round(direct),
    read_mount_mb_s: round(through),
    read_ratio: round(through / direct, 2),
  }),
);
