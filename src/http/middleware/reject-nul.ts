import type { Middleware } from 'koa';
import { HttpError } from './errors.ts';
import { queryOf } from './form-body.ts';

/** True for a string no parameter may hold: a NUL or a lone surrogate (also GraphQL's literals and variables). */
export const hostileString = (value: string): boolean => value.includes('\u0000') || !value.isWellFormed();

/** True when a parsed value (string, array or object, any depth) contains a NUL or a lone surrogate. */
function hostile(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return hostileString(value);
  if (depth > 8 || value === null || typeof value !== 'object') return false;
  for (const k of Object.keys(value)) if (hostile(k) || hostile((value as Record<string, unknown>)[k], depth + 1)) return true;
  return false;
}

/**
 * No Gatehouse parameter can contain NUL or malformed UTF-16, and some database drivers cut a query at a NUL
 * instead of refusing it: such requests stop here with 400 invalid_request, before reaching any store.
 */
export function rejectNul(): Middleware {
  return (ctx, next) => {
    if (hostile(queryOf(ctx)) || hostile(ctx.request.body)) throw new HttpError(400, 'invalid_request', 'The request contains characters no parameter may contain.');
    return next();
  };
}
