/**
 * HTTP byte ranges (RFC 9110 §14) for the original files: what a `Range` header asks of a file of
 * a given size. Video players seek with one range per request; a request for several ranges at once
 * is answered with the whole file (allowed: a server may ignore Range), so no multipart body.
 */

export type RangeAnswer =
  /** No usable Range header (absent, not `bytes`, several ranges): the whole file, 200. */
  | { kind: 'whole' }
  /** One satisfiable range, inclusive ends: 206. */
  | { kind: 'partial'; start: number; end: number }
  /** A syntactically valid range past the end of the file: 416. */
  | { kind: 'unsatisfiable' };

const ONE_RANGE = /^bytes=(\d*)-(\d*)$/;

export function rangeOf(header: string | undefined, size: number): RangeAnswer {
  if (!header) return { kind: 'whole' };
  const m = ONE_RANGE.exec(header.trim());
  // A malformed header is ignored (RFC 9110 §14.2): the whole file.
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'whole' };
  if (m[1] === '') {
    // Suffix range: the last N bytes.
    const n = Number(m[2]);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end };
}
