/**
 * Tag identity and tag-name rules: one normalisation (NFC + Unicode case fold) decides which names
 * are one tag — the same within a process, after reopening the store, and for tags made apart
 * before that rule existed (migration 9) — and names that are not valid text are refused.
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../src/db/store.js';
import { IngestPool } from '../src/ingest/ingest-pool.js';
import { Scanner } from '../src/ingest/scanner.js';
import { tempDir } from './support/fixtures.js';
import { writeManyPngs } from './support/library.js';
import { getJson, serve } from './support/cli.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A scanned library of 8 images; returns the data dir and the image ids. */
async function library(): Promise<{ root: string; data: string; ids: number[] }> {
  const root = tempDir('vv-tags-lib-');
  const data = tempDir('vv-tags-data-');
  await writeManyPngs(root, 8);
  const store = Store.open(data);
  const pool = new IngestPool({ workers: 0 });
  await new Scanner(store, root, pool).scan();
  await pool.close();
  const ids = store.listImages({}, 'date', null, 100).items.map((i) => i.id);
  store.close();
  return { root, data, ids };
}

function open(data: string): Store {
  const store = Store.open(data);
  cleanups.push(() => store.close());
  return store;
}

const userTags = (store: Store, id: number) => store.getImage(id)!.tag_details.filter((t) => t.source === 'user').map((t) => t.name);
const tagged = (store: Store, name: string) =>
  store
    .listImages({ tags: [name] }, 'date', null, 100)
    .items.map((i) => i.id)
    .sort((a, b) => a - b);

/** A name with everything beyond ASCII escaped, for test titles (NFD and NFC look alike). */
const shown = (s: string) => s.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Tags one image after another with spellings of one name, reopening the store in between. */
function tagAcrossRestarts(data: string, ids: number[], spellings: string[][]): Store {
  let store: Store | null = null;
  let k = 0;
  for (const round of spellings) {
    store?.close();
    store = Store.open(data);
    for (const name of round) store.patchImage(ids[k++], { tags: { add: [name] } });
  }
  cleanups.push(() => store!.close());
  return store!;
}

describe('tag identity', () => {
  const pairs: [string, string, string][] = [
    ['Latin with an accent', 'Éclair', 'éclair'],
    ['Greek', 'Σ', 'σ'],
    ['Greek final sigma', 'ΟΔΟΣ', 'οδος'],
    ['NFD vs NFC', 'E\u0301clair', '\u00c9clair'],
  ];

  for (const [what, a, b] of pairs) {
    it(`${what}: "${shown(a)}" and "${shown(b)}" are one tag, in one process and after reopening, either way round`, async () => {
      const { data, ids } = await library();
      // Both orders, each within one process and across a restart: always one tag holding every image.
      const store = tagAcrossRestarts(data, ids, [[a, b], [b], [a]]);
      expect(tagged(store, a)).toEqual(ids.slice(0, 4).sort((x, y) => x - y));
      expect(tagged(store, b)).toEqual(tagged(store, a));
      const names = new Set(ids.slice(0, 4).flatMap((id) => userTags(store, id)));
      expect(names.size, [...names].join(' | ')).toBe(1);
      expect(store.tagCount(a)).toBe(4);
      store.close();
      cleanups.pop();

      const other = await library();
      const reversed = tagAcrossRestarts(other.data, other.ids, [[b], [a, b], [a]]);
      expect(tagged(reversed, a)).toEqual(other.ids.slice(0, 4).sort((x, y) => x - y));
      expect(new Set(other.ids.slice(0, 4).flatMap((id) => userTags(reversed, id))).size).toBe(1);
    });
  }

  it('lists, filters, prefixes and folders by the same identity', async () => {
    const { data, ids } = await library();
    const store = open(data);
    store.patchImage(ids[0], { tags: { add: ['Ωmega'] } });
    store.patchImage(ids[1], { tags: { add: ['ωMEGA'] } });
    expect(store.listTags('ωm').map((t) => [t.name, t.count])).toEqual([['Ωmega', 2]]);
    expect(store.listTagsBySource('user', 'ΩM').map((t) => [t.name, t.count])).toEqual([['Ωmega', 2]]);
    expect(store.listImages({ any: ['ΩMEGA', 'nothing'] }, 'date', null, 100).items).toHaveLength(2);
    expect(store.listImages({ not: ['ωmega'] }, 'date', null, 100).items).toHaveLength(ids.length - 2);
    expect(store.views.entries({ tags: ['ωmega'] }).map((f) => f.id).sort()).toEqual([ids[0], ids[1]].sort());
    store.createTagFolder('ÉTÉ');
    store.createTagFolder('été');
    expect(store.views.tagNames().filter((t) => t.toLowerCase() === 'été')).toEqual(['ÉTÉ']);
    expect(store.deleteTagFolder('e\u0301te\u0301')).toBe(true);
    expect(store.views.tagNames()).not.toContain('ÉTÉ');
  });

  it('merges tags made apart before the rule (migration 9), keeping every image, suppression and count', async () => {
    const { data, ids } = await library();
    const store = open(data);
    store.patchImage(ids[0], { tags: { add: ['Éclair'] } });
    store.patchImage(ids[1], { tags: { add: ['Éclair'] } });
    store.close();
    cleanups.pop();
    // Rewind the database to the schema before migration 9, where NOCASE let `éclair` be a second tag
    // (migrations after 9 are undone too, since they run again).
    const db = new Database(`${data}/vault.db`);
    db.exec('ALTER TABLE images DROP COLUMN caption_source; ALTER TABLE images DROP COLUMN caption');
    db.exec('DROP INDEX images_by_media; ' + ['media_type', 'duration', 'frame_count', 'fps', 'video_codec', 'has_audio'].map((c) => `ALTER TABLE images DROP COLUMN ${c}`).join('; '));
    db.exec('DROP TABLE IF EXISTS albums');
    db.exec('DROP TRIGGER journal_image_rejected; DROP TRIGGER journal_image_trash; DROP INDEX images_trashed; ' + ['rejected', 'trash_file', 'trashed_at'].map((c) => `ALTER TABLE images DROP COLUMN ${c}`).join('; '));
    db.exec('DROP INDEX embeddings_current');
    db.exec('DROP INDEX tags_by_key; ALTER TABLE tags DROP COLUMN key');
    const second = Number(db.prepare("INSERT INTO tags(name) VALUES ('éclair')").run().lastInsertRowid);
    const third = Number(db.prepare("INSERT INTO tags(name) VALUES ('E\u0301CLAIR')").run().lastInsertRowid);
    db.prepare("INSERT INTO image_tags(image_id, tag_id, source) VALUES (?, ?, 'user')").run(ids[1], second);
    db.prepare("INSERT INTO image_tags(image_id, tag_id, source) VALUES (?, ?, 'user')").run(ids[2], second);
    db.prepare('INSERT INTO tag_suppressions(image_id, tag_id) VALUES (?, ?)').run(ids[3], third);
    db.prepare("INSERT INTO tag_folders(tag_id, created_at) VALUES (?, '2024-01-01T00:00:00Z')").run(third);
    db.pragma('user_version = 8');
    db.close();

    const after = open(data);
    expect(tagged(after, 'éclair')).toEqual([ids[0], ids[1], ids[2]].sort((a, b) => a - b));
    expect(after.tagCount('ÉCLAIR')).toBe(3);
    expect(after.listTags('écl').map((t) => [t.name, t.count])).toEqual([['Éclair', 3]]);
    expect(after.views.tagNames().filter((t) => t.toLowerCase().includes('clair'))).toEqual(['Éclair']);
    expect(userTags(after, ids[1])).toEqual(['Éclair']);
    // A new spelling finds the merged tag.
    after.patchImage(ids[4], { tags: { add: ['éCLAIR'] } });
    expect(after.tagCount('éclair')).toBe(4);
    // The suppression made on the third spelling still keeps a derived tag of that name off its image.
    after.setAiTags([ids[3], ids[5]].map((id) => ({ id, tags: [{ name: 'éclair', confidence: 0.9 }] })));
    expect(tagged(after, 'Éclair')).toEqual([ids[0], ids[1], ids[2], ids[4], ids[5]].sort((a, b) => a - b));
  });
});

