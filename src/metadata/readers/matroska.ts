/**
 * Matroska / WebM (EBML) reader: `Info` (duration, writing app), `Tracks` (codec, pixel size, frame
 * duration, audio) and `Tags` (SimpleTag name → string, `COMMENT` included) of the first Segment.
 * Clusters (the media data) are stepped over by their size, never read. Every level is bounded:
 * elements per level, SimpleTag nesting depth, text per file (ReadBudget); a size that runs past
 * its parent is cut to the parent and named in a warning; an unknown-size Cluster ends the walk.
 */
import type { ContainerInfo, MetadataEntry } from '../types.js';
import { decodeLatin1, decodeUtf8OrLatin1, MAX_TEXT_BYTES } from '../text.js';
import { ReadBudget } from '../limits.js';
import { emptyContainer } from './container.js';

const EBML = 0x1a45dfa3;
const DOC_TYPE = 0x4282;
const SEGMENT = 0x18538067;
const INFO = 0x1549a966;
const TIMESTAMP_SCALE = 0x2ad7b1;
const DURATION = 0x4489;
const TITLE = 0x7ba9;
const WRITING_APP = 0x5741;
const TRACKS = 0x1654ae6b;
const TRACK_ENTRY = 0xae;
const TRACK_TYPE = 0x83;
const CODEC_ID = 0x86;
const DEFAULT_DURATION = 0x23e383;
const VIDEO = 0xe0;
const PIXEL_WIDTH = 0xb0;
const PIXEL_HEIGHT = 0xba;
const CLUSTER = 0x1f43b675;
const TAGS = 0x1254c367;
const TAG = 0x7373;
const TARGETS = 0x63c0;
const TAG_TRACK_UID = 0x63c5;
const SIMPLE_TAG = 0x67c8;
const TAG_NAME = 0x45a3;
const TAG_STRING = 0x4487;

/** Elements per level: real files have tens (a few thousand Clusters); more is a loop of empty elements. */
const MAX_ELEMENTS_PER_LEVEL = 100_000;
const MAX_SIMPLE_TAG_DEPTH = 8;

const CODECS: Record<string, string> = {
  V_VP8: 'vp8',
  V_VP9: 'vp9',
  V_AV1: 'av1',
  'V_MPEG4/ISO/AVC': 'h264',
  'V_MPEGH/ISO/HEVC': 'hevc',
  V_FFV1: 'ffv1',
  V_PRORES: 'prores',
  V_MJPEG: 'mjpeg',
  'V_MPEG4/ISO/ASP': 'mpeg4',
  'V_MS/VFW/FOURCC': 'vfw',
};

export function isMatroska(buf: Uint8Array): boolean {
  return buf.length >= 4 && ((buf[0] << 24) | (buf[1] << 16) | (buf[2] << 8) | buf[3]) >>> 0 === EBML;
}

interface Element {
  id: number;
  start: number; // payload start
  end: number;
  /** The size field said "unknown" (live streams): the element runs to its parent's end. */
  unknownSize: boolean;
}

/** A variable-length integer at pos: its value (marker bit kept for IDs) and length, or null. */
function vint(buf: Uint8Array, pos: number, keepMarker: boolean): { value: number; length: number; allOnes: boolean } | null {
  const first = buf[pos];
  if (first === undefined || first === 0) return null;
  const length = Math.clz32(first) - 23;
  if (length > 8 || pos + length > buf.length) return null;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + buf[pos + i];
    if (buf[pos + i] !== 0xff) allOnes = false;
  }
  return { value, length, allOnes };
}

class EbmlReader {
  constructor(
    readonly buf: Uint8Array,
    readonly info: ContainerInfo,
  ) {}

  *children(start: number, end: number): Generator<Element> {
    let pos = start;
    for (let n = 0; pos < end && n < MAX_ELEMENTS_PER_LEVEL; n++) {
      const id = vint(this.buf, pos, true);
      if (!id || id.length > 4) return;
      const size = vint(this.buf, pos + id.length, false);
      if (!size) return;
      const payload = pos + id.length + size.length;
      if (payload > end) return;
      if (size.allOnes) {
        yield { id: id.value, start: payload, end, unknownSize: true };
        return;
      }
      let elementEnd = payload + size.value;
      if (elementEnd > end) {
        this.info.warnings.push(`${this.info.format.toUpperCase()} element 0x${id.value.toString(16)} at offset ${pos} claims ${size.value} bytes, beyond the end of its parent or the file`);
        elementEnd = end;
      }
      yield { id: id.value, start: payload, end: elementEnd, unknownSize: false };
      if (elementEnd >= end) return;
      pos = elementEnd;
    }
  }

  uint(e: Element): number {
    let v = 0;
    for (let p = e.start; p < Math.min(e.end, e.start + 8); p++) v = v * 256 + this.buf[p];
    return v;
  }

  float(e: Element): number | null {
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + e.start, e.end - e.start);
    if (e.end - e.start === 4) return view.getFloat32(0);
    if (e.end - e.start === 8) return view.getFloat64(0);
    return null;
  }

  string(e: Element): string {
    return decodeUtf8OrLatin1(this.buf.subarray(e.start, Math.min(e.end, e.start + MAX_TEXT_BYTES))).replace(/\0+$/, '');
  }
}

interface Track {
  type: number | null;
  codec: string | null;
  frameNs: number | null;
  width: number | null;
  height: number | null;
}

