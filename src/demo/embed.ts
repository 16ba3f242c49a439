/**
 * Writes metadata the way generators do, into NEW files only (demo library, test fixtures):
 * PNG tEXt/iTXt/zTXt chunks, EXIF (TIFF) blocks with UserComment in any encoding, JPEG APP1/COM
 * segments, WebP EXIF/XMP chunks. Library originals are never passed through here.
 */
import zlib from 'node:zlib';

// ------------------------------------------------------------------ PNG

export type PngTextChunk = { type: 'tEXt' | 'iTXt' | 'zTXt'; key: string; text: string };

export function pngChunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

export function pngTextData(chunk: PngTextChunk): Buffer {
  const key = Buffer.from(chunk.key, 'latin1');
  if (chunk.type === 'tEXt') return Buffer.concat([key, Buffer.from([0]), Buffer.from(chunk.text, 'latin1')]);
  if (chunk.type === 'zTXt') return Buffer.concat([key, Buffer.from([0, 0]), zlib.deflateSync(Buffer.from(chunk.text, 'latin1'))]);
  return Buffer.concat([key, Buffer.from([0, 0, 0, 0, 0]), Buffer.from(chunk.text, 'utf8')]);
}

/** Inserts chunks right after IHDR (where generators put them). */
export function addPngChunks(png: Uint8Array, chunks: Buffer[]): Buffer {
  const buf = Buffer.from(png);
  const ihdrEnd = 8 + 12 + buf.readUInt32BE(8);
  return Buffer.concat([buf.subarray(0, ihdrEnd), ...chunks, buf.subarray(ihdrEnd)]);
}

export function addPngText(png: Uint8Array, texts: PngTextChunk[]): Buffer {
  return addPngChunks(png, texts.map((t) => pngChunk(t.type, pngTextData(t))));
}

// ------------------------------------------------------------------ EXIF

export type UserCommentEncoding = 'unicode-be' | 'unicode-le' | 'ascii' | 'none';

export interface ExifFields {
  byteOrder?: 'le' | 'be';
  ImageDescription?: string;
  Make?: string;
  Model?: string;
  Software?: string;
  XPComment?: string;
  UserComment?: { text: string; encoding: UserCommentEncoding };
  DateTimeOriginal?: string;
}

interface IfdEntry {
  tag: number;
  type: number;
  count: number;
  data: Buffer;
}

function userCommentBytes(text: string, encoding: UserCommentEncoding): Buffer {
  if (encoding === 'ascii') return Buffer.concat([Buffer.from('ASCII\0\0\0', 'latin1'), Buffer.from(text, 'utf8')]);
  if (encoding === 'none') return Buffer.from(text, 'utf8');
  const le = Buffer.from(text, 'utf16le');
  if (encoding === 'unicode-be') le.swap16();
  return Buffer.concat([Buffer.from('UNICODE\0', 'latin1'), le]);
}

function ascii(text: string): Buffer {
  return Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from([0])]);
}

