/**
 * Video and animation metadata: files written here by Debian's ffmpeg the way ComfyUI's
 * VideoHelperSuite writes them (its ffmpeg arguments, its FFMETADATA comment), animated GIF / WebP /
 * APNG with the ComfyUI graph where ComfyUI's save nodes put it. Their records must equal the record
 * of the same graph in a PNG, and the media fields must be what ffmpeg wrote.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractMetadata } from '../../src/metadata/extract.js';
import { readMetadataFile, recordFromSidecarText } from '../../src/metadata/file.js';
import { readMetadataBytes } from '../../src/metadata/sparse.js';
import { addPngText, buildExif } from '../../src/demo/embed.js';
import { comfyPrompt, comfyWorkflow, makeGeneration, type Generation } from '../../src/demo/generations.js';
import { tinyImage } from '../../src/demo/hostile.js';
import { withGifComment, withWebpExif } from '../../src/demo/media-files.js';
import type { MetadataRecord } from '../../src/metadata/types.js';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
if (!hasFfmpeg) console.warn('SKIPPED video metadata fixtures: ffmpeg not on PATH (Debian package `ffmpeg`, see .ci/apt-packages)');

const W = 64;
const H = 48;
const FPS = 8;
const FRAMES = 12;

// Characters VHS must escape in its FFMETADATA file (`\ ; # =` and newlines) are in the prompt.
const generation: Generation = {
  ...makeGeneration(3),
  tool: 'comfyui',
  prompt: 'a lighthouse; storm #2 = "waves"\nback\\slash, <lora:wave_detail:0.6>',
  lora: { name: 'film_grain', weight: 0.8 },
};
const prompt = comfyPrompt(generation);
const workflow = comfyWorkflow(generation);

let dir: string;
let pngRecord: MetadataRecord;

/** Raw RGB frames: a moving gradient (what VHS pipes to ffmpeg's stdin). */
function rawFrames(): Buffer {
  const frames = Buffer.alloc(W * H * 3 * FRAMES);
  for (let f = 0; f < FRAMES; f++)
    for (let i = 0; i < W * H; i++) {
      const o = (f * W * H + i) * 3;
      frames[o] = (i + f * 20) & 255;
      frames[o + 1] = (i >> 3) & 255;
      frames[o + 2] = f * 16;
    }
  return frames;
}

/** VHS `ffmpeg_process`: the FFMETADATA file with `comment=` + the escaped JSON of {prompt (a string), workflow}. */
function vhsMetadataFile(): string {
  let metadata = JSON.stringify({ prompt: JSON.stringify(prompt), workflow });
  metadata = metadata.replaceAll('\\', '\\\\').replaceAll(';', '\\;').replaceAll('#', '\\#').replaceAll('=', '\\=').replaceAll('\n', '\\\n');
  const file = path.join(dir, 'metadata.txt');
  fs.writeFileSync(file, `;FFMETADATA1\ncomment=${metadata}`);
  return file;
}

