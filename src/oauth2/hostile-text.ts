// Text no client, parameter or fetched document may carry. One module, so the request guard (rejectNul), GraphQL's
// guard and the checks of documents fetched from elsewhere (client ID metadata) refuse the same characters.

/** True for a string no parameter may hold: a NUL (some database drivers cut a query at it, others fail) or a lone surrogate. */
export const hostileString = (value: string): boolean => value.includes('\u0000') || !value.isWellFormed();

/** True when a parsed value (string, array or object, any depth up to 8) contains a hostile string, keys included. */
export function hostileValue(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return hostileString(value);
  if (depth > 8 || value === null || typeof value !== 'object') return false;
  for (const k of Object.keys(value)) if (hostileString(k) || hostileValue((value as Record<string, unknown>)[k], depth + 1)) return true;
  return false;
}

/**
 * Every control (Cc), format (Cf), line separator (Zl) and paragraph separator (Zp) character: controls, the
 * bidirectional marks, embeddings, overrides and isolates (U+200E/F, U+061C, U+202A–U+202E, U+2066–U+2069, Unicode
 * Technical Report #36 §2.2), zero-width characters (U+200B–U+200D, U+2060, U+FEFF), soft hyphens and tags. In a
 * name shown to users they make one text read as another ("Bank\u202Eelif") or hide characters; none belongs in a
 * name. A category rule rather than a list, so characters Unicode adds to these categories are refused too.
 * Mixed-script confusables ("Раураl" in Cyrillic) are not caught here (see docs/security.md).
 */
export const DECEPTIVE_TEXT = /\p{Cc}|\p{Cf}|\p{Zl}|\p{Zp}/u;
