import type { AuthorizationRequest } from './authorize.ts';
import { authorizationResponse, type AuthorizationResponse } from './authorization-response.ts';
import { ServerError } from './errors.ts';
import type { IdTokenIssuer } from './grants/context.ts';
import { clientLifetime, issueAndRecord, newFamilyId, tokenWriter, type JwtAccessTokens } from './issue.ts';
import { formatScope, isSubset, mergeScopes, parseScope } from './scope.ts';
import { maySkipConsent } from './privileges.ts';
import * as implicit from './grants/implicit.ts';
import type { EventSink, GrantRecord, GrantStore, TokenStore } from './store.ts';
import { generateOrderedToken, hashToken } from './tokens.ts';
import { consentOrigin } from './redirect-uri.ts';
import { promptValues } from '../oidc/prompt.ts';
import { unconsentedClaims } from '../oidc/request-params.ts';
import { AUTH_TIME_ASKED } from '../oidc/claims.ts';

export interface ApproveDeps {
  tokens: TokenStore;
  grants: GrantStore;
  events: EventSink;
  settings: { issuer: string; authorizationCodeTtl: number; authorizationCodeMaxLifetime: number; accessTokenTtl: number; refreshTokenTtl: number; accessTokenMaxLifetime: number; refreshTokenMaxLifetime: number };
  accessTokens?: JwtAccessTokens;
  /** OpenID Connect ID Tokens for the implicit and hybrid response types. */
  idTokens?: IdTokenIssuer;
  now: number;
  audit: { ip: string | null; requestId: string | null };
}

/**
 * Issue 20: whether the user consented to answers going to this redirect URI's origin. A metadata document (or an
 * owner of a dynamically registered client) may add a redirect URI to another site after the consent; that site is
 * asked for again. A grant from before origins were recorded (null) holds for an ordinary client only.
 */
export function originConsented(grant: Pick<GrantRecord, 'consentedOrigins'>, client: { registered: string }, redirectUri: string): boolean {
  if (grant.consentedOrigins === null) return client.registered !== 'metadata';
  return grant.consentedOrigins.includes(consentOrigin(redirectUri));
}

/**
 * Consent can be skipped for trusted clients (never for a privileged scope unless an administrator owns the client,
 * see privileges.ts), or (approval prompt "auto") when the user already granted these scopes, to this redirect origin.
 */
export async function canSkipConsent(req: AuthorizationRequest, grant: GrantRecord | null, approvalPrompt: 'auto' | 'force', ownerIsAdmin: () => Promise<boolean>): Promise<boolean> {
  if (promptValues(req.prompt).has('consent')) return false;
  if (req.client.skipAuthorization && await maySkipConsent(req.scopes, ownerIsAdmin)) return true;
  return approvalPrompt === 'auto' && grant !== null && grant.revokedAt === null && isSubset(req.scopes, parseScope(grant.scope))
    && originConsented(grant, req.client, req.redirectUri) && unconsentedClaims(req.claims, parseScope(grant.scope), grant.claims).length === 0;
}

/** The login behind an approval: when (auth_time), which OpenID Connect session (sid), how (RFC 8176 amr). */
export interface ApprovingSession { authTime: number | null; sid?: string | null; amr?: string[] }

/**
 * The user said yes: record the grant and answer with what the response type returns (RFC 6749 §4.1.2 code,
 * §4.2.2 token, OpenID Connect Core §3.2.2.5 and §3.3.2.5 id_token and their combinations).
 */
