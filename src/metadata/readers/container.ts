/** What every container reader starts from, how it files an EXIF block within the file's budget, and an animation's media facts. */
import type { ContainerFormat, ContainerInfo, MediaInfo } from '../types.js';
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

/** An animated still format's media facts (GIF, WebP, APNG): no audio; fps from frames over duration. */
export function animationMedia(frames: number, durationSeconds: number | null, codec: string): MediaInfo {
  return {
    media_type: 'animation',
    duration_s: durationSeconds,
    frame_count: frames,
    fps: durationSeconds ? Math.round((frames / durationSeconds) * 1000) / 1000 : null,
    video_codec: codec,
    has_audio: false,
  };
}
