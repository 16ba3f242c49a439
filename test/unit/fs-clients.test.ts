/**
 * The pure parts of what file managers and copy tools meet in the mount: where a path lies in the
 * trash (trash.ts trashPlace), the `.trashinfo` notes accepted and dropped (TrashNotes), and a copy
 * written over an entry, which only a truncation to nothing makes writable (uploads.ts Upload).
 */
import Fuse from 'fuse-native';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { trashPlace, TrashNotes } from '../../src/fs/trash.js';
import { Upload } from '../../src/fs/uploads.js';
import type { FileEntry } from '../../src/core/types.js';

describe('trashPlace: the freedesktop.org trash at the top of the mount', () => {
  it('names the user’s trash folder, its files/ and info/ folders and what is in them', () => {
    expect(trashPlace('/.Trash-1000', 1000)).toEqual({ kind: 'folder' });
    expect(trashPlace('/.Trash-1000/files', 1000)).toEqual({ kind: 'files' });
    expect(trashPlace('/.Trash-1000/info', 1000)).toEqual({ kind: 'info' });
    expect(trashPlace('/.Trash-1000/files/a.png', 1000)).toEqual({ kind: 'in-files', name: 'a.png' });
    expect(trashPlace('/.Trash-1000/info/a.png.trashinfo', 1000)).toEqual({ kind: 'in-info', name: 'a.png.trashinfo' });
  });

  it('is nothing for another user, another folder, deeper paths or the shared .Trash', () => {
    expect(trashPlace('/.Trash-0', 1000)).toBeNull();
    expect(trashPlace('/.Trash-1000/other', 1000)).toBeNull();
    expect(trashPlace('/.Trash-1000/files/a/b', 1000)).toBeNull();
    expect(trashPlace('/.Trash', 1000)).toBeNull();
    expect(trashPlace('/tags/.Trash-1000', 1000)).toBeNull();
    expect(trashPlace('/', 1000)).toBeNull();
  });
});

describe('TrashNotes: .trashinfo notes are accepted, answer for a while, and are dropped', () => {
  afterEach(() => vi.useRealTimers());

  it('follows GLib’s create, write through a temporary name, rename over the note', () => {
    const notes = new TrashNotes();
    notes.add('/.Trash-0/info/a.png.trashinfo');
    notes.add('/.Trash-0/info/a.png.trashinfo.XYZ123');
    expect(notes.move('/.Trash-0/info/a.png.trashinfo.XYZ123', '/.Trash-0/info/a.png.trashinfo')).toBe(true);
    expect(notes.has('/.Trash-0/info/a.png.trashinfo.XYZ123')).toBe(false);
    expect(notes.has('/.Trash-0/info/a.png.trashinfo')).toBe(true);
    // Out of info/, or a note that is not there: no.
    expect(notes.move('/.Trash-0/info/a.png.trashinfo', '/.Trash-0/files/a.png')).toBe(false);
    expect(notes.move('/.Trash-0/info/missing', '/.Trash-0/info/x')).toBe(false);
    expect(notes.delete('/.Trash-0/info/a.png.trashinfo')).toBe(true);
    expect(notes.has('/.Trash-0/info/a.png.trashinfo')).toBe(false);
  });

  it('forgets a note after its window', () => {
    vi.useFakeTimers();
    const notes = new TrashNotes();
    notes.add('/.Trash-0/info/b.png.trashinfo');
    expect(notes.created('/.Trash-0/info/b.png.trashinfo')).toBeInstanceOf(Date);
    vi.advanceTimersByTime(31_000);
    expect(notes.has('/.Trash-0/info/b.png.trashinfo')).toBe(false);
    expect(notes.created('/.Trash-0/info/b.png.trashinfo')).toBeNull();
  });
});

describe('Upload over an entry: replaced whole, never written in place', () => {
  const entry: FileEntry = { id: 1, filename: 'a.png', path: 'a.png', size: 10, mtime_ms: 1000, created_at: '2026-01-01T00:00:00Z', hash: 'h' };
  const association = { kind: 'favorite' } as const;

  it('refuses writes and partial truncation until truncated to nothing', () => {
    const u = new Upload('/favorites/a.png', association, entry);
    expect(u.pending).toBe(true);
    expect(u.write(Buffer.from('xy'), 2, 0)).toBe(Fuse.EROFS);
    expect(u.truncate(3)).toBe(Fuse.EROFS);
    expect(u.size).toBe(0);
    expect(u.truncate(0)).toBe(0);
    expect(u.pending).toBe(false);
    expect(u.write(Buffer.from('xy'), 2, 0)).toBe(2);
    expect(u.size).toBe(2);
  });

  it('a new name is writable from the start', () => {
    const u = new Upload('/favorites/.a.png.tmp', association);
    expect(u.pending).toBe(false);
    expect(u.write(Buffer.from('xyz'), 3, 0)).toBe(3);
    expect(u.truncate(1)).toBe(0);
    expect(u.size).toBe(1);
  });
});
