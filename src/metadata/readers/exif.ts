/**
 * EXIF (a TIFF structure, found in JPEG APP1, PNG eXIf, WebP EXIF, AVIF Exif items) → entries.
 * IFD walking is exifr's; this module only decides which tags are metadata and how their bytes decode.
 */
import type exifrModule from 'exifr';
import type { MetadataEntry } from '../types.js';
import { decodeUserComment, decodeUtf16Guess, decodeUtf8OrLatin1, trimNul } from '../text.js';

export interface ExifResult {
  entries: MetadataEntry[];
  dateTimeOriginal: string | null;
}

const EXIFR_OPTIONS: Record<string, boolean> = {
  tiff: true,
  ifd0: true,
  exif: true,
  gps: false,
  interop: false,
  ifd1: false,
  xmp: false,
  icc: false,
  iptc: false,
  jfif: false,
  ihdr: false,
  makerNote: false,
  userComment: true,
  translateKeys: true,
  translateValues: false,
  reviveValues: false,
  sanitize: true,
  mergeOutput: false,
  silentErrors: true,
};

/** Tags whose text carries generation metadata, by the name exifr gives them. */
const TEXT_TAGS = ['ImageDescription', 'Make', 'Model', 'Software', 'Artist', 'Copyright', 'DocumentName'] as const;
const XP_TAGS: Record<string, number> = { XPComment: 0x9c9c, XPTitle: 0x9c9b, XPSubject: 0x9c9f, XPKeywords: 0x9c9e };
const USER_COMMENT_TAG = 0x9286;

/** Strips the `Exif\0\0` header some containers keep in front of the TIFF bytes. */
export function tiffBytes(blob: Uint8Array): Uint8Array {
  if (blob.length > 6 && blob[0] === 0x45 && blob[1] === 0x78 && blob[2] === 0x69 && blob[3] === 0x66 && blob[4] === 0 && blob[5] === 0) {
    return blob.subarray(6);
  }
  return blob;
}

function asBytes(value: unknown): Uint8Array | null {
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return Uint8Array.from(value as number[]);
  return null;
}

function textOf(value: unknown): string | null {
  // Some writers pad text tags with NULs on either side (NovelAI's WebP ImageDescription).
  const clean = (t: string) => trimNul(t).replace(/^\0+/, '').trim();
  if (typeof value === 'string') return clean(value);
  const bytes = asBytes(value);
  if (bytes) return clean(decodeUtf8OrLatin1(bytes));
  return null;
}

/** `2024:05:10 13:45:00` → `2024-05-10T13:45:00`; null when not a plausible date. */
export function exifDateToIso(value: unknown): string | null {
  const text = textOf(value);
  if (!text) return null;
  const m = /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(text);
  if (!m || m[1] === '0000') return null;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`;
}

// Loaded on the first EXIF block: a folder of PNGs never pays for it (start-up of `vv meta`).
let exifrLoading: Promise<typeof exifrModule> | null = null;
const loadExifr = () => (exifrLoading ??= import('exifr').then((m) => m.default));

export async function readExif(blob: Uint8Array, carrier: string): Promise<ExifResult> {
  const exifr = await loadExifr();
  const tiff = tiffBytes(blob);
  const result: ExifResult = { entries: [], dateTimeOriginal: null };
  if (tiff.length < 8) return result;
  const order: 'le' | 'be' = tiff[0] === 0x4d ? 'be' : 'le';
  if (!(tiff[0] === 0x49 && tiff[1] === 0x49) && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) return result;
  // exifr wants a Buffer it may slice; copy so a hostile offset cannot reach outside this blob.
  const parsed = (await exifr.parse(Buffer.from(tiff), EXIFR_OPTIONS as Parameters<typeof exifr.parse>[1]).catch(() => undefined)) as
    | Record<string, Record<string | number, unknown> | Uint8Array | undefined>
    | undefined;
  if (!parsed) return result;
  const ifd0 = (parsed.ifd0 ?? {}) as Record<string | number, unknown>;
  const exif = (parsed.exif ?? {}) as Record<string | number, unknown>;

  const userComment = parsed.userComment ?? exif.UserComment ?? ifd0[USER_COMMENT_TAG] ?? ifd0.UserComment;
  if (userComment !== undefined) {
    const bytes = asBytes(userComment);
    const text = bytes ? decodeUserComment(bytes, order) : textOf(userComment);
    if (text) result.entries.push({ key: 'UserComment', text, carrier: `${carrier}:UserComment` });
  }
  for (const tag of TEXT_TAGS) {
    const text = textOf(ifd0[tag]);
    if (text) result.entries.push({ key: tag, text, carrier: `${carrier}:${tag}` });
  }
  for (const [name, id] of Object.entries(XP_TAGS)) {
    const bytes = asBytes(ifd0[name] ?? ifd0[id]);
    if (bytes) {
      const text = decodeUtf16Guess(bytes, 'le').trim();
      if (text) result.entries.push({ key: name, text, carrier: `${carrier}:${name}` });
    }
  }
  result.dateTimeOriginal = exifDateToIso(exif.DateTimeOriginal) ?? exifDateToIso(exif.CreateDate) ?? exifDateToIso(ifd0.ModifyDate);
  return result;
}
