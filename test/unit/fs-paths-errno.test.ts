/**
 * The pure parts of the mount's operations: what a folder path stands for (tree.ts folderKind,
 * searchQueryOf), the one mapping from domain errors to errno and the retry of a busy edit
 * (errno.ts), and the buffering of a copy being written (uploads.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import Fuse from 'fuse-native';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConflictError, InvalidInputError, NotFoundError, VaultError } from '../../src/core/errors.js';
import { BUSY_RETRIES, BUSY_RETRY_MS, errnoOf, retryWhileBusy, type Outcome } from '../../src/fs/errno.js';
import { encodeName } from '../../src/fs/names.js';
import { folderKind, searchQueryOf } from '../../src/fs/tree.js';
import { Upload } from '../../src/fs/uploads.js';
import { MAX_FILE_BYTES } from '../../src/ingest/ingest.js';

describe('folderKind: what a folder path stands for', () => {
  it('names categories, nested ones with /, decoding the ∕ stand-in', () => {
    expect(folderKind('/categories/a')).toEqual({ kind: 'category', name: 'a' });
    expect(folderKind('/categories/a/b/c')).toEqual({ kind: 'category', name: 'a/b/c' });
    expect(folderKind(`/categories/${encodeName('x/y')}`)).toEqual({ kind: 'category', name: 'x/y' });
  });

  it('names tags: /tags/x, /tags/ns/x as ns:x, /models/x as model:x', () => {
    expect(folderKind('/tags/cat')).toEqual({ kind: 'tag', name: 'cat', misplaced: false });
    expect(folderKind('/tags/character/miku')).toEqual({ kind: 'tag', name: 'character:miku', misplaced: false });
    expect(folderKind('/models/sdxl')).toEqual({ kind: 'tag', name: 'model:sdxl', misplaced: false });
    expect(folderKind(`/tags/${encodeName('a/b')}`)).toEqual({ kind: 'tag', name: 'a/b', misplaced: false });
  });

  it('marks a namespaced name at the top of /tags as misplaced (it is listed one level down)', () => {
    expect(folderKind('/tags/a:b')).toEqual({ kind: 'tag', name: 'a:b', misplaced: true });
    // A leading colon is no namespace; below a namespace folder a colon is part of the name.
    expect(folderKind('/tags/:a')).toEqual({ kind: 'tag', name: ':a', misplaced: false });
    expect(folderKind('/tags/ns/a:b')).toEqual({ kind: 'tag', name: 'ns:a:b', misplaced: false });
  });

  it('names query folders and the root; everything else is a read-only view', () => {
    expect(folderKind('/search/red fox')).toEqual({ kind: 'search', query: 'red fox' });
    expect(folderKind('/')).toEqual({ kind: 'root' });
    for (const p of ['/all', '/all/2024/05', '/dates/2024/05/01', '/favorites', '/tags', '/categories', '/models', '/search', '/tags/a/b/c', '/models/a/b', '/search/q/x.png', '/elsewhere/a']) {
      expect(folderKind(p), p).toEqual({ kind: 'view' });
    }
  });

  it('never names a category or tag with an empty name', () => {
    expect(folderKind('/categories/\u200b')).toEqual({ kind: 'view' });
    expect(folderKind('/tags/\u200b')).toEqual({ kind: 'view' });
  });
});

describe('searchQueryOf', () => {
  it('gives the query of a /search folder and of the files in it, decoded', () => {
    expect(searchQueryOf('/search/red fox')).toBe('red fox');
    expect(searchQueryOf(`/search/${encodeName('a/b')}/image.png`)).toBe('a/b');
    expect(searchQueryOf('/search')).toBeNull();
    expect(searchQueryOf('/tags/search')).toBeNull();
    expect(searchQueryOf('/')).toBeNull();
  });
});

/** A real SQLITE_BUSY: a second connection writing while the first holds the write lock. */
function realBusyError(): unknown {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vv-busy-'));
  const a = new Database(path.join(dir, 'db.sqlite'));
  a.pragma('journal_mode = WAL');
  a.exec('CREATE TABLE t (x)');
  const b = new Database(path.join(dir, 'db.sqlite'), { timeout: 0 });
  a.exec('BEGIN IMMEDIATE');
  try {
    b.exec('INSERT INTO t VALUES (1)');
    return null;
  } catch (err) {
    return err;
  } finally {
    a.exec('ROLLBACK');
    a.close();
    b.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('errnoOf: one mapping from domain errors to errno', () => {
  it('maps each domain error code', () => {
    expect(errnoOf(new NotFoundError('no such category'))).toBe(Fuse.ENOENT);
    expect(errnoOf(new ConflictError('category exists'))).toBe(Fuse.EEXIST);
    expect(errnoOf(new InvalidInputError('bad tag'))).toBe(Fuse.EINVAL);
    expect(errnoOf(new VaultError('busy', 'locked'))).toBe(Fuse.EAGAIN);
    // By code, not by subclass.
    expect(errnoOf(new VaultError('conflict', 'exists'))).toBe(Fuse.EEXIST);
  });

  it('maps the database driver busy error to EAGAIN, never EIO', () => {
    const busy = realBusyError();
    expect((busy as { code?: string } | null)?.code).toMatch(/^SQLITE_BUSY/);
    expect(errnoOf(busy)).toBe(Fuse.EAGAIN);
  });

  it('maps anything unexpected to EIO', () => {
    expect(errnoOf(new Error('boom'))).toBe(Fuse.EIO);
    expect(errnoOf(Object.assign(new Error('constraint'), { code: 'SQLITE_CONSTRAINT' }))).toBe(Fuse.EIO);
    expect(errnoOf('a string')).toBe(Fuse.EIO);
  });
});

describe('retryWhileBusy', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

  it('tries a busy edit again later, backing off, until it goes through', () => {
    vi.useFakeTimers();
    let attempts = 0;
    const outcomes: Outcome<number>[] = [];
    retryWhileBusy(
      () => {
        attempts++;
        if (attempts < 3) throw busy();
        return 7;
      },
      (o) => outcomes.push(o),
    );
    expect(attempts).toBe(1);
    vi.advanceTimersByTime(BUSY_RETRY_MS);
    expect(attempts).toBe(2);
    vi.advanceTimersByTime(2 * BUSY_RETRY_MS - 1);
    expect(attempts).toBe(2);
    expect(outcomes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(attempts).toBe(3);
    expect(outcomes).toEqual([{ ok: true, value: 7 }]);
  });

  it('gives up after BUSY_RETRIES retries with the busy error', () => {
    vi.useFakeTimers();
    let attempts = 0;
    const outcomes: Outcome<never>[] = [];
    retryWhileBusy(
      () => {
        attempts++;
        throw busy();
      },
      (o) => outcomes.push(o),
    );
    vi.runAllTimers();
    expect(attempts).toBe(BUSY_RETRIES + 1);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0].ok).toBe(false);
    expect(errnoOf((outcomes[0] as { error: unknown }).error)).toBe(Fuse.EAGAIN);
  });

  it('does not retry an error that is not busy', () => {
    vi.useFakeTimers();
    let attempts = 0;
    const outcomes: Outcome<never>[] = [];
    retryWhileBusy(
      () => {
        attempts++;
        throw new ConflictError('exists');
      },
      (o) => outcomes.push(o),
    );
    vi.runAllTimers();
    expect(attempts).toBe(1);
    expect(outcomes).toHaveLength(1);
    expect(errnoOf((outcomes[0] as { error: unknown }).error)).toBe(Fuse.EEXIST);
  });
});

