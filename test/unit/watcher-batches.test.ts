/**
 * The watcher's batching: a move into a new folder reaches the scanner in one batch with the rest
 * of what changed, although chokidar reports the new folder's files only after crawling it (late
 * on a busy machine) — split, a move + replace is taken for an in-place rewrite plus a new file.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { LibraryWatcher } from '../../src/ingest/watcher.js';
import { tempDir } from '../support/fixtures.js';

let watcher: LibraryWatcher | null = null;
afterEach(async () => {
  await watcher?.close();
  watcher = null;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('watcher batches', () => {
  it('holds the batch after a folder appears until its files are reported', async () => {
    const root = tempDir('vv-watch-batch-');
    const batches: string[][] = [];
    watcher = new LibraryWatcher(root, 400, async (paths) => void batches.push(paths.sort()));
    await watcher.ready();
    // chokidar's events, in the order and with the delays a busy machine gives them.
    const events = (watcher as unknown as { watcher: EventEmitter }).watcher;
    fs.mkdirSync(path.join(root, 'sub'));
    events.emit('addDir', path.join(root, 'sub'));
    events.emit('unlink', path.join(root, 'a.png'));
    events.emit('add', path.join(root, 'a.png'));
    await sleep(900); // the new folder's file comes well after the debounce
    events.emit('add', path.join(root, 'sub', 'a-moved.png'));
    await sleep(2500);
    expect(batches).toEqual([['a.png', 'sub/a-moved.png']]);
  });

  it('still answers within the debounce when no folder appeared', async () => {
    const root = tempDir('vv-watch-batch-');
    const batches: string[][] = [];
    watcher = new LibraryWatcher(root, 400, async (paths) => void batches.push(paths.sort()));
    await watcher.ready();
    const events = (watcher as unknown as { watcher: EventEmitter }).watcher;
    events.emit('add', path.join(root, 'b.png'));
    await sleep(1200); // under the 1.5 s a new folder holds a batch
    expect(batches).toEqual([['b.png']]);
  });
});
