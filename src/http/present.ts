/** Store objects → API JSON (adds URLs, drops internals). */
import type { ImageDetail, ImageSummary } from '../core/types.js';
import type { ImageDetail as WireDetail, ImageSummary as WireSummary } from './wire.js';

export function thumbnailUrl(hash: string | null, error?: string | null): string | null {
  return hash && !error ? `/thumbnails/${hash}.webp` : null;
}

/** The animated preview of an animation or video (made on demand, like thumbnails). */
export function previewUrl(s: ImageSummary): string | null {
  return s.media_type !== 'image' && s.hash && !s.error ? `/thumbnails/${s.hash}.preview.webp` : null;
}

export function presentSummary(s: ImageSummary): WireSummary {
  return {
    id: s.id,
    filename: s.filename,
    path: s.path,
    width: s.width,
    height: s.height,
    created_at: s.created_at,
    favorite: s.favorite,
    rating: s.rating,
    tags: s.tags,
    generator: s.generator,
    prompt: s.prompt,
    thumbnail_url: thumbnailUrl(s.hash, s.error),
    missing: s.missing,
    size: s.size,
    format: s.format,
    nsfw: s.nsfw,
    rejected: s.rejected,
    media_type: s.media_type,
    duration_s: s.duration_s,
    preview_url: previewUrl(s),
  };
}

export function presentDetail(d: ImageDetail): WireDetail {
  return {
    ...presentSummary(d),
    file_url: `/api/image/${d.id}/file`,
    // The metadata record (an interface, no index signature) is a free-form object on the wire.
    params: d.params as Record<string, unknown> | null,
    raw: d.raw,
    tags: d.tag_details,
    categories: d.categories,
    notes: d.notes,
    caption: d.caption,
    extracted_prompt: d.extracted_prompt,
    user_prompt: d.user_prompt,
    error: d.error,
    frame_count: d.frame_count,
    fps: d.fps,
    video_codec: d.video_codec,
    has_audio: d.has_audio,
    trashed_at: d.trashed_at,
  };
}
