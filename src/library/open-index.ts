/**
 * The index of a data dir without its library's jobs (no scanner, watcher, models): what the CLI's
 * history, undo and problems commands read and write. Fine beside a running server or mount (WAL,
 * busy timeout, one write path).
 */
import fs from 'node:fs';
import path from 'node:path';
import { NotFoundError } from '../core/errors.js';
import { Store } from '../db/store.js';
import { Catalog } from './catalog.js';
import { Organizer } from './organize.js';
import { Trash } from './trash.js';

export interface IndexSession {
  catalog: Catalog;
  organize: Organizer;
  close(): void;
}

/** `allowTrash`: an undo may move files back into the trash (redo a trash); bringing them out is always allowed. */
export function openIndex(dataDir: string, options: { allowTrash?: boolean } = {}): IndexSession {
  const dir = path.resolve(dataDir);
  if (!fs.existsSync(path.join(dir, 'vault.db'))) throw new NotFoundError(`${dir} holds no index yet: run vv scan <library> --data ${dir} first`);
  const store = Store.open(dir);
  const trash = new Trash(store, store.getSetting('library_root'), { enabled: options.allowTrash ?? false });
  return { catalog: new Catalog(store), organize: new Organizer(store, trash), close: () => store.close() };
}
