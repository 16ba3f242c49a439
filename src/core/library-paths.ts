/** Paths inside the library: relative, '/'-separated. */

/** The folder of a path, as an image row's `dir` holds it: '' at the library's root. */
export function folderOf(relPath: string): string {
  const slash = relPath.lastIndexOf('/');
  return slash < 0 ? '' : relPath.slice(0, slash);
}
