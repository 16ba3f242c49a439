/**
 * Which tags this connection's writes touched, so that a tag's bitmap (tag-bitmaps.ts) is built
 * again only when that tag changed — not on every write (the pixel pass, a rating, a scan record
 * move the change version all the time). Per-connection TEMP triggers count the writes of each
 * tag's image rows, of image presence (`missing`) and of image deletions, whatever code path made
 * them (tags.ts, the journal's undo, cascades); another process's commit moves `PRAGMA
 * data_version`, which stales every bitmap. Temp: nothing is written to the file and the schema
 * (migrations.ts) does not change. A rolled-back write rolls its counts back with the data.
 */
import type { Kernel } from './kernel.js';

/** The counter of the missing images' set (tag ids start at 1). */
const PRESENCE = 0;
/** The counter every generation includes (an image's id changed: every set may have). */
const EVERYTHING = -1;

const bump = (key: string) => `INSERT INTO vv_tag_writes(tag_id, n) VALUES (${key}, 1) ON CONFLICT(tag_id) DO UPDATE SET n = n + 1;`;

/** Run on every connection that writes (Kernel.openFile). */
export const TAG_WRITES_SQL = `
  CREATE TEMP TABLE IF NOT EXISTS vv_tag_writes (tag_id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
  CREATE TEMP TRIGGER IF NOT EXISTS vv_tag_added AFTER INSERT ON main.image_tags BEGIN ${bump('NEW.tag_id')} END;
  CREATE TEMP TRIGGER IF NOT EXISTS vv_tag_removed AFTER DELETE ON main.image_tags BEGIN ${bump('OLD.tag_id')} END;
  CREATE TEMP TRIGGER IF NOT EXISTS vv_tag_moved AFTER UPDATE OF image_id, tag_id ON main.image_tags BEGIN ${bump('OLD.tag_id')} ${bump('NEW.tag_id')} END;
  CREATE TEMP TRIGGER IF NOT EXISTS vv_presence_changed AFTER UPDATE OF missing ON main.images WHEN OLD.missing IS NOT NEW.missing BEGIN ${bump(`${PRESENCE}`)} END;
  CREATE TEMP TRIGGER IF NOT EXISTS vv_missing_added AFTER INSERT ON main.images WHEN NEW.missing <> 0 BEGIN ${bump(`${PRESENCE}`)} END;
  CREATE TEMP TRIGGER IF NOT EXISTS vv_image_deleted AFTER DELETE ON main.images BEGIN ${bump(`${PRESENCE}`)} END;
  CREATE TEMP TRIGGER IF NOT EXISTS vv_image_renumbered AFTER UPDATE OF id ON main.images WHEN OLD.id IS NOT NEW.id BEGIN ${bump(`${EVERYTHING}`)} END;
`;

export class TagWrites {
  private readonly writes;

  constructor(private readonly kernel: Kernel) {
    this.writes = kernel.prepare<[number], { n: number }>('SELECT n FROM temp.vv_tag_writes WHERE tag_id = ?');
  }

  /** Changes whenever the images carrying the tag may have changed. */
  tag(tagId: number): string {
    return this.generation(tagId);
  }

  /** Changes whenever the set of missing images may have changed. */
  presence(): string {
    return this.generation(PRESENCE);
  }

  private generation(key: number): string {
    const count = (k: number) => this.writes.get(k)?.n ?? 0;
    return `${this.kernel.othersVersion()}.${count(EVERYTHING)}.${count(key)}`;
  }
}