export async function readMatroska(buf: Uint8Array, budget = new ReadBudget()): Promise<ContainerInfo> {
  const ebml = new EbmlReader(buf, emptyContainer('mkv'));
  const info = ebml.info;
  let timestampScale = 1_000_000;
  let duration: number | null = null;
  const tracks: Track[] = [];
  let segment: Element | null = null;
  for (const top of ebml.children(0, buf.length)) {
    if (top.id === EBML) {
      for (const e of ebml.children(top.start, top.end)) if (e.id === DOC_TYPE && ebml.string(e) === 'webm') info.format = 'webm';
    } else if (top.id === SEGMENT) {
      segment = top;
      break;
    }
  }
  const FORMAT = () => info.format.toUpperCase();
  const addTag = (name: string, text: string, carrier: string) => {
    if (!text.trim() || budget.entriesFull(`${FORMAT()} tag`, text.length)) return;
    if (!budget.text(`${FORMAT()} tag`, text.length)) return;
    budget.push(info.entries, [{ key: name, text, carrier } satisfies MetadataEntry]);
  };
  const simpleTag = (e: Element, depth: number, carrier: string) => {
    let name = '';
    let value: string | null = null;
    const nested: Element[] = [];
    for (const c of ebml.children(e.start, e.end)) {
      if (c.id === TAG_NAME) name = ebml.string(c);
      else if (c.id === TAG_STRING) value = ebml.string(c);
      else if (c.id === SIMPLE_TAG) nested.push(c);
    }
    if (name && value !== null) addTag(name, value, `${carrier}/${name}`);
    if (depth >= MAX_SIMPLE_TAG_DEPTH) {
      if (nested.length) info.warnings.push(`${FORMAT()} SimpleTag nested deeper than ${MAX_SIMPLE_TAG_DEPTH} levels not read`);
      return;
    }
    for (const n of nested) simpleTag(n, depth + 1, `${carrier}/${name}`);
  };

  if (segment) {
    for (const e of ebml.children(segment.start, segment.end)) {
      if (e.id === INFO) {
        let rawDuration: number | null = null;
        for (const c of ebml.children(e.start, e.end)) {
          if (c.id === TIMESTAMP_SCALE) timestampScale = ebml.uint(c) || 1_000_000;
          else if (c.id === DURATION) rawDuration = ebml.float(c);
          else if (c.id === TITLE) addTag('title', ebml.string(c), `${info.format}:Info/Title`);
          else if (c.id === WRITING_APP) addTag('encoder', ebml.string(c), `${info.format}:Info/WritingApp`);
        }
        if (rawDuration !== null && Number.isFinite(rawDuration) && rawDuration > 0) duration = (rawDuration * timestampScale) / 1e9;
      } else if (e.id === TRACKS) {
        for (const t of ebml.children(e.start, e.end)) {
          if (t.id !== TRACK_ENTRY) continue;
          const track: Track = { type: null, codec: null, frameNs: null, width: null, height: null };
          for (const c of ebml.children(t.start, t.end)) {
            if (c.id === TRACK_TYPE) track.type = ebml.uint(c);
            else if (c.id === CODEC_ID) track.codec = decodeLatin1(buf.subarray(c.start, Math.min(c.end, c.start + 64))).replace(/\0+$/, '');
            else if (c.id === DEFAULT_DURATION) track.frameNs = ebml.uint(c) || null;
            else if (c.id === VIDEO) {
              for (const v of ebml.children(c.start, c.end)) {
                if (v.id === PIXEL_WIDTH) track.width = ebml.uint(v);
                else if (v.id === PIXEL_HEIGHT) track.height = ebml.uint(v);
              }
            }
          }
          tracks.push(track);
        }
      } else if (e.id === TAGS) {
        for (const tag of ebml.children(e.start, e.end)) {
          if (tag.id !== TAG) continue;
          // Tags aimed at one track (ffmpeg's per-stream DURATION, ENCODER) are not the file's metadata.
          let perTrack = false;
          for (const c of ebml.children(tag.start, tag.end)) {
            if (c.id === TARGETS) for (const t of ebml.children(c.start, c.end)) if (t.id === TAG_TRACK_UID) perTrack = true;
          }
          for (const c of ebml.children(tag.start, tag.end)) {
            if (c.id !== SIMPLE_TAG) continue;
            if (perTrack) {
              // …except a track's DURATION (`HH:MM:SS.nnnnnnnnn`), the only duration live-written files have.
              let name = '';
              let value = '';
              for (const s of ebml.children(c.start, c.end)) {
                if (s.id === TAG_NAME) name = ebml.string(s);
                else if (s.id === TAG_STRING) value = ebml.string(s);
              }
              const m = /^(\d+):(\d\d):(\d\d(?:\.\d+)?)$/.exec(value);
              if (name.toUpperCase() === 'DURATION' && m && duration === null) duration = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
              continue;
            }
            simpleTag(c, 1, `${info.format}:Tags/SimpleTag`);
          }
        }
      } else if (e.id === CLUSTER && e.unknownSize) {
        // An unknown-size Cluster has no end to skip to without reading the media data.
        break;
      }
    }
  } else info.warnings.push(`${FORMAT()} has no Segment (truncated file)`);

  const video = tracks.find((t) => t.type === 1) ?? null;
  info.width = video?.width ?? null;
  info.height = video?.height ?? null;
  const fps = video?.frameNs ? 1e9 / video.frameNs : null;
  info.animated = true;
  info.media = {
    media_type: 'video',
    duration_s: duration !== null ? Math.round(duration * 1000) / 1000 : null,
    // Matroska stores no frame count: at a constant frame rate it is duration × rate.
    frame_count: fps && duration ? Math.round(duration * fps) : null,
    fps: fps ? Math.round(fps * 1000) / 1000 : null,
    video_codec: video?.codec ? (CODECS[video.codec] ?? video.codec.replace(/^V_/, '').toLowerCase()) : null,
    has_audio: tracks.some((t) => t.type === 2),
  };
  if (segment && !video) info.warnings.push(`${FORMAT()} has no video track`);
  return info;
}
