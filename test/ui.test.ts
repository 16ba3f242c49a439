/**
 * The web gallery in a real browser (Debian Chromium via playwright-core) against a real
 * `vv serve` on a temp library: grid, tag filter, search, detail editing, keyboard, favorites,
 * shift-click batch tagging, drag onto a category, zip export. Screenshots of the main views go
 * to test-artifacts/.
 */
import fs from 'node:fs';
import path from 'node:path';
import yauzl from 'yauzl';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBatch, writeGenerated } from './support/library.js';
import { tempDir } from './support/fixtures.js';
import { getJson, serve, waitFor, type ServerHandle } from './support/cli.js';
import { chromiumAvailable, CHROMIUM, launchBrowser, galleryPage } from './support/browser.js';
import { writeTestModel, TEST_MODEL_NAME } from '../scripts/make-test-model.js';

const ARTIFACTS = path.resolve(import.meta.dirname, '../test-artifacts');
const haveBrowser = chromiumAvailable();
if (!haveBrowser) console.warn(`ui tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set VV_CHROMIUM)`);

let root: string;
let server: ServerHandle;
let browser: Browser;
let page: Page;
const COUNT = 40;

const api = (p: string, init?: RequestInit) => getJson(`${server.url}${p}`, init);
const cardIds = async () => (await page.locator('vv-grid .card').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-id'))))).sort((a, b) => a - b);
const sorted = (items: { id: number }[]) => items.map((i) => i.id).sort((a, b) => a - b);
const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `ui-${name}.png`) });

/** Answers the gallery's own dialog: types a text (or only confirms, for null) and presses Enter. */
async function answerDialog(text: string | null): Promise<void> {
  const dialog = page.locator('vv-dialog dialog[open]');
  await dialog.waitFor();
  if (text !== null) await dialog.locator('input').fill(text);
  await dialog.locator('button[type="submit"]').click();
  await page.locator('vv-dialog dialog[open]').waitFor({ state: 'hidden' });
}

async function gotoHome(query = ''): Promise<void> {
  await page.goto(`${server.url}/${query}`);
  await page.waitForSelector('vv-grid .card');
}

function unzip(file: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    const out = new Map<string, Buffer>();
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            out.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.readEntry();
    });
  });
}

