/**
 * MP4 / M4V / MOV (ISO BMFF movies) reader: text from `moov/udta/meta/ilst` iTunes atoms (`©cmt`,
 * `----` freeform), QuickTime `moov/meta/keys` + `ilst` (ffmpeg's `-movflags use_metadata_tags`) and
 * `udta` text atoms; duration, frames, fps, codec, pixel size and audio from the track headers. The
 * media data (`mdat`) is never looked into. The walk is fixed-depth (explicit box paths), each level
 * bounded by MAX_BOXES_PER_LEVEL, each text by the file's ReadBudget.
 */
import type { ContainerInfo, MetadataEntry, VideoFormat } from '../types.js';
import { decodeLatin1, decodeUtf8OrLatin1, decodeUtf16Guess, MAX_TEXT_BYTES } from '../text.js';
import { ReadBudget } from '../limits.js';
import { emptyContainer } from './container.js';
import { boxes, type Box } from './isobmff.js';

const MOVIE_BRANDS = /^(isom|iso[2-9]|mp4[12]|avc1|M4V[ HP]?|M4A |f4v |dash|3g[p2][0-9a-z]|MSNV|mmp4|XAVC)$/;
/** A QuickTime file without `ftyp` starts with one of these top-level boxes. */
const BARE_QT_BOXES = new Set(['moov', 'mdat', 'wide', 'free', 'skip', 'pnot']);

/** iTunes atom → the name ffmpeg and exiftool give it (unknown atoms keep their four characters). */
const ILST_NAMES: Record<string, string> = {
  '©cmt': 'comment',
  '©nam': 'title',
  '©des': 'description',
  desc: 'description',
  ldes: 'long_description',
  '©day': 'date',
  '©too': 'encoder',
  '©ART': 'artist',
  '©wrt': 'composer',
  '©alb': 'album',
  '©gen': 'genre',
  '©inf': 'information',
  '©swr': 'software',
  cprt: 'copyright',
  '©cpy': 'copyright',
  keyw: 'keywords',
};

const CODECS: Record<string, string> = {
  avc1: 'h264',
  avc3: 'h264',
  hvc1: 'hevc',
  hev1: 'hevc',
  av01: 'av1',
  vp09: 'vp9',
  vp08: 'vp8',
  mp4v: 'mpeg4',
  apch: 'prores',
  apcn: 'prores',
  apcs: 'prores',
  apco: 'prores',
  ap4h: 'prores',
  ap4x: 'prores',
  mjpg: 'mjpeg',
  jpeg: 'mjpeg',
  png: 'png',
  'png ': 'png',
  gif: 'gif',
  'gif ': 'gif',
};

