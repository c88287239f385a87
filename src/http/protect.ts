import type { Context, Middleware } from 'koa';
import { InsufficientScope, InvalidRequest, InvalidToken, type OAuthError } from '../oauth2/errors.ts';
import { isLive } from '../oauth2/introspection.ts';
import { parseScope } from '../oauth2/scope.ts';
import type { TokenInfo, TokenStore } from '../oauth2/store.ts';
import { hashToken } from '../oauth2/tokens.ts';
import { parseBearer } from '../oauth2/bearer.ts';
import { isFormRequest, queryOf } from './middleware/form-body.ts';

export interface RequireTokenOptions {
  /** Every one of these scopes must be granted (RFC 6750 §3.1 insufficient_scope otherwise). */
  scopes?: string[];
  realm?: string;
  /** RFC 6750 §2.3: tokens in the query string are off unless a resource server really needs them. */
  allowQuery?: boolean;
}

function challenge(realm: string, e?: OAuthError, scope?: string): string {
  // RFC 6750 §3: no error attribute when the request carried no token at all.
  const parts = [`realm="${realm}"`];
  if (e) parts.push(`error="${e.error}"`, `error_description="${e.description.replace(/["\\]/g, '')}"`);
  if (scope) parts.push(`scope="${scope}"`);
  return `Bearer ${parts.join(', ')}`;
}

/** RFC 6750 §2: header, form body or (if allowed) query; more than one method is invalid_request. */
export function presentedBearer(ctx: Context, allowQuery: boolean): string | null {
  let found: string | undefined;
  let places = 0;
  const header = parseBearer(ctx.req.headers.authorization);
  if (header.ok) { found = header.token; places++; } else if (header.refusal === 'empty' || header.refusal === 'malformed') places++;
  const body = ctx.request.body as Record<string, unknown> | undefined;
  if (ctx.method !== 'GET' && isFormRequest(ctx) && body && body.access_token !== undefined) { found ??= String(body.access_token); places++; }
  const query = allowQuery ? queryOf(ctx).access_token : undefined;
  if (query !== undefined) { found ??= String(query); places++; }
  if (places > 1) throw new InvalidRequest('Send the access token in exactly one place.');
  // RFC 6750 §3.1: a malformed token is invalid_token; an empty one counts as none (a challenge without error).
  if (!header.ok && header.refusal === 'malformed') throw new InvalidToken('The access token is malformed.');
  return found || null;
}

/** Koa middleware for resource servers: `ctx.state.token` holds the verified token. */
export function createRequireToken(tokens: TokenStore) {
  return function requireToken(opts: RequireTokenOptions = {}): Middleware {
    const realm = opts.realm ?? 'gatehouse';
    const needed = opts.scopes ?? [];
    return async (ctx, next) => {
      ctx.state.api = true;
      let e: OAuthError | undefined;
      let token: string | null = null;
      try { token = presentedBearer(ctx, opts.allowQuery ?? false); } catch (err) { e = err as OAuthError; }
      if (!e && !token) {
        ctx.set('WWW-Authenticate', challenge(realm));
        ctx.status = 401;
        ctx.body = { error: 'invalid_request', error_description: 'An access token is required.' };
        return;
      }
      let info: TokenInfo | null = null;
      if (!e) {
        info = await tokens.findAccessToken(hashToken(token!));
        if (!info || !isLive(info, Date.now())) e = new InvalidToken('The access token is invalid, expired or revoked.');
        else if (!needed.every((s) => parseScope(info!.scope).includes(s))) e = new InsufficientScope(`This resource needs the scope: ${needed.join(' ')}.`);
      }
      if (e) {
        e.headers['WWW-Authenticate'] = challenge(realm, e, e.error === 'insufficient_scope' ? needed.join(' ') : undefined);
        throw e;
      }
      ctx.state.token = info;
      await next();
    };
  };
}
