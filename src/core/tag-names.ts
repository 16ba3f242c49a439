/**
 * Tag-name rules, in one place: when two names are the same tag (`tagKey`), and which names a user
 * may give a tag (`tagNameProblem`). The store keys tags by `tagKey`; everything that compares tag
 * names (filters, the virtual tree, derived-tag de-duplication) goes through it too.
 */

/** Longest tag name a user may give, in characters (UTF-16 code units, as the API counts). */
export const MAX_TAG_NAME_LENGTH = 200;

/**
 * The identity of a tag: NFC, then Unicode full case folding, so `Éclair`, `éclair`, `E\u0301clair`
 * and `ÉCLAIR` are one tag, as are `Σ`/`σ`/`ς` and `Straße`/`STRASSE`. Folding is upper- then
 * lower-casing (which maps ß → ss, ſ → s, K (Kelvin) → k like CaseFolding.txt), with the final
 * sigma that lower-casing picks by context folded back to σ; NFC again because lower-casing may
 * decompose (İ → i + U+0307).
 */
export function tagKey(name: string): string {
  return name.normalize('NFC').toUpperCase().toLowerCase().replace(/ς/g, 'σ').normalize('NFC');
}

/** Why a tag name given by a user (API, mount) is refused, or null when it is a valid name. */
export function tagNameProblem(name: string): string | null {
  if (name.trim() === '') return 'a tag name must not be empty';
  if (name.length > MAX_TAG_NAME_LENGTH) return `a tag name is at most ${MAX_TAG_NAME_LENGTH} characters`;
  if (/\p{Cc}/u.test(name)) return 'control characters are not allowed';
  // A lone surrogate cannot be stored as UTF-8 (SQLite would keep U+FFFD); U+FFFD itself is what
  // undecodable bytes (a file name in another encoding) become on the way in.
  if (/\p{Cs}/u.test(name)) return 'a tag name must be valid Unicode text: it contains a lone surrogate';
  if (name.includes('\uFFFD')) return 'a tag name must be valid Unicode text: it contains U+FFFD (undecodable bytes)';
  return null;
}
