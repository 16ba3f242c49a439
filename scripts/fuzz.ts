/**
 * `npm run fuzz -- --seconds N [--seed S] [--timeout-ms T] [--heap-mb M]` — mutates our own
 * generator-like images (src/demo: A1111 and ComfyUI PNG / JPEG / WebP, synthetic MP4 / WebM carrying a
 * VideoHelperSuite comment, plus small hostile files) and
 * runs the metadata extractor on each mutation in a worker with a heap limit. A crash (an exception
 * escaping the extractor, the worker dying), a timeout, a heap overrun or a record over 16 MiB fails
 * the run (exit 1) and saves the input under test/fixtures/fuzz/, which test/unit/fuzz-fixtures
 * replays. Prints a final JSON line.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../src/core/spawn-worker.js';
import { comfyPrompt, comfyWorkflow, makeGeneration, rng } from '../src/demo/generations.js';
import { addPngChunks, pngChunk } from '../src/demo/embed.js';
import { deepComfyPrompt, repeatedChunkWebp, repeatedCommentGif, repeatedCommentJpeg, repeatedTextPng, seedImages, tinyImage, zTxtBombPng } from '../src/demo/hostile.js';
import { simpleTag, syntheticMatroska, syntheticMp4 } from '../src/demo/video.js';
import { arg } from '../bench/util.js';

const seconds = arg('seconds', 60);
const seed = arg('seed', Date.now() % 1_000_000);
const timeoutMs = arg('timeout-ms', 10_000);
const heapMb = arg('heap-mb', 512);
const MAX_RECORD_JSON = 16 * 1024 * 1024;
const MAX_SAVED = 10;
const FIXTURES = path.resolve(import.meta.dirname, '../../test/fixtures/fuzz');

async function seeds(): Promise<Buffer[]> {
  const deepZtxt = addPngChunks(await tinyImage('png'), [pngChunk('zTXt', Buffer.concat([Buffer.from('prompt\0\0', 'latin1'), zlib.deflateSync(deepComfyPrompt(20_000))]))]);
  const g = makeGeneration(1);
  const vhsComment = JSON.stringify({ prompt: JSON.stringify(comfyPrompt(g)), workflow: comfyWorkflow(g) });
  return [
    ...(await seedImages(6)).map((s) => s.bytes),
    await zTxtBombPng(2, 1024 * 1024),
    await repeatedTextPng(200),
    await repeatedCommentJpeg(200),
    await repeatedChunkWebp(100, 'EXIF'),
    await repeatedCommentGif(200),
    deepZtxt,
    // Video containers: a ComfyUI graph in an MP4 ©cmt atom and in a Matroska COMMENT tag.
    syntheticMp4({ comment: vhsComment }),
    syntheticMatroska({ tags: [simpleTag('COMMENT', vhsComment, simpleTag('NESTED', 'x'))] }),
  ];
}

type Mutate = (b: Buffer, r: () => number) => Buffer;
const at = (b: Buffer, r: () => number) => Math.floor(r() * b.length);
const INTERESTING = [0x00, 0xff, 0x7f, 0x80, 0x01, 0x20, 0x5b, 0x7b];

const MUTATORS: Mutate[] = [
  // Bit flips.
  (b, r) => {
    const out = Buffer.from(b);
    for (let i = 1 + Math.floor(r() * 8); i > 0; i--) out[at(out, r)] ^= 1 << Math.floor(r() * 8);
    return out;
  },
  // Interesting bytes, often hitting length fields.
  (b, r) => {
    const out = Buffer.from(b);
    for (let i = 1 + Math.floor(r() * 4); i > 0; i--) out[at(out, r)] = INTERESTING[Math.floor(r() * INTERESTING.length)];
    return out;
  },
  // A big 32-bit value somewhere (chunk lengths, offsets, counts).
  (b, r) => {
    const out = Buffer.from(b);
    if (out.length < 4) return out;
    const i = Math.min(at(out, r), out.length - 4);
    out.writeUInt32BE([0xffffffff, 0x7fffffff, 0x10000, out.length][Math.floor(r() * 4)] >>> 0, i);
    return out;
  },
  // Truncation.
  (b, r) => b.subarray(0, at(b, r)),
  // A slice repeated: duplicated chunks, segments, boxes.
  (b, r) => {
    const from = at(b, r);
    const slice = b.subarray(from, from + 1 + Math.floor(r() * 256));
    const copies = 1 + Math.floor(r() * 64);
    const where = at(b, r);
    return Buffer.concat([b.subarray(0, where), ...Array.from({ length: copies }, () => slice), b.subarray(where)]);
  },
  // Random bytes inserted.
  (b, r) => {
    const where = at(b, r);
    return Buffer.concat([b.subarray(0, where), crypto.randomBytes(1 + Math.floor(r() * 64)), b.subarray(where)]);
  },
];

function mutate(base: Buffer, r: () => number): Buffer {
  let out = base;
  for (let i = 1 + Math.floor(r() * 3); i > 0; i--) out = MUTATORS[Math.floor(r() * MUTATORS.length)](out, r);
  return out;
}

class Runner {
  private worker!: Worker;
  private nextId = 1;
  private pending: { id: number; resolve: (outcome: string | null) => void } | null = null;

  constructor() {
    this.start();
  }

  private start(): void {
    this.worker = spawnWorker('../scripts/fuzz-worker', undefined, { maxOldGenerationSizeMb: heapMb });
    this.worker.on('message', (msg: { id: number; jsonBytes: number }) => {
      if (this.pending?.id !== msg.id) return;
      this.settle(msg.jsonBytes > MAX_RECORD_JSON ? `record of ${msg.jsonBytes} bytes (over ${MAX_RECORD_JSON})` : null);
    });
    this.worker.on('error', (err: Error & { code?: string }) => {
      this.settle(err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `heap over ${heapMb} MB` : `crash: ${err.stack ?? err.message}`);
      this.restart();
    });
    this.worker.on('exit', (code) => {
      if (this.pending) {
        this.settle(`worker exited with code ${code}`);
        this.restart();
      }
    });
  }

  private restart(): void {
    this.worker.removeAllListeners();
    void this.worker.terminate();
    this.start();
  }

  private settle(outcome: string | null): void {
    const p = this.pending;
    this.pending = null;
    p?.resolve(outcome);
  }

  /** null when the extractor handled the input; else what went wrong. */
  run(bytes: Buffer): Promise<string | null> {
    return new Promise((resolve) => {
      const id = this.nextId++;
      const timer = setTimeout(() => {
        if (this.pending?.id !== id) return;
        this.settle(`timeout: over ${timeoutMs} ms`);
        this.restart();
      }, timeoutMs);
      this.pending = {
        id,
        resolve: (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        },
      };
      this.worker.postMessage({ id, bytes });
    });
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}

