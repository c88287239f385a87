import type { Context, Middleware } from 'koa';
import { InvalidRequest } from '../oauth2/errors.ts';
import { joinResourceParams } from '../oauth2/resources.ts';
import { isFormRequest } from './middleware/form-body.ts';

/** Marks a protocol endpoint: JSON errors, and RFC 6749 §5.1 caching headers on every answer. */
export function oauthEndpoint(opts: { noStore?: boolean } = { noStore: true }): Middleware {
  return async (ctx, next) => {
    ctx.state.api = true;
    if (opts.noStore !== false) {
      // RFC 6749 §5.1: responses with tokens or credentials MUST carry Cache-Control: no-store.
      ctx.set('Cache-Control', 'no-store');
      ctx.set('Pragma', 'no-cache');
    }
    await next();
  };
}

/**
 * The form parameters of a protocol request as plain strings. RFC 6749 §3.2 requires a form-encoded POST;
 * §3.1 says parameters MUST NOT repeat and that empty ones count as omitted.
 */
export function formParams(ctx: Context): Record<string, string> {
  // Read once a request: client authentication reads them before the endpoint does.
  const read = ctx.state.formParams as Record<string, string> | undefined;
  if (read) return read;
  if (!isFormRequest(ctx)) throw new InvalidRequest('The request body must be application/x-www-form-urlencoded.');
  return (ctx.state.formParams = plainParams(ctx.request.body as Record<string, unknown>));
}

/**
 * RFC 8707 §2: `resource` may repeat, and RFC 8693 §2.1 `audience`; oauth2/resources.ts joins their values (the one
 * rule: each value is one identifier, several are repeated parameters, a value holding whitespace is never split).
 */
const REPEATABLE: ReadonlySet<string> = new Set(['resource', 'audience']);

export function plainParams(source: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(source ?? {})) {
    if (REPEATABLE.has(k) && (Array.isArray(v) ? v : [v]).every((x) => typeof x === 'string')) { const joined = joinResourceParams(Array.isArray(v) ? v : [v]); if (joined) out[k] = joined; continue; }
    if (Array.isArray(v)) throw new InvalidRequest(`The ${k.slice(0, 40)} parameter was sent more than once.`);
    if (typeof v !== 'string') throw new InvalidRequest(`The ${k.slice(0, 40)} parameter is malformed.`);
    if (v !== '') out[k] = v;
  }
  return out;
}
