import type { Context, Middleware } from 'koa';
import { InsufficientScope, InvalidRequest, InvalidToken, type OAuthError } from '../oauth2/errors.ts';
import { parseScope } from '../oauth2/scope.ts';
import type { TokenInfo, TokenStore } from '../oauth2/store.ts';
import { checkAccessToken } from '../oauth2/access-token-check.ts';
import { bearerChallenge } from '../oauth2/challenge.ts';
import { parseBearer } from '../oauth2/bearer.ts';
import { isFormRequest, queryOf } from './middleware/form-body.ts';
import { resourceServerIdentifier } from '../oauth2/resources.ts';
import { protectedResourceMetadataUrl } from '../oauth2/resource-metadata.ts';

export interface RequireTokenOptions {
  /** Every one of these scopes must be granted (RFC 6750 §3.1 insufficient_scope otherwise). */
  scopes?: string[];
  realm?: string;
  /** RFC 6750 §2.3: tokens in the query string are off unless a resource server really needs them. */
  allowQuery?: boolean;
  /**
   * RFC 8707: the resource identifier this route serves (the one registered as a resource server). A token whose
   * audience does not include it is invalid_token (RFC 6750 §3.1), so a token meant for another resource is never
   * accepted here. A token asked for without `resource` is for Gatehouse's own APIs (the issuer). A function is read
   * at each request (Gatehouse's own routes: the issuer may change when the server starts listening).
   */
  resource?: string | (() => string);
  /**
   * RFC 9728 §5.1: the metadata URL sent as `resource_metadata` in WWW-Authenticate. With `resource` it defaults to
   * the path-inserted well-known URL of that resource (§3.1), which protectedResourceMetadata() serves; false: none.
   */
  resourceMetadata?: string | false;
  /**
   * The form-body fields that carry the token (RFC 6750 §2.2 names `access_token`, the default). A route that must
   * accept a tutorial's own field name lists it here (django-oauth2-provider's `/api/verify` posts `token`); never
   * widened globally. Two of these fields in one body is more than one method: invalid_request.
   */
  bodyFields?: readonly string[];
}

const RFC6750_BODY_FIELDS = ['access_token'] as const;

function challenge(realm: string, e?: OAuthError, scope?: string, metadata?: string): string {
  // RFC 6750 §3: no error attribute when the request carried no token at all. RFC 9728 §5.1: resource_metadata is
  // where the client finds which authorization server to ask (the MCP authorization flow starts here).
  return bearerChallenge({ realm, error: e?.error, error_description: e?.description, scope, resource_metadata: metadata });
}

/** RFC 6750 §2: header, form body or (if allowed) query; more than one method is invalid_request. */
export function presentedBearer(ctx: Context, allowQuery: boolean, bodyFields: readonly string[] = RFC6750_BODY_FIELDS): string | null {
  let found: string | undefined;
  let places = 0;
  const header = parseBearer(ctx.req.headers.authorization);
  if (header.ok) { found = header.token; places++; } else if (header.refusal === 'empty' || header.refusal === 'malformed') places++;
  const body = ctx.request.body as Record<string, unknown> | undefined;
  if (ctx.method !== 'GET' && isFormRequest(ctx) && body) {
    for (const field of bodyFields) if (body[field] !== undefined) { found ??= String(body[field]); places++; }
  }
  const query = allowQuery ? queryOf(ctx).access_token : undefined;
  if (query !== undefined) { found ??= String(query); places++; }
  if (places > 1) throw new InvalidRequest('Send the access token in exactly one place.');
  // RFC 6750 §3.1: a malformed token is invalid_token; an empty one counts as none (a challenge without error).
  if (!header.ok && header.refusal === 'malformed') throw new InvalidToken('The access token is malformed.');
  return found || null;
}

/** Koa middleware for resource servers: `ctx.state.token` holds the verified token. */
export function createRequireToken(tokens: TokenStore, o: { issuer: () => string }) {
  return function requireToken(opts: RequireTokenOptions = {}): Middleware {
    const realm = opts.realm ?? 'gatehouse';
    const needed = opts.scopes ?? [];
    const resourceOf = typeof opts.resource === 'function' ? opts.resource : opts.resource === undefined ? undefined : () => opts.resource as string;
    if (typeof opts.resource === 'string' && resourceServerIdentifier(opts.resource) === null) throw new Error('requireToken: resource must be an absolute http(s) URI without query or fragment (RFC 8707 §2, RFC 9728 §2)');
    const metadataOf = (resource: string | undefined) => (opts.resourceMetadata === false ? undefined : opts.resourceMetadata ?? (resource === undefined ? undefined : protectedResourceMetadataUrl(resource)));
    return async (ctx, next) => {
      ctx.state.api = true;
      const resource = resourceOf?.();
      const metadata = metadataOf(resource);
      let e: OAuthError | undefined;
      let token: string | null = null;
      try { token = presentedBearer(ctx, opts.allowQuery ?? false, opts.bodyFields); } catch (err) { e = err as OAuthError; }
      // MCP authorization 2025-11-25 (Scope Selection Strategy): the scope a client should ask for, in every 401 of a
      // route that needs one (RFC 6750 §3 allows `scope` in any challenge), not only with insufficient_scope.
      const scopeHint = needed.length ? needed.join(' ') : undefined;
      if (!e && !token) {
        ctx.set('WWW-Authenticate', challenge(realm, undefined, scopeHint, metadata));
        ctx.status = 401;
        ctx.body = { error: 'invalid_request', error_description: 'An access token is required.' };
        return;
      }
      let info: TokenInfo | null = null;
      if (!e) {
        // Without a `resource`, the route is one of the issuer's (RFC 8707: a token asked for no resource is for it).
        const checked = await checkAccessToken(tokens, { token: token! }, { resource: resource ?? o.issuer(), issuer: o.issuer() });
        if (!checked.ok) e = new InvalidToken(checked.reason === 'audience' ? 'The access token is not meant for this resource.' : 'The access token is invalid, expired or revoked.');
        else if (!needed.every((s) => parseScope(checked.token.scope).includes(s))) e = new InsufficientScope(`This resource needs the scope: ${needed.join(' ')}.`);
        else info = checked.token;
      }
      if (e) {
        e.headers['WWW-Authenticate'] = challenge(realm, e, e.error === 'invalid_request' ? undefined : scopeHint, metadata);
        throw e;
      }
      ctx.state.token = info;
      await next();
    };
  };
}
