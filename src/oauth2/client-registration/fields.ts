// How raw registration values are read: forms send text, GraphQL and JSON send lists and booleans.

/** Text fields arrive as strings (forms) or arrays (GraphQL, JSON); both become a clean list. */
export function toList(value: unknown): string[] | null {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.flatMap((v) => v.split(/[\s,]+/)).filter(Boolean);
  return null;
}

export function toBool(value: unknown): boolean | null {
  if (value === undefined || value === null || value === '' || value === false) return false;
  if (value === true || value === 'on' || value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0' || value === 'off') return false;
  return null;
}

/** One value of a closed list; absent or empty keeps `fallback`; anything else outside the list is null. */
export function choice<T extends string>(value: unknown, options: readonly T[], fallback: T): T | null {
  if (value === undefined || value === null || value === '') return fallback;
  return options.includes(value as T) ? value as T : null;
}

/** An optional text field: absent, null or blank is null; anything but a string is `undefined` (an error). */
export const optionalText = (value: unknown): string | null | undefined => (value == null ? null : typeof value === 'string' ? value.trim() || null : undefined);

/** An https URL without a fragment and at most 2000 characters (http too where insecure transport is allowed). */
export function httpsUrlProblem(uri: string, allowHttp: boolean): string | null {
  const url = URL.parse(uri);
  if (!url || uri.length > 2000 || !(url.protocol === 'https:' || (allowHttp && url.protocol === 'http:'))) return 'must be an https URL.';
  if (url.hash || uri.includes('#')) return 'must not have a fragment.';
  if (url.username || url.password) return 'must not hold credentials.';
  return null;
}
