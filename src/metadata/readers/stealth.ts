/**
 * Hidden LSB payloads ("stealth pnginfo", NovelAI's alpha-channel copy): bits read column by column
 * from the low bit of the alpha channel (`stealth_pnginfo` / `stealth_pngcomp`, gzip) or of R, G, B
 * (`stealth_rgbinfo` / `stealth_rgbcomp`). A 15-byte signature, a 32-bit payload length in bits,
 * then the payload.
 *
 * Cheap first: only the rows the signature lives in (the first pixel column) are inflated and
 * unfiltered; the whole image is decoded only when a signature is found. Written here because the
 * PNG decoders on npm decode whole images, which is exactly what this must avoid.
 */
import zlib from 'node:zlib';
import type { MetadataEntry } from '../types.js';
import { decodeUtf8 } from '../text.js';

const SIGNATURE_BYTES = 15;
const ALPHA_SIGNATURES = new Set(['stealth_pnginfo', 'stealth_pngcomp']);
const RGB_SIGNATURES = new Set(['stealth_rgbinfo', 'stealth_rgbcomp']);
/** Decoded image data we accept for a full decode (a 4096² RGBA image). */
const MAX_RAW_BYTES = 4096 * 4096 * 4 + 4096;
const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;

export interface PngLayout {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
  idat: Uint8Array[];
}

function channelsOf(colorType: number): number {
  return colorType === 6 ? 4 : colorType === 2 ? 3 : colorType === 4 ? 2 : colorType === 0 ? 1 : 0;
}

/** The first `take` bytes of the image stream, copying only the IDAT chunks needed. */
function streamPrefix(idat: Uint8Array[], take: number): Uint8Array {
  if (idat[0].length >= take) return idat[0].subarray(0, take);
  const parts: Uint8Array[] = [];
  let have = 0;
  for (const chunk of idat) {
    if (have >= take) break;
    parts.push(chunk.subarray(0, take - have));
    have += parts[parts.length - 1].length;
  }
  return Buffer.concat(parts);
}

/** Inflates at least `bytes` of the image stream (or all of it) without failing on a cut-off input. */
function inflatePrefix(idat: Uint8Array[], bytes: number): Buffer {
  const total = idat.reduce((a, c) => a + c.length, 0);
  // Start near a typical 2:1 ratio and grow: each try re-inflates from the start, so keep tries few.
  for (let take = Math.min(total, Math.max(2048, bytes >> 2)); ; take = Math.min(total, take * 2)) {
    // Z_SYNC_FLUSH: a cut-off stream yields what it has instead of an error; the cap bounds a bomb.
    const out = zlib.inflateSync(streamPrefix(idat, take), { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: MAX_RAW_BYTES });
    if (out.length >= bytes || take >= total) return out;
  }
}

/**
 * Undoes PNG row filters for the first `columns` pixels of the first `rows` rows of 8-bit data.
 * Every filter reads only bytes to the left and above, so a column prefix decodes on its own:
 * the signature needs column 0 only, a payload only its first few columns.
 */
function unfilter(data: Buffer, width: number, channels: number, rows: number, columns = width): Uint8Array[] {
  const stride = width * channels;
  const span = Math.min(width, columns) * channels;
  const out: Uint8Array[] = [];
  let prev = new Uint8Array(span);
  for (let y = 0; y < rows; y++) {
    const start = y * (stride + 1);
    if (start + span + 1 > data.length) break;
    const filter = data[start];
    const line = new Uint8Array(data.subarray(start + 1, start + 1 + span));
    for (let i = 0; i < span; i++) {
      const a = i >= channels ? line[i - channels] : 0;
      const b = prev[i];
      const c = i >= channels ? prev[i - channels] : 0;
      switch (filter) {
        case 1:
          line[i] = (line[i] + a) & 0xff;
          break;
        case 2:
          line[i] = (line[i] + b) & 0xff;
          break;
        case 3:
          line[i] = (line[i] + ((a + b) >> 1)) & 0xff;
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          line[i] = (line[i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
          break;
        }
      }
    }
    out.push(line);
    prev = line;
  }
  return out;
}

/** Reads LSBs column-major: for each x, every y. */
class BitReader {
  private x = 0;
  private y = 0;
  private sub = 0;
  constructor(
    private readonly rows: Uint8Array[],
    private readonly width: number,
    private readonly channels: number,
    private readonly lanes: number[],
  ) {}

  bit(): number | null {
    if (this.x >= this.width || this.y >= this.rows.length) return null;
    const v = this.rows[this.y][this.x * this.channels + this.lanes[this.sub]] & 1;
    if (++this.sub === this.lanes.length) {
      this.sub = 0;
      if (++this.y === this.rows.length) {
        this.y = 0;
        this.x++;
      }
    }
    return v;
  }

  bytes(n: number): Uint8Array | null {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      let byte = 0;
      for (let b = 0; b < 8; b++) {
        const bit = this.bit();
        if (bit === null) return null;
        byte = (byte << 1) | bit;
      }
      out[i] = byte;
    }
    return out;
  }
}

