/** Byte → text decoding rules shared by the container readers. */
import { jsonDeeperThan } from './limits.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');
const utf16le = new TextDecoder('utf-16le');
const utf16be = new TextDecoder('utf-16be');

/** Largest text we decode from one entry; bigger ones are skipped with a warning (hostile files). */
export const MAX_TEXT_BYTES = 16 * 1024 * 1024;

/**
 * PNG tEXt is latin-1 by spec, but many generators write UTF-8 there anyway.
 * Valid UTF-8 is almost never intended latin-1, so prefer it.
 */
export function decodeUtf8OrLatin1(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return latin1.decode(bytes);
  }
}

export function decodeUtf8(bytes: Uint8Array): string {
  return lenientUtf8.decode(bytes);
}

export function decodeLatin1(bytes: Uint8Array): string {
  return latin1.decode(bytes);
}

/** Strips trailing NULs that C writers leave behind. */
export function trimNul(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0) end--;
  return end === text.length ? text : text.slice(0, end);
}

// C0 controls except tab and the line breaks (LF, and CR of CRLF endings, which prompts keep), and DEL.
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;
const CONTROLS = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

/**
 * Padding NULs and other control characters (EXIF written with fixed-size buffers, C strings) break
 * search, tags and copy-paste; no generator means them. Returns the same string when there are none.
 */
export function stripControls(text: string): string {
  if (!CONTROL.test(text)) return text;
  return text.replace(CONTROLS, '');
}

/** Nested JSON deeper than this is left as it is (a fixed bound, not one the input chooses). */
const MAX_CLEAN_DEPTH = 32;

/** `stripControls` over every string of a JSON-like value; unchanged parts are returned as they are (no copy). */
export function stripControlsDeep<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return stripControls(value) as T;
  if (value === null || typeof value !== 'object' || depth >= MAX_CLEAN_DEPTH) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const v = stripControlsDeep(value[i], depth + 1);
      if (v !== value[i]) (out ??= value.slice())[i] = v;
    }
    return (out ?? value) as T;
  }
  let out: Record<string, unknown> | null = null;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const cleaned = stripControlsDeep(v, depth + 1);
    if (cleaned !== v) (out ??= { ...(value as Record<string, unknown>) })[k] = cleaned;
  }
  return (out ?? value) as T;
}

/**
 * UTF-16 without reliable byte-order: EXIF says "the TIFF byte order", but piexif (A1111) writes
 * big-endian into little-endian files and others do the reverse. For text that is mostly ASCII the
 * zero bytes sit on the even (BE) or odd (LE) positions; count them, fall back to the hint.
 */
export function decodeUtf16Guess(bytes: Uint8Array, hint: 'le' | 'be'): string {
  let start = 0;
  let order = hint;
  if (bytes.length >= 2) {
    if (bytes[0] === 0xfe && bytes[1] === 0xff) {
      order = 'be';
      start = 2;
    } else if (bytes[0] === 0xff && bytes[1] === 0xfe) {
      order = 'le';
      start = 2;
    } else {
      let evenZeros = 0;
      let oddZeros = 0;
      const n = Math.min(bytes.length, 4096);
      for (let i = 0; i + 1 < n; i += 2) {
        if (bytes[i] === 0) evenZeros++;
        if (bytes[i + 1] === 0) oddZeros++;
      }
      if (evenZeros > oddZeros * 2) order = 'be';
      else if (oddZeros > evenZeros * 2) order = 'le';
    }
  }
  const body = bytes.subarray(start, start + ((bytes.length - start) & ~1));
  return trimNul((order === 'be' ? utf16be : utf16le).decode(body));
}

/**
 * EXIF UserComment: 8-byte character-code prefix, then the text. Handles ASCII, UNICODE (UTF-16 in
 * either order), JIS (decoded as UTF-8, which is what Japanese tools actually write), the undefined
 * prefix (8 NULs) and writers that omit the prefix altogether.
 */
export function decodeUserComment(bytes: Uint8Array, tiffOrder: 'le' | 'be'): string {
  const prefix = latin1.decode(bytes.subarray(0, 8));
  if (prefix === 'UNICODE\0') return decodeUtf16Guess(bytes.subarray(8), tiffOrder);
  if (prefix === 'ASCII\0\0\0' || prefix === 'JIS\0\0\0\0\0' || prefix === '\0\0\0\0\0\0\0\0') {
    return trimNul(decodeUtf8OrLatin1(bytes.subarray(8))).trim();
  }
  // No prefix: UTF-16 text shows as many NULs; otherwise treat as UTF-8.
  let zeros = 0;
  const n = Math.min(bytes.length, 256);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) zeros++;
  if (n > 8 && zeros > n / 4) return decodeUtf16Guess(bytes, tiffOrder);
  return trimNul(decodeUtf8OrLatin1(bytes)).trim();
}

/** True when bytes look like human text (used for data appended after the image). */
export function looksLikeText(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return false;
  }
  let control = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 9 && c !== 10 && c !== 13) control++;
  }
  return control <= text.length / 100;
}

const BIG_INTEGER_VALUE = /([:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g;

/**
 * Parses JSON without throwing; tolerates NaN/Infinity that Python's json.dumps emits. Integers too
 * large for a double (64-bit seeds) become decimal strings instead of silently losing digits.
 * JSON nested deeper than MAX_JSON_DEPTH is not parsed (undefined): everything downstream may recurse.
 */
export function parseJsonLoose(text: string): unknown {
  const t = trimNul(text).trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return undefined;
  if (jsonDeeperThan(t)) return undefined;
  try {
    if (/\d{16,}/.test(t)) {
      const quoted = t.replace(BIG_INTEGER_VALUE, (all, lead: string, digits: string) =>
        Number.isSafeInteger(Number(digits)) ? all : `${lead}"${digits}"`,
      );
      try {
        return JSON.parse(quoted);
      } catch {
        // A match inside a string broke the syntax: fall back to the plain parse.
      }
    }
    return JSON.parse(t);
  } catch {
    try {
      return JSON.parse(t.replace(/\bNaN\b/g, 'null').replace(/-?\bInfinity\b/g, 'null'));
    } catch {
      return undefined;
    }
  }
}
