/**
 * Per-file bounds on metadata reading, whatever a file claims: a hostile file may repeat a chunk
 * 150,000 times or hold sixty 16 MiB zTXt bombs, and each chunk alone is within the per-chunk
 * limits. The budget counts across the whole file; what it cuts is reported as one warning.
 */
import type { MetadataEntry } from './types.js';

const MIB = 1024 * 1024;

function envBytes(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback;
}

/** Text decoded or inflated from one file, all chunks together (`VV_MAX_TEXT_BYTES`). */
export const MAX_FILE_TEXT_BYTES = envBytes('VV_MAX_TEXT_BYTES', 64 * MIB);
/**
 * Text entries kept per file. Generators write 1–30 (Easy Diffusion's per-setting chunks are the
 * most); thousands are an attack, and every entry costs a parse, a raw key and search text.
 */
export const MAX_FILE_ENTRIES = 1000;
/** EXIF / XMP / C2PA blocks parsed per file: each is a full parse (exifr, XML, CBOR); files carry 1–3. */
export const MAX_FILE_BLOCKS = 32;
/**
 * `raw` kept per file (key and text lengths, in characters). The largest real metadata seen, a
 * ComfyUI file with prompt + workflow of big subgraphs, is under 2 MiB; 4 MiB keeps two entries at
 * the per-entry limit while a stored record (and a `vv meta` line) stays a few MiB.
 */
export const MAX_RAW_CHARS = 4 * MIB;
/** One raw entry's text beyond this is cut (the original file keeps everything). */
export const MAX_RAW_ENTRY_CHARS = 2 * MIB;
/** JSON nested deeper is kept as text, not parsed: every later walk, and JSON.stringify, recurses. */
export const MAX_JSON_DEPTH = 256;

interface Cut {
  count: number;
  bytes: number;
  /** What `bytes` measures, when not the text itself. */
  unit: string;
}

const formatBytes = (n: number) => (n >= MIB ? `${(n / MIB).toFixed(1)} MiB` : n >= 1024 ? `${Math.round(n / 1024)} KiB` : `${n} bytes`);

/** What one file may still spend; readers ask before decoding, inflating or parsing. */
export class ReadBudget {
  private textLeft: number;
  private entriesLeft = MAX_FILE_ENTRIES;
  private blocksLeft = MAX_FILE_BLOCKS;
  private readonly cuts = new Map<string, Cut>();

  constructor(readonly maxTextBytes = MAX_FILE_TEXT_BYTES) {
    this.textLeft = maxTextBytes;
  }

  private cut(what: string, bytes: number, unit = ''): void {
    const c = this.cuts.get(what) ?? { count: 0, bytes: 0, unit };
    c.count++;
    c.bytes += bytes;
    this.cuts.set(what, c);
  }

  /** Largest inflated size a compressed chunk may have now (0: none left, do not inflate). */
  inflateLimit(perChunk: number): number {
    return Math.min(perChunk, this.textLeft);
  }

  /** Takes `bytes` of text for `what` (e.g. `PNG zTXt chunk`); false, and counted as cut, when they do not fit. */
  text(what: string, bytes: number): boolean {
    if (bytes > this.textLeft) {
      this.cut(`${what}s over the ${formatBytes(this.maxTextBytes)} per-file text limit`, bytes);
      return false;
    }
    this.textLeft -= bytes;
    return true;
  }

  /** Records text that could not be taken because inflating it would pass the per-file limit. */
  overflow(what: string, compressedBytes: number): void {
    this.cut(`${what}s that inflate past the ${formatBytes(this.maxTextBytes)} per-file text limit`, compressedBytes, ' compressed');
  }

  /** Whether another EXIF / XMP / C2PA block may be parsed. */
  block(what: string, bytes: number): boolean {
    if (this.blocksLeft <= 0) {
      this.cut(`${what} blocks beyond the first ${MAX_FILE_BLOCKS}`, bytes);
      return false;
    }
    this.blocksLeft--;
    return true;
  }

  /**
   * True (and counted as cut) when no more entries fit: the caller skips decoding the chunk. Files
   * with 150k comments spend their time decoding text that would be dropped.
   */
  entriesFull(what: string, bytes: number): boolean {
    if (this.entriesLeft > 0) return false;
    this.cut(`text entries beyond the first ${MAX_FILE_ENTRIES}`, bytes);
    return true;
  }

  /** Appends entries while the per-file entry count allows. */
  push(into: MetadataEntry[], entries: MetadataEntry[]): void {
    for (const entry of entries) {
      if (this.entriesLeft <= 0) {
        this.cut(`text entries beyond the first ${MAX_FILE_ENTRIES}`, entry.text.length);
        continue;
      }
      this.entriesLeft--;
      into.push(entry);
    }
  }

  /** One warning naming everything cut, or none. */
  warnings(): string[] {
    if (this.cuts.size === 0) return [];
    const parts = [...this.cuts].map(([what, c]) => `${c.count.toLocaleString('en-US')} ${what} (${formatBytes(c.bytes)}${c.unit})`);
    return [`metadata cut to the per-file limits, not read: ${parts.join('; ')}`];
  }
}

/** True when JSON text nests deeper than `limit` (brackets inside strings do not count). Linear. */
export function jsonDeeperThan(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
