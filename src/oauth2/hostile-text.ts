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
 * Control characters, and the bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069,
 * Unicode Technical Report #36 §2.2): in a name shown to users they make one text read as another ("Bank\u202Eelif").
 */
// eslint-disable-next-line no-control-regex -- control characters are what this rule looks for
export const DECEPTIVE_TEXT = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
