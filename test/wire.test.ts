/**
 * The wire types the gallery compiles against (src/http/wire.ts) are inferred from the response
 * schemas in src/http/schemas.ts: these tests hold the presenter and routes to those schemas, on
 * a real `vv serve` over generated images (with A1111 metadata), corpus copies and broken files.
 * Strict parses: a field the presenter adds or drops without the schema fails here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import * as schemas from '../src/http/schemas.js';
import { corpusAvailable } from './support/corpus.js';
import { copyCorpus, writeBadFiles, writeGenerated } from './support/library.js';
import { tempDir } from './support/fixtures.js';
import { getJson, serve, waitForScan, type ServerHandle } from './support/cli.js';

let server: ServerHandle;
let summaries: z.infer<typeof schemas.imageSummary>[];

const strictSummary = schemas.imageSummary.strict();
const strictDetail = schemas.imageDetail.strict();

async function get(url: string): Promise<any> {
  const { status, body } = await getJson(`${server.url}${url}`);
  expect(status, url).toBe(200);
  return body;
}

beforeAll(async () => {
  const root = tempDir('vv-wire-lib-');
  const corpus = corpusAvailable() ? copyCorpus(root) : 0;
  const generated = await writeGenerated(root, 12);
  const bad = await writeBadFiles(root);
  server = await serve([root, '--data', tempDir('vv-wire-data-'), '--workers', '1']);
  await waitForScan(server, corpus + generated.length + Object.keys(bad).length);
  const body = await get('/api/images?limit=500');
  schemas.imagesPage.strict().parse(body);
  // The raw items: a parse strips keys the schema does not name.
  summaries = body.items;
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe('the wire schemas', () => {
  it('every summary the presenter makes parses strictly with imageSummary (readable and unreadable images)', () => {
    expect(summaries.length).toBeGreaterThan(12);
    for (const s of summaries) expect(() => strictSummary.parse(s), s.path).not.toThrow();
    // Both kinds are covered: images with a thumbnail, and broken files without one.
    expect(summaries.some((s) => s.thumbnail_url !== null && s.prompt !== null)).toBe(true);
    expect(summaries.some((s) => s.thumbnail_url === null)).toBe(true);
  });

  it('GET /api/image/{id} parses strictly with imageDetail, for an image with metadata and a broken one', async () => {
    const withPrompt = summaries.find((s) => s.path.endsWith('.png') && s.prompt && s.thumbnail_url)!;
    const broken = summaries.find((s) => s.thumbnail_url === null)!;
    for (const s of [withPrompt, broken]) {
      const detail = strictDetail.parse(await get(`/api/image/${s.id}`));
      expect(detail.id).toBe(s.id);
      expect(detail.file_url).toBe(`/api/image/${s.id}/file`);
    }
    expect(strictDetail.parse(await get(`/api/image/${withPrompt.id}`)).params).not.toBeNull();
  });

  it('search hits, tags, categories, duplicates, problems and status parse with their schemas', async () => {
    const word = summaries.flatMap((s) => s.tags).find((t) => /^[a-z]{4,}$/.test(t))!;
    const search = await get(`/api/search?q=${encodeURIComponent(word)}`);
    expect(schemas.searchResult.parse(search).items.length).toBeGreaterThan(0);
    // Search hits are summaries plus their scores (checked raw: a parse strips unnamed keys).
    for (const item of search.items) schemas.searchResult.shape.items.element.strict().parse(item);
    expect(schemas.tagsResult.strict().parse(await get('/api/tags')).tags.length).toBeGreaterThan(0);
    schemas.categoriesResult.strict().parse(await get('/api/categories'));
    schemas.duplicatesResult.strict().parse(await get('/api/duplicates'));
    expect(schemas.problemsPage.strict().parse(await get('/api/problems')).total).toBeGreaterThan(0);
    const status = schemas.statusResult.strict().parse(await get('/api/status'));
    expect(status.counts.images).toBe(summaries.length);
    expect(status.library.online).toBe(true);
  });
});