/** Builds a TIFF structure: IFD0 (+ Exif sub-IFD when needed). */
export function buildExif(fields: ExifFields): Buffer {
  const le = (fields.byteOrder ?? 'le') === 'le';
  const u16 = (v: number) => {
    const b = Buffer.alloc(2);
    if (le) b.writeUInt16LE(v);
    else b.writeUInt16BE(v);
    return b;
  };
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    if (le) b.writeUInt32LE(v);
    else b.writeUInt32BE(v);
    return b;
  };
  const ifd0: IfdEntry[] = [];
  const exif: IfdEntry[] = [];
  const text = (list: IfdEntry[], tag: number, value: string | undefined) => {
    if (value === undefined) return;
    const data = ascii(value);
    list.push({ tag, type: 2, count: data.length, data });
  };
  text(ifd0, 0x010e, fields.ImageDescription);
  text(ifd0, 0x010f, fields.Make);
  text(ifd0, 0x0110, fields.Model);
  text(ifd0, 0x0131, fields.Software);
  if (fields.XPComment !== undefined) {
    const data = Buffer.concat([Buffer.from(fields.XPComment, 'utf16le'), Buffer.from([0, 0])]);
    ifd0.push({ tag: 0x9c9c, type: 1, count: data.length, data });
  }
  text(exif, 0x9003, fields.DateTimeOriginal);
  if (fields.UserComment) {
    const data = userCommentBytes(fields.UserComment.text, fields.UserComment.encoding);
    exif.push({ tag: 0x9286, type: 7, count: data.length, data });
  }
  const hasExif = exif.length > 0;
  const ifdSize = (n: number) => 2 + n * 12 + 4;
  const ifd0Count = ifd0.length + (hasExif ? 1 : 0);
  const ifd0Start = 8;
  const exifStart = ifd0Start + ifdSize(ifd0Count);
  let dataOffset = exifStart + (hasExif ? ifdSize(exif.length) : 0);
  const blobs: Buffer[] = [];
  const encodeIfd = (entries: IfdEntry[]): Buffer => {
    const out: Buffer[] = [];
    for (const e of [...entries].sort((a, b) => a.tag - b.tag)) {
      let value: Buffer;
      if (e.data.length <= 4) {
        value = Buffer.concat([e.data, Buffer.alloc(4 - e.data.length)]);
      } else {
        value = u32(dataOffset);
        blobs.push(e.data);
        if (e.data.length & 1) blobs.push(Buffer.from([0]));
        dataOffset += e.data.length + (e.data.length & 1);
      }
      out.push(Buffer.concat([u16(e.tag), u16(e.type), u32(e.count), value]));
    }
    return Buffer.concat(out);
  };
  const pointer: IfdEntry[] = hasExif ? [{ tag: 0x8769, type: 4, count: 1, data: u32(exifStart) }] : [];
  const ifd0Entries = encodeIfd([...ifd0, ...pointer]);
  const exifEntries = hasExif ? encodeIfd(exif) : Buffer.alloc(0);
  const header = Buffer.concat([Buffer.from(le ? 'II' : 'MM', 'latin1'), u16(42), u32(ifd0Start)]);
  return Buffer.concat([
    header,
    u16(ifd0Count),
    ifd0Entries,
    u32(0),
    ...(hasExif ? [u16(exif.length), exifEntries, u32(0)] : []),
    ...blobs,
  ]);
}

// ------------------------------------------------------------------ JPEG

