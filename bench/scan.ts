/**
 * `npm run bench [-- --n 100000] [--dir /tmp/x] [--requests 300] [--serve-scan 1] [--hash-seconds 0] [--cli path] [--node-args "…"]`
 * Synthetic library → scan speed (metadata pass; perceptual-hash pass apart), thumbnails/s, unchanged rescan, API latency
 * under sequential load by query kind, server RSS, and the server's event-loop delay (p99, max) by phase: while it
 * rescans, idle, and (`--serve-scan 1`) while it scans a fresh data dir — metadata pass, then pixel pass (cut after
 * `--hash-seconds` when set). `--cli` runs another build's dist/src/cli.js (before/after on one library). `--cli-scan 0`
 * skips the `vv scan` runs (scan rates, rescan, thumbnails, serve on scanned data). `--data DIR` serves a data dir
 * indexed before (kept): first page, the start-up rescan, idle API and RSS without scanning again (1M: the scan
 * alone takes ~20 min). Prints a final JSON line.
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { syntheticLibrary } from './synthetic.js';
import { arg, CLI, percentile, round, rssMb, startServe, timeRequest, vvSync } from './util.js';
import { Vault } from '../src/library/vault.js';

const n = arg('n', 10_000);
const requests = arg('requests', 300);
const thumbSample = arg('thumbs', 1000);
const dir = arg('dir', path.join(os.tmpdir(), `vv-bench-${n}`));
const cli = path.resolve(arg('cli', CLI));
const cliScan = arg('cli-scan', 1) !== 0;
const serveScan = arg('serve-scan', 1) !== 0;
const hashSeconds = arg('hash-seconds', 0);
const given = arg('data', '');
const data = given || path.join(os.tmpdir(), `vv-bench-data-${n}-${process.pid}`);
const probe = path.join(import.meta.dirname, 'event-loop-probe.js');
/** More node flags for the server (`--node-args "--cpu-prof --cpu-prof-dir=/tmp/p"`). */
const nodeArgs = arg('node-args', '').split(' ').filter(Boolean);

const log = (msg: string) => console.error(`[bench] ${msg}`);

const lib = await syntheticLibrary(path.join(dir, 'library'), n);
log(`library: ${n} files in ${lib.dir} (${lib.created ? `generated in ${round(lib.seconds)} s` : 'reused'}), server ${cli}`);

// ------------------------------------------------------------------ the request mix, by kind

const KINDS = ['keyset', 'tag', 'random', 'date_size', 'tags_not'] as const;
const words = ['knight', 'cat rain', 'castle sunset', 'dragon', 'watercolor fox', 'astronaut', 'neon city', 'owl', 'misty lake', 'samurai', 'blue', 'ship'];

interface Phase {
  name: string;
  started: number;
  seconds: number;
  latencies: Map<string, number[]>;
  eventLoop?: { p50_ms: number; p99_ms: number; max_ms: number; samples: number };
  progress?: { from: number; to: number };
}

type Status = { scan: { stats: unknown; running: boolean; phase: string; done: number; total: number } };

/**
 * Serves `dataDir`, fires the request mix (one at a time) and cuts the run into phases by the
 * scan's status (`indexing`, `hashing`, …, `idle`): each phase gets its latencies by kind and the
 * server's event-loop delay over it. Ends after `requests` idle requests, or `hashSeconds` into
 * the pixel pass.
 */