describe('tag-name rules', () => {
  it('the store refuses names that are not valid text, and accepts the rest', async () => {
    const { data, ids } = await library();
    const store = open(data);
    for (const bad of ['bad\ud800', 'bad\udfff end', 'bad\ufffd', 'bad\u0007', ' ', 'x'.repeat(201)]) {
      expect(() => store.patchImage(ids[0], { tags: { add: [bad] } }), JSON.stringify(bad)).toThrow(/tag/);
      expect(() => store.createTagFolder(bad), JSON.stringify(bad)).toThrow(/tag/);
    }
    expect(store.views.tagNames()).toEqual([...new Set(store.views.tagNames())].filter((t) => !/[\ufffd\p{Cs}\p{Cc}]/u.test(t)));
    store.patchImage(ids[0], { tags: { add: ['東京 😀', 'x'.repeat(200)] } });
    expect(userTags(store, ids[0]).sort()).toEqual(['x'.repeat(200), '東京 😀'].sort());
  });

  it('the API answers 400 invalid_input for a lone surrogate, in an edit and a batch, and stores nothing', async () => {
    const { root, data, ids } = await library();
    const server = await serve([root, '--data', data, '--no-watch', '--workers', '0', '--no-thumbnails']);
    cleanups.push(async () => void (await server.stop()));
    const send = (p: string, method: string, body: object) =>
      getJson(`${server.url}${p}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const edit = await send(`/api/image/${ids[0]}`, 'PATCH', { tags: { add: ['fine', 'bad\ud800'] } });
    expect(edit.status).toBe(400);
    expect(edit.body.error.code).toBe('invalid_input');
    expect(edit.body.error.message).toMatch(/surrogate/);
    const batch = await send('/api/batch', 'POST', { ids, tags: { add: ['\udc00alone'] } });
    expect(batch.status).toBe(400);
    expect(batch.body.error.code).toBe('invalid_input');
    const detail = await getJson(`${server.url}/api/image/${ids[0]}`);
    expect(detail.body.tags.filter((t: { source: string }) => t.source === 'user')).toEqual([]);
    const all = await getJson(`${server.url}/api/tags?limit=5000`);
    expect(all.body.tags.filter((t: { name: string }) => /\ufffd|fine|alone/.test(t.name))).toEqual([]);
  });
});
