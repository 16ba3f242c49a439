/**
 * Shared shapes of the metadata pipeline:
 * file bytes → reader (container) → ContainerInfo.entries → parser (generator) → MetadataRecord.
 */

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'avif' | 'heic' | 'jxl' | 'gif';
/** Video containers: ISO BMFF movies (`mp4` also covers m4v; `mov` is QuickTime) and Matroska (`webm`, `mkv`). */
export type VideoFormat = 'mp4' | 'mov' | 'webm' | 'mkv';
export type ContainerFormat = ImageFormat | VideoFormat;
export type MediaType = 'image' | 'animation' | 'video';

/** What the container says about its frames and tracks (never decoded: headers only). */
export interface MediaInfo {
  media_type: MediaType;
  /** Seconds, from the container's duration fields (movie header, Matroska Info, summed frame delays). */
  duration_s: number | null;
  frame_count: number | null;
  fps: number | null;
  /** Short codec name: `h264`, `hevc`, `av1`, `vp9`, `vp8`, `ffv1`, `prores`, `gif`, `webp`, `apng`… */
  video_codec: string | null;
  has_audio: boolean | null;
}

/** One piece of text metadata found in a container, format-agnostic. */
export interface MetadataEntry {
  /** Name as the file spells it: `parameters`, `prompt`, `UserComment`, `Description`, `xmp:dc:description`… */
  key: string;
  /** Decoded text (UTF-8/latin-1/UTF-16 already resolved). */
  text: string;
  /** Where it came from: `png:tEXt`, `png:iTXt`, `exif:UserComment`, `jpeg:COM`, `xmp`, `stealth:alpha`, `sidecar:txt`… */
  carrier: string;
}

/** Raw C2PA manifest store (JUMBF) bytes found in a container. */
export interface C2paBlob {
  carrier: string;
  bytes: Uint8Array;
}

export interface ContainerInfo {
  format: ContainerFormat;
  width: number | null;
  height: number | null;
  hasAlpha: boolean;
  animated: boolean;
  entries: MetadataEntry[];
  c2pa: C2paBlob[];
  /** EXIF DateTimeOriginal as ISO string (no zone: the camera's local time), when present. */
  dateTimeOriginal: string | null;
  /** Non-fatal problems (bad CRC, truncated chunk…): the file is still indexed. */
  warnings: string[];
  /** Frames and tracks, where the reader knows them (animations, videos); absent: a still image. */
  media?: MediaInfo;
}

export interface LoraRef {
  name: string;
  weight: number | null;
  hash?: string;
}

/** One sampler stage of a multi-sampler ComfyUI graph. */
export interface SamplerStage {
  node: string;
  class_type: string;
  sampler: string | null;
  scheduler: string | null;
  seed: number | string | null;
  steps: number | null;
  cfg: number | null;
  denoise: number | null;
  model: string | null;
  prompt: string | null;
  negative_prompt: string | null;
  width?: number | null;
  height?: number | null;
}

/** The generation fields a parser fills. Every field is optional; `provenance` says where each came from. */
export interface GenerationFields {
  generator: string;
  generator_version?: string | null;
  prompt?: string | null;
  negative_prompt?: string | null;
  seed?: number | string | null;
  steps?: number | null;
  sampler?: string | null;
  scheduler?: string | null;
  cfg?: number | null;
  model?: string | null;
  model_hash?: string | null;
  width?: number | null;
  height?: number | null;
  loras?: LoraRef[];
  samplers?: SamplerStage[];
  c2pa_claim_generator?: string | null;
  digital_source_type?: string | null;
  ai_generated?: boolean | null;
  /** Further generator-specific values (denoising strength, hires settings, VAE…), as the file names them. */
  extra?: Record<string, unknown>;
  /** field name → where it was read: `png:tEXt parameters`, `prompt#3.inputs.seed`… */
  provenance: Record<string, string>;
}

export interface MetadataRecord {
  file: string;
  format: ContainerFormat | null;
  generator: string | null;
  generator_version: string | null;
  prompt: string | null;
  negative_prompt: string | null;
  seed: number | string | null;
  steps: number | null;
  sampler: string | null;
  scheduler: string | null;
  cfg: number | null;
  model: string | null;
  model_hash: string | null;
  /** Generation size from the metadata, else pixel size. */
  width: number | null;
  height: number | null;
  size: string | null;
  pixel_width: number | null;
  pixel_height: number | null;
  loras: LoraRef[];
  samplers: SamplerStage[];
  c2pa_claim_generator: string | null;
  digital_source_type: string | null;
  ai_generated: boolean | null;
  extra: Record<string, unknown>;
  provenance: Record<string, string>;
  /** Every metadata entry as found: JSON-looking text parsed, other text verbatim. Always kept. */
  raw: Record<string, unknown>;
  date_time_original: string | null;
  /**
   * Media description (set on every record read from a file; absent on records that failed before
   * the container was read, and on sidecar-only records). Pixel size is `pixel_width`/`pixel_height`.
   */
  media_type?: MediaType | null;
  duration_s?: number | null;
  frame_count?: number | null;
  fps?: number | null;
  video_codec?: string | null;
  has_audio?: boolean | null;
  warnings: string[];
  error?: string;
}