export async function approve(req: AuthorizationRequest, userId: number, deps: ApproveDeps, session: ApprovingSession = { authTime: null }): Promise<AuthorizationResponse> {
  const { client, rule } = req;
  // Whatever can fail is ready before a code is saved or a token issued: no half answer.
  if (rule.idToken) {
    if (!deps.idTokens) throw new ServerError('ID Tokens are not available.');
    await deps.idTokens.ready(client.idTokenSignedResponseAlg);
  }
  const scope = formatScope(req.scopes);
  const existing = await deps.grants.find(userId, client.id);
  const live = existing?.revokedAt === null ? existing : undefined;
  // OpenID Connect Core §5.5: claims asked for by name beyond the scopes are consented to with them.
  const added = unconsentedClaims(req.claims, req.scopes, live?.claims);
  const claims = added.length ? [...(live?.claims ? live.claims.split(' ') : []), ...added].join(' ') : undefined;
  // Issue 20: the origin consented to now; an ordinary client's grant from before origins were recorded had consented
  // to all its registered redirect URIs, which it keeps (backward compatible); later additions are asked for.
  const legacy = live?.consentedOrigins === null && client.registered !== 'metadata' ? client.redirectUris.map(consentOrigin) : [];
  const grant = await deps.grants.upsert(userId, client.id, mergeScopes(live?.scope, scope), deps.now, claims, [...legacy, consentOrigin(req.redirectUri)]);
  if (!live || !isSubset(req.scopes, parseScope(live.scope)) || !originConsented(live, client, req.redirectUri)) {
    await deps.events.record({ type: 'consent.granted', userId, clientId: client.clientId, ...deps.audit, detail: { scope } });
  }
  const openid = req.scopes.includes('openid');
  const sid = openid ? session.sid ?? null : null;
  // One family for what this approval issues: a code used twice revokes the tokens that came with it (RFC 6749 §4.1.2).
  const familyId = newFamilyId(deps.now);
  // RFC 9207 §2: `iss` identifies this server in every authorization response.
  const out: Record<string, string | number | undefined> = { state: req.state, iss: deps.settings.issuer };
  // The ID Token's claims asked for by name; `auth_time` when max_age was sent (Core §3.1.2.1: then REQUIRED), which is
  // what gives it to a pairwise client (oidc/id-token.ts).
  const idTokenClaims = [...(req.claims?.id_token ?? []), ...(req.maxAge !== undefined ? [AUTH_TIME_ASKED] : [])];
  if (rule.code) {
    out.code = generateOrderedToken(deps.now);
    await deps.tokens.saveCode({
      codeHash: hashToken(out.code), applicationId: client.id, userId, grantId: grant.id, redirectUri: req.redirectUri,
      redirectUriProvided: req.redirectUriProvided, scope, codeChallenge: req.codeChallenge ?? null,
      codeChallengeMethod: req.codeChallengeMethod ?? null, familyId,
      // OpenID Connect Core §3.1.2.1: the nonce goes back in the ID Token unmodified; auth_time is when the user logged in.
      nonce: req.nonce ?? null, authTime: session.authTime, sid, amr: openid ? session.amr ?? [] : [],
      idTokenClaims: idTokenClaims.join(' '), resources: req.resources ?? [], dpopJkt: req.dpopJkt ?? null,
      // RFC 6749 §4.1.2: codes are short-lived (60 s by default here; the RFC's ceiling is 10 minutes).
      // Issue 21: the client's own code lifetime when an administrator set one (bounded by AUTHORIZATION_CODE_MAX_LIFETIME).
      expiresAt: deps.now + (clientLifetime(client.authorizationCodeLifetime, deps.settings.authorizationCodeMaxLifetime) ?? deps.settings.authorizationCodeTtl) * 1000, createdAt: deps.now,
    });
  }
  let accessToken: string | undefined;
  if (rule.token) {
    // RFC 6749 §4.2.2: a token from the authorization endpoint MUST NOT come with a refresh token (implicit.issuesRefreshToken).
    const response = await issueAndRecord(deps, { applicationId: client.id, userId, grantId: grant.id, scope, familyId, withRefresh: implicit.issuesRefreshToken, writer: await tokenWriter(deps, client, req.audience?.format === 'jwt'), authTime: session.authTime, audience: req.audience }, { clientId: client.clientId, grant: implicit.grantType });
    accessToken = response.access_token;
    Object.assign(out, { access_token: accessToken, token_type: response.token_type, expires_in: response.expires_in, scope });
  }
  if (rule.idToken) {
    // Core §3.2.2.10, §3.3.2.11: at_hash for the access token, c_hash for the code returned beside it.
    out.id_token = await deps.idTokens!.issue({
      clientId: client.clientId, client, alg: client.idTokenSignedResponseAlg, userId, scope, nonce: req.nonce ?? null, authTime: session.authTime,
      sid, amr: session.amr, claims: idTokenClaims, accessToken, code: out.code as string | undefined, scopeClaims: !rule.token && !rule.code, now: deps.now,
    });
    if (!rule.token) await deps.events.record({ type: 'token.issued', clientId: client.clientId, userId, ...deps.audit, detail: { grant: implicit.grantType, responseType: req.responseType, scope } });
  }
  return authorizationResponse(req.redirectUri, out, req.responseMode);
}
