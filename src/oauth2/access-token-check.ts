// The one check of a presented access token, for every route that accepts one: requireToken() (Gatehouse's own
// APIs, UserInfo and any resource server built on it), introspection's bearer mode and the GraphQL admin API. One
// rule, so a path cannot forget the audience (RFC 8707) while remembering expiry and revocation, or the reverse.
import { isLive } from './introspection.ts';
import { audienceIncludes } from './resources.ts';
import type { TokenInfo, TokenStore } from './store.ts';
import { hashToken } from './tokens.ts';

/** Why a token was refused: every reason is RFC 6750 §3.1 invalid_token to the caller, the reason is for logs and tests. */
export type AccessTokenRefusal = 'unknown' | 'inactive' | 'audience' | 'scheme';
export type AccessTokenCheck = { ok: true; token: TokenInfo } | { ok: false; reason: AccessTokenRefusal };

export interface AccessTokenCheckOptions {
  /**
   * RFC 8707: the resource the route serves; the token's audience must name it (a token asked for without
   * `resource` names the issuer). Gatehouse's own routes pass the issuer.
   */
  resource: string;
  /** The issuer: what a token without resources is for. */
  issuer: string;
  /**
   * How the token came: RFC 9449 §7.2, a DPoP-bound token is never accepted as a bearer token (whoever stole it has
   * no key); under the DPoP scheme the token must be bound (its proof is then checked against cnf.jkt by the caller).
   * `recheck`: a token accepted earlier under its scheme, checked again while a long answer (a subscription) runs.
   */
  scheme: 'bearer' | 'dpop' | 'recheck';
  now?: number;
}

/**
 * Looks the token up (by its SHA-256: the value itself or an already computed hash) and checks that it is an
 * access token, live (not expired, not revoked: RFC 6750 §3.1) and meant for `resource` (RFC 8707, RFC 9068 §4:
 * a token for another resource is invalid here, or a resource server could replay its users' tokens at us).
 */
export async function checkAccessToken(tokens: Pick<TokenStore, 'findAccessToken'>, presented: { token: string } | { hash: string }, o: AccessTokenCheckOptions): Promise<AccessTokenCheck> {
  const info = await tokens.findAccessToken('hash' in presented ? presented.hash : hashToken(presented.token));
  if (!info || info.kind !== 'access') return { ok: false, reason: 'unknown' };
  if (!isLive(info, o.now ?? Date.now())) return { ok: false, reason: 'inactive' };
  if (!audienceIncludes(info, o.resource, o.issuer)) return { ok: false, reason: 'audience' };
  if (o.scheme !== 'recheck' && (o.scheme === 'dpop') !== Boolean(info.dpopJkt)) return { ok: false, reason: 'scheme' };
  return { ok: true, token: info };
}
