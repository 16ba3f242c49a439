/**
 * JUMBF (ISO 19566-5) boxes, the container of C2PA manifest stores: a tree of labelled
 * superboxes (`jumb` with a `jumd` description) holding content boxes (`cbor`, `json`, …).
 */
import { decodeLatin1, decodeUtf8 } from '../text.js';

export interface JumbfBox {
  label: string | null;
  /** Content type UUID from the description box, hex. */
  type: string;
  children: JumbfBox[];
  content: { type: string; bytes: Uint8Array }[];
}

const MAX_DEPTH = 16;
const MAX_BOXES = 10_000;

interface RawBox {
  type: string;
  payload: Uint8Array;
}

function* boxes(buf: Uint8Array): Generator<RawBox> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  let n = 0;
  while (pos + 8 <= buf.length && n++ < MAX_BOXES) {
    let size = view.getUint32(pos);
    const type = decodeLatin1(buf.subarray(pos + 4, pos + 8));
    let header = 8;
    if (size === 1) {
      if (pos + 16 > buf.length) return;
      const big = view.getBigUint64(pos + 8);
      if (big > BigInt(buf.length - pos)) return;
      size = Number(big);
      header = 16;
    } else if (size === 0) size = buf.length - pos;
    if (size < header || pos + size > buf.length) return;
    yield { type, payload: buf.subarray(pos + header, pos + size) };
    pos += size;
  }
}

function parseSuperbox(payload: Uint8Array, depth: number): JumbfBox | null {
  if (depth > MAX_DEPTH) return null;
  const box: JumbfBox = { label: null, type: '', children: [], content: [] };
  let first = true;
  for (const child of boxes(payload)) {
    if (first) {
      first = false;
      if (child.type !== 'jumd' || child.payload.length < 17) return null;
      box.type = Buffer.from(child.payload.subarray(0, 16)).toString('hex');
      const toggles = child.payload[16];
      if (toggles & 0x02) {
        const end = child.payload.indexOf(0, 17);
        box.label = decodeUtf8(child.payload.subarray(17, end < 0 ? child.payload.length : end));
      }
      continue;
    }
    if (child.type === 'jumb') {
      const sub = parseSuperbox(child.payload, depth + 1);
      if (sub) box.children.push(sub);
    } else {
      box.content.push({ type: child.type, bytes: child.payload });
    }
  }
  return first ? null : box;
}

/** Parses a JUMBF byte string (one or more top-level `jumb` boxes). */
export function parseJumbf(bytes: Uint8Array): JumbfBox[] {
  const out: JumbfBox[] = [];
  for (const top of boxes(bytes)) {
    if (top.type !== 'jumb') continue;
    const box = parseSuperbox(top.payload, 0);
    if (box) out.push(box);
  }
  return out;
}
