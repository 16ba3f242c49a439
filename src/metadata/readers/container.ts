/** What every container reader starts from and how it files an EXIF block, within the file's budget. */
import type { ContainerFormat, ContainerInfo } from '../types.js';
import type { ReadBudget } from '../limits.js';
import { readExif } from './exif.js';

/** A container with nothing read yet (fresh arrays each call: readers push into them). */
export function emptyContainer(format: ContainerFormat): ContainerInfo {
  return {
    format,
    width: null,
    height: null,
    hasAlpha: false,
    animated: false,
    entries: [],
    c2pa: [],
    dateTimeOriginal: null,
    warnings: [],
  };
}

/** Parses an EXIF block the budget already admitted: its text entries and the first DateTimeOriginal. */
export async function addExif(info: ContainerInfo, budget: ReadBudget, blob: Uint8Array, carrier: string): Promise<void> {
  const exif = await readExif(blob, carrier);
  budget.push(info.entries, exif.entries);
  info.dateTimeOriginal ??= exif.dateTimeOriginal;
}
