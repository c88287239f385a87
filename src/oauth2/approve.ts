import { buildRedirect, type AuthorizationRequest } from './authorize.ts';
import { issueAndRecord, newFamilyId, tokenWriter, type JwtAccessTokens } from './issue.ts';
import { formatScope, isSubset, mergeScopes, parseScope } from './scope.ts';
import { maySkipConsent } from './privileges.ts';
import * as implicit from './grants/implicit.ts';
import type { EventSink, GrantRecord, GrantStore, TokenStore } from './store.ts';
import { generateOrderedToken, hashToken } from './tokens.ts';
import { promptValues } from '../oidc/prompt.ts';
import { unconsentedClaims } from '../oidc/request-params.ts';

export interface ApproveDeps {
  tokens: TokenStore;
  grants: GrantStore;
  events: EventSink;
  settings: { issuer: string; authorizationCodeTtl: number; accessTokenTtl: number; refreshTokenTtl: number };
  accessTokens?: JwtAccessTokens;
  now: number;
  audit: { ip: string | null; requestId: string | null };
}

/**
 * Consent can be skipped for trusted clients (never for a privileged scope unless an administrator owns the client,
 * see privileges.ts), or (approval prompt "auto") when the user already granted these scopes.
 */
export async function canSkipConsent(req: AuthorizationRequest, grant: GrantRecord | null, approvalPrompt: 'auto' | 'force', ownerIsAdmin: () => Promise<boolean>): Promise<boolean> {
  if (promptValues(req.prompt).has('consent')) return false;
  if (req.client.skipAuthorization && await maySkipConsent(req.scopes, ownerIsAdmin)) return true;
  return approvalPrompt === 'auto' && grant !== null && grant.revokedAt === null && isSubset(req.scopes, parseScope(grant.scope))
    && unconsentedClaims(req.claims, parseScope(grant.scope), grant.claims).length === 0;
}

/** The user said yes: record the grant and answer with a code (§4.1.2) or a token in the fragment (§4.2.2). */
export async function approve(req: AuthorizationRequest, userId: number, deps: ApproveDeps, session: { authTime: number | null; sid?: string | null } = { authTime: null }): Promise<string> {
  const { client } = req;
  const scope = formatScope(req.scopes);
  const existing = await deps.grants.find(userId, client.id);
  const live = existing?.revokedAt === null ? existing : undefined;
  // OpenID Connect Core §5.5: claims asked for by name beyond the scopes are consented to with them.
  const added = unconsentedClaims(req.claims, req.scopes, live?.claims);
  const claims = added.length ? [...(live?.claims ? live.claims.split(' ') : []), ...added].join(' ') : undefined;
  const grant = await deps.grants.upsert(userId, client.id, mergeScopes(live?.scope, scope), deps.now, claims);
  if (!existing || existing.revokedAt !== null || !isSubset(req.scopes, parseScope(existing.scope))) {
    await deps.events.record({ type: 'consent.granted', userId, clientId: client.clientId, ...deps.audit, detail: { scope } });
  }
  // RFC 9207 §2: `iss` identifies this server in every authorization response.
  const common = { state: req.state, iss: deps.settings.issuer };
  if (req.responseType === 'code') {
    const code = generateOrderedToken(deps.now);
    await deps.tokens.saveCode({
      codeHash: hashToken(code), applicationId: client.id, userId, grantId: grant.id, redirectUri: req.redirectUri,
      redirectUriProvided: req.redirectUriProvided, scope, codeChallenge: req.codeChallenge ?? null,
      codeChallengeMethod: req.codeChallengeMethod ?? null, familyId: newFamilyId(deps.now),
      // OpenID Connect Core §3.1.2.1: the nonce goes back in the ID Token unmodified; auth_time is when the user logged in.
      nonce: req.nonce ?? null, authTime: session.authTime, sid: req.scopes.includes('openid') ? session.sid ?? null : null,
      idTokenClaims: (req.claims?.id_token ?? []).join(' '),
      // RFC 6749 §4.1.2: codes are short-lived (60 s by default here; the RFC's ceiling is 10 minutes).
      expiresAt: deps.now + deps.settings.authorizationCodeTtl * 1000, createdAt: deps.now,
    });
    return buildRedirect(req.redirectUri, { code, ...common }, false);
  }
  // RFC 6749 §4.2.2: the implicit grant MUST NOT issue a refresh token (implicit.issuesRefreshToken).
  const response = await issueAndRecord(deps, { applicationId: client.id, userId, grantId: grant.id, scope, familyId: newFamilyId(deps.now), withRefresh: implicit.issuesRefreshToken, writer: await tokenWriter(deps, client), authTime: session.authTime }, { clientId: client.clientId, grant: implicit.grantType });
  return buildRedirect(req.redirectUri, { access_token: response.access_token, token_type: response.token_type, expires_in: response.expires_in, scope, ...common }, true);
}