/** Sniffs a movie: an `ftyp` with a movie brand, QuickTime's `qt  `, or a bare QuickTime box first. */
export function movieFormat(buf: Uint8Array): VideoFormat | null {
  if (buf.length < 12) return null;
  const type = decodeLatin1(buf.subarray(4, 8));
  if (type === 'ftyp') {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const size = Math.min(view.getUint32(0), buf.length);
    const major = decodeLatin1(buf.subarray(8, 12));
    if (major === 'qt  ') return 'mov';
    const brands = [major];
    for (let p = 16; p + 4 <= size && brands.length < 64; p += 4) brands.push(decodeLatin1(buf.subarray(p, p + 4)));
    return brands.some((b) => MOVIE_BRANDS.test(b)) ? 'mp4' : brands.includes('qt  ') ? 'mov' : null;
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const size = view.getUint32(0);
  return BARE_QT_BOXES.has(type) && (size === 0 || size >= 8) && buf.length >= 16 && /^[a-z]{4}$/.test(decodeLatin1(buf.subarray(12, 16))) ? 'mov' : null;
}

interface Track {
  handler: string | null;
  timescale: number | null;
  duration: number | null;
  samples: number | null;
  codec: string | null;
  width: number | null;
  height: number | null;
  headerWidth: number | null;
  headerHeight: number | null;
}

class MovieReader {
  readonly view: DataView;
  readonly tracks: Track[] = [];
  movieTimescale: number | null = null;
  movieDuration: number | null = null;

  constructor(
    readonly buf: Uint8Array,
    readonly info: ContainerInfo,
    readonly budget: ReadBudget,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  children(box: Box, skip = 0): Generator<Box> {
    return boxes(this.buf, this.view, box.start + skip, box.end, (type, offset, claimed) => {
      this.info.warnings.push(`${this.info.format.toUpperCase()} box ${type} at offset ${offset} claims ${claimed} bytes, beyond the end of its parent or the file`);
    });
  }

  text(key: string, bytes: Uint8Array, carrier: string, utf16 = false): void {
    if (this.budget.entriesFull(`${this.info.format.toUpperCase()} text atom`, bytes.length)) return;
    if (bytes.length > MAX_TEXT_BYTES) {
      this.info.warnings.push(`${carrier} of ${bytes.length} bytes skipped (over ${MAX_TEXT_BYTES})`);
      return;
    }
    const text = (utf16 ? decodeUtf16Guess(bytes, 'be') : decodeUtf8OrLatin1(bytes)).replace(/\0+$/, '').trim();
    if (!text || !this.budget.text(`${this.info.format.toUpperCase()} text atom`, text.length)) return;
    this.budget.push(this.info.entries, [{ key, text, carrier } satisfies MetadataEntry]);
  }

  /** The `data` boxes of one ilst item: 4 bytes type (1 UTF-8, 2 UTF-16), 4 bytes locale, value. */
  itemData(item: Box, key: string, carrier: string): void {
    for (const data of this.children(item)) {
      if (data.type !== 'data' || data.end - data.start < 8) continue;
      const kind = this.view.getUint32(data.start) & 0xffffff;
      if (kind === 1 || kind === 2 || kind === 0) this.text(key, this.buf.subarray(data.start + 8, data.end), carrier, kind === 2);
    }
  }

  /** `meta` box: iTunes `ilst` (names from the atom or `----` mean/name) or QuickTime `keys` + `ilst`. */
  meta(meta: Box, path: string): void {
    // ISO `meta` is a full box (version + flags); QuickTime's is not: its first child follows at once.
    const skip = this.buf.length >= meta.start + 8 && decodeLatin1(this.buf.subarray(meta.start + 4, meta.start + 8)) === 'hdlr' ? 0 : 4;
    let keys: string[] = [];
    for (const box of this.children(meta, skip)) {
      if (box.type === 'keys' && box.end - box.start >= 8) {
        keys = [];
        for (const key of this.children(box, 8)) keys.push(decodeUtf8OrLatin1(this.buf.subarray(key.start, key.end)));
      } else if (box.type === 'ilst') {
        for (const item of this.children(box)) {
          const index = this.view.getUint32(item.start - 4); // the item type, read as a 1-based index into `keys`
          let key: string;
          if (item.type === '----') key = this.freeformName(item) ?? '----';
          else if (keys.length && index >= 1 && index <= keys.length) key = keys[index - 1];
          else key = ILST_NAMES[item.type] ?? item.type;
          this.itemData(item, key, `${this.info.format}:${path}/ilst/${item.type === '----' || !keys.length ? item.type : `keys:${key}`}`);
        }
      }
    }
  }

  freeformName(item: Box): string | null {
    for (const box of this.children(item)) {
      if (box.type === 'name' && box.end - box.start > 4) return decodeUtf8OrLatin1(this.buf.subarray(box.start + 4, box.end));
    }
    return null;
  }

  /** `udta`: a `meta` box, or QuickTime text atoms (`©cmt`…: 16-bit length, 16-bit language, text). */
  udta(udta: Box, path: string): void {
    for (const box of this.children(udta)) {
      if (box.type === 'meta') this.meta(box, `${path}/udta/meta`);
      else if (box.type.charCodeAt(0) === 0xa9 && box.end - box.start >= 4) {
        const length = this.view.getUint16(box.start);
        const end = Math.min(box.end, box.start + 4 + length);
        this.text(ILST_NAMES[box.type] ?? box.type, this.buf.subarray(box.start + 4, end), `${this.info.format}:${path}/udta/${box.type}`);
      }
    }
  }

  /** Version 0 holds 32-bit times, version 1 64-bit: returns [timescale, duration] from a mvhd/mdhd. */
  times(box: Box): [number, number] | null {
    const v = this.buf[box.start];
    const at = box.start + 4 + (v === 1 ? 16 : 8);
    if (at + (v === 1 ? 12 : 8) > box.end) return null;
    const timescale = this.view.getUint32(at);
    const duration = v === 1 ? Number(this.view.getBigUint64(at + 4)) : this.view.getUint32(at + 4);
    return [timescale, duration];
  }

  trak(trak: Box): void {
    const track: Track = { handler: null, timescale: null, duration: null, samples: null, codec: null, width: null, height: null, headerWidth: null, headerHeight: null };
    for (const box of this.children(trak)) {
      if (box.type === 'tkhd') {
        // Width and height are the last 8 bytes, 16.16 fixed point, in either version.
        if (box.end - box.start >= 84) {
          track.headerWidth = this.view.getUint32(box.end - 8) >>> 16;
          track.headerHeight = this.view.getUint32(box.end - 4) >>> 16;
        }
      } else if (box.type === 'mdia') {
        for (const m of this.children(box)) {
          if (m.type === 'mdhd') [track.timescale, track.duration] = this.times(m) ?? [null, null];
          else if (m.type === 'hdlr' && m.end - m.start >= 12) track.handler = decodeLatin1(this.buf.subarray(m.start + 8, m.start + 12));
          else if (m.type === 'minf') for (const s of this.children(m)) if (s.type === 'stbl') this.stbl(s, track);
        }
      } else if (box.type === 'udta') this.udta(box, 'moov/trak');
      else if (box.type === 'meta') this.meta(box, 'moov/trak/meta');
    }
    this.tracks.push(track);
  }

  stbl(stbl: Box, track: Track): void {
    for (const box of this.children(stbl)) {
      if (box.type === 'stsd' && box.end - box.start >= 16) {
        // Full box, entry count, then sample entries: size, format, 6 reserved, data reference index.
        const entry = box.start + 8;
        track.codec = decodeLatin1(this.buf.subarray(entry + 4, entry + 8));
        // A visual sample entry has 16 bytes of pre-defined/reserved, then width and height.
        if (entry + 36 <= box.end) {
          track.width = this.view.getUint16(entry + 32);
          track.height = this.view.getUint16(entry + 34);
        }
      } else if (box.type === 'stts' && box.end - box.start >= 8) {
        const count = this.view.getUint32(box.start + 4);
        let samples = 0;
        // Entries are bounded by the box: a count that lies reads only what is there.
        for (let i = 0, p = box.start + 8; i < count && p + 8 <= box.end; i++, p += 8) samples += this.view.getUint32(p);
        track.samples = samples;
      }
    }
  }

  moov(moov: Box): void {
    for (const box of this.children(moov)) {
      if (box.type === 'mvhd') [this.movieTimescale, this.movieDuration] = this.times(box) ?? [null, null];
      else if (box.type === 'trak') this.trak(box);
      else if (box.type === 'udta') this.udta(box, 'moov');
      else if (box.type === 'meta') this.meta(box, 'moov/meta');
    }
  }
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

export async function readMp4(buf: Uint8Array, format: VideoFormat, budget = new ReadBudget()): Promise<ContainerInfo> {
  const info = emptyContainer(format);
  const reader = new MovieReader(buf, info, budget);
  let sawMoov = false;
  const top: Box = { type: 'file', offset: 0, start: 0, end: buf.length };
  for (const box of reader.children(top)) {
    if (box.type === 'moov') {
      sawMoov = true;
      reader.moov(box);
    } else if (box.type === 'meta') reader.meta(box, 'meta');
    else if (box.type === 'udta') reader.udta(box, '');
  }
  const video = reader.tracks.find((t) => t.handler === 'vide') ?? null;
  info.width = video ? (video.width || video.headerWidth) ?? null : null;
  info.height = video ? (video.height || video.headerHeight) ?? null : null;
  const trackSeconds = video?.timescale && video.duration !== null ? video.duration / video.timescale : null;
  const movieSeconds = reader.movieTimescale && reader.movieDuration !== null ? reader.movieDuration / reader.movieTimescale : null;
  const duration = movieSeconds || trackSeconds;
  const frames = video?.samples ?? null;
  info.animated = true;
  info.media = {
    media_type: 'video',
    duration_s: duration ? round(duration, 3) : null,
    frame_count: frames,
    fps: frames && trackSeconds ? round(frames / trackSeconds, 3) : null,
    video_codec: video?.codec ? (CODECS[video.codec] ?? video.codec.trim()) : null,
    has_audio: reader.tracks.some((t) => t.handler === 'soun'),
  };
  if (!sawMoov) info.warnings.push(`${format.toUpperCase()} has no movie header (moov box): truncated or still being written`);
  else if (!video) info.warnings.push(`${format.toUpperCase()} has no video track`);
  return info;
}