function jpegSegment(marker: number, payload: Buffer): Buffer {
  if (payload.length + 2 > 0xffff) throw new Error('JPEG segment too large');
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

/** Adds an EXIF APP1 segment (and optionally a COM comment) right after SOI / APP0. */
export function addJpegMetadata(jpeg: Uint8Array, options: { exif?: Buffer; comment?: string; xmp?: string }): Buffer {
  const buf = Buffer.from(jpeg);
  let insertAt = 2;
  if (buf[2] === 0xff && buf[3] === 0xe0) insertAt = 4 + buf.readUInt16BE(4);
  const segments: Buffer[] = [];
  if (options.exif) segments.push(jpegSegment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), options.exif])));
  if (options.xmp) segments.push(jpegSegment(0xe1, Buffer.concat([Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1'), Buffer.from(options.xmp, 'utf8')])));
  if (options.comment !== undefined) segments.push(jpegSegment(0xfe, Buffer.from(options.comment, 'utf8')));
  return Buffer.concat([buf.subarray(0, insertAt), ...segments, buf.subarray(insertAt)]);
}

// ------------------------------------------------------------------ WebP

function riffChunk(fourcc: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.write(fourcc, 0, 'latin1');
  head.writeUInt32LE(data.length, 4);
  return Buffer.concat([head, data, data.length & 1 ? Buffer.from([0]) : Buffer.alloc(0)]);
}

/** Rewraps a simple WebP into the extended (VP8X) layout with EXIF and/or XMP chunks. */
export function addWebpMetadata(webp: Uint8Array, width: number, height: number, options: { exif?: Buffer; xmp?: string }): Buffer {
  const buf = Buffer.from(webp);
  const chunks: Buffer[] = [];
  let hasAlpha = false;
  for (let pos = 12; pos + 8 <= buf.length; ) {
    const fourcc = buf.toString('latin1', pos, pos + 4);
    const size = buf.readUInt32LE(pos + 4);
    const data = buf.subarray(pos + 8, pos + 8 + size);
    if (fourcc === 'ALPH') hasAlpha = true;
    if (fourcc === 'VP8L' && (data.readUInt32LE(1) >>> 28) & 1) hasAlpha = true;
    if (fourcc !== 'VP8X' && fourcc !== 'EXIF' && fourcc !== 'XMP ') chunks.push(riffChunk(fourcc, data));
    pos += 8 + size + (size & 1);
  }
  const vp8x = Buffer.alloc(10);
  vp8x[0] = (hasAlpha ? 0x10 : 0) | (options.exif ? 0x08 : 0) | (options.xmp ? 0x04 : 0);
  vp8x.writeUIntLE(width - 1, 4, 3);
  vp8x.writeUIntLE(height - 1, 7, 3);
  const body = Buffer.concat([
    Buffer.from('WEBP', 'latin1'),
    riffChunk('VP8X', vp8x),
    ...chunks,
    ...(options.exif ? [riffChunk('EXIF', options.exif)] : []),
    ...(options.xmp ? [riffChunk('XMP ', Buffer.from(options.xmp, 'utf8'))] : []),
  ]);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

// ------------------------------------------------------------------ hidden LSB payloads

/**
 * Writes a stealth payload into raw 8-bit pixels (column-major LSBs), as A1111's stealth-pnginfo
 * and NovelAI do: signature, 32-bit length in bits, payload (gzip'd for the *comp modes).
 */
export function embedStealth(pixels: Buffer, width: number, height: number, channels: number, text: string, mode: 'stealth_pnginfo' | 'stealth_pngcomp' | 'stealth_rgbinfo' | 'stealth_rgbcomp'): Buffer {
  const out = Buffer.from(pixels);
  const payload = mode.endsWith('comp') ? zlib.gzipSync(Buffer.from(text, 'utf8')) : Buffer.from(text, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(payload.length * 8);
  const data = Buffer.concat([Buffer.from(mode, 'latin1'), length, payload]);
  const lanes = mode.includes('rgb') ? [0, 1, 2] : [channels - 1];
  let x = 0;
  let y = 0;
  let lane = 0;
  for (const byte of data) {
    for (let b = 7; b >= 0; b--) {
      if (x >= width) throw new Error('payload does not fit in the image');
      const i = (y * width + x) * channels + lanes[lane];
      out[i] = (out[i] & 0xfe) | ((byte >> b) & 1);
      if (++lane === lanes.length) {
        lane = 0;
        if (++y === height) {
          y = 0;
          x++;
        }
      }
    }
  }
  return out;
}

// ------------------------------------------------------------------ C2PA (JUMBF)

export interface JumbfSpec {
  label: string;
  /** 4-character content type code of the description box UUID (`c2pa`, `c2ma`, `c2as`, `c2cl`, `cbor`…). */
  type: string;
  children?: JumbfSpec[];
  cbor?: Uint8Array;
}

function box(type: string, payload: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(payload.length + 8, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, payload]);
}

/** Builds a JUMBF superbox tree (the C2PA ISO UUID suffix follows the 4-character type). */
export function jumbf(spec: JumbfSpec): Buffer {
  const uuid = Buffer.concat([Buffer.from(spec.type, 'latin1'), Buffer.from('0011001080000000aa00389b71', 'hex').subarray(0, 12)]);
  const description = box('jumd', Buffer.concat([uuid, Buffer.from([0x03]), Buffer.from(`${spec.label}\0`, 'utf8')]));
  const content = [...(spec.children ?? []).map(jumbf), ...(spec.cbor ? [box('cbor', spec.cbor)] : [])];
  return box('jumb', Buffer.concat([description, ...content]));
}

/** Splits a JUMBF store over JPEG APP11 segments the way C2PA writers do (box header repeated). */
export function addJpegJumbf(jpeg: Uint8Array, store: Buffer, packetSize = 60_000): Buffer {
  const buf = Buffer.from(jpeg);
  const header = store.subarray(0, 8);
  const body = store.subarray(8);
  const segments: Buffer[] = [];
  for (let offset = 0, seq = 1; offset < body.length; offset += packetSize, seq++) {
    const chunk = body.subarray(offset, offset + packetSize);
    const ci = Buffer.alloc(8);
    ci.write('JP', 0, 'latin1');
    ci.writeUInt16BE(1, 2);
    ci.writeUInt32BE(seq, 4);
    segments.push(jpegSegment(0xeb, Buffer.concat([ci, header, chunk])));
  }
  return Buffer.concat([buf.subarray(0, 2), ...segments, buf.subarray(2)]);
}

/**
 * Real JPEG XL codestreams from libjxl 0.7 (Debian's ffmpeg: `ffmpeg -f lavfi -i
 * "color=c=red@0.5:s=37x23,format=rgba" -frames:v 1 -c:v libjxl x.jxl`, and `color=c=blue:s=64x48`),
 * kept as bytes because sharp's prebuilt libvips has no JPEG XL encoder. 37×23 with alpha spells
 * its size out in full; 64×48 as a multiple of 8 and a 4:3 ratio.
 */
export const JXL_CODESTREAM_37X23_RGBA = Buffer.from(
  'ff0ab00048809d004880280030025de5120000152aa38c1bbc9cebf9f24387c5b48deb0c6db56d010000003c807f258963629d575e0656bd9cc090813c287c98e9a4a0a0d9888c31c648310683317840acc898314e0c664d8c714ed8fb2f00fc7197f7de7befd19dbcf7de7befe7efbdf7deab3b79efbdf73eb1d3fbc32b3a120690e00280571e2614415253d0c02e4d008c44e88d059e584902',
  'hex',
);
export const JXL_CODESTREAM_64X48_RGB = Buffer.from('ff0acb0600128802001c015de5120000152aa38c1bbc9cebf9f24387c5b48deb0c6db56d6149a2c838364927700829907e3106e362705cbc182f06e7c5631ce85a047c80252fcc114e1040823002d8be9204', 'hex');

export interface JxlMetadataBox {
  /** `Exif` (a TIFF structure; the writer adds the 4-byte header offset), `xml ` (XMP) or `jumb` (a whole JUMBF superbox, e.g. C2PA). */
  type: 'Exif' | 'xml ' | 'jumb';
  data: Uint8Array;
  /** Brotli-compressed in a `brob` box, as `cjxl --compress_boxes` and libjxl's JxlEncoderAddBox(compress) write it. */
  brotli?: boolean;
}

/**
 * A JPEG XL container the way libjxl's encoder lays one out (ISO/IEC 18181-2): the signature box,
 * `ftyp` (`jxl `), the metadata boxes, then the codestream — in one `jxlc` box, or with `parts`
 * split over `jxlp` boxes (4-byte part index, the last one flagged), which is how libjxl writes a
 * codestream when boxes follow it.
 */
export function jxlContainer(codestream: Uint8Array, metadata: JxlMetadataBox[], options: { parts?: number } = {}): Buffer {
  const signature = Buffer.from('0000000c4a584c200d0a870a', 'hex');
  const ftyp = box('ftyp', Buffer.from('jxl \0\0\0\0jxl ', 'latin1'));
  const meta = metadata.map((m) => {
    const content = m.type === 'jumb' ? m.data.subarray(8) : m.type === 'Exif' ? Buffer.concat([Buffer.alloc(4), m.data]) : m.data;
    return m.brotli ? box('brob', Buffer.concat([Buffer.from(m.type, 'latin1'), zlib.brotliCompressSync(content)])) : box(m.type, content);
  });
  const parts = options.parts ?? 0;
  if (parts <= 1) return Buffer.concat([signature, ftyp, ...meta, box('jxlc', codestream)]);
  const step = Math.ceil(codestream.length / parts);
  const jxlp = Array.from({ length: parts }, (_, i) => {
    const index = Buffer.alloc(4);
    index.writeUInt32BE((i === parts - 1 ? 0x80000000 : 0) + i);
    return box('jxlp', Buffer.concat([index, codestream.subarray(i * step, (i + 1) * step)]));
  });
  // The first part (the header) before the metadata, the rest after it.
  return Buffer.concat([signature, ftyp, jxlp[0], ...meta, ...jxlp.slice(1)]);
}

const IPTC_DATASETS: Record<string, number> = { ObjectName: 5, Keywords: 25, 'By-line': 80, Headline: 105, Credit: 110, 'Caption-Abstract': 120 };

/**
 * A JPEG with an APP13 segment as Photoshop and exiftool write IPTC IIM: `Photoshop 3.0\0`, one
 * `8BIM` resource 0x0404 (empty Pascal name) holding 1:90 = UTF-8 and the record-2 datasets given
 * (a list repeats its dataset, as Keywords do), inserted after SOI.
 */
export function addJpegIptc(jpeg: Uint8Array, datasets: Record<string, string | string[]>): Buffer {
  const record = (rec: number, dataset: number, value: Buffer) => {
    const head = Buffer.from([0x1c, rec, dataset, 0, 0]);
    head.writeUInt16BE(value.length, 3);
    return Buffer.concat([head, value]);
  };
  const iim = Buffer.concat([
    record(1, 90, Buffer.from('\x1b%G', 'latin1')),
    ...Object.entries(datasets).flatMap(([key, value]) => (Array.isArray(value) ? value : [value]).map((v) => record(2, IPTC_DATASETS[key], Buffer.from(v, 'utf8')))),
  ]);
  const size = Buffer.alloc(4);
  size.writeUInt32BE(iim.length);
  const resource = Buffer.concat([Buffer.from('8BIM', 'latin1'), Buffer.from([0x04, 0x04, 0, 0]), size, iim, Buffer.alloc(iim.length & 1)]);
  const buf = Buffer.from(jpeg);
  return Buffer.concat([buf.subarray(0, 2), jpegSegment(0xed, Buffer.concat([Buffer.from('Photoshop 3.0\0', 'latin1'), resource])), buf.subarray(2)]);
}
