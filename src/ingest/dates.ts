/** Creation dates of library files (pure: the worker pool's failure records need them without the ingest pipeline). */

function validDate(y: number, m: number, d: number): boolean {
  return y >= 1990 && y <= 2100 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/** A `YYYY-MM-DD` (or `YYYY_MM_DD`, `YYYYMMDD`, `YYYY/MM/DD`) date in the folders of a relative path. */
export function folderDate(relPath: string): string | null {
  const dirs = relPath.split('/').slice(0, -1);
  for (let i = dirs.length - 1; i >= 0; i--) {
    const m = /(?:^|\D)((?:19|20)\d\d)[-_.]?(\d\d)[-_.]?(\d\d)(?:\D|$)/.exec(dirs[i]);
    if (m && validDate(+m[1], +m[2], +m[3])) return `${m[1]}-${m[2]}-${m[3]}`;
    if (i >= 2 && /^(19|20)\d\d$/.test(dirs[i - 2]) && /^\d\d$/.test(dirs[i - 1]) && /^\d\d$/.test(dirs[i])) {
      if (validDate(+dirs[i - 2], +dirs[i - 1], +dirs[i])) return `${dirs[i - 2]}-${dirs[i - 1]}-${dirs[i]}`;
    }
  }
  return null;
}

/** Creation date: folder date (with the file's time of day), else EXIF DateTimeOriginal, else mtime. */
export function creationDate(relPath: string, dateTimeOriginal: string | null, mtimeMs: number): string {
  const mtime = new Date(Number.isFinite(mtimeMs) ? mtimeMs : 0).toISOString();
  const folder = folderDate(relPath);
  if (folder) return `${folder}T${mtime.slice(11)}`;
  if (dateTimeOriginal) return `${dateTimeOriginal}.000Z`;
  return mtime;
}
