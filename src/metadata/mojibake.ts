/**
 * Repair of text that was decoded with the wrong encoding once and saved back: UTF-16 read in the
 * wrong byte order (`a cat` → `愀 挀愀琀`), and UTF-8 read as Latin-1/Windows-1252 (`テスト` → `ãƒ†ã‚¹ãƒˆ`).
 * Each repair must be unambiguous on its own; the caller decides whether the repaired text wins.
 */

export type MojibakeKind = 'utf16-byte-swap' | 'utf8-as-latin1';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Windows-1252 characters of 0x80–0x9F, back to their byte. */
const CP1252_BYTES = new Map<number, number>(
  [0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0, 0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178]
    .map((cp, i) => [cp, 0x80 + i] as [number, number])
    .filter(([cp]) => cp !== 0),
);

// U+FFFD stands for a unit that was a lone surrogate when saved as UTF-8: that character is lost, the mark stays.
const swap = (c: number) => (c === 0xfffd ? c : ((c & 0xff) << 8) | (c >> 8));

/** Mostly code units whose low byte is 0 and high byte printable ASCII: UTF-16 read in the wrong order. */
function repairByteSwap(text: string): string | null {
  if (text.length < 4) return null;
  let swapped = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const hi = c >> 8;
    if ((c & 0xff) === 0 && ((hi >= 0x20 && hi < 0x7f) || hi === 0x0a || hi === 0x0d || hi === 0x09)) swapped++;
  }
  if (swapped < text.length * 0.6) return null;
  let out = '';
  for (let i = 0; i < text.length; i++) out += String.fromCharCode(swap(text.charCodeAt(i)));
  return out;
}

/** Only Latin-1/CP1252 characters whose bytes form valid, multi-byte UTF-8: UTF-8 read as Latin-1. */
function repairLatin1(text: string): string | null {
  const bytes = new Uint8Array(text.length);
  let high = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const b = c < 0x100 ? c : CP1252_BYTES.get(c);
    if (b === undefined) return null;
    if (b >= 0x80) high = true;
    bytes[i] = b;
  }
  if (!high) return null;
  try {
    const repaired = strictUtf8.decode(bytes);
    return repaired !== text ? repaired : null;
  } catch {
    return null;
  }
}

export function repairMojibake(text: string): { text: string; kind: MojibakeKind } | null {
  const swapped = repairByteSwap(text);
  if (swapped !== null) return { text: swapped, kind: 'utf16-byte-swap' };
  const latin = repairLatin1(text);
  return latin !== null ? { text: latin, kind: 'utf8-as-latin1' } : null;
}

/** A UTF-8 lead byte read as Latin-1/CP1252, followed by a continuation byte read the same way. */
const LATIN1_HINT = /[\u00c2-\u00f4][\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178]/;

/**
 * Entries with their text repaired, or null when none needed it. `everyKind`: also try the byte-order
 * swap (asked for only when nothing parsed, since a scan costs a pass over every text).
 */
export function repairEntries<E extends { key: string; text: string }>(entries: E[], everyKind: boolean): { entries: E[]; kinds: MojibakeKind[]; keys: string[] } | null {
  const kinds: MojibakeKind[] = [];
  const keys: string[] = [];
  const out = entries.map((e) => {
    if (!everyKind && !LATIN1_HINT.test(e.text)) return e;
    const fixed = repairMojibake(e.text);
    if (!fixed) return e;
    kinds.push(fixed.kind);
    keys.push(e.key);
    return { ...e, text: fixed.text };
  });
  return kinds.length ? { entries: out, kinds, keys } : null;
}