function signatureAt(rows: Uint8Array[], columns: number, channels: number, lanes: number[]): string | null {
  const sig = new BitReader(rows, columns, channels, lanes).bytes(SIGNATURE_BYTES);
  return sig ? Buffer.from(sig).toString('latin1') : null;
}

export function readStealthPng(layout: PngLayout, warnings: string[]): MetadataEntry[] {
  if (layout.bitDepth !== 8 || layout.interlace !== 0 || layout.idat.length === 0) return [];
  const channels = channelsOf(layout.colorType);
  const hasAlpha = layout.colorType === 6 || layout.colorType === 4;
  const hasRgb = layout.colorType === 6 || layout.colorType === 2;
  if (!hasAlpha && !hasRgb) return [];
  const stride = layout.width * channels + 1;
  if (stride * layout.height > MAX_RAW_BYTES) return [];
  const alphaLanes = [channels - 1];
  const rgbLanes = [0, 1, 2];
  try {
    // The signature needs 120 bits from column 0: 120 rows of alpha, or 40 rows of RGB. Almost no
    // image has one, so first look at the rows holding its first byte ('s') and stop there if absent.
    const rowsFor = (bytes: number, lanes: number) => Math.min(layout.height, Math.ceil((bytes * 8) / lanes));
    const small = layout.height < 120; // the signature may spill into column 1: decode whole rows
    const columns = small ? layout.width : 1;
    const candidates: { lanes: number[]; signatures: Set<string> }[] = [];
    if (hasAlpha) candidates.push({ lanes: alphaLanes, signatures: ALPHA_SIGNATURES });
    if (hasRgb) candidates.push({ lanes: rgbLanes, signatures: RGB_SIGNATURES });
    let mode: { sig: string; lanes: number[] } | null = null;
    let rows: Uint8Array[] = [];
    for (const stage of [1, SIGNATURE_BYTES]) {
      const need = small ? layout.height : Math.max(...candidates.map((c) => rowsFor(stage, c.lanes.length)));
      if (rows.length < need) rows = unfilter(inflatePrefix(layout.idat, need * stride), layout.width, channels, need, columns);
      const alive = candidates.filter((c) => {
        const head = new BitReader(rows, columns, channels, c.lanes).bytes(stage);
        return head !== null && [...c.signatures].some((sig) => sig.startsWith(Buffer.from(head).toString('latin1')));
      });
      candidates.splice(0, candidates.length, ...alive);
      if (candidates.length === 0) return [];
    }
    for (const c of candidates) {
      const sig = signatureAt(rows, columns, channels, c.lanes);
      if (sig && c.signatures.has(sig)) {
        mode = { sig, lanes: c.lanes };
        break;
      }
    }
    if (!mode) return [];
    // Signature found: inflate the image, unfilter only the columns the length header needs…
    const data = inflatePrefix(layout.idat, layout.height * stride);
    const bitsPerColumn = layout.height * mode.lanes.length;
    const headerColumns = Math.ceil(((SIGNATURE_BYTES + 4) * 8) / bitsPerColumn);
    const header = new BitReader(unfilter(data, layout.width, channels, layout.height, headerColumns), headerColumns, channels, mode.lanes);
    header.bytes(SIGNATURE_BYTES);
    const lengthBytes = header.bytes(4);
    if (!lengthBytes) return [];
    const bits = new DataView(lengthBytes.buffer).getUint32(0);
    const length = Math.floor(bits / 8);
    if (length === 0 || length > MAX_PAYLOAD_BYTES) {
      warnings.push(`${mode.sig} payload length ${length} is not plausible`);
      return [];
    }
    // …then the columns the payload needs.
    const payloadColumns = Math.min(layout.width, Math.ceil(((SIGNATURE_BYTES + 4 + length) * 8) / bitsPerColumn));
    const reader = new BitReader(unfilter(data, layout.width, channels, layout.height, payloadColumns), payloadColumns, channels, mode.lanes);
    reader.bytes(SIGNATURE_BYTES + 4);
    const payload = reader.bytes(length);
    if (!payload) {
      warnings.push(`${mode.sig} payload runs past the image`);
      return [];
    }
    const compressed = mode.sig.endsWith('comp');
    const text = decodeUtf8(compressed ? zlib.gunzipSync(payload, { maxOutputLength: MAX_PAYLOAD_BYTES }) : payload);
    const carrier = `stealth:${mode.sig}`;
    // A JSON payload (NovelAI) is a dictionary of chunks, unwrapped like any other; text is infotext.
    return [{ key: text.trimStart().startsWith('{') ? 'stealth' : 'parameters', text, carrier }];
  } catch (err) {
    warnings.push(`hidden LSB payload unreadable: ${(err as Error).message}`);
    return [];
  }
}
