/**
 * The trash of the mount, as GIO (Nautilus, pcmanfm, `gio trash`) and other freedesktop.org trash
 * clients find it: `<mount>/.Trash-<uid>/` with `files/` and `info/`. Trashing an entry is
 * renaming it into `files/` after writing `info/<name>.trashinfo`; here that rename removes the
 * entry from its association folder (one journaled change, undone by `vv undo`), and nothing is
 * kept: `files/` and `info/` always list empty, so a file manager's trash never shows (or empties)
 * an original. From a read-only view the rename is refused (EPERM), and those folders deny write
 * access (access(2) W_OK), so GIO reports `access::can-trash` and `can-delete` false there.
 */
import path from 'node:path';

/** Where a path lies in the trash: its folder, its `files/` or `info/` folder, or an entry in one of those. */
export type TrashPlace = { kind: 'folder' | 'files' | 'info' } | { kind: 'in-files' | 'in-info'; name: string };

/** The place a mount path names in the trash of the user `uid`, or null outside it. */
export function trashPlace(p: string, uid: number): TrashPlace | null {
  const parts = p.split('/').filter(Boolean);
  if (parts[0] !== `.Trash-${uid}` || parts.length > 3) return null;
  if (parts.length === 1) return { kind: 'folder' };
  if (parts[1] !== 'files' && parts[1] !== 'info') return null;
  if (parts.length === 2) return { kind: parts[1] };
  return { kind: parts[1] === 'files' ? 'in-files' : 'in-info', name: parts[2] };
}

/** How long a `.trashinfo` note (and the temporary file GLib writes it through) can be looked at. */
const NOTE_MS = 30_000;

/**
 * The `.trashinfo` notes being written: accepted and thrown away (the journal is the record of what
 * was trashed), answering stat for a while so that the client's create-write-rename works.
 */
export class TrashNotes {
  private readonly notes = new Map<string, { created: Date; until: number }>();

  has(p: string): boolean {
    const note = this.notes.get(p);
    if (note && note.until > Date.now()) return true;
    this.notes.delete(p);
    return false;
  }

  created(p: string): Date | null {
    return this.has(p) ? this.notes.get(p)!.created : null;
  }

  add(p: string): void {
    this.notes.set(p, { created: new Date(), until: Date.now() + NOTE_MS });
  }

  /** A note renamed (GLib writes `x.trashinfo.XXXXXX`, then renames it over `x.trashinfo`). */
  move(from: string, to: string): boolean {
    if (!this.has(from) || path.posix.dirname(from) !== path.posix.dirname(to)) return false;
    this.notes.delete(from);
    this.add(to);
    return true;
  }

  delete(p: string): boolean {
    return this.notes.delete(p);
  }
}
