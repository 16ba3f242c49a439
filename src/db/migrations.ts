/**
 * Numbered schema migrations, applied in order inside one transaction each; `PRAGMA user_version`
 * records the last one applied. Never edit a released migration: add the next number.
 */
import type Database from 'better-sqlite3';
import { tagKey } from '../core/tag-names.js';
import { INSERT_ROWS } from './fts.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** Runs after `sql`, in the same transaction: for steps SQL cannot compute (e.g. `tagKey`). */
  after?: (db: Database.Database) => void;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );

      CREATE TABLE images (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,           -- relative to the library root, '/' separated
        filename TEXT NOT NULL,
        dir TEXT NOT NULL,                   -- '' for the root
        size INTEGER NOT NULL,
        mtime_ms INTEGER NOT NULL,
        hash TEXT,                           -- xxh64 of the whole file, hex; null when unreadable
        format TEXT,
        pixel_width INTEGER,
        pixel_height INTEGER,
        width INTEGER,                       -- generation size from metadata, else pixel size
        height INTEGER,
        created_at TEXT NOT NULL,            -- ISO 8601, UTC
        generator TEXT,
        prompt TEXT,
        negative_prompt TEXT,
        user_prompt TEXT,                    -- a user's edit; the extracted prompt is never overwritten
        seed,                                -- INTEGER, or TEXT when beyond 2^53
        steps INTEGER,
        cfg REAL,
        sampler TEXT,
        scheduler TEXT,
        model TEXT,
        model_hash TEXT,
        error TEXT,
        warning_count INTEGER NOT NULL DEFAULT 0,
        favorite INTEGER NOT NULL DEFAULT 0,
        rating INTEGER NOT NULL DEFAULT 0,
        notes TEXT,
        missing INTEGER NOT NULL DEFAULT 0,
        rand INTEGER NOT NULL,               -- stable random order for sort=random
        indexed_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX images_by_date ON images(missing, created_at, id);
      CREATE INDEX images_by_rand ON images(missing, rand, id);
      CREATE INDEX images_by_hash ON images(hash);
      CREATE INDEX images_by_dir ON images(dir);
      CREATE INDEX images_by_model ON images(model);
      CREATE INDEX images_by_sampler ON images(sampler);
      CREATE INDEX images_by_seed ON images(seed);
      CREATE INDEX images_by_generator ON images(generator);
      CREATE INDEX images_by_size ON images(width, height);
      CREATE INDEX images_favorites ON images(created_at, id) WHERE favorite = 1;
      CREATE INDEX images_by_rating ON images(rating) WHERE rating > 0;

      -- Full metadata record and raw chunks, apart from the row so list queries stay lean.
      CREATE TABLE image_meta (
        image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
        record TEXT NOT NULL,
        raw BLOB NOT NULL,                   -- deflated JSON of every raw chunk
        search_text TEXT NOT NULL DEFAULT ''  -- raw chunk text as indexed by images_fts
      );

      CREATE TABLE tags (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE
      );
      CREATE TABLE image_tags (
        image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
        source TEXT NOT NULL,                -- prompt | model | user | ai | xmp
        confidence REAL,
        PRIMARY KEY (image_id, tag_id, source)
      ) WITHOUT ROWID;
      CREATE INDEX image_tags_by_tag ON image_tags(tag_id, image_id);
      -- Derived tags a user removed: never re-added by a rescan.
      CREATE TABLE tag_suppressions (
        image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
        PRIMARY KEY (image_id, tag_id)
      ) WITHOUT ROWID;

      CREATE TABLE categories (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,           -- nested with '/': 'trips/2024'
        created_at TEXT NOT NULL
      );
      CREATE TABLE image_categories (
        image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        category_id INTEGER NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
        added_at TEXT NOT NULL,
        PRIMARY KEY (image_id, category_id)
      ) WITHOUT ROWID;
      CREATE INDEX image_categories_by_category ON image_categories(category_id, image_id);

      -- Contentless: the text lives in images/image_meta; this is only the index.
      CREATE VIRTUAL TABLE images_fts USING fts5(
        prompt, negative_prompt, tags, path, raw,
        content = '', contentless_delete = 1,
        tokenize = 'unicode61 remove_diacritics 2'
      );

      CREATE TABLE scans (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        kind TEXT NOT NULL,
        stats TEXT
      );
    `,
  },
  {
    version: 2,
    name: 'tag counts kept by triggers',
    // Counting a tag's images on demand costs ~1 s at 100k images; the triggers keep the number of
    // present images per tag current (an image counts once however many sources give it the tag).
    sql: `
      CREATE TABLE tag_counts (
        tag_id INTEGER PRIMARY KEY REFERENCES tags(id) ON DELETE CASCADE,
        n INTEGER NOT NULL DEFAULT 0
      );
      -- No index on n: every tag insert updates its count, and sorting a few thousand counts is cheap.

      CREATE TRIGGER image_tags_count_insert AFTER INSERT ON image_tags
      WHEN (SELECT missing FROM images WHERE id = NEW.image_id) = 0
        AND NOT EXISTS (SELECT 1 FROM image_tags WHERE image_id = NEW.image_id AND tag_id = NEW.tag_id AND source <> NEW.source)
      BEGIN
        INSERT INTO tag_counts(tag_id, n) VALUES (NEW.tag_id, 1) ON CONFLICT(tag_id) DO UPDATE SET n = n + 1;
      END;

      CREATE TRIGGER image_tags_count_delete AFTER DELETE ON image_tags
      WHEN (SELECT missing FROM images WHERE id = OLD.image_id) = 0
        AND NOT EXISTS (SELECT 1 FROM image_tags WHERE image_id = OLD.image_id AND tag_id = OLD.tag_id)
      BEGIN
        UPDATE tag_counts SET n = n - 1 WHERE tag_id = OLD.tag_id;
      END;

      CREATE TRIGGER images_count_missing AFTER UPDATE OF missing ON images
      WHEN OLD.missing <> NEW.missing
      BEGIN
        UPDATE tag_counts SET n = n + (CASE NEW.missing WHEN 1 THEN -1 ELSE 1 END)
        WHERE tag_id IN (SELECT DISTINCT tag_id FROM image_tags WHERE image_id = NEW.id);
      END;

      INSERT INTO tag_counts(tag_id, n)
        SELECT it.tag_id, COUNT(DISTINCT it.image_id) FROM image_tags it JOIN images i ON i.id = it.image_id AND i.missing = 0 GROUP BY it.tag_id;
    `,
  },
  {
    version: 3,
    name: 'tags created empty (mkdir in the virtual filesystem)',
    sql: `
      CREATE TABLE tag_folders (
        tag_id INTEGER PRIMARY KEY REFERENCES tags(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'perceptual hashes, CLIP embeddings',
    sql: `
      ALTER TABLE images ADD COLUMN phash TEXT;  -- dHash, 16 hex digits; '' when the pixels cannot be decoded
      CREATE INDEX images_phash_pending ON images(id) WHERE phash IS NULL;

      -- One vector per image and model, for the content it had when embedded (a changed file is re-embedded).
      CREATE TABLE embeddings (
        id INTEGER PRIMARY KEY,
        image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        vector BLOB,                         -- float32 little-endian, L2-normalised; NULL when embedding failed
        error TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (model, image_id)
      );
      CREATE INDEX embeddings_by_content ON embeddings(model, content_hash);
    `,
  },
  {
    version: 5,
    name: 'tags by source (gallery sidebar: user tags, ai tags)',
    sql: `
      CREATE INDEX image_tags_by_source ON image_tags(source, tag_id);
    `,
  },
  {
    version: 6,
    name: 'presence log (vector indexes follow vanished and returned files)',
    sql: `
      -- Every change of an image's presence, in order: a vector index replays what it has not seen.
      CREATE TABLE presence_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        image_id INTEGER NOT NULL,
        missing INTEGER NOT NULL
      );
      CREATE TRIGGER images_presence_changed AFTER UPDATE OF missing ON images WHEN OLD.missing IS NOT NEW.missing
      BEGIN
        INSERT INTO presence_log(image_id, missing) VALUES (NEW.id, NEW.missing);
      END;
      CREATE TRIGGER images_presence_deleted AFTER DELETE ON images
      BEGIN
        INSERT INTO presence_log(image_id, missing) VALUES (OLD.id, 1);
      END;
    `,
  },
  {
    version: 7,
    name: 'problem files kept across scans',
    sql: `
      -- Files the scan could not fully read, kept current by every scan (a fixed file's problem goes).
      CREATE TABLE problems (
        path TEXT NOT NULL,                  -- relative to the library root; a non-UTF-8 name with its bad bytes as \\xNN
        kind TEXT NOT NULL,                  -- unreadable | metadata_error | decode_error | timeout | not_utf8_name | folder_unreadable
        message TEXT NOT NULL,
        size INTEGER,
        mtime_ms INTEGER,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        PRIMARY KEY (path, kind)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 8,
    name: 'journal of organizing changes (vv history, vv undo)',
    // Triggers record every row an organizing edit writes, while the store holds a change open
    // (a row in journal_open, only ever present inside the editing transaction): adapters cannot
    // bypass the journal, and cascades (a category's memberships) are recorded too.
    sql: `
      CREATE TABLE changes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,                    -- ISO 8601, UTC
        origin TEXT NOT NULL,                -- api | batch | fuse | cli | xmp | undo
        description TEXT NOT NULL,
        images INTEGER NOT NULL DEFAULT 0,   -- distinct images the change touched
        undone_by INTEGER,                   -- the undo change that reversed it
        reverts TEXT                         -- JSON array of the change ids an undo change reversed
      );
      CREATE INDEX changes_by_time ON changes(at);
      CREATE TABLE change_rows (
        seq INTEGER PRIMARY KEY,             -- order of the writes; reversed newest first
        change_id INTEGER NOT NULL REFERENCES changes(id) ON DELETE CASCADE,
        entity TEXT NOT NULL,                -- image_tag | suppression | category | image_category | tag_folder | image
        op TEXT NOT NULL,                    -- insert | delete | update
        image_id INTEGER,
        old TEXT,                            -- JSON: the row (or columns) before
        new TEXT                             -- JSON: the row (or columns) after
      );
      CREATE INDEX change_rows_by_change ON change_rows(change_id, seq);
      CREATE TABLE journal_open (change_id INTEGER NOT NULL);

      CREATE TRIGGER journal_image_tags_insert AFTER INSERT ON image_tags WHEN EXISTS (SELECT 1 FROM journal_open)
      BEGIN
        INSERT INTO change_rows(change_id, entity, op, image_id, new) SELECT change_id, 'image_tag', 'insert', NEW.image_id,
          json_object('tag_id', NEW.tag_id, 'tag', (SELECT name FROM tags WHERE id = NEW.tag_id), 'source', NEW.source, 'confidence', NEW.confidence) FROM journal_open;
      END;
      CREATE TRIGGER journal_image_tags_delete AFTER DELETE ON image_tags WHEN EXISTS (SELECT 1 FROM journal_open)
      BEGIN
        INSERT INTO change_rows(change_id, entity, op, image_id, old) SELECT change_id, 'image_tag', 'delete', OLD.image_id,
          json_object('tag_id', OLD.tag_id, 'tag', (SELECT name FROM tags WHERE id = OLD.tag_id), 'source', OLD.source, 'confidence', OLD.confidence) FROM journal_open;
      END;
      CREATE TRIGGER journal_suppressions_insert AFTER INSERT ON tag_suppressions WHEN EXISTS (SELECT 1 FROM journal_open)
      BEGIN
        INSERT INTO change_rows(change_id, entity, op, image_id, new) SELECT change_id, 'suppression', 'insert', NEW.image_id,
          json_object('tag_id', NEW.tag_id, 'tag', (SELECT name FROM tags WHERE id = NEW.tag_id)) FROM journal_open;
      END;
      CREATE TRIGGER journal_suppressions_delete AFTER DELETE ON tag_suppressions WHEN EXISTS (SELECT 1 FROM journal_open)
      BEGIN
        INSERT INTO change_rows(change_id, entity, op, image_id, old) SELECT change_id, 'suppression', 'delete', OLD.image_id,
          json_object('tag_id', OLD.tag_id, 'tag', (SELECT name FROM tags WHERE id = OLD.tag_id)) FROM journal_open;
      END;
      CREATE TRIGGER journal_categories_insert AFTER INSERT ON categories WHEN EXISTS (SELECT 1 FROM journal_open)
      BEGIN
        INSERT INTO change_rows(change_id, entity, op, new) SELECT change_id, 'category', 'insert',
          json_object('id', NEW.id, 'name', NEW.name, 'created_at', NEW.created_at) FROM journal_open;
      END;
      CREATE TRIGGER journal_categories_delete AFTER DELETE ON categories WHEN EXISTS (SELECT 1 FROM journal_open)
      BEGIN
        INSERT INTO change_rows(change_id, entity, op, old) SELECT change_id, 'category', 'delete',
          json_object('id', OLD.id, 'name', OLD.name, 'created_at', OLD.created_at) FROM journal_open;
      END;
      CREATE TRIGGER journal_categories_rename AFTER UPDATE OF name ON categories WHEN OLD.name IS NOT NEW.name AND EXISTS (SELECT 1 FROM journal_open)
      BEGIN
        INSERT INTO change_rows(change_id, entity, op, old, new) SELECT change_id, 'category', 'update',
          json_object('id', OLD.id, 'name', OLD.name), json_object('id', NEW.id, 'name', NEW.name) FROM journal_open;
      END;
      CREATE TRIGGER journal_image_categories_insert AFTER INSERT ON image_categories WHEN EXISTS (SELECT 1 FROM journal_open)
      BEGIN
        INSERT INTO change_rows(change_id, entity, op, image_id, new) SELECT change_id, 'image_category', 'insert', NEW.image_id,
          json_object('category_id', NEW.category_id, 'added_at', NEW.added_at) FROM journal_open;
      END;
      CREATE TRIGGER journal_image_categories_delete AFTER DELETE ON image_categories WHEN EXISTS (SELECT 1 FROM journal_open)
      BEGIN
        INSERT INTO change_rows(change_id, entity, op, image_id, old) SELECT change_id, 'image_category', 'delete', OLD.image_id,
          json_object('category_id', OLD.category_id, 'added_at', OLD.added_at) FROM journal_open;
      END;
      CREATE TRIGGER journal_tag_folders_insert AFTER INSERT ON tag_folders WHEN EXISTS (SELECT 1 FROM journal_open)
      BEGIN
        INSERT INTO change_rows(change_id, entity, op, new) SELECT change_id, 'tag_folder', 'insert',
          json_object('tag_id', NEW.tag_id, 'tag', (SELECT name FROM tags WHERE id = NEW.tag_id), 'created_at', NEW.created_at) FROM journal_open;
      END;
      CREATE TRIGGER journal_tag_folders_delete AFTER DELETE ON tag_folders WHEN EXISTS (SELECT 1 FROM journal_open)
      BEGIN
        INSERT INTO change_rows(change_id, entity, op, old) SELECT change_id, 'tag_folder', 'delete',
          json_object('tag_id', OLD.tag_id, 'tag', (SELECT name FROM tags WHERE id = OLD.tag_id), 'created_at', OLD.created_at) FROM journal_open;
      END;
      CREATE TRIGGER journal_image_favorite AFTER UPDATE OF favorite ON images WHEN OLD.favorite IS NOT NEW.favorite AND EXISTS (SELECT 1 FROM journal_open)
      BEGIN
        INSERT INTO change_rows(change_id, entity, op, image_id, old, new) SELECT change_id, 'image', 'update', NEW.id,
          json_object('favorite', OLD.favorite), json_object('favorite', NEW.favorite) FROM journal_open;
      END;
      CREATE TRIGGER journal_image_rating AFTER UPDATE OF rating ON images WHEN OLD.rating IS NOT NEW.rating AND EXISTS (SELECT 1 FROM journal_open)
      BEGIN
        INSERT INTO change_rows(change_id, entity, op, image_id, old, new) SELECT change_id, 'image', 'update', NEW.id,
          json_object('rating', OLD.rating), json_object('rating', NEW.rating) FROM journal_open;
      END;
      CREATE TRIGGER journal_image_notes AFTER UPDATE OF notes ON images WHEN OLD.notes IS NOT NEW.notes AND EXISTS (SELECT 1 FROM journal_open)
      BEGIN
        INSERT INTO change_rows(change_id, entity, op, image_id, old, new) SELECT change_id, 'image', 'update', NEW.id,
          json_object('notes', OLD.notes), json_object('notes', NEW.notes) FROM journal_open;
      END;
      CREATE TRIGGER journal_image_user_prompt AFTER UPDATE OF user_prompt ON images WHEN OLD.user_prompt IS NOT NEW.user_prompt AND EXISTS (SELECT 1 FROM journal_open)
      BEGIN
        INSERT INTO change_rows(change_id, entity, op, image_id, old, new) SELECT change_id, 'image', 'update', NEW.id,
          json_object('user_prompt', OLD.user_prompt), json_object('user_prompt', NEW.user_prompt) FROM journal_open;
      END;

      -- A deleted category's id is never given to a new one: the journal names categories by id.
      CREATE TRIGGER categories_id_floor AFTER DELETE ON categories
      BEGIN
        INSERT INTO settings(key, value) VALUES ('category_id_floor', OLD.id)
        ON CONFLICT(key) DO UPDATE SET value = MAX(CAST(value AS INTEGER), OLD.id);
      END;
    `,
  },
  {
    version: 9,
    name: 'tag identity by key (NFC + Unicode case fold), not by SQLite NOCASE',
    // NOCASE folds ASCII only, the store's cache folded with JS: `Éclair`/`éclair` merged or not
    // depending on process history. The key (tag-names.ts tagKey) is the one identity now.
    sql: `
      ALTER TABLE tags ADD COLUMN key TEXT;
    `,
    after: (db) => fillTagKeys(db),
  },
  {
    version: 10,
    name: 'captions (image-to-text; source ai or user)',
    sql: `
      -- For images without a prompt: what a captioning model (source 'ai') or the user ('user') says they show.
      ALTER TABLE images ADD COLUMN caption TEXT;
      ALTER TABLE images ADD COLUMN caption_source TEXT;
    `,
  },
  {
    version: 11,
    name: 'video and animation media columns',
    sql: `
      -- What the container says about frames and tracks (metadata/types.ts MediaInfo); stills are 'image'.
      ALTER TABLE images ADD COLUMN media_type TEXT NOT NULL DEFAULT 'image';
      ALTER TABLE images ADD COLUMN duration REAL;
      ALTER TABLE images ADD COLUMN frame_count INTEGER;
      ALTER TABLE images ADD COLUMN fps REAL;
      ALTER TABLE images ADD COLUMN video_codec TEXT;
      ALTER TABLE images ADD COLUMN has_audio INTEGER;
      CREATE INDEX images_by_media ON images(media_type, duration);
      -- GIF and WebP rows indexed before may be animations: the next scan reads them again.
      UPDATE images SET mtime_ms = -1 WHERE format IN ('gif', 'webp');
    `,
  },
  {
    version: 12,
    name: 'reject flag; originals moved to the trash (journaled, restorable)',
    // Trash is the one change the vault makes to the library, and only when allowed: the row stays
    // (id, tags, categories…) with where the file went, so a restore or an undo brings both back.
    sql: `
      ALTER TABLE images ADD COLUMN rejected INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE images ADD COLUMN trash_file TEXT;   -- absolute path of the original in the trash's files/
      ALTER TABLE images ADD COLUMN trashed_at TEXT;   -- ISO 8601, UTC
      CREATE INDEX images_trashed ON images(trashed_at) WHERE trash_file IS NOT NULL;

      CREATE TRIGGER journal_image_rejected AFTER UPDATE OF rejected ON images WHEN OLD.rejected IS NOT NEW.rejected AND EXISTS (SELECT 1 FROM journal_open)
      BEGIN
        INSERT INTO change_rows(change_id, entity, op, image_id, old, new) SELECT change_id, 'image', 'update', NEW.id,
          json_object('rejected', OLD.rejected), json_object('rejected', NEW.rejected) FROM journal_open;
      END;
      CREATE TRIGGER journal_image_trash AFTER UPDATE OF trash_file ON images WHEN OLD.trash_file IS NOT NEW.trash_file AND EXISTS (SELECT 1 FROM journal_open)
      BEGIN
        INSERT INTO change_rows(change_id, entity, op, image_id, old, new) SELECT change_id, 'image', 'update', NEW.id,
          json_object('trash_file', OLD.trash_file, 'trashed_at', OLD.trashed_at), json_object('trash_file', NEW.trash_file, 'trashed_at', NEW.trashed_at) FROM journal_open;
      END;
    `,
  },
  {
    version: 13,
    name: 'albums (saved searches: a name and the query they select)',
    // `key` is the name's identity (tag-names.ts tagKey: NFC + case fold): `Cats` and `cats` are one album.
    // `query` is JSON: { filter: ImageFilter, q: string | null, mode: SearchMode | null }.
    sql: `
      CREATE TABLE albums (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        key TEXT NOT NULL UNIQUE,
        query TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 14,
    name: 'scale indexes: the perceptual-hash work queue holds exactly the rows the pixel pass reads',
    // The old queue index (phash IS NULL) did not imply the pass's other conditions, so at 1M the
    // planner preferred images_by_rand (missing = ?) and sorted every pending row per 64-image
    // chunk. The pass names this index (INDEXED BY): its plan is a keyset walk whatever the statistics.
    sql: `
      DROP INDEX images_phash_pending;
      CREATE INDEX images_phash_pending ON images(id) WHERE phash IS NULL AND missing = 0 AND error IS NULL;
    `,
  },
  {
    version: 15,
    name: 'PNG, GIF and WebP rows indexed before the media columns are read again once (APNG)',
    // Migration 11 sent only GIF and WebP back to the scan; an APNG indexed before it is still a
    // still. Every row read since has media facts (a still: frame_count 1), so a PNG / GIF / WebP
    // row without them predates migration 11: the next scan reads it again (once; its data stays).
    sql: `
      UPDATE images SET mtime_ms = -1 WHERE format IN ('png', 'gif', 'webp') AND media_type = 'image' AND frame_count IS NULL;
    `,
  },
  {
    version: 16,
    name: 'embedding counts and the pending walk read indexes, never a row with its vector',
    // Each embeddings row carries a 2 KB vector: counting present, failed or current rows through
    // the (model, image_id) index read every row beside it (0.4–0.8 s per count at 100k, on the
    // event loop after every scan and on /api/status after an edit).
    // The statements name it (INDEXED BY) and test `(vector IS NULL)` as indexed, so that SQLite
    // reads that value from the index instead of the row.
    sql: `
      CREATE INDEX embeddings_current ON embeddings(model, image_id, content_hash, (vector IS NULL));
    `,
  },
  {
    version: 17,
    name: 'full-text index with 3-character prefix entries (the last word of a query is a prefix)',
    // `concept art` searched `"art"*`, which merged the document lists of every word starting with
    // `art` (`artifacts` in every negative prompt: 50–140 ms at 100k); with prefix entries it is one
    // list (~20 ms), for ~75 % more index. The index is contentless, so it is rebuilt from the rows
    // exactly as FullTextIndex writes them (INSERT_ROWS, src/db/fts.ts).
    sql: `
      DROP TABLE images_fts;
      CREATE VIRTUAL TABLE images_fts USING fts5(
        prompt, negative_prompt, tags, path, raw,
        content = '', contentless_delete = 1,
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '3'
      );
      ${INSERT_ROWS};
    `,
  },
  {
    version: 18,
    name: 'image counts kept by triggers',
    // /api/status counts present, missing and failed images on every poll after any change: a
    // scan of every row (seconds at 1M, on the event loop). The triggers keep the three numbers
    // in one row, as tag_counts does per tag. Safe to run again (a recount).
    sql: `
      CREATE TABLE IF NOT EXISTS image_counts (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        present INTEGER NOT NULL,
        missing INTEGER NOT NULL,
        errors INTEGER NOT NULL
      );
      INSERT OR REPLACE INTO image_counts(id, present, missing, errors)
        SELECT 1, COUNT(*) FILTER (WHERE missing = 0), COUNT(*) FILTER (WHERE missing = 1), COUNT(*) FILTER (WHERE error IS NOT NULL AND missing = 0) FROM images;

      DROP TRIGGER IF EXISTS images_counts_insert;
      CREATE TRIGGER images_counts_insert AFTER INSERT ON images
      BEGIN
        UPDATE image_counts SET present = present + (NEW.missing = 0), missing = missing + (NEW.missing = 1),
          errors = errors + (NEW.error IS NOT NULL AND NEW.missing = 0) WHERE id = 1;
      END;

      DROP TRIGGER IF EXISTS images_counts_delete;
      CREATE TRIGGER images_counts_delete AFTER DELETE ON images
      BEGIN
        UPDATE image_counts SET present = present - (OLD.missing = 0), missing = missing - (OLD.missing = 1),
          errors = errors - (OLD.error IS NOT NULL AND OLD.missing = 0) WHERE id = 1;
      END;

      DROP TRIGGER IF EXISTS images_counts_update;
      CREATE TRIGGER images_counts_update AFTER UPDATE OF missing, error ON images
      WHEN OLD.missing IS NOT NEW.missing OR (OLD.error IS NULL) <> (NEW.error IS NULL)
      BEGIN
        UPDATE image_counts SET present = present + (NEW.missing = 0) - (OLD.missing = 0), missing = missing + (NEW.missing = 1) - (OLD.missing = 1),
          errors = errors + (NEW.error IS NOT NULL AND NEW.missing = 0) - (OLD.error IS NOT NULL AND OLD.missing = 0) WHERE id = 1;
      END;
    `,
  },
  {
    version: 19,
    name: 'perceptual hashes computed again: the dHash is taken from the decoded pixels',
    // The hash's 9×8 grey image is now averaged in JS from the pass's own decode (src/ingest/phash.ts)
    // instead of a second libvips pipeline (greyscale + lanczos3): the same picture hashes a few bits
    // apart the two ways, enough to blur near-duplicate groups that mix them. Every decodable image
    // goes back to the pixel pass's queue; '' (pixels that cannot be decoded) stays.
    sql: `
      UPDATE images SET phash = NULL WHERE phash <> '';
    `,
  },
  {
    version: 20,
    name: 'folders a full scan found matching the index, by a digest of their files',
    // An unchanged rescan compared every file with its row: at 1M, 20 s and ~650 MB to read and hold
    // the whole index. A folder whose digest (each media file's name, size, mtime) is the one stored
    // here is unchanged, row for row, and is not compared at all. A row written in a folder (new,
    // deleted, moved, another size or mtime, missing or back) forgets the folder's digest.
    // Safe to run again: digests recorded before it are dropped (every folder is compared once).
    sql: `
      CREATE TABLE IF NOT EXISTS scan_folders (
        dir TEXT PRIMARY KEY,
        digest TEXT NOT NULL
      ) WITHOUT ROWID;
      DELETE FROM scan_folders;
      DROP TRIGGER IF EXISTS scan_folders_insert;
      DROP TRIGGER IF EXISTS scan_folders_delete;
      DROP TRIGGER IF EXISTS scan_folders_update;
      CREATE TRIGGER scan_folders_insert AFTER INSERT ON images
      BEGIN
        DELETE FROM scan_folders WHERE dir = NEW.dir;
      END;
      CREATE TRIGGER scan_folders_delete AFTER DELETE ON images
      BEGIN
        DELETE FROM scan_folders WHERE dir = OLD.dir;
      END;
      CREATE TRIGGER scan_folders_update AFTER UPDATE OF path, dir, size, mtime_ms, missing ON images
      WHEN OLD.path IS NOT NEW.path OR OLD.size IS NOT NEW.size OR OLD.mtime_ms IS NOT NEW.mtime_ms OR OLD.missing IS NOT NEW.missing
      BEGIN
        DELETE FROM scan_folders WHERE dir IN (OLD.dir, NEW.dir);
      END;
    `,
  },
];

/**
 * Gives every tag its key; tags that turn out to share one (made apart before) are merged into the
 * oldest: its images, suppressions and empty-folder mark, so nothing a user did is lost.
 */
function fillTagKeys(db: Database.Database): void {
  const tags = db.prepare('SELECT id, name FROM tags ORDER BY id').all() as { id: number; name: string }[];
  const setKey = db.prepare('UPDATE tags SET key = ? WHERE id = ?');
  const moves = [
    db.prepare('INSERT INTO image_tags(image_id, tag_id, source, confidence) SELECT image_id, @keep, source, confidence FROM image_tags WHERE tag_id = @drop ON CONFLICT DO NOTHING'),
    db.prepare('INSERT INTO tag_suppressions(image_id, tag_id) SELECT image_id, @keep FROM tag_suppressions WHERE tag_id = @drop ON CONFLICT DO NOTHING'),
    db.prepare('INSERT INTO tag_folders(tag_id, created_at) SELECT @keep, created_at FROM tag_folders WHERE tag_id = @drop ON CONFLICT DO NOTHING'),
  ];
  // Through image_tags' triggers the kept tag's count stays right (an image counts once).
  const drops = ['DELETE FROM image_tags WHERE tag_id = ?', 'DELETE FROM tag_suppressions WHERE tag_id = ?', 'DELETE FROM tag_folders WHERE tag_id = ?', 'DELETE FROM tag_counts WHERE tag_id = ?', 'DELETE FROM tags WHERE id = ?'].map((sql) =>
    db.prepare(sql),
  );
  const kept = new Map<string, number>();
  for (const t of tags) {
    const key = tagKey(t.name);
    const keep = kept.get(key);
    if (keep === undefined) {
      kept.set(key, t.id);
      setKey.run(key, t.id);
      continue;
    }
    for (const m of moves) m.run({ keep, drop: t.id });
    for (const d of drops) d.run(t.id);
  }
  db.exec('CREATE UNIQUE INDEX tags_by_key ON tags(key)');
}