function ffmpeg(args: string[], input?: Buffer): void {
  const r = spawnSync('ffmpeg', args, { input, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${r.stderr}`);
}

/** VHS's argument list for a video format: rawvideo on stdin, the format's main pass, the metadata file first. */
function vhsVideo(name: string, mainPass: string[]): string {
  const out = path.join(dir, name);
  const args = ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-color_range', 'pc', '-colorspace', 'rgb', '-color_primaries', 'bt709', '-color_trc', 'iec61966-2-1', '-s', `${W}x${H}`, '-r', String(FPS), '-i', '-', ...mainPass];
  ffmpeg(['-i', vhsMetadataFile(), ...args, '-metadata', 'creation_time=now', out], rawFrames());
  return out;
}

const H264_MP4 = ['-y', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-crf', '19', '-vf', 'scale=out_color_matrix=bt709', '-color_range', 'tv', '-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709'];
const WEBM = ['-n', '-pix_fmt', 'yuv420p', '-crf', '20', '-b:v', '0'];

/** VHS's audio mux pass: the video copied, f32le audio from stdin, the format's audio pass (mp4: `-movflags use_metadata_tags`). */
function vhsWithAudio(video: string, name: string, audioPass: string[]): string {
  const out = path.join(dir, name);
  const audio = Buffer.alloc(44100 * 4 * 2); // two seconds of silence, mono f32le
  ffmpeg(['-v', 'error', '-n', '-i', video, '-ar', '44100', '-ac', '1', '-f', 'f32le', '-i', '-', '-c:v', 'copy', ...audioPass, '-af', `apad=whole_dur=${FRAMES / FPS + 1}`, '-shortest', out], audio);
  return out;
}

/** ffprobe's view of a file, to compare the reader with. */
function probe(file: string): { duration: number; frames: number | null; codec: string; width: number; height: number; audio: boolean } {
  const r = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-show_format', '-of', 'json', file]);
  const json = JSON.parse(r.stdout.toString()) as { streams: Record<string, string | number>[]; format: { duration: string } };
  const video = json.streams.find((s) => s.codec_type === 'video')!;
  return {
    duration: Number(json.format.duration),
    frames: video.nb_read_frames !== undefined ? Number(video.nb_read_frames) : null,
    codec: String(video.codec_name),
    width: Number(video.width),
    height: Number(video.height),
    audio: json.streams.some((s) => s.codec_type === 'audio'),
  };
}

const GENERATION_FIELDS = ['generator', 'prompt', 'negative_prompt', 'seed', 'steps', 'cfg', 'sampler', 'scheduler', 'model', 'loras', 'samplers', 'width', 'height'] as const;
function expectSameGeneration(record: MetadataRecord): void {
  expect(record.error).toBeUndefined();
  for (const field of GENERATION_FIELDS) expect(record[field], field).toEqual(pngRecord[field]);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vv-video-'));
  const png = addPngText(await tinyImage('png'), [
    { type: 'tEXt', key: 'prompt', text: JSON.stringify(prompt) },
    { type: 'tEXt', key: 'workflow', text: JSON.stringify(workflow) },
  ]);
  pngRecord = await extractMetadata('graph.png', png);
  expect(pngRecord.generator).toBe('comfyui');
  expect(pngRecord.loras.map((l) => l.name)).toEqual(['film_grain.safetensors', 'wave_detail']);
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasFfmpeg)('VideoHelperSuite videos', () => {
  it('h264-mp4: the graph from the ©cmt atom, duration/frames/fps/codec/size from the track headers', async () => {
    const file = vhsVideo('vhs_00001.mp4', H264_MP4);
    const record = await readMetadataFile(file);
    expectSameGeneration(record);
    expect(record.format).toBe('mp4');
    expect(record.provenance.seed).toMatch(/^mp4:moov\/udta\/meta\/ilst\/©cmt/);
    const p = probe(file);
    expect(p.codec).toBe('h264');
    expect(record).toMatchObject({ media_type: 'video', frame_count: FRAMES, fps: FPS, video_codec: 'h264', has_audio: false, pixel_width: W, pixel_height: H });
    expect(record.frame_count).toBe(p.frames);
    expect(record.duration_s).toBeCloseTo(p.duration, 2);
  });

  it('mp4 with audio (VHS mux pass, -movflags use_metadata_tags): the graph from moov/meta keys, has_audio', async () => {
    const file = vhsWithAudio(vhsVideo('vhs_00002.mp4', H264_MP4), 'vhs_00002-audio.mp4', ['-c:a', 'aac', '-movflags', 'use_metadata_tags']);
    const record = await readMetadataFile(file);
    expectSameGeneration(record);
    // ffmpeg writes the QuickTime keys table inside udta/meta.
    expect(record.provenance.seed).toMatch(/^mp4:moov\/udta\/meta\/ilst\/keys:comment/);
    expect(record).toMatchObject({ media_type: 'video', frame_count: FRAMES, video_codec: 'h264', has_audio: true, pixel_width: W });
    expect(record.duration_s).toBeCloseTo(probe(file).duration, 1);
  });

  it('webm: the graph from the Matroska COMMENT tag, duration and size from Info and Tracks', async () => {
    const file = vhsVideo('vhs_00003.webm', WEBM);
    const record = await readMetadataFile(file);
    expectSameGeneration(record);
    expect(record.format).toBe('webm');
    expect(record.provenance.seed).toMatch(/^webm:Tags\/SimpleTag\/COMMENT/);
    const p = probe(file);
    expect(record).toMatchObject({ media_type: 'video', video_codec: p.codec, has_audio: false, pixel_width: W, pixel_height: H });
    expect(record.duration_s).toBeCloseTo(p.duration, 2);
    if (record.fps !== null) expect(record.fps).toBe(FPS);
  });

  it('webm with audio (libvorbis): has_audio', async () => {
    const file = vhsWithAudio(vhsVideo('vhs_00004.webm', WEBM), 'vhs_00004-audio.webm', ['-c:a', 'libvorbis']);
    const record = await readMetadataFile(file);
    expectSameGeneration(record);
    expect(record.has_audio).toBe(true);
  });

  it('reads a large mp4 sparsely: the metadata bytes leave out the media data', async () => {
    const file = path.join(dir, 'large.mp4');
    ffmpeg(['-i', vhsMetadataFile(), '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=8', '-t', '3', '-c:v', 'libx264', '-crf', '0', '-pix_fmt', 'yuv420p', file]);
    expect(fs.statSync(file).size).toBeGreaterThan(100 * 1024);
    const bytes = readMetadataBytes(file);
    expect(bytes.length).toBeLessThan(fs.statSync(file).size);
    expect(bytes.length).toBeLessThan(64 * 1024);
    expect(bytes.includes(Buffer.from('mdat'))).toBe(false);
    const record = await extractMetadata(file, bytes);
    expectSameGeneration(record);
    expect(record).toMatchObject({ frame_count: 24, fps: 8, duration_s: 3, pixel_width: 320, pixel_height: 240 });
  });
});

function animation(name: string, args: string[]): Buffer {
  const out = path.join(dir, name);
  ffmpeg(['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${W}x${H}`, '-r', String(FPS), '-i', '-', ...args, out], rawFrames());
  return fs.readFileSync(out);
}

