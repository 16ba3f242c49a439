/**
 * Videos in the mounted filesystem (issue 15): a video is a file in every view like an image
 * (/all, a tag's folder, /models, /dates, /favorites), and reads at any offset and length — what a
 * player seeking inside the mount does — return the original's bytes. Files written by ffmpeg as
 * VideoHelperSuite writes them; reads are made by a child process (not the one serving FUSE).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { animatedGif, ffmpegAvailable, vhsVideo } from '../src/demo/media-files.js';
import { comfyPrompt, comfyWorkflow, makeGeneration } from '../src/demo/generations.js';
import { getJson, serve, waitForScan, type ServerHandle } from './support/cli.js';
import { fuseAvailable, runTool as sh, unmountQuietly } from './support/fuse.js';
import { sha256, tempDir } from './support/fixtures.js';

const ready = fuseAvailable && ffmpegAvailable();
if (!ready) console.warn('SKIPPED FUSE video tests: needs /dev/fuse, fusermount and ffmpeg');

const generation = { ...makeGeneration(11), tool: 'comfyui' as const };
const graph = { prompt: comfyPrompt(generation), workflow: comfyWorkflow(generation) };

let root: string;
let mnt: string;
let server: ServerHandle;

const api = async (p: string, init?: RequestInit) => (await getJson(`${server.url}${p}`, init)).body;
const ls = async (dir: string) => {
  const r = await sh('ls', ['-1', path.join(mnt, dir)]);
  expect(r.code, `ls ${dir}: ${r.stderr}`).toBe(0);
  return r.stdout.split('\n').filter(Boolean).sort();
};

/** Reads (offset, length) pairs from a file in a child process; their bytes as hex. */
function readAt(file: string, reads: [number, number][]): string[] {
  const script = `const fs=require('fs');const fd=fs.openSync(process.argv[1],'r');const out=[];for(const [o,l] of JSON.parse(process.argv[2])){const b=Buffer.alloc(l);const n=fs.readSync(fd,b,0,l,o);out.push(b.subarray(0,n).toString('hex'));}console.log(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['-e', script, file, JSON.stringify(reads)], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as string[];
}

describe.skipIf(!ready)('videos in the mount', () => {
  beforeAll(async () => {
    root = tempDir('vv-fuse-video-lib-');
    mnt = path.join(tempDir('vv-fuse-video-mnt-'), 'vault');
    fs.mkdirSync(path.join(root, 'clips'));
    // Large enough that reads cross many FUSE read chunks (128 KiB).
    spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=8', '-t', '4', '-c:v', 'libx264', '-crf', '0', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-y', path.join(root, 'clips/big.mp4')]);
    vhsVideo(path.join(root, 'clips/vhs_00001.mp4'), 'mp4', { width: 320, height: 240, fps: 8, frames: 16 }, graph);
    vhsVideo(path.join(root, 'clips/vhs_00002.webm'), 'webm', { width: 320, height: 240, fps: 8, frames: 16, variant: 3 }, graph);
    fs.writeFileSync(path.join(root, 'loop.gif'), animatedGif({ width: 160, height: 120, fps: 8, frames: 8 }, graph));
    expect(fs.statSync(path.join(root, 'clips/big.mp4')).size).toBeGreaterThan(512 * 1024);
    server = await serve([root, '--data', tempDir('vv-fuse-video-data-'), '--mount', mnt, '--no-watch', '--workers', '1']);
    await waitForScan(server, 4, 120_000);
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    unmountQuietly(mnt);
  });

  it('shows videos and animations in /all, tag, model, date and favorites folders like images', async () => {
    expect(await ls('all/clips')).toEqual(['big.mp4', 'vhs_00001.mp4', 'vhs_00002.webm']);
    expect(await ls('all')).toContain('loop.gif');
    const items = (await api('/api/images?media=video')).items;
    const vhs = items.find((i: any) => i.filename === 'vhs_00001.mp4');
    const detail = await api(`/api/image/${vhs.id}`);
    const tag = detail.tags.find((t: any) => t.source === 'prompt' && !t.name.includes(':') && !t.name.includes('/')).name;
    expect(await ls(`tags/${tag}`)).toEqual(expect.arrayContaining(['vhs_00001.mp4', 'vhs_00002.webm', 'loop.gif']));
    const model = detail.tags.find((t: any) => t.name.startsWith('model:')).name.slice(6);
    expect(await ls(`models/${model}`)).toEqual(expect.arrayContaining(['vhs_00001.mp4', 'vhs_00002.webm']));
    const day = vhs.created_at.slice(0, 10).split('-');
    expect(await ls(`dates/${day.join('/')}`)).toContain('vhs_00001.mp4');
    await api(`/api/image/${vhs.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ favorite: true }) });
    expect(await ls('favorites')).toEqual(['vhs_00001.mp4']);
  });

  it('reads a video at random offsets and lengths exactly as the original', async () => {
    for (const rel of ['clips/big.mp4', 'clips/vhs_00002.webm', 'loop.gif']) {
      const original = fs.readFileSync(path.join(root, rel));
      const size = original.length;
      // Deterministic pseudo-random reads: unaligned, across chunk boundaries, at and past the end.
      let seed = 12345;
      const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
      const reads: [number, number][] = [[0, 16], [size - 1, 1], [size - 100, 4096], [size, 10], [131072 - 3, 7], [65536, 262144]];
      for (let i = 0; i < 60; i++) reads.push([rand(size), 1 + rand(300_000)]);
      const got = readAt(path.join(mnt, 'all', rel), reads);
      reads.forEach(([offset, length], i) => expect(got[i], `${rel} @${offset}+${length}`).toBe(original.subarray(offset, offset + length).toString('hex')));
      expect(sha256(path.join(mnt, 'all', rel)), rel).toBe(sha256(path.join(root, rel)));
      const stat = fs.statSync(path.join(mnt, 'all', rel));
      expect(stat.size).toBe(size);
    }
  });
});
