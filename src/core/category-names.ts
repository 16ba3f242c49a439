/**
 * Category-name rules, in one place: a category is a path of names (`trips/2024`), nested below
 * the category its first parts name. The API's schema, the library and the mount all apply them.
 */

/** Longest category name (the whole path), in characters. */
export const MAX_CATEGORY_NAME_LENGTH = 500;

/** Why a category name given by a user is refused, or null when it is a valid name. */
export function categoryNameProblem(name: string): string | null {
  if (name.trim() === '') return 'a category name must not be empty';
  if (name.length > MAX_CATEGORY_NAME_LENGTH) return `a category name is at most ${MAX_CATEGORY_NAME_LENGTH} characters`;
  if (name.startsWith('/') || name.endsWith('/') || name.split('/').some((p) => p.trim() === '' || p === '.' || p === '..')) {
    return 'category names are paths like "trips/2024" without empty, "." or ".." parts';
  }
  if (/[\u0000-\u001f]/.test(name)) return 'control characters are not allowed';
  return null;
}

/** Whether `inner` is `outer` itself or nested below it: a category cannot move there. */
export function isSameOrNestedCategory(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(`${outer}/`);
}