describe.skipIf(!hasFfmpeg)('animations', () => {
  it('animated WebP with ComfyUI SaveAnimatedWEBP EXIF (Model "prompt:…", Make "workflow:…"): frames, delays', async () => {
    const webp = animation('anim.webp', ['-c:v', 'libwebp_anim', '-lossless', '1', '-loop', '0']);
    const exif = buildExif({ Model: `prompt:${JSON.stringify(prompt)}`, Make: `workflow:${JSON.stringify(workflow)}` });
    const record = await extractMetadata('anim.webp', withWebpExif(webp, exif));
    expectSameGeneration(record);
    expect(record).toMatchObject({ format: 'webp', media_type: 'animation', frame_count: FRAMES, video_codec: 'webp', has_audio: false, pixel_width: W, pixel_height: H });
    expect(record.duration_s).toBeCloseTo(FRAMES / FPS, 2);
    expect(record.fps).toBeCloseTo(FPS, 0);
  });

  it('animated GIF: the VHS comment JSON in a comment extension, frame count and summed delays', async () => {
    const gif = animation('anim.gif', ['-loop', '0']);
    const record = await extractMetadata('anim.gif', withGifComment(gif, JSON.stringify({ prompt: JSON.stringify(prompt), workflow })));
    expectSameGeneration(record);
    expect(record).toMatchObject({ format: 'gif', media_type: 'animation', frame_count: FRAMES, video_codec: 'gif', pixel_width: W, pixel_height: H });
    // 1/8 s is 12.5 hundredths: ffmpeg writes delays of 12 and 13, as ffprobe reads them back.
    expect(record.duration_s).toBeCloseTo(probe(path.join(dir, 'anim.gif')).duration, 2);
    expect(record.fps).toBeCloseTo(FPS, 0);
  });

  it('APNG with ComfyUI SaveAnimatedPNG tEXt prompt/workflow: acTL/fcTL frames and delays', async () => {
    const apng = animation('anim.png', ['-f', 'apng', '-plays', '0']);
    const record = await extractMetadata('anim.png', addPngText(apng, [
      { type: 'tEXt', key: 'prompt', text: JSON.stringify(prompt) },
      { type: 'tEXt', key: 'workflow', text: JSON.stringify(workflow) },
    ]));
    expectSameGeneration(record);
    expect(record).toMatchObject({ format: 'png', media_type: 'animation', frame_count: FRAMES, video_codec: 'apng', fps: FPS, duration_s: FRAMES / FPS, pixel_width: W });
  });

  it('a still keeps media_type image with one frame', async () => {
    const record = await extractMetadata('still.png', await tinyImage('png'));
    expect(record).toMatchObject({ media_type: 'image', frame_count: 1, duration_s: null, video_codec: null });
  });
});

describe('Deforum settings beside a video', () => {
  // The shape the Deforum extension writes to `<batch>_settings.txt` (trimmed to what is read).
  const settings = {
    W: 512,
    H: 768,
    seed: 1234567,
    sampler: 'DPM++ 2M Karras',
    steps: 25,
    scale: 7,
    seed_behavior: 'iter',
    prompts: { '60': 'a forest at dusk --neg fog', '0': 'a tiger walking, <lora:stripes:0.7> --neg blurry, lowres' },
    animation_prompts_positive: 'cinematic',
    animation_prompts_negative: 'watermark',
    animation_mode: '3D',
    max_frames: 120,
    fps: 15,
    sd_model_name: 'dreamshaper_8',
    sd_model_hash: '879db523c3',
  };

  it('reads prompts by frame, seed, sampler, steps, cfg, size and model from the settings JSON sidecar', () => {
    const record = recordFromSidecarText('clip_settings.txt', JSON.stringify(settings, null, 2));
    expect(record).toMatchObject({
      generator: 'deforum',
      prompt: 'a tiger walking, <lora:stripes:0.7>, cinematic',
      negative_prompt: 'blurry, lowres, watermark',
      seed: 1234567,
      sampler: 'DPM++ 2M Karras',
      steps: 25,
      cfg: 7,
      width: 512,
      height: 768,
      model: 'dreamshaper_8',
      model_hash: '879db523c3',
      loras: [{ name: 'stripes', weight: 0.7 }],
    });
    expect(record.extra).toMatchObject({ animation_mode: '3D', max_frames: 120, fps: 15, prompts_by_frame: { '0': settings.prompts['0'], '60': settings.prompts['60'] } });
    expect(record.provenance.prompt).toBe('sidecar:txt parameters › prompts.0');
    expect(record.media_type).toBeUndefined();
  });

  it('a JSON sidecar without Deforum keys is not claimed as Deforum', () => {
    expect(recordFromSidecarText('x.json', JSON.stringify({ prompts: { '0': 'x' } })).generator).not.toBe('deforum');
  });
});
