import type { MediaType, MetadataRecord } from '../metadata/types.js';

export type TagSource = 'prompt' | 'model' | 'user' | 'ai' | 'xmp';

export interface DerivedTag {
  name: string;
  source: TagSource;
  confidence?: number | null;
}

/** What the scanner learned about one file, ready to store. */
export interface ScannedFile {
  path: string;
  size: number;
  mtimeMs: number;
  hash: string | null;
  createdAt: string;
  record: MetadataRecord;
  tags: DerivedTag[];
  /** Text for full-text search of raw chunks no parser understood (bounded). */
  rawText: string;
  /** Why reading failed, when `record.error` is set and it was not the content (default: metadata_error). */
  failure?: 'unreadable' | 'timeout';
  /** Rating found in an XMP sidecar (applied when the image has none yet). */
  xmpRating?: number;
  /** Pre-serialised record (without raw) and raw chunks, made in the worker to spare the main thread. */
  recordJson?: string;
  /** Raw chunks as deflated JSON (what the store keeps: workflows compress ~5–10×). */
  rawPacked?: Uint8Array | string;
}

export interface ScanIndexEntry {
  id: number;
  size: number;
  mtimeMs: number;
  missing: boolean;
  hash: string | null;
}

export type SortOrder = 'date' | '-date' | 'random';

export interface ImageFilter {
  tags?: string[];
  any?: string[];
  not?: string[];
  from?: string;
  to?: string;
  favorite?: boolean;
  category?: string;
  model?: string;
  sampler?: string;
  scheduler?: string;
  generator?: string;
  seed?: number | string;
  steps?: number;
  cfg?: number;
  min_width?: number;
  max_width?: number;
  min_height?: number;
  max_height?: number;
  min_rating?: number;
  dir?: string;
  /** With `dir`: false keeps only the files directly in it (default true: nested folders too). */
  subfolders?: boolean;
  /** With `category`: false keeps only the images directly in it (default true: nested categories too). */
  subcategories?: boolean;
  ids?: number[];
  /** true: only images not marked NSFW (core/nsfw.ts); false: only those marked. */
  sfw?: boolean;
  /** 'exclude' (default): present files only; 'only': missing ones; 'include': both. */
  missing?: 'exclude' | 'only' | 'include';
  /** Stills, animations (GIF/WebP/APNG) or videos (MP4/MOV/WebM/MKV). */
  media?: MediaType;
  /** Seconds at least (stills have no duration: they never match). */
  min_duration?: number;
  /** true: only images the user rejected; false: none of them. */
  rejected?: boolean;
  /** true: only originals moved to the trash (they are missing too: use with `missing: 'include'` or 'only'). */
  trashed?: boolean;
}

/** What an album (a saved search) selects: a filter, and a search ranked within it when `q` is set. */
export interface AlbumQuery {
  filter: ImageFilter;
  q: string | null;
  mode: 'hybrid' | 'semantic' | 'text' | null;
}

export interface ImageSummary {
  id: number;
  filename: string;
  path: string;
  width: number | null;
  height: number | null;
  created_at: string;
  favorite: boolean;
  rating: number;
  tags: string[];
  generator: string | null;
  prompt: string | null;
  hash: string | null;
  missing: boolean;
  /** Marked as a reject while culling (a candidate for the trash). */
  rejected: boolean;
  /** When the original was moved to the trash (the row stays, restorable), else null. */
  trashed_at: string | null;
  size: number;
  format: string | null;
  /** Why the file could not be read, when it could not. */
  error: string | null;
  /** Marked not safe for work (core/nsfw.ts): SFW mode blurs it. */
  nsfw: boolean;
  media_type: MediaType;
  /** Seconds (animations and videos), else null. */
  duration_s: number | null;
}

/** A file as the virtual folders list it: the summary's columns they need, plus the file's mtime. */
export type FileEntry = Pick<ImageSummary, 'id' | 'filename' | 'path' | 'size' | 'created_at' | 'hash'> & { mtime_ms: number };

export interface TagDetail {
  name: string;
  source: TagSource;
  confidence: number | null;
}

export interface ImageDetail extends ImageSummary {
  params: MetadataRecord | null;
  raw: Record<string, unknown>;
  tag_details: TagDetail[];
  categories: string[];
  notes: string | null;
  /** What a captioning model (`ai`) or the user says the image shows (images without a prompt). */
  caption: { text: string; source: 'ai' | 'user' } | null;
  user_prompt: string | null;
  extracted_prompt: string | null;
  mtime_ms: number;
  frame_count: number | null;
  fps: number | null;
  video_codec: string | null;
  has_audio: boolean | null;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
  /** Null while a costly count runs off the serving thread (/api/images/count waits for it). */
  total: number | null;
}

export interface ImagePatch {
  tags?: { add?: string[]; remove?: string[] };
  prompt?: string | null;
  favorite?: boolean;
  rating?: number;
  rejected?: boolean;
  categories?: { add?: string[]; remove?: string[] };
  notes?: string | null;
  caption?: string | null;
}

export interface TagCount {
  name: string;
  count: number;
}

export interface CategoryCount {
  name: string;
  count: number;
}
