/**
 * Synthetic MP4 and Matroska files, written box by box / element by element (no media data worth
 * decoding, headers only): seeds for the fuzz target and the hostile-container tests, which must run
 * without ffmpeg. Real ffmpeg-written files are made by test/unit/video-meta.test.ts.
 */

export function mp4Box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

const fullBox = (type: string, ...payload: Buffer[]) => mp4Box(type, Buffer.alloc(4), ...payload);
const u32 = (...values: number[]) => Buffer.concat(values.map((v) => Buffer.from([v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255])));
const u16 = (v: number) => Buffer.from([v >> 8, v & 255]);

/** An iTunes ilst item holding one UTF-8 `data` box. */
export function ilstItem(type: string, text: string): Buffer {
  return mp4Box(type, mp4Box('data', u32(1, 0), Buffer.from(text, 'utf8')));
}

export interface SyntheticMp4 {
  comment?: string;
  items?: Buffer[];
  frames?: number;
  fps?: number;
  width?: number;
  height?: number;
}

/** ftyp + moov (mvhd, one h264 video trak, udta/meta/ilst) + a small mdat. */
export function syntheticMp4(o: SyntheticMp4 = {}): Buffer {
  const frames = o.frames ?? 16;
  const fps = o.fps ?? 8;
  const timescale = 1000 * fps;
  const duration = (frames / fps) * 1000;
  const mvhd = fullBox('mvhd', u32(0, 0, 1000, duration), Buffer.alloc(80));
  const tkhd = fullBox('tkhd', Buffer.alloc(72), u32((o.width ?? 64) << 16, (o.height ?? 48) << 16));
  const mdhd = fullBox('mdhd', u32(0, 0, timescale, (frames / fps) * timescale), Buffer.alloc(4));
  const hdlr = fullBox('hdlr', u32(0), Buffer.from('vide', 'latin1'), Buffer.alloc(13));
  const sampleEntry = mp4Box('avc1', Buffer.alloc(6), u16(1), Buffer.alloc(16), u16(o.width ?? 64), u16(o.height ?? 48), Buffer.alloc(50));
  const stsd = fullBox('stsd', u32(1), sampleEntry);
  const stts = fullBox('stts', u32(1, frames, timescale / fps));
  const trak = mp4Box('trak', tkhd, mp4Box('mdia', mdhd, hdlr, mp4Box('minf', mp4Box('stbl', stsd, stts))));
  const items = [...(o.comment !== undefined ? [ilstItem('©cmt', o.comment)] : []), ...(o.items ?? [])];
  const meta = fullBox('meta', fullBox('hdlr', u32(0), Buffer.from('mdir', 'latin1'), Buffer.alloc(13)), mp4Box('ilst', Buffer.concat(items)));
  const moov = mp4Box('moov', mvhd, trak, mp4Box('udta', meta));
  return Buffer.concat([mp4Box('ftyp', Buffer.from('isom', 'latin1'), u32(512), Buffer.from('isomavc1mp41', 'latin1')), moov, mp4Box('mdat', Buffer.alloc(64, 0x55))]);
}

/** An EBML element: ID bytes as written, size as an 8-byte vint. */
export function ebml(id: number, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const idBytes: number[] = [];
  for (let v = id; v > 0; v = Math.floor(v / 256)) idBytes.unshift(v & 255);
  const size = Buffer.alloc(8);
  size.writeBigUInt64BE(BigInt(body.length) | (1n << 56n));
  return Buffer.concat([Buffer.from(idBytes), size, body]);
}

const ebmlUint = (id: number, v: number) => ebml(id, u32(v));
const ebmlString = (id: number, s: string) => ebml(id, Buffer.from(s, 'utf8'));
const ebmlFloat = (id: number, v: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(v);
  return ebml(id, b);
};

export const simpleTag = (name: string, value: string, ...nested: Buffer[]) => ebml(0x67c8, ebmlString(0x45a3, name), ebmlString(0x4487, value), ...nested);

export interface SyntheticMatroska {
  docType?: 'webm' | 'matroska';
  tags?: Buffer[];
  durationMs?: number;
  fps?: number;
}

/** EBML header + Segment (Info, Tracks with one VP9 track, Tags, one Cluster). */
export function syntheticMatroska(o: SyntheticMatroska = {}): Buffer {
  const header = ebml(0x1a45dfa3, ebmlString(0x4282, o.docType ?? 'webm'));
  const info = ebml(0x1549a966, ebmlUint(0x2ad7b1, 1_000_000), ebmlFloat(0x4489, o.durationMs ?? 2000), ebmlString(0x5741, 'synthetic'));
  const video = ebml(0xe0, ebmlUint(0xb0, 64), ebmlUint(0xba, 48));
  const track = ebml(0xae, ebmlUint(0xd7, 1), ebmlUint(0x83, 1), ebmlString(0x86, 'V_VP9'), ebmlUint(0x23e383, Math.round(1e9 / (o.fps ?? 8))), video);
  const tags = ebml(0x1254c367, ebml(0x7373, ebml(0x63c0), Buffer.concat(o.tags ?? [])));
  const cluster = ebml(0x1f43b675, ebmlUint(0xe7, 0), ebml(0xa3, Buffer.alloc(64, 0x55)));
  return Buffer.concat([header, ebml(0x18538067, info, ebml(0x1654ae6b, track), tags, cluster)]);
}
