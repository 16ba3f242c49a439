/**
 * Numbered schema migrations, applied in order inside one transaction each; `PRAGMA user_version`
 * records the last one applied. Never edit a released migration: add the next number.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
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
        raw TEXT NOT NULL,
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
];
