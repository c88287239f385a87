import type { Middleware } from 'koa';
import { HttpError } from './errors.ts';
import { queryOf } from './form-body.ts';
import { hostileString, hostileValue as hostile } from '../../oauth2/hostile-text.ts';

export { hostileString };

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