async function serveRun(dataDir: string): Promise<{ phases: Phase[]; firstPageMs: number; rss: number }> {
  const elLog = path.join(os.tmpdir(), `vv-bench-el-${process.pid}-${Date.now()}.jsonl`);
  const t0 = performance.now();
  const server = await startServe([lib.dir, '--data', dataDir, '--no-watch', '--no-thumbnails', '--no-embed'], {
    cli,
    nodeArgs: ['--import', probe, ...nodeArgs],
    env: { VV_EVENT_LOOP_LOG: elLog },
  });
  let firstPageMs = 0;
  for (;;) {
    const res = await fetch(`${server.url}/api/images?limit=100`);
    await res.arrayBuffer();
    if (res.ok) break;
  }
  firstPageMs = performance.now() - t0;
  const phases: Phase[] = [];
  const dumps: number[] = [];
  let current = null as Phase | null;
  const cut = async (name: string, done: number) => {
    if (current) {
      // Its progress is the last `done` polled in it: each phase counts from 0 again.
      current.seconds = (performance.now() - current.started) / 1000;
      process.kill(server.pid, 'SIGUSR2');
      dumps.push(phases.length - 1);
    }
    current = name ? { name, started: performance.now(), seconds: 0, latencies: new Map(), progress: { from: done, to: done } } : null;
    if (current) phases.push(current);
  };
  const state = async () => {
    const s = ((await (await fetch(`${server.url}/api/status`)).json()) as Status).scan;
    return { name: s.running ? s.phase : s.stats ? 'idle' : 'starting', done: s.done };
  };
  const tags = async () => ((await (await fetch(`${server.url}/api/tags?limit=50`)).json()) as { tags: { name: string }[] }).tags.map((t) => t.name);
  let tagList = await tags();
  const tag = (i: number) => encodeURIComponent(tagList.length ? tagList[i % tagList.length] : 'none');
  let cursor: string | null = null;
  let idleRequests = 0;
  let lastPoll = 0;
  for (let i = 0; ; i++) {
    if (performance.now() - lastPoll > 250) {
      lastPoll = performance.now();
      const s = await state();
      if (s.name !== current?.name) {
        await cut(s.name, s.done);
        tagList = await tags(); // a fresh library has tags only once files are indexed
      }
      else current.progress!.to = s.done;
      if (current!.name === 'hashing' && hashSeconds > 0 && performance.now() - current!.started > hashSeconds * 1000) break;
    }
    const kind = i % 6 === 5 ? 'search' : KINDS[i % 6];
    let url: string;
    if (kind === 'search') url = `/api/search?limit=100&q=${encodeURIComponent(words[i % words.length])}`;
    else if (kind === 'keyset') url = `/api/images?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    else if (kind === 'tag') url = `/api/images?limit=100&tags=${tag(i)}`;
    else if (kind === 'random') url = '/api/images?limit=100&sort=random';
    else if (kind === 'date_size') url = '/api/images?limit=100&from=2023-03-01&to=2023-06-30&min_width=64';
    else url = `/api/images?limit=100&tags=${tag(i)},${tag(i + 7)}&not=${tag(i + 3)}`;
    const t = performance.now();
    const res = await fetch(server.url + url);
    const body = (await res.json()) as { next_cursor?: string | null };
    const ms = performance.now() - t;
    if (!res.ok) throw new Error(`${url} → ${res.status}`);
    if (kind === 'keyset') cursor = body.next_cursor ?? null;
    const list = current!.latencies.get(kind) ?? [];
    list.push(ms);
    current!.latencies.set(kind, list);
    if (current!.name === 'idle' && ++idleRequests >= requests) break;
  }
  await cut('', (await state()).done);
  await new Promise((r) => setTimeout(r, 300)); // the probe's last line
  const rss = rssMb(server.pid);
  await server.stop();
  const lines = fs.existsSync(elLog) ? fs.readFileSync(elLog, 'utf8').trim().split('\n').filter(Boolean) : [];
  dumps.forEach((phaseIndex, k) => {
    if (lines[k]) phases[phaseIndex].eventLoop = JSON.parse(lines[k]);
  });
  fs.rmSync(elLog, { force: true });
  return { phases, firstPageMs, rss };
}

function summarize(phases: Phase[]) {
  const out: Record<string, unknown> = {};
  for (const p of phases) {
    const api: Record<string, { n: number; p50_ms: number; p95_ms: number; max_ms: number }> = {};
    for (const [kind, times] of p.latencies) api[kind] = { n: times.length, p50_ms: round(percentile(times, 50), 1), p95_ms: round(percentile(times, 95), 1), max_ms: round(Math.max(...times), 1) };
    const done = p.progress ? p.progress.to - p.progress.from : 0;
    out[p.name in out ? `${p.name}_${phases.indexOf(p)}` : p.name] = {
      seconds: round(p.seconds, 1),
      ...(p.name === 'hashing' || p.name === 'indexing' ? { per_second: round(done / Math.max(p.seconds, 0.001)) } : {}),
      event_loop: p.eventLoop ?? null,
      api,
    };
  }
  return out;
}

const images = (phases: Phase[], name: string) => phases.filter((p) => p.name === name).flatMap((p) => [...p.latencies].filter(([k]) => k !== 'search').flatMap(([, t]) => t));
const searches = (phases: Phase[], name: string) => phases.filter((p) => p.name === name).flatMap((p) => p.latencies.get('search') ?? []);

// ------------------------------------------------------------------ vv scan, rescan, thumbnails, serve on scanned data

let result: Record<string, unknown> = { bench: 'scan', n, cpus: os.availableParallelism(), server: cli };
if (given) {
  const served = await serveRun(data);
  log(`serve on ${data}: first page ${round(served.firstPageMs)} ms; ${JSON.stringify(summarize(served.phases))}`);
  result = { ...result, data, first_page_ms: round(served.firstPageMs, 1), server_rss_mb: served.rss, serve: summarize(served.phases) };
} else if (cliScan) {
  // No thumbnails in the pixel pass: they are measured apart below (bench:pixels measures both in one decode).
  const first = vvSync(['scan', lib.dir, '--data', data, '--json', '--no-thumbnails', '--no-embed'], cli);
  const scan = JSON.parse(first.stdout);
  const metadataSeconds = scan.seconds - scan.hashing_seconds;
  log(`scan: ${round(scan.seen / metadataSeconds)} files/s metadata pass, ${round(scan.hashed / scan.hashing_seconds)} perceptual hashes/s (${scan.seconds} s in all, ${scan.failed} failed)`);

  const second = vvSync(['scan', lib.dir, '--data', data, '--json'], cli);
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

  const served = await serveRun(data);
  const imageTimes = images(served.phases, 'idle');
  const searchTimes = searches(served.phases, 'idle');
  log(`serve on the scanned library: first page ${round(served.firstPageMs)} ms; ${JSON.stringify(summarize(served.phases))}`);
  result = {
    ...result,
    scan_files_per_second: round(scan.seen / metadataSeconds),
    phash_per_second: round(scan.hashed / scan.hashing_seconds),
    scan_seconds: scan.seconds,
    thumbnails_per_second: thumbsPerSecond,
    rescan_unchanged_seconds: rescan.seconds,
    rescan_unchanged_wall_seconds: round(second.seconds, 2),
    first_page_ms: round(served.firstPageMs, 1),
    api_images_p50_ms: round(percentile(imageTimes, 50), 2),
    api_images_p95_ms: round(percentile(imageTimes, 95), 2),
    api_search_p50_ms: round(percentile(searchTimes, 50), 2),
    api_search_p95_ms: round(percentile(searchTimes, 95), 2),
    server_rss_mb: served.rss,
    serve: summarize(served.phases),
  };
  fs.rmSync(data, { recursive: true, force: true });
}

// ------------------------------------------------------------------ serve scanning a fresh data dir

if (serveScan && !given) {
  const fresh = `${data}-serve`;
  const served = await serveRun(fresh);
  log(`serve scanning a fresh data dir: ${JSON.stringify(summarize(served.phases))}`);
  result.serve_scan = { first_page_ms: round(served.firstPageMs, 1), server_rss_mb: served.rss, ...summarize(served.phases) };
  fs.rmSync(fresh, { recursive: true, force: true });
}
console.log(JSON.stringify(result));
