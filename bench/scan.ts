/**
 * `npm run bench [-- --n 100000] [--dir /tmp/x] [--requests 300]`
 * Synthetic library → scan speed (metadata pass; perceptual-hash pass apart), thumbnails/s, unchanged rescan, API latency
 * under sequential load, server RSS. Prints a final JSON line.
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { syntheticLibrary } from './synthetic.js';
import { arg, percentile, round, rssMb, startServe, timeRequest, vvSync } from './util.js';
import { Vault } from '../src/library/vault.js';

const n = arg('n', 10_000);
const requests = arg('requests', 300);
const thumbSample = arg('thumbs', 1000);
const dir = arg('dir', path.join(os.tmpdir(), `vv-bench-${n}`));
const data = path.join(os.tmpdir(), `vv-bench-data-${n}-${process.pid}`);

const log = (msg: string) => console.error(`[bench] ${msg}`);

const lib = await syntheticLibrary(path.join(dir, 'library'), n);
log(`library: ${n} files in ${lib.dir} (${lib.created ? `generated in ${round(lib.seconds)} s` : 'reused'})`);

// No thumbnails in the pixel pass: they are measured apart below (bench:pixels measures both in one decode).
const first = vvSync(['scan', lib.dir, '--data', data, '--json', '--no-thumbnails', '--no-embed']);
const scan = JSON.parse(first.stdout);
const metadataSeconds = scan.seconds - scan.hashing_seconds;
log(`scan: ${round(scan.seen / metadataSeconds)} files/s metadata pass, ${round(scan.hashed / scan.hashing_seconds)} perceptual hashes/s (${scan.seconds} s in all, ${scan.failed} failed)`);

const second = vvSync(['scan', lib.dir, '--data', data, '--json']);
const rescan = JSON.parse(second.stdout);
log(`unchanged rescan: ${rescan.seconds} s in-process, ${round(second.seconds, 2)} s wall`);

// Thumbnails: a sample, in-process, through the same service the server uses.
const vault = Vault.open({ dataDir: data, library: lib.dir, workers: 0 });
const hashes = vault.store.distinctHashes().slice(0, thumbSample);
const t0 = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: 2 }, async () => {
    while (next < hashes.length) await vault.thumbnails.ensure(hashes[next++].hash);
  }),
);
const thumbsPerSecond = round(hashes.length / ((performance.now() - t0) / 1000));
await vault.close();
log(`thumbnails: ${thumbsPerSecond}/s over ${hashes.length}`);

const server = await startServe([lib.dir, '--data', data, '--no-watch', '--no-thumbnails']);
for (;;) {
  const status = (await (await fetch(`${server.url}/api/status`)).json()) as { scan: { stats: unknown; running: boolean } };
  if (status.scan.stats && !status.scan.running) break;
  await new Promise((r) => setTimeout(r, 200));
}
const tagList = ((await (await fetch(`${server.url}/api/tags?limit=50`)).json()) as { tags: { name: string }[] }).tags.map((t: { name: string }) => t.name);
const imageTimes: number[] = [];
let cursor: string | null = null;
for (let i = 0; i < requests; i++) {
  const kind = i % 5;
  let q: string;
  if (kind === 0) q = `limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
  else if (kind === 1) q = `limit=100&tags=${encodeURIComponent(tagList[i % tagList.length])}`;
  else if (kind === 2) q = `limit=100&sort=random`;
  else if (kind === 3) q = `limit=100&from=2023-03-01&to=2023-06-30&min_width=64`;
  else q = `limit=100&tags=${encodeURIComponent(tagList[i % tagList.length])},${encodeURIComponent(tagList[(i + 7) % tagList.length])}&not=${encodeURIComponent(tagList[(i + 3) % tagList.length])}`;
  const t = performance.now();
  const res = await fetch(`${server.url}/api/images?${q}`);
  const body = (await res.json()) as { next_cursor: string | null };
  imageTimes.push(performance.now() - t);
  if (kind === 0) cursor = body.next_cursor;
}
const words = ['knight', 'cat rain', 'castle sunset', 'dragon', 'watercolor fox', 'astronaut', 'neon city', 'owl', 'misty lake', 'samurai', 'blue', 'ship'];
const searchTimes: number[] = [];
for (let i = 0; i < requests; i++) searchTimes.push(await timeRequest(`${server.url}/api/search?limit=100&q=${encodeURIComponent(words[i % words.length])}`));
const rss = rssMb(server.pid);
await server.stop();
fs.rmSync(data, { recursive: true, force: true });

const result = {
  bench: 'scan',
  n,
  cpus: os.availableParallelism(),
  scan_files_per_second: round(scan.seen / metadataSeconds),
  phash_per_second: round(scan.hashed / scan.hashing_seconds),
  scan_seconds: scan.seconds,
  thumbnails_per_second: thumbsPerSecond,
  rescan_unchanged_seconds: rescan.seconds,
  rescan_unchanged_wall_seconds: round(second.seconds, 2),
  api_images_p50_ms: round(percentile(imageTimes, 50), 2),
  api_images_p95_ms: round(percentile(imageTimes, 95), 2),
  api_search_p50_ms: round(percentile(searchTimes, 50), 2),
  api_search_p95_ms: round(percentile(searchTimes, 95), 2),
  server_rss_mb: rss,
};
console.log(JSON.stringify(result));
