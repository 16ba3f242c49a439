/**
 * A data dir indexed before the media columns (migration 11): its APNG was read as a still PNG.
 * After the upgrade an unchanged rescan reads such rows again — once — so the APNG becomes an
 * animation with its frames, keeping its id and user data; a second rescan reads nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../src/db/store.js';
import { IngestPool } from '../src/ingest/ingest-pool.js';
import { Scanner } from '../src/ingest/scanner.js';
import { animatedPng, ffmpegAvailable } from '../src/demo/media-files.js';
import { comfyPrompt, comfyWorkflow, makeGeneration } from '../src/demo/generations.js';
import { tempDir } from './support/fixtures.js';

const hasFfmpeg = ffmpegAvailable();
if (!hasFfmpeg) console.warn('SKIPPED media rescan test: ffmpeg not on PATH (it writes the APNG)');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function scan(root: string, data: string) {
  const store = Store.open(data);
  const pool = new IngestPool({ workers: 0 });
  try {
    return await new Scanner(store, root, pool).scan();
  } finally {
    await pool.close();
    store.close();
  }
}

function open(data: string): Store {
  const store = Store.open(data);
  cleanups.push(() => store.close());
  return store;
}

/**
 * Rewinds the database to the schema before migration 11 (10: captions) as that schema stored the
 * rows — no media columns, the APNG a still — so migrations 11 and later run again.
 */
function rewindToBeforeMediaColumns(data: string): void {
  const db = new Database(path.join(data, 'vault.db'));
  db.exec('DROP INDEX images_by_media; ' + ['media_type', 'duration', 'frame_count', 'fps', 'video_codec', 'has_audio'].map((c) => `ALTER TABLE images DROP COLUMN ${c}`).join('; '));
  db.exec('DROP TABLE IF EXISTS albums');
  db.exec('DROP TRIGGER journal_image_rejected; DROP TRIGGER journal_image_trash; DROP INDEX images_trashed; ' + ['rejected', 'trash_file', 'trashed_at'].map((c) => `ALTER TABLE images DROP COLUMN ${c}`).join('; '));
  db.exec('DROP INDEX embeddings_current');
  db.pragma('user_version = 10');
  db.close();
}

describe.skipIf(!hasFfmpeg)('rows indexed before the media columns', () => {
  it('an unchanged rescan reads PNG / GIF / WebP rows without media facts again once: the APNG becomes an animation, keeping its id and tags', async () => {
    const root = tempDir('vv-media-rescan-lib-');
    const data = tempDir('vv-media-rescan-data-');
    const generation = { ...makeGeneration(3), tool: 'comfyui' as const };
    fs.writeFileSync(path.join(root, 'anim.png'), animatedPng({ width: 64, height: 48, fps: 8, frames: 6 }, { prompt: comfyPrompt(generation), workflow: comfyWorkflow(generation) }));
    await sharp({ create: { width: 32, height: 24, channels: 3, background: [10, 200, 90] } }).png().toFile(path.join(root, 'still.png'));
    await sharp({ create: { width: 32, height: 24, channels: 3, background: [200, 10, 90] } }).jpeg().toFile(path.join(root, 'photo.jpg'));
    const first = await scan(root, data);
    expect(first.new).toBe(3);
    let store = open(data);
    const apngId = store.idForPath('anim.png')!;
    store.patchImage(apngId, { tags: { add: ['keeper'] }, favorite: true });
    store.close();
    cleanups.pop();

    rewindToBeforeMediaColumns(data);
    store = open(data);
    // Upgraded, not yet rescanned: the rows are what the old schema knew.
    expect(store.getImage(apngId)).toMatchObject({ media_type: 'image' });
    store.close();
    cleanups.pop();

    const rescan = await scan(root, data);
    // The two PNGs are read again (counted as changed); the JPEG (never an animation) is not.
    expect(rescan).toMatchObject({ unchanged: 1, changed: 2, new: 0, missing: 0 });
    store = open(data);
    const detail = store.getImage(apngId)!;
    expect(detail).toMatchObject({ id: apngId, media_type: 'animation', frame_count: 6, favorite: true });
    expect(detail.tag_details.filter((t) => t.source === 'user').map((t) => t.name)).toEqual(['keeper']);
    expect(store.getImage(store.idForPath('still.png')!)).toMatchObject({ media_type: 'image', frame_count: 1 });
    store.close();
    cleanups.pop();

    const again = await scan(root, data);
    expect(again).toMatchObject({ unchanged: 3, changed: 0, new: 0 });
  }, 60_000);
});
