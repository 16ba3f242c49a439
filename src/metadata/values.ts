/** Coercions from the loosely typed values generators write (strings, floats, huge seeds). */

export function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value.trim());
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

export function toInt(value: unknown): number | null {
  const n = toNumber(value);
  return n === null ? null : Math.round(n);
}

/**
 * Seeds go up to 2^64 in ComfyUI. Within JavaScript's safe range they are JSON numbers; beyond it
 * they are kept as decimal strings so no digit is lost.
 */
export function toSeed(value: unknown): number | string | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : Number.isFinite(value) ? Math.round(value) : null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) {
    const big = BigInt(value.trim());
    return Number.isSafeInteger(Number(big)) ? Number(big) : big.toString();
  }
  return null;
}

export function toText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

/** `1024x768`, `1024 x 768`, `1024×768` → [w, h]. */
export function parseSize(value: unknown): [number, number] | null {
  if (typeof value !== 'string') return null;
  const m = /(\d+)\s*[x×X*]\s*(\d+)/.exec(value);
  if (!m) return null;
  return [Number(m[1]), Number(m[2])];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
