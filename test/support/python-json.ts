/**
 * JSON as Python's `json.dumps` writes it (the writer most generators use): `", "` and `": "`
 * separators and, by default, non-ASCII escaped as \uXXXX. Fixtures use it to match real files byte for byte.
 */
export function pyJson(value: unknown, ensureAscii = true): string {
  const text = JSON.stringify(value, null, 0);
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') {
        out += c + text[++i];
        continue;
      }
      if (c === '"') inString = false;
      const code = c.charCodeAt(0);
      out += ensureAscii && code > 0x7e ? `\\u${code.toString(16).padStart(4, '0')}` : c;
      continue;
    }
    if (c === '"') inString = true;
    out += c === ',' ? ', ' : c === ':' ? ': ' : c;
  }
  return out;
}