describe('Upload: a copy being written', () => {
  const upload = () => new Upload('/tags/t/a.png', { kind: 'tag', name: 't' });

  it('keeps written bytes, in any order, and reads them back', () => {
    const u = upload();
    expect(u.write(Buffer.from('world'), 5, 6)).toBe(5);
    expect(u.write(Buffer.from('hello '), 6, 0)).toBe(6);
    expect(u.size).toBe(11);
    const out = Buffer.alloc(32);
    expect(u.read(out, 32, 0)).toBe(11);
    expect(out.subarray(0, 11).toString()).toBe('hello world');
    expect(u.read(out, 4, 9)).toBe(2);
    expect(u.read(out, 4, 20)).toBe(0);
  });

  it('truncates only downwards, and hashes what remains', async () => {
    const u = upload();
    u.write(Buffer.from('abcdef'), 6, 0);
    u.truncate(100);
    expect(u.size).toBe(6);
    u.truncate(3);
    expect(u.size).toBe(3);
    const short = upload();
    short.write(Buffer.from('abc'), 3, 0);
    expect(await u.hash()).toBe(await short.hash());
  });

  it('refuses bytes past the largest file the library takes', () => {
    expect(upload().write(Buffer.from('x'), 1, MAX_FILE_BYTES)).toBe(Fuse.EFBIG);
  });
});
