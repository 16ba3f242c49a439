/** Store objects → API JSON (adds URLs, drops internals). */
import type { ImageDetail, ImageSummary } from '../core/types.js';

export function thumbnailUrl(hash: string | null, error?: string | null): string | null {
  return hash && !error ? `/thumbnails/${hash}.webp` : null;
}

export function presentSummary(s: ImageSummary): Record<string, unknown> {
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
  };
}

export function presentDetail(d: ImageDetail): Record<string, unknown> {
  return {
    ...presentSummary(d),
    file_url: `/api/image/${d.id}/file`,
    format: d.format,
    size: d.size,
    params: d.params,
    raw: d.raw,
    tags: d.tag_details,
    categories: d.categories,
    notes: d.notes,
    caption: d.caption,
    extracted_prompt: d.extracted_prompt,
    user_prompt: d.user_prompt,
    error: d.error,
  };
}
