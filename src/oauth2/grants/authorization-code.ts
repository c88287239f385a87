import { InvalidGrant, InvalidRequest } from '../errors.ts';
import { mintFor, recordRedeemed, refuseUnspent, tokenWriter, type TokenResponse } from '../issue.ts';
import { verifyPkce, type PkceMethod } from '../pkce.ts';
import { matchRedirectUri } from '../redirect-uri.ts';
import type { ClientRecord } from '../store.ts';
import { hashToken } from '../tokens.ts';
import type { GrantContext, GrantParams, IdTokenInput } from './context.ts';
import { decideGrantedResources, parseResourceParam } from '../resources.ts';
import { formatScope, narrowToClient, parseScope } from '../scope.ts';
import { checkBoundKey } from '../dpop/binding.ts';

export const grantType = 'authorization_code';
export const parameters: ReadonlySet<string> = new Set(['code', 'redirect_uri', 'code_verifier', 'resource']);
export const registrable = true;
export const issuesRefreshToken = true;
export const privileged = false;
export const userTokensWithoutRedirect = false;
export const responseType = 'code';

/** RFC 6749 §4.1.3, with PKCE (RFC 7636 §4.6). The code is spent atomically with the tokens' insertion. */
export async function handle(params: GrantParams, client: ClientRecord, ctx: GrantContext): Promise<TokenResponse> {
  if (!params.code) throw new InvalidRequest('code is required.');
  // Whatever can fail is ready before the code is spent: a code spent on a failed answer would be lost to the client.
  await ctx.idTokens?.ready(client.idTokenSignedResponseAlg);
  let response: TokenResponse | undefined;
  let userId: number | null = null;
  let grantId: number | null = null;
  let oidc: Pick<IdTokenInput, 'nonce' | 'authTime' | 'sid' | 'amr' | 'claims'> = { nonce: null, authTime: null, sid: null };
  // RFC 8707 §2: the token request may name some of the resources the authorization request named.
  const requested = parseResourceParam(params.resource);
  const catalog = await ctx.resources?.();
  const writer = await tokenWriter(ctx, client, catalog?.anyJwt);
  const result = await ctx.tokens.redeemCode(hashToken(params.code), ctx.now, (code) => {
    // RFC 6749 §4.1.3: the code must have been issued to the authenticated client; refused in a made-up code's words, so
    // another client cannot learn that it is real, here or in the failure reason its own application page shows
    // (attacker read 13A, L2; second read 13).
    if (code.applicationId !== client.id) throw new InvalidGrant('The code is invalid.', { reason: 'code_invalid' });
    if (code.expiresAt <= ctx.now) throw new InvalidGrant('The code has expired.', { reason: 'code_expired' });
    // RFC 6749 §4.1.3: redirect_uri must be identical to the one in the authorization request.
    if ((code.redirectUriProvided || params.redirect_uri !== undefined) && params.redirect_uri !== code.redirectUri) {
      throw new InvalidGrant('redirect_uri does not match the authorization request.', { reason: 'redirect_uri_mismatch' });
    }
    // And still one the client has: an approval checked against the client as it was, racing a change of its redirect
    // URIs (and so of its pairwise sector), wrote a code the old host could redeem for the new sector's sub (attacker
    // read 17, F1: 31 of 45 on PostgreSQL). The change ends what was issued before it; this ends what it raced.
    if (!matchRedirectUri(code.redirectUri, client.redirectUris)) throw new InvalidGrant('The code was issued for a redirect URI this client no longer has.', { reason: 'redirect_uri_mismatch' });
    if (code.codeChallenge) {
      // RFC 7636 §4.6: the verifier must transform to the stored challenge.
      if (!params.code_verifier) throw new InvalidGrant('code_verifier is required.', { reason: 'pkce_missing' });
      if (!verifyPkce(params.code_verifier, code.codeChallenge, code.codeChallengeMethod as PkceMethod)) throw new InvalidGrant('code_verifier does not match the code challenge.', { reason: 'pkce_mismatch' });
    } else if (params.code_verifier) {
      // RFC 9700 §2.1.1: a verifier without a challenge is a downgrade attempt.
      throw new InvalidGrant('code_verifier was sent but no code_challenge was.', { reason: 'pkce_downgrade' });
    }
    // RFC 9449 §10: a code bound with dpop_jkt is redeemed only with a proof of that key.
    checkBoundKey(code.dpopJkt, ctx.dpopJkt, 'code');
    userId = code.userId;
    grantId = code.grantId;
    oidc = { nonce: code.nonce, authTime: code.authTime, sid: code.sid, amr: code.amr, claims: code.idTokenClaims.split(' ').filter(Boolean) };
    // The refresh token carries the login on, so a refreshed ID Token keeps auth_time, sid and amr (Core §12.2).
    const login = { authTime: code.authTime, sid: code.sid, amr: code.amr };
    const granted = code.resources ?? [];
    const target = decideGrantedResources(requested, granted, narrowToClient(parseScope(code.scope), client), false, catalog);
    const minted = mintFor(ctx, { applicationId: client.id, userId: code.userId, grantId: code.grantId, scope: formatScope(target.scopes), familyId: code.familyId, withRefresh: issuesRefreshToken, writer, authTime: code.authTime, login, audience: target.audience, grantedResources: granted });
    // The refresh token keeps the whole authorization (scope and resources), so a narrowed token can widen again.
    if (minted.rows.refresh) minted.rows.refresh.scope = code.scope;
    response = minted.response;
    return minted.rows;
  });
  if (!result.ok) {
    return refuseUnspent(ctx, result.reason, { clientId: client.clientId, grant: grantType, reused: 'The code has already been used; tokens issued from it are revoked.', invalid: 'The code is invalid.' });
  }
  await recordRedeemed(ctx, { type: 'token.issued', clientId: client.clientId, userId, grantId, detail: { grant: grantType, scope: response!.scope } });
  // OpenID Connect Core §3.1.3.3: scope openid adds an ID Token, signed after the code is spent (it needs the code's user and nonce).
  const idToken = await ctx.idTokens?.issue({ clientId: client.clientId, client, alg: client.idTokenSignedResponseAlg, userId: userId!, scope: response!.scope ?? '', ...oidc, accessToken: response!.access_token, now: ctx.now });
  return idToken ? { ...response!, id_token: idToken } : response!;
}