describe.skipIf(!haveBrowser)('web gallery', () => {
  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    root = tempDir('vv-ui-lib-');
    // COUNT images: generations, and one batch (a prompt over three seeds) for the duplicates view.
    await writeGenerated(root, COUNT - 3, 0, 0.25);
    await writeBatch(root, 500, 3, 0.25);
    // With the generated test model, so the AI parts of the gallery (hybrid search, similar) show.
    const models = tempDir('vv-ui-models-');
    writeTestModel(models);
    server = await serve([root, '--data', tempDir('vv-ui-data-'), '--workers', '1', '--no-watch', '--model', TEST_MODEL_NAME], { VV_MODELS_DIR: models });
    await waitFor(async () => {
      const { body } = await api('/api/status');
      return body.scan.stats && !body.scan.running && body.counts.images === COUNT && body.embeddings.done === COUNT && !body.embeddings.running;
    }, 60_000);
    browser = await launchBrowser();
    page = await galleryPage(browser, { acceptDownloads: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows the library as a grid of loaded thumbnails', async () => {
    await gotoHome();
    await page.waitForFunction(() => {
      const img = document.querySelector('vv-app')?.shadowRoot?.querySelector('vv-grid')?.shadowRoot?.querySelector('.card img') as HTMLImageElement | null;
      return Boolean(img?.complete && img.naturalWidth > 0);
    });
    const { body } = await api('/api/images?limit=500');
    expect(await cardIds()).toEqual(sorted(body.items));
    await expect(page.locator('[data-total]').getAttribute('data-total')).resolves.toBe(String(COUNT));
    await shot('grid');
  });

  it('narrows the grid to the API’s answer when a tag is clicked, and the back button restores it', async () => {
    await gotoHome();
    const { body: tags } = await api('/api/tags?limit=200');
    const tag = tags.tags.find((t: { count: number; name: string }) => t.count > 2 && t.count < COUNT && !t.name.includes(':'));
    await page.locator(`vv-sidebar .tag[data-tag="${tag.name}"] button.name`).click();
    await page.waitForFunction((n) => location.search.includes('tags='), tag.name);
    const { body } = await api(`/api/images?limit=500&tags=${encodeURIComponent(tag.name)}`);
    await expect.poll(cardIds).toEqual(sorted(body.items));
    expect(await page.locator('.chips .chip.filter').first().textContent()).toContain(tag.name);
    await shot('filtered');
    await page.goBack();
    await expect.poll(async () => (await cardIds()).length).toBe(COUNT);
  });

  it('combines include, exclude and any-of tags with type-ahead, as removable chips', async () => {
    await gotoHome();
    const { body: tags } = await api('/api/tags?limit=400');
    const plain = tags.tags.filter((t: { count: number; name: string }) => t.count > 2 && t.count < COUNT - 2 && !t.name.includes(':'));
    const idsWith = async (tag: string) => new Set<number>((await api(`/api/images?limit=500&tags=${encodeURIComponent(tag)}`)).body.items.map((i: { id: number }) => i.id));
    // Pick tags whose combination leaves a non-empty, proper subset.
    let picked: { include: string; exclude: string; any: [string, string]; expected: number[] } | null = null;
    for (let a = 0; a < plain.length && !picked; a++) {
      const inc = await idsWith(plain[a].name);
      for (let b = 0; b + 2 < plain.length && !picked; b++) {
        if (b === a) continue;
        const exc = await idsWith(plain[b].name);
        const [c, d] = plain.filter((_: unknown, n: number) => n !== a && n !== b).slice(b, b + 2);
        if (!c || !d) continue;
        const anyOf = new Set([...(await idsWith(c.name)), ...(await idsWith(d.name))]);
        const expected = [...inc].filter((id) => !exc.has(id) && anyOf.has(id)).sort((x, y) => x - y);
        if (expected.length > 0 && expected.length < inc.size) picked = { include: plain[a].name, exclude: plain[b].name, any: [c.name, d.name], expected };
      }
    }
    expect(picked, 'the generated library offers such tags').not.toBeNull();
    const { include, exclude, any, expected } = picked!;
    // Type-ahead narrows the tag list to names starting with what is typed.
    const typed = include.slice(0, 4);
    const listed = () => page.locator('vv-sidebar .tag').evaluateAll((els) => els.map((e) => e.getAttribute('data-tag')!));
    await expect.poll(listed).toContain(include);
    const before = (await listed()).length;
    await page.locator('vv-sidebar input[placeholder="find a tag…"]').fill(typed);
    await expect.poll(async () => (await listed()).every((name) => name.toLowerCase().startsWith(typed.toLowerCase()))).toBe(true);
    expect(await listed()).toContain(include);
    expect((await listed()).length).toBeLessThan(before);
    await page.locator('vv-sidebar input[placeholder="find a tag…"]').fill('');
    for (const [label, name] of [['include', include], ['exclude', exclude], ['any-of', any[0]], ['any-of', any[1]]]) {
      await page.locator(`vv-sidebar button[aria-label="${label} ${name}"]`).click();
    }
    await expect.poll(cardIds).toEqual(expected);
    expect(await page.locator('.chips .chip.filter').count()).toBe(4);
    // Removing the exclusion chip widens the grid to what the API answers without it.
    await page.locator('.chips .chip.filter', { hasText: `not ${exclude}` }).locator('button').click();
    const wider = (await api(`/api/images?limit=500&tags=${encodeURIComponent(include)}&any=${encodeURIComponent(any.join(','))}`)).body.items;
    await expect.poll(cardIds).toEqual(sorted(wider));
    expect(await page.evaluate(() => location.search)).not.toContain('not=');
  });

  it('searches through /api/search and says which kind of search answered', async () => {
    await gotoHome();
    await page.locator('input[name="q"]').fill('castle');
    await page.locator('input[name="q"]').press('Enter');
    const { body } = await api('/api/search?q=castle&limit=500');
    expect(body.items.length).toBeGreaterThan(0);
    expect(body.mode).toBe('hybrid');
    await expect.poll(cardIds).toEqual(sorted(body.items));
    await expect(page.locator('.badge').getAttribute('data-mode')).resolves.toBe('hybrid');
    // Text-only on request: the mode travels in the URL.
    await page.locator('select[aria-label="search mode"]').selectOption('text');
    const text = (await api('/api/search?q=castle&limit=500&mode=text')).body;
    await expect.poll(cardIds).toEqual(sorted(text.items));
    await expect.poll(() => page.locator('.badge').getAttribute('data-mode')).toBe('text');
    expect(await page.evaluate(() => location.search)).toContain('mode=text');
    await shot('search');
  });

  it('shows the images similar to one from its detail view', async () => {
    await gotoHome();
    const first = page.locator('vv-grid .card').first();
    const id = Number(await first.getAttribute('data-id'));
    await first.click();
    await page.locator('vv-detail button', { hasText: 'Similar images' }).click();
    await page.waitForFunction((x) => location.search.includes(`similar=${x}`), id);
    const { body } = await api(`/api/image/${id}/similar?limit=200`);
    await expect.poll(cardIds).toEqual(sorted(body.items));
    expect(await page.locator('.similar-bar').textContent()).toContain(`#${id}`);
    await shot('similar');
  });

  it('edits in the detail view, keeps the edit across a reload, and answers the keyboard', async () => {
    await gotoHome();
    const first = page.locator('vv-grid .card').first();
    const id = Number(await first.getAttribute('data-id'));
    await first.click();
    await page.waitForSelector('vv-detail .side h3');
    await page.locator('vv-detail input[name="tag"]').fill('kept-after-reload');
    await page.locator('vv-detail form.add button[type="submit"]').first().click();
    await expect.poll(() => page.locator('vv-detail [role="status"]').textContent()).toContain('added');
    await shot('detail');
    await page.reload();
    await page.waitForSelector('vv-detail .chip[data-tag="kept-after-reload"]');
    expect((await api(`/api/image/${id}`)).body.tags.map((t: { name: string }) => t.name)).toContain('kept-after-reload');

    await page.keyboard.press('f');
    await expect.poll(async () => (await api(`/api/image/${id}`)).body.favorite).toBe(true);
    await page.keyboard.press('3');
    await expect.poll(async () => (await api(`/api/image/${id}`)).body.rating).toBe(3);
    const ids = await page.locator('vv-grid .card').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-id'))));
    const index = ids.indexOf(id);
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((next) => location.search.includes(`image=${next}`), ids[index + 1]);
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction((prev) => location.search.includes(`image=${prev}`), id);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('vv-detail').count()).toBe(0);
  });

  it('says in words when an edit is not saved, and leaves the image as it was', async () => {
    const refusing = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      await refusing.route('**/api/image/*', (route) =>
        route.request().method() === 'PATCH' ? route.fulfill({ status: 503, json: { error: { code: 'database_busy', message: 'the database is busy, try again' } } }) : route.continue(),
      );
      await refusing.goto(`${server.url}/`);
      const card = refusing.locator('vv-grid .card').nth(4);
      const id = Number(await card.getAttribute('data-id'));
      const before = (await api(`/api/image/${id}`)).body.tags.map((t: { name: string }) => t.name);
      await card.click();
      await refusing.waitForSelector('vv-detail .side h3');
      await refusing.locator('vv-detail input[name="tag"]').fill('never-saved');
      await refusing.locator('vv-detail form.add button[type="submit"]').first().click();
      const status = refusing.locator('vv-detail [role="status"]');
      await expect.poll(() => status.textContent()).toContain('Not saved: the database is busy, try again');
      await expect(status.getAttribute('class')).resolves.toContain('err');
      expect((await api(`/api/image/${id}`)).body.tags.map((t: { name: string }) => t.name)).toEqual(before);
      expect(await refusing.locator('vv-detail .chip[data-tag="never-saved"]').count()).toBe(0);
    } finally {
      await refusing.close();
    }
  });

  it('in a narrow window: starts no thumbnail download while flinging, fills the view once the scroll stops, opens the filters on demand', async () => {
    // A small window, so the 40 images are many screens tall; a fresh page, so nothing is cached.
    const small = await browser.newPage({ viewport: { width: 520, height: 400 } });
    try {
      let started = 0;
      small.on('request', (r) => void (r.url().includes('/thumbnails/') && started++));
      await small.goto(`${server.url}/`);
      await small.waitForSelector('vv-grid .card img');
      await small.waitForLoadState('networkidle');
      const beforeFling = started;
      // A screen and more per frame: a fling.
      const passed = await small.evaluate(async () => {
        const grid = document.querySelector('vv-app')!.shadowRoot!.querySelector('vv-grid') as HTMLElement;
        const seen = new Set<string>();
        for (let i = 0; i < 6; i++) {
          grid.scrollTop += grid.clientHeight * 1.2;
          await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
          for (const c of grid.shadowRoot!.querySelectorAll('.card')) seen.add(c.getAttribute('data-id')!);
        }
        return seen.size;
      });
      expect(passed).toBeGreaterThan(10);
      expect(started - beforeFling).toBe(0);
      // Once the scroll has stopped, every card in view shows its thumbnail.
      await small.waitForFunction(() => {
        const grid = document.querySelector('vv-app')!.shadowRoot!.querySelector('vv-grid') as HTMLElement;
        const view = grid.getBoundingClientRect();
        const visible = [...grid.shadowRoot!.querySelectorAll('.card')].filter((c) => {
          const r = c.getBoundingClientRect();
          return r.bottom > view.top && r.top < view.bottom;
        });
        return visible.length > 0 && visible.every((c) => {
          const img = c.querySelector('img');
          return img && img.complete && img.naturalWidth > 0;
        });
      });
      expect(started).toBeGreaterThan(beforeFling);
      // In a narrow window the sidebar waits behind a button.
      await expect(small.locator('vv-sidebar').isVisible()).resolves.toBe(false);
      await small.getByRole('button', { name: /Filters/ }).click();
      await small.locator('vv-sidebar').getByText('Favorites').waitFor();
      await small.screenshot({ path: path.join(ARTIFACTS, 'ui-narrow-filters.png') });
    } finally {
      await small.close();
    }
  });

  it('favorites from the card', async () => {
    await gotoHome();
    const card = page.locator('vv-grid .card').nth(5);
    const id = Number(await card.getAttribute('data-id'));
    expect((await api(`/api/image/${id}`)).body.favorite).toBe(false);
    await card.hover();
    await card.locator('button.fav').click();
    await expect.poll(async () => (await api(`/api/image/${id}`)).body.favorite).toBe(true);
  });

  it('selects a range with shift-click and tags it in one batch', async () => {
    await gotoHome();
    const cards = page.locator('vv-grid .card');
    const ids = [Number(await cards.nth(1).getAttribute('data-id')), Number(await cards.nth(2).getAttribute('data-id')), Number(await cards.nth(3).getAttribute('data-id'))];
    await cards.nth(1).hover();
    await cards.nth(1).locator('button.tick').click();
    await cards.nth(3).click({ modifiers: ['Shift'] });
    await expect.poll(() => page.locator('vv-batch-bar .count').getAttribute('data-count')).toBe('3');
    const shown = () => page.locator('vv-grid .card.selected').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-id'))).sort((a, b) => a - b));
    await expect.poll(shown).toEqual([...ids].sort((a, b) => a - b));
    await shot('selection');
    await page.locator('vv-batch-bar input[name="add-tag"]').fill('batch-picked');
    await page.locator('vv-batch-bar input[name="add-tag"]').press('Enter');
    await expect.poll(() => page.locator('.toast').textContent()).toContain('3 images');
    const { body } = await api('/api/images?tags=batch-picked&limit=50');
    expect(sorted(body.items)).toEqual([...ids].sort((a, b) => a - b));
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('vv-batch-bar').count()).toBe(0);
  });

  it('undoes a batch edit from the Undo button of its confirmation toast', async () => {
    await gotoHome();
    const cards = page.locator('vv-grid .card');
    const ids = [Number(await cards.nth(10).getAttribute('data-id')), Number(await cards.nth(11).getAttribute('data-id'))];
    for (const n of [10, 11]) await cards.nth(n).click({ modifiers: ['Control'] });
    await expect.poll(() => page.locator('vv-batch-bar .count').getAttribute('data-count')).toBe('2');
    await page.locator('vv-batch-bar input[name="add-tag"]').fill('undo-me');
    await page.locator('vv-batch-bar input[name="add-tag"]').press('Enter');
    await expect.poll(() => page.locator('.toast').textContent()).toContain('2 images');
    expect(sorted((await api('/api/images?tags=undo-me&limit=50')).body.items)).toEqual([...ids].sort((a, b) => a - b));
    const tagged = (await api('/api/history?limit=1')).body.changes[0];
    expect(tagged).toMatchObject({ origin: 'batch', images: 2, undone_by: null });
    await shot('undo-toast');
    await page.locator('.toast button.undo').click();
    await expect.poll(async () => (await api('/api/images?tags=undo-me&limit=50')).body.total).toBe(0);
    await expect.poll(() => page.locator('.toast').textContent()).toContain('Undone');
    expect((await api('/api/history?limit=2')).body.changes).toMatchObject([{ origin: 'undo', reverts: [tagged.id] }, { id: tagged.id, undone_by: expect.any(Number) }]);
    await page.keyboard.press('Escape');
  });

  it('drops an image onto a category', async () => {
    expect((await api('/api/categories', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'picks/best' }) })).status).toBe(201);
    await gotoHome();
    const card = page.locator('vv-grid .card').nth(6);
    const id = Number(await card.getAttribute('data-id'));
    await card.dragTo(page.locator('vv-sidebar [data-category="picks/best"] > .row'));
    await expect.poll(async () => (await api(`/api/image/${id}`)).body.categories).toEqual(['picks/best']);
    await expect.poll(() => page.locator('.toast').textContent()).toContain('picks/best');
  });

  it('exports the selection as a zip holding the originals and their metadata', async () => {
    await gotoHome();
    const cards = page.locator('vv-grid .card');
    const picked = [cards.nth(7), cards.nth(9)];
    const paths: string[] = [];
    for (const c of picked) {
      paths.push((await c.getAttribute('data-path'))!);
      await c.click({ modifiers: ['Control'] });
    }
    await expect.poll(() => page.locator('vv-batch-bar .count').getAttribute('data-count')).toBe('2');
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('vv-batch-bar button.primary').click()]);
    const file = path.join(tempDir('vv-ui-zip-'), 'export.zip');
    await download.saveAs(file);
    const entries = await unzip(file);
    for (const p of paths) expect(entries.get(`images/${p}`)?.equals(fs.readFileSync(path.join(root, p))), p).toBe(true);
    const meta = JSON.parse(entries.get('metadata.json')!.toString());
    expect(meta.map((m: { path: string }) => m.path).sort()).toEqual([...paths].sort());
    expect(meta[0]).toHaveProperty('prompt');
  });

  it('shows duplicate groups and a light theme', async () => {
    await gotoHome();
    await page.locator('.tabs button', { hasText: 'Duplicates' }).click();
    await page.waitForSelector('vv-duplicates .tabs');
    // Each tab shows the groups the API finds, in its order, with their images.
    const shown = () => page.locator('vv-duplicates .group').evaluateAll((groups) => groups.map((g) => [...g.querySelectorAll('img')].map((i) => i.getAttribute('title'))));
    const expected = async (kind: string) => ((await api(`/api/duplicates?kind=${kind}&limit=50`)).body.groups as { items: { path: string }[] }[]).map((g) => g.items.map((i) => i.path));
    const batches = await expected('batch');
    expect(batches.length, 'the generated library holds generation batches').toBeGreaterThan(0);
    await expect.poll(shown).toEqual(await expected('near'));
    await page.locator('vv-duplicates .tabs button', { hasText: 'Generation batches' }).click();
    await expect.poll(shown).toEqual(batches);
    await shot('duplicates');
    // An image of a group opens its detail view.
    const firstPath = batches[0][0];
    await page.locator('vv-duplicates .group img').first().click();
    await page.waitForSelector('vv-detail .side h3');
    const openedId = Number(new URL(page.url()).searchParams.get('image'));
    expect((await api(`/api/image/${openedId}`)).body.path).toBe(firstPath);
    await page.keyboard.press('Escape');
    await page.locator('button[aria-label="switch theme"]').click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await page.locator('.tabs button', { hasText: 'Library' }).click();
    await page.waitForSelector('vv-grid .card');
    await shot('grid-light');
  });

  it('creates, nests, renames and deletes categories from the sidebar', async () => {
    await gotoHome();
    const names = async () => ((await api('/api/categories')).body.categories as { name: string }[]).map((c) => c.name).sort();
    // The gallery asks in its own dialog (vv-dialog), not window.prompt().
    await page.locator('vv-sidebar button[aria-label="new category"]').click();
    await answerDialog('trips');
    await expect.poll(names).toContain('trips');
    await page.locator('vv-sidebar button[aria-label="new inside trips"]').click();
    await answerDialog('2024');
    await expect.poll(names).toContain('trips/2024');
    await page.locator('vv-sidebar button[aria-label="rename trips/2024"]').click();
    await answerDialog('trips/summer-2024');
    await expect.poll(names).toContain('trips/summer-2024');
    expect(await names()).not.toContain('trips/2024');
    // Drag one category onto another to nest it.
    await page.locator('vv-sidebar button[aria-label="new category"]').click();
    await answerDialog('archive');
    await page.locator('vv-sidebar [data-category="archive"] > .row').waitFor();
    await page.locator('vv-sidebar [data-category="archive"] > .row').dragTo(page.locator('vv-sidebar [data-category="trips"] > .row'));
    await expect.poll(names).toContain('trips/archive');
    await page.locator('vv-sidebar [data-category="trips/archive"]').waitFor();
    await page.locator('vv-sidebar button[aria-label="delete trips"]').click();
    await answerDialog(null);
    await expect.poll(async () => (await names()).filter((n) => n.startsWith('trips'))).toEqual([]);
  });

  it('selects every image matching the query, pages not loaded included, and acts on all of them', async () => {
    await gotoHome();
    const cards = page.locator('vv-grid .card');
    await cards.first().hover();
    await cards.first().locator('button.tick').click();
    await page.locator('vv-batch-bar button', { hasText: `Select all ${COUNT} matching` }).click();
    await expect.poll(() => page.locator('vv-batch-bar .count').getAttribute('data-count')).toBe(String(COUNT));
    await page.locator('vv-batch-bar button', { hasText: '♥ Favorite' }).click();
    await expect.poll(async () => (await api('/api/images?favorite=true&limit=500')).body.items.length).toBe(COUNT);
    await page.locator('vv-batch-bar button', { hasText: '♡ Unfavorite' }).click();
    await expect.poll(async () => (await api('/api/images?favorite=true&limit=500')).body.items.length).toBe(0);
  });

  it('changes thumbnail size with the density slider, remembered across a reload', async () => {
    await gotoHome();
    const rowHeight = () => page.locator('vv-grid .card').first().evaluate((e) => e.getBoundingClientRect().height);
    const perFirstRow = () =>
      page.locator('vv-grid .card').evaluateAll((els) => {
        const top = Math.min(...els.map((e) => e.getBoundingClientRect().top));
        return els.filter((e) => Math.abs(e.getBoundingClientRect().top - top) < 1).length;
      });
    await page.locator('input[type="range"]').fill('420');
    await expect.poll(rowHeight).toBeGreaterThan(300);
    const fewer = await perFirstRow();
    await page.locator('input[type="range"]').fill('120');
    await expect.poll(rowHeight).toBeLessThan(200);
    expect(await perFirstRow()).toBeGreaterThan(fewer);
    await gotoHome();
    await expect.poll(rowHeight).toBeLessThan(200);
    await page.locator('input[type="range"]').fill('220');
  });

  it('explains an empty result and clears the filters from there', async () => {
    await page.goto(`${server.url}/?q=zzqqxx-nothing&mode=text`);
    const empty = page.locator('vv-app .empty');
    await expect.poll(() => empty.textContent()).toContain('Nothing matches “zzqqxx-nothing”');
    await empty.locator('button', { hasText: 'Clear filters' }).click();
    await expect.poll(async () => (await cardIds()).length).toBe(COUNT);
  });

  it('shows live progress of background work from /api/status, and says when the server is unreachable', async () => {
    const live = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      // The real status, with a scan and an embedding pass in progress.
      let mode: 'busy' | 'real' | 'down' = 'busy';
      await live.route('**/api/status', async (route) => {
        if (mode === 'down') return route.abort('connectionrefused');
        const response = await route.fetch();
        const body = await response.json();
        if (mode === 'busy') {
          body.scan = { ...body.scan, running: true, phase: 'indexing', done: 1234, total: 5000 };
          body.embeddings = { ...body.embeddings, running: true, done: 300, total: 5000, per_second: 41.5 };
        }
        return route.fulfill({ response, json: body });
      });
      await live.goto(`${server.url}/`);
      const progress = live.locator('vv-app .progress');
      await expect.poll(() => progress.textContent()).toMatch(/Indexing 1,234\/5,000 · Embeddings 300\/5,000 \(41\.5\/s\)/);
      await expect(progress.getAttribute('data-status')).resolves.toBe('busy');
      // When the work ends the header says which model answers semantic search.
      mode = 'real';
      await expect.poll(() => progress.getAttribute('data-status'), { timeout: 10_000 }).toBe('idle');
      expect(await progress.textContent()).toContain(TEST_MODEL_NAME);
      mode = 'down';
      await expect.poll(() => progress.textContent(), { timeout: 10_000 }).toContain('server unreachable');
    } finally {
      await live.close();
    }
  });
});