const extensionOf = (b: Buffer) => (b[0] === 0x89 ? 'png' : b[0] === 0xff ? 'jpg' : b.subarray(0, 4).toString('latin1') === 'RIFF' ? 'webp' : b.subarray(0, 3).toString('latin1') === 'GIF' ? 'gif' : b.subarray(4, 8).toString('latin1') === 'ftyp' ? 'mp4' : b[0] === 0x1a ? 'mkv' : 'bin');

const r = rng(seed);
const corpus = await seeds();
const runner = new Runner();
const failures: { file: string; reason: string }[] = [];
const started = performance.now();
let execs = 0;
while (performance.now() - started < seconds * 1000 && failures.length < MAX_SAVED) {
  const input = mutate(corpus[Math.floor(r() * corpus.length)], r);
  execs++;
  const outcome = await runner.run(input);
  if (outcome === null) continue;
  fs.mkdirSync(FIXTURES, { recursive: true });
  const kind = outcome.split(/[:\s]/)[0];
  const file = path.join(FIXTURES, `${kind}-${crypto.createHash('sha256').update(input).digest('hex').slice(0, 12)}.${extensionOf(input)}`);
  fs.writeFileSync(file, input);
  failures.push({ file: path.relative(process.cwd(), file), reason: outcome.split('\n')[0] });
  console.error(`fuzz: ${outcome.split('\n').slice(0, 4).join('\n')}\n  input saved as ${file}`);
}
await runner.close();
const elapsed = (performance.now() - started) / 1000;
console.log(JSON.stringify({ bench: 'fuzz', seed, seconds: Math.round(elapsed), execs, execs_per_second: Math.round(execs / elapsed), failures }));
process.exit(failures.length ? 1 : 0);
