import { InvalidGrant, InvalidRequest, InvalidScope } from '../errors.ts';
import { mintFor, recordRedeemed, refuseUnspent, tokenWriter, type TokenResponse } from '../issue.ts';
import { formatScope, isSubset, narrowToClient, parseScope } from '../scope.ts';
import type { ClientRecord, LoginFacts } from '../store.ts';
import { hashToken } from '../tokens.ts';
import type { GrantContext, GrantParams } from './context.ts';
import { decideGrantedResources, parseResourceParam } from '../resources.ts';
import { checkBoundKey } from '../dpop/binding.ts';

export const grantType = 'refresh_token';
export const parameters: ReadonlySet<string> = new Set(['refresh_token', 'scope', 'resource']);
/** Follows from the grants that issue refresh tokens (grant-types.ts effectiveGrantTypes); never registered alone. */
export const registrable = false;
export const issuesRefreshToken = true;
export const privileged = false;
export const userTokensWithoutRedirect = false;

/** RFC 6749 §6 with rotation: each use spends the token and returns a new pair in the same family. */
export async function handle(params: GrantParams, client: ClientRecord, ctx: GrantContext): Promise<TokenResponse> {
  if (!params.refresh_token) throw new InvalidRequest('refresh_token is required.');
  // As for codes: ready to sign before the token is spent (grants/context.ts IdTokenIssuer.ready).
  await ctx.idTokens?.ready(client.idTokenSignedResponseAlg);
  const requested = parseScope(params.scope);
  let response: TokenResponse | undefined;
  let userId: number | null = null;
  let grantId: number | null = null;
  let login: LoginFacts = { authTime: null, sid: null, amr: [] };
  // RFC 8707 §2: a refresh may ask for some of the resources granted at authorization, never another.
  const requestedResources = parseResourceParam(params.resource);
  const catalog = await ctx.resources?.();
  const writer = await tokenWriter(ctx, client, catalog?.anyJwt);
  const result = await ctx.tokens.rotateRefreshToken(hashToken(params.refresh_token), ctx.now, (token) => {
    // RFC 6749 §6: the refresh token must have been issued to the authenticated client; refused in a made-up token's
    // words, so another client cannot learn that it is real (attacker read 13A, L2).
    if (token.applicationId !== client.id) throw new InvalidGrant('The refresh token is invalid.', { reason: 'invalid_refresh_token' });
    if (token.expiresAt <= ctx.now) throw new InvalidGrant('The refresh token has expired.', { reason: 'refresh_token_expired' });
    // RFC 9449 §5: a refresh token bound to a key (public clients) is used only with a proof of that key.
    checkBoundKey(token.dpopJkt, ctx.dpopJkt, 'refresh token');
    const original = parseScope(token.scope);
    // RFC 6749 §6: the requested scope MUST NOT include any scope not originally granted.
    if (requested.length && !isSubset(requested, original)) throw new InvalidScope('The requested scope exceeds the original grant.');
    const allowed = narrowToClient(requested.length ? requested : original, client);
    const granted = token.resources ?? [];
    const target = decideGrantedResources(requestedResources, granted, allowed, requested.length > 0, catalog);
    const scope = formatScope(target.scopes);
    userId = token.userId;
    grantId = token.grantId;
    login = token.login ?? login;
    const minted = mintFor(ctx, { applicationId: client.id, userId: token.userId, grantId: token.grantId, scope, familyId: token.familyId, withRefresh: issuesRefreshToken, writer, login, audience: target.audience, grantedResources: granted });
    // RFC 9449 §5: a bound refresh token stays bound to its key, whatever this request's.
    minted.rows.refresh!.dpopJkt = token.dpopJkt ?? minted.rows.refresh!.dpopJkt;
    // The new refresh token keeps the originally granted scope, so a narrowed request can widen again later.
    minted.rows.refresh!.scope = token.scope;
    response = minted.response;
    return minted.rows;
  });
  if (!result.ok) {
    return refuseUnspent(ctx, result.reason, { clientId: client.clientId, grant: grantType, reused: 'The refresh token was already used; its whole family is revoked.', invalid: 'The refresh token is invalid.' });
  }
  await recordRedeemed(ctx, { type: 'token.refreshed', clientId: client.clientId, userId, grantId, detail: { scope: response!.scope } });
  // OpenID Connect Core §12.2: a new ID Token for the same sub and client, without nonce; auth_time (and sid, amr)
  // are those of the original authentication, which the refresh token carried on.
  const idToken = userId === null ? undefined : await ctx.idTokens?.issue({ clientId: client.clientId, client, alg: client.idTokenSignedResponseAlg, userId, scope: response!.scope ?? '', nonce: null, ...login, accessToken: response!.access_token, now: ctx.now });
  return idToken ? { ...response!, id_token: idToken } : response!;
}
