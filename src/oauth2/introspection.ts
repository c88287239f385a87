import { canonicalResource } from './resources.ts';
import type { TokenInfo, TokenStore } from './store.ts';
import { hashToken } from './tokens.ts';
import type { ActClaim } from './token-exchange/act.ts';

/** RFC 7662 §2.2 response members Gatehouse fills in. */
export interface IntrospectionResponse {
  active: boolean;
  scope?: string;
  client_id?: string;
  username?: string;
  token_type?: string;
  exp?: number;
  iat?: number;
  sub?: string;
  /** RFC 7662 §2.2 / RFC 8707: the resources the token is for; without any, the client (as django-oauth-toolkit says). */
  aud?: string | string[];
  iss?: string;
  /** RFC 9449 §6.2: the DPoP key a bound token needs. */
  cnf?: { jkt: string };
  /** RFC 8693 §4.1 / §2.2.1: the actor of a delegated (exchanged) token. */
  act?: ActClaim;
}

export const isLive = (t: TokenInfo, now: number) => t.revokedAt === null && t.expiresAt > now && (t.kind === 'access' || t.usedAt === null);

/** Finds a presented token of either kind; the hint orders the lookups but is never trusted (RFC 7009 §2.1, RFC 7662 §2.1). */
export async function findToken(tokens: TokenStore, token: string, hint: string | undefined): Promise<TokenInfo | null> {
  const hash = hashToken(token);
  if (hint === 'refresh_token') return (await tokens.findRefreshToken(hash)) ?? (await tokens.findAccessToken(hash));
  return (await tokens.findAccessToken(hash)) ?? (await tokens.findRefreshToken(hash));
}

/** Who asks: a client (its own tokens only, unless an administrator allowed it the introspection scope), or a bearer token with that scope. */
export type Introspector = { anyToken: true } | { anyToken: false; clientId: string };

export const introspectorFor = (client: { clientId: string; allowedScopes: readonly string[] }): Introspector =>
  client.allowedScopes.includes('introspection') ? { anyToken: true } : { anyToken: false, clientId: client.clientId };

/**
 * RFC 7662 §4: the server decides which tokens a caller may learn about; a client that is no resource server sees
 * only the tokens issued to it, and any other token is simply inactive to it (§2.2), as in django-oauth-toolkit.
 */
export const visibleTo = (t: TokenInfo | null, who: Introspector): TokenInfo | null => (t && (who.anyToken || t.clientId === who.clientId) ? t : null);

/**
 * The user as the token's client knows them (Core §8, oidc/subject.ts): `of` makes its sub, so introspection matches
 * its ID Tokens; a pairwise client is not told the username either, a name the same for every client.
 */
export interface TokenSubject { of(userId: number): string; pairwise: boolean }

/** The username a token's client may be told: none for a pairwise client, or any client linked the user (Core §8.1). */
export const usernameFor = (t: Pick<TokenInfo, 'username'>, pairwise: boolean): string | undefined => (t.username === null || pairwise ? undefined : t.username);

/** RFC 7662 §2.2: inactive, unknown, expired and revoked tokens all answer just {"active": false}. */
export function describeToken(t: TokenInfo | null, now: number, issuer: string, subject: TokenSubject): IntrospectionResponse {
  if (!t || !isLive(t, now)) return { active: false };
  const r: IntrospectionResponse = {
    active: true,
    // RFC 7662 §2.2: scope is optional; a token granted none has none (RFC 6749 §3.3: no empty scope value).
    ...(t.scope ? { scope: t.scope } : {}),
    client_id: t.clientId,
    token_type: t.kind === 'access' ? (t.dpopJkt ? 'DPoP' : 'Bearer') : 'refresh_token',
    exp: Math.floor(t.expiresAt / 1000),
    iat: Math.floor(t.createdAt / 1000),
    // The resources it was asked for (RFC 8707); without any, Gatehouse's own APIs, named as an RFC 9068 JWT of the same
    // token names them (its aud), so the two never disagree (attacker read 13A, L1).
    aud: !t.resources?.length ? canonicalResource(issuer) ?? issuer : t.resources.length === 1 ? t.resources[0] : [...t.resources],
    iss: issuer,
  };
  // RFC 9449 §6.2: the resource server checks the proof's key against cnf.jkt.
  if (t.dpopJkt) r.cnf = { jkt: t.dpopJkt };
  if (t.act) r.act = t.act;
  if (t.username !== null && t.userId !== null) {
    r.sub = subject.of(t.userId);
    const username = usernameFor(t, subject.pairwise);
    if (username !== undefined) r.username = username;
  } else if (t.userId === null) {
    // RFC 9068 §2.2: without a resource owner the subject is the client, as its JWT says.
    r.sub = t.clientId;
  }
  return r;
}
