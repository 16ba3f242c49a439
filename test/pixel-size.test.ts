/**
 * Generation size vs pixel size (issue 16 item 6): a hires-fix output was generated at 64×48 and saved
 * at 128×96. The record keeps both; the API summary and the size filters use the pixels.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { addPngText } from '../src/demo/embed.js';
import { tempDir, writeFile } from './support/fixtures.js';
import { getJson, serve, vv, waitFor, type ServerHandle } from './support/cli.js';

const HIRES = 'a lighthouse, oil painting\nNegative prompt: blurry\nSteps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 5, Size: 64x48, Model: dreamshaper_8, Denoising strength: 0.4, Hires upscale: 2, Hires steps: 10, Hires upscaler: Latent';

let root: string;
let server: ServerHandle;
let file: string;

beforeAll(async () => {
  root = tempDir('vv-size-lib-');
  const png = await sharp({ create: { width: 128, height: 96, channels: 3, background: { r: 40, g: 90, b: 160 } } }).png().toBuffer();
  file = writeFile(root, 'hires.png', addPngText(png, [{ type: 'tEXt', key: 'parameters', text: HIRES }]));
  server = await serve([root, '--data', tempDir('vv-size-data-'), '--workers', '1']);
  await waitFor(async () => (await getJson(`${server.url}/api/status`)).body.counts.images === 1, 30_000);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('hires-fix output: generation size and pixel size', () => {
  it('vv meta reports both', () => {
    const record = JSON.parse(vv(['meta', '--json', file]).stdout);
    expect(record).toMatchObject({ width: 64, height: 48, size: '64x48', pixel_width: 128, pixel_height: 96 });
    expect(record.extra).toMatchObject({ 'Hires upscale': '2' });
  });

  it('the API summary and the size filters use the pixel size; the detail keeps both', async () => {
    const { body } = await getJson(`${server.url}/api/images`);
    expect(body.items[0]).toMatchObject({ width: 128, height: 96 });
    const count = async (q: string) => (await getJson(`${server.url}/api/images?${q}`)).body.items.length;
    expect(await count('min_width=100&min_height=90')).toBe(1);
    expect(await count('max_width=64')).toBe(0);
    const detail = (await getJson(`${server.url}/api/image/${body.items[0].id}`)).body;
    expect(detail).toMatchObject({ width: 128, height: 96 });
    expect(JSON.stringify(detail.params)).toMatch(/"width":64/);
    expect(JSON.stringify(detail.params)).toMatch(/"pixel_width":128/);
  });
});
