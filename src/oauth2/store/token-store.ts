import type { ActClaim } from '../token-exchange/act.ts';

/**
 * What a token is issued under ended while it was being issued: its grant was revoked, or the client named as its actor
 * deleted (TokenStore.issue). Answered as a request arriving a moment later would be: invalid_grant (RFC 6749 §5.2).
 */
export class RevokedMeanwhile extends Error {
  override readonly name = 'RevokedMeanwhile';
}

/** A row of access_tokens or refresh_tokens as the protocol sees it (hash only, never the token). */
export interface TokenRow {
  tokenHash: string;
  applicationId: number;
  userId: number | null;
  grantId: number | null;
  scope: string;
  familyId: string | null;
  expiresAt: number;
  createdAt: number;
  /** Refresh tokens only (OpenID Connect Core §12.2): the login the family started with, for refreshed ID Tokens. */
  login?: LoginFacts;
  /**
   * RFC 8707 resource indicators: an access token's audience, a refresh token's granted resources. Empty (or
   * absent): Gatehouse's own APIs, as before resource indicators.
   */
  resources?: readonly string[];
  /** RFC 9449 §6: the thumbprint of the DPoP key the token is bound to; null or absent, a bearer token. */
  dpopJkt?: string | null;
  /** Access tokens only, RFC 8693 §4.1: who acts for the subject (a token exchange with an actor_token); null or absent, nobody. */
  act?: ActClaim | null;
  /** Access tokens only, RFC 8693: the hash of the subject access token this was exchanged from (revoked with it). */
  exchangedFrom?: string | null;
}

/** How and when the user authenticated: auth_time (epoch ms, null unknown), the session's sid, RFC 8176 amr values. */
export interface LoginFacts { authTime: number | null; sid: string | null; amr: string[] }

/** What introspection, revocation and protected resources learn about a presented token. */
export interface TokenInfo extends TokenRow {
  kind: 'access' | 'refresh';
  clientId: string;
  username: string | null;
  revokedAt: number | null;
  /** Refresh tokens only: set once rotated. */
  usedAt: number | null;
}

export interface CodeRow {
  codeHash: string;
  applicationId: number;
  userId: number;
  grantId: number | null;
  redirectUri: string;
  redirectUriProvided: boolean;
  scope: string;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  familyId: string;
  /** OpenID Connect: the request's nonce and the user's authentication time (epoch ms), for the ID Token. */
  nonce: string | null;
  authTime: number | null;
  /** OpenID Connect Core §5.5: claims the `claims` parameter asked for in the ID Token, space-separated ('' for none). */
  idTokenClaims: string;
  /** The browser session's id (Front/Back-Channel Logout §2.1 `sid`), for the ID Token; null outside OpenID Connect. */
  sid: string | null;
  /** RFC 8176 authentication methods of that login (['pwd'] for a password), [] when unknown. */
  amr: string[];
  /** RFC 8707: the resources the authorization request named (empty: none); the token request may narrow them. */
  resources?: readonly string[];
  /** RFC 9449 §10: the authorization request's dpop_jkt; the code is redeemed only with a proof of that key. */
  dpopJkt?: string | null;
  expiresAt: number;
  createdAt: number;
}

export interface IssuedRows { access: TokenRow; refresh?: TokenRow }

/**
 * Outcome of an atomic redeem/rotate: `reused` means the code or refresh token had already been spent,
 * and the store has already revoked every token of its family (RFC 6749 §4.1.2, RFC 9700 §4.14.2).
 */
export type RedeemResult<T> = { ok: true; value: T } | { ok: false; reason: 'not_found' | 'reused' };

export interface TokenStore {
  /** Used by: authorize (code response). */
  saveCode(row: CodeRow): Promise<void>;
  /**
   * Used by: authorization_code grant. Atomically: find the code, and if unspent run `decide` (pure and
   * synchronous: validate, mint rows or throw an OAuthError), then mark it spent and store the rows.
   * Two concurrent calls with one code: exactly one reaches `decide` with an unspent code.
   */
  redeemCode(codeHash: string, now: number, decide: (code: CodeRow & { clientId: string }) => IssuedRows): Promise<RedeemResult<IssuedRows>>;
  /** Used by: refresh_token grant; same contract as redeemCode for a refresh token. */
  rotateRefreshToken(tokenHash: string, now: number, decide: (token: TokenInfo) => IssuedRows): Promise<RedeemResult<IssuedRows>>;
  /**
   * Used by: client_credentials, password, implicit, token exchange. Rows under a grant or an actor (RFC 8693 act)
   * are refused with RevokedMeanwhile when it ended meanwhile; rows under neither never are (issueAndRecord relies
   * on it to share their commit with the audit row).
   */
  issue(rows: IssuedRows): Promise<void>;
  /** Used by: introspection, protected resources (one indexed lookup). */
  findAccessToken(tokenHash: string): Promise<TokenInfo | null>;
  /** Used by: introspection, revocation. */
  findRefreshToken(tokenHash: string): Promise<TokenInfo | null>;
  /** Used by: revocation of an access token, and of every token exchanged from it, down the chain (RFC 8693); how many. */
  revokeAccessToken(tokenHash: string, now: number): Promise<number>;
  /** Used by: revocation of a refresh token (RFC 7009 §2.1: its access tokens go too). */
  revokeFamily(family: FamilyRef, now: number): Promise<number>;
  /** Used by: revoking a grant from the authorized-applications page or the admin API. */
  revokeByGrant(grantId: number, now: number): Promise<number>;
  /** Used by: logout. Refresh tokens stop naming the ended session, so refreshed ID Tokens carry no stale sid (Core §12.2). */
  forgetSession(sid: string): Promise<number>;
}

/** A token family and the grant all its tokens carry (null only for tokens issued without one). */
export interface FamilyRef { familyId: string; grantId: number | null }
