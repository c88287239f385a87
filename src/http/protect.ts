import type { Context, Middleware } from 'koa';
import { InsufficientScope, InvalidRequest, InvalidToken, type OAuthError } from '../oauth2/errors.ts';
import { parseScope } from '../oauth2/scope.ts';
import type { TokenInfo, TokenStore } from '../oauth2/store.ts';
import { parseBearer, parseDpopAuthorization, usesDpopScheme } from '../oauth2/bearer.ts';
import { checkAccessToken } from '../oauth2/access-token-check.ts';
import { authChallenge, missingTokenChallenges } from '../oauth2/challenge.ts';
import { isFormRequest, queryOf } from './middleware/form-body.ts';
import { resourceServerIdentifier } from '../oauth2/resources.ts';
import { protectedResourceMetadataUrl } from '../oauth2/resource-metadata.ts';
import { DPOP_ALGS } from '../oauth2/dpop/index.ts';
import { InvalidDpopProofAtResource, isOAuthError } from '../oauth2/errors.ts';
import { resourceRequestKey, type HttpDpop } from './dpop.ts';

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

/** RFC 6750 §3 Bearer, or RFC 9449 §7.1 DPoP (with the algorithms a proof may use) when the request used DPoP or the token needs it. */
function challenge(realm: string, e: OAuthError, scope?: string, metadata?: string, scheme: 'Bearer' | 'DPoP' = 'Bearer', algs: readonly string[] = DPOP_ALGS): string {
  // RFC 9728 §5.1: resource_metadata is where the client finds which authorization server to ask (the MCP
  // authorization flow starts here).
  return authChallenge(scheme, { realm, error: e.error, error_description: e.description, scope, resource_metadata: metadata, algs: scheme === 'DPoP' ? algs.join(' ') : undefined });
}

/**
 * RFC 6750 §2: header, form body or (if allowed) query; more than one method is invalid_request. A DPoP-scheme token
 * is not a bearer token (it needs its proof checked, as requireToken does): null.
 */
export function presentedBearer(ctx: Context, allowQuery: boolean, bodyFields: readonly string[] = RFC6750_BODY_FIELDS): string | null {
  const t = presentedToken(ctx, allowQuery, bodyFields);
  return t.dpop ? null : t.token;
}

/** The access token and the scheme it came with: RFC 9449's DPoP header, or one of RFC 6750's places. */
function presentedToken(ctx: Context, allowQuery: boolean, bodyFields: readonly string[] = RFC6750_BODY_FIELDS): { token: string | null; dpop: boolean } {
  const dpop = parseDpopAuthorization(ctx.req.headers.authorization);
  // RFC 9449 §7.1: the DPoP scheme with no token68 after it is a malformed credential, as Bearer's would be.
  if (!dpop && usesDpopScheme(ctx.req.headers.authorization)) throw new InvalidToken('The access token is malformed.');
  let found: string | undefined = dpop ?? undefined;
  let places = dpop ? 1 : 0;
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
  return { token: found || null, dpop: dpop !== null };
}

/**
 * RFC 9449 §7: a DPoP-bound token needs the DPoP scheme and a proof of its key (ath its hash); a bearer token is
 * refused under the DPoP scheme, and a bound one under Bearer (§7.2: otherwise binding would protect nothing).
 */
/** RFC 9449 §7.1: a DPoP-scheme request's proof, checked against the bound key (checkAccessToken made sure there is one). */
async function dpopRefusal(ctx: Context, info: TokenInfo, token: string, d: HttpDpop | undefined, resource: string | undefined): Promise<OAuthError | undefined> {
  if (!d) return new InvalidToken('DPoP is not supported here.');
  try {
    const jkt = await resourceRequestKey(ctx, d, token, resource);
    return jkt === info.dpopJkt ? undefined : new InvalidDpopProofAtResource('The DPoP proof is signed by another key than the access token is bound to.');
  } catch (err) { if (isOAuthError(err)) return err; throw err; }
}

/** Koa middleware for resource servers: `ctx.state.token` holds the verified token. */
export function createRequireToken(tokens: TokenStore, o: { issuer: () => string; dpop?: HttpDpop }) {
  return function requireToken(opts: RequireTokenOptions = {}): Middleware {
    const realm = opts.realm ?? 'gatehouse';
    const needed = opts.scopes ?? [];
    const resourceOf = typeof opts.resource === 'function' ? opts.resource : opts.resource === undefined ? undefined : () => opts.resource as string;
    if (typeof opts.resource === 'string' && resourceServerIdentifier(opts.resource) === null) throw new Error('requireToken: resource must be an absolute http(s) URI without query or fragment (RFC 8707 §2, RFC 9728 §2)');
    // Only a refusal names the metadata (RFC 9728 §5.1): built then, not for every request that passes.
    const metadataOf = (resource: string | undefined) => (opts.resourceMetadata === false ? undefined : opts.resourceMetadata ?? (resource === undefined ? undefined : protectedResourceMetadataUrl(resource)));
    return async (ctx, next) => {
      ctx.state.api = true;
      const resource = resourceOf?.();
      let e: OAuthError | undefined;
      let token: string | null = null;
      let dpop = false;
      let boundAsBearer = false;
      try { ({ token, dpop } = presentedToken(ctx, opts.allowQuery ?? false, opts.bodyFields)); } catch (err) { e = err as OAuthError; }
      // MCP authorization 2025-11-25 (Scope Selection Strategy): the scope a client should ask for, in every 401 of a
      // route that needs one (RFC 6750 §3 allows `scope` in any challenge), not only with insufficient_scope.
      const scopeHint = needed.length ? needed.join(' ') : undefined;
      if (!e && !token) {
        // RFC 9449 §7.1: where DPoP is taken, the client learns both schemes (and the proof algorithms) from this 401.
        ctx.set('WWW-Authenticate', missingTokenChallenges({ realm, scope: scopeHint, resource_metadata: metadataOf(resource) }, o.dpop?.settings.algs));
        ctx.status = 401;
        ctx.body = { error: 'invalid_request', error_description: 'An access token is required.' };
        return;
      }
      let info: TokenInfo | null = null;
      if (!e) {
        // Without a `resource`, the route is one of the issuer's (RFC 8707: a token asked for no resource is for it).
        const checked = await checkAccessToken(tokens, { token: token! }, { resource: resource ?? o.issuer(), issuer: o.issuer(), scheme: dpop ? 'dpop' : 'bearer' });
        if (!checked.ok) {
          boundAsBearer = checked.reason === 'scheme' && !dpop;
          e = new InvalidToken(checked.reason === 'audience' ? 'The access token is not meant for this resource.'
            : checked.reason !== 'scheme' ? 'The access token is invalid, expired or revoked.'
              : dpop ? 'This access token is not bound to a DPoP key.' : 'This access token is bound to a DPoP key: present it with the DPoP scheme and a proof.');
        } else if (!needed.every((s) => parseScope(checked.token.scope).includes(s))) e = new InsufficientScope(`This resource needs the scope: ${needed.join(' ')}.`);
        else if (dpop) e = await dpopRefusal(ctx, checked.token, token!, o.dpop, resource);
        if (!e && checked.ok) info = checked.token;
      }
      if (e) {
        const scheme = dpop || boundAsBearer || usesDpopScheme(ctx.req.headers.authorization) ? 'DPoP' : 'Bearer';
        e.headers['WWW-Authenticate'] = challenge(realm, e, e.error === 'invalid_request' ? undefined : scopeHint, metadataOf(resource), scheme, o.dpop?.settings.algs);
        throw e;
      }
      ctx.state.token = info;
      await next();
    };
  };
}
