import type { ActClaim } from './token-exchange/act.ts';
import type { TokenExchangePolicy } from './token-exchange/policy.ts';
// Storage interfaces the protocol core needs. src/storage implements them; the core never sees an ORM.

import type { GrantType } from './grant-types.ts';
import type { ResponseType } from './response-types.ts';
import type { ClientAuthMethod } from './client-auth.ts';

export type ClientType = 'confidential' | 'public';
export const ACCESS_TOKEN_FORMATS = ['opaque', 'jwt'] as const;
export type AccessTokenFormat = typeof ACCESS_TOKEN_FORMATS[number];
/**
 * The JWS algorithms the server holds keys for (src/oidc/keys.ts signs with them; declared here so the core can
 * validate a registration). Never `none` (Core §10.1, RFC 9068 §2.1). RS256 first: Core §15.1 requires it.
 */
export const SIGNING_ALGS = ['RS256', 'ES256', 'EdDSA'] as const;
export type IdTokenSigningAlg = typeof SIGNING_ALGS[number];
/** Core §8: `public` (the default) gives every client the same sub for a user; `pairwise` one per sector (§8.1). */
export const SUBJECT_TYPES = ['public', 'pairwise'] as const;
export type SubjectType = typeof SUBJECT_TYPES[number];
/** Derived from the grant registry (grants/index.ts). */
export type { GrantType, ResponseType };
/** Derived from the client authentication registry (client-auth.ts). */
export type TokenEndpointAuthMethod = ClientAuthMethod;

/** OpenID Connect Registration §2 application_type: `web` (the default) or `native` (RFC 8252 apps). */
export const APPLICATION_TYPES = ['web', 'native'] as const;
export type ApplicationType = typeof APPLICATION_TYPES[number];

/** Fields a person or an admin API may set; ids, secrets and owners are Gatehouse's. */
export interface ClientInput {
  name: string;
  /** Registration §2: which redirect URIs the client may register (client-registration.ts applicationTypeProblem). */
  applicationType: ApplicationType;
  clientType: ClientType;
  /** Grant types the client may use; refresh_token follows from authorization_code and password. */
  grantTypes: GrantType[];
  redirectUris: string[];
  allowedScopes: string[];
  skipAuthorization: boolean;
  allowedOrigins: string[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** OAuth 1.0a on the same registry (consumer key = client_id, consumer secret = client secret). */
  oauth1Enabled: boolean;
  /** PEM public key for RSA-SHA1 OAuth 1 signatures. */
  rsaPublicKey: string | null;
  /** RP-Initiated Logout 1.0 §3.1: where the client may ask to be sent after logout, matched exactly. */
  postLogoutRedirectUris: string[];
  /** Back-Channel Logout 1.0 §2.2: where logout tokens are POSTed; null for none. */
  backchannelLogoutUri: string | null;
  /** Back-Channel Logout 1.0 §2.2: the client needs `sid` in logout tokens (and ID Tokens). */
  backchannelLogoutSessionRequired: boolean;
  /** Front-Channel Logout 1.0 §2: the RP page the logout page frames; null for none. */
  frontchannelLogoutUri: string | null;
  /** Front-Channel Logout 1.0 §2: the framed page gets iss and sid query parameters. */
  frontchannelLogoutSessionRequired: boolean;
  /** RFC 9449 §5.2 dpop_bound_access_tokens: every token request must carry a DPoP proof. */
  dpopBoundAccessTokens: boolean;
  /** RFC 9068: `jwt` access tokens are signed JWTs (still stored hashed); `opaque` (the default) are random strings. */
  accessTokenFormat: AccessTokenFormat;
  /** OpenID Connect Registration §2 id_token_signed_response_alg: the ID Token's JWS algorithm (RS256 by default). */
  idTokenSignedResponseAlg: IdTokenSigningAlg;
  /** OpenID Connect Registration §2 response_types: those the client may use (response-types.ts). */
  responseTypes: ResponseType[];
  /** Registration §2 userinfo_signed_response_alg: null answers UserInfo as JSON, an algorithm as a signed JWT. */
  userinfoSignedResponseAlg: IdTokenSigningAlg | null;
  /** Registration §2 subject_type (Core §8). */
  subjectType: SubjectType;
  /** Registration §2/§5 sector_identifier_uri: a pairwise client's sector is its host (Core §8.1); null for none. */
  sectorIdentifierUri: string | null;
  /** Registration §2 jwks: the client's public keys, a JWK Set as JSON, for its request objects (RFC 9101); null for none. */
  jwks: string | null;
  /** Registration §2 request_object_signing_alg: the one algorithm its request objects must use; null takes any of ours. */
  requestObjectSigningAlg: string | null;
  /**
   * Issue 21: this client's lifetimes in seconds, set by administrators only (privileges.ts) and bounded by the
   * server's maxima (ACCESS_TOKEN_MAX_LIFETIME…); null: the server's ACCESS_TOKEN_TTL, REFRESH_TOKEN_TTL,
   * AUTHORIZATION_CODE_TTL.
   */
  accessTokenLifetime: number | null;
  refreshTokenLifetime: number | null;
  authorizationCodeLifetime: number | null;
  /** RFC 7591 §2 jwks_uri: where the client publishes its public keys (fetched through the outbound guard); null for none. */
  jwksUri: string | null;
  /** Registration §2 token_endpoint_auth_signing_alg: the one algorithm its client assertions must use; null takes any of its method's. */
  tokenEndpointAuthSigningAlg: string | null;
  /** RFC 9101 §5.2 / Registration §2 request_uris: the https request_uri values it may send, matched exactly. */
  requestUris: string[];
}

/** What a user's `sub` for a client depends on (Core §8: its subject type and what names its sector). */
export type SubjectClient = Pick<ClientInput, 'subjectType' | 'redirectUris' | 'sectorIdentifierUri'>;

export interface ClientRecord extends ClientInput {
  id: number;
  clientId: string;
  secretHash: string | null;
  /** Whether a sealed copy of the secret exists for OAuth 1 HMAC (never the secret itself here). */
  hasOAuth1Secret: boolean;
  ownerId: number;
  /** How the client came: by its owner (pages, GraphQL, CLI) or through the RFC 7591 registration endpoint. */
  registered: ClientOrigin;
  /** RFC 8693 token exchange: an administrator's policy (privileges.ts tokenExchangePolicyRefusal); null or absent, off. */
  tokenExchange?: TokenExchangePolicy | null;
  /** A client ID metadata document's client (registered = metadata): when its document must be read again (epoch ms). */
  metadataExpiresAt?: number | null;
  /** A client ID metadata document's client: its last use (epoch ms, to the minute), for the cap's eviction order. */
  metadataLastUsedAt?: number | null;
  createdAt: number;
  updatedAt: number;
}

/** `metadata`: a client_id URL whose client ID metadata document Gatehouse fetched (oauth2/client-id-metadata.ts). */
export const CLIENT_ORIGINS = ['owner', 'dynamic', 'metadata'] as const;
export type ClientOrigin = typeof CLIENT_ORIGINS[number];

/** An RFC 7591 §3 initial access token as administrators see it: never the token, never its hash. */
export interface InitialAccessTokenInfo { id: number; singleUse: boolean; expiresAt: number | null; createdAt: number; uses: number; lastUsedAt: number | null; createdBy: number | null }

/** RFC 7591 / RFC 7592: the dynamic registration's own secrets, stored as SHA-256 only. */
export interface RegistrationStore {
  /** Used by: RFC 7592 read/update/delete (the bearer names its one client). */
  findByRegistrationTokenHash(tokenHash: string): Promise<ClientRecord | null>;
  /** Used by: RFC 7592 update (the registration access token rotates): false when `from` is no longer the current one. */
  rotateRegistrationTokenHash(id: number, from: string, to: string): Promise<boolean>;
  /** Used by: GraphQL createInitialAccessToken, CLI createinitialtoken. Answers the token's id (to list or revoke it). */
  createInitialAccessToken(data: { tokenHash: string; singleUse: boolean; expiresAt: number | null; createdBy: number | null }): Promise<number>;
  /** Used by: GraphQL initialAccessTokens, CLI listinitialtokens. The newest first, at most `first`; never the token or its hash. */
  initialAccessTokens(first: number): Promise<InitialAccessTokenInfo[]>;
  /** Used by: GraphQL revokeInitialAccessToken, CLI revokeinitialtoken. False when there was none. */
  revokeInitialAccessToken(id: number): Promise<boolean>;
  /** Used by: registration with REGISTRATION=token, before validating: true when the token is valid now. Spends nothing. */
  initialAccessTokenUsable(tokenHash: string, now: number): Promise<boolean>;
  /** Used by: registration with REGISTRATION=token, once the client row exists. True when the token is valid now; a single-use one is spent atomically. */
  spendInitialAccessToken(tokenHash: string, now: number): Promise<boolean>;
  /** Used by: registration, the owner of dynamically registered clients (a reserved user that cannot sign in). */
  systemOwner(): Promise<number>;
}

export interface ClientStore {
  /** Used by: token, authorize, revoke, introspect (client authentication and lookup). */
  findByClientId(clientId: string): Promise<ClientRecord | null>;
  /** Used by: application pages, GraphQL. */
  findById(id: number): Promise<ClientRecord | null>;
  /** Used by: application pages (ownerId) and admin listing (undefined = all). */
  list(ownerId?: number): Promise<ClientRecord[]>;
  /** Used by: registration. */
  create(data: ClientInput & { clientId: string; secretHash: string | null; oauth1SecretSealed: string | null; ownerId: number; registered?: ClientOrigin; registrationTokenHash?: string | null }): Promise<ClientRecord>;
  /** Used by: application edit. */
  update(id: number, data: ClientInput & { secretHash?: string | null; oauth1SecretSealed?: string | null }): Promise<ClientRecord>;
  /**
   * Used by: secret rotation (the sealed OAuth 1 copy changes with it). Compare-and-set: writes only while the stored
   * hash is still `expected` (the one the rotation read); false when a concurrent rotation got there first.
   */
  setSecretHash(id: number, expected: string | null, secretHash: string | null, oauth1SecretSealed?: string | null): Promise<boolean>;
  /** Used by: application delete (its tokens and grants go with it). */
  delete(id: number): Promise<void>;
  /** Used by: the admin API's setTokenExchangePolicy only (privileges.ts tokenExchangePolicyRefusal decides first); null turns exchange off. */
  setTokenExchange(id: number, policy: TokenExchangePolicy | null): Promise<void>;
}

export interface AuditEvent {
  type: string;
  userId?: number | null;
  clientId?: string | null;
  ip?: string | null;
  requestId?: string | null;
  detail?: Record<string, unknown>;
}

export interface EventSink {
  /** Used by: every security-relevant step (login, consent, token issue/refresh/revoke, reuse, auth failure). */
  record(event: AuditEvent): Promise<void>;
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
  /** Used by: client_credentials, password, implicit. */
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

export interface GrantRecord {
  id: number;
  userId: number;
  applicationId: number;
  scope: string;
  /** OpenID Connect Core §5.5: claims the user agreed to share at UserInfo beyond the scopes', space-separated. */
  claims: string;
  /**
   * Issue 20: the redirect origins (redirect-uri.ts consentOrigin) the user consented to send this client's answers
   * to; null for a grant from before this was recorded (an ordinary client's such grant is not checked).
   */
  consentedOrigins: string[] | null;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface GrantStore {
  /** Used by: authorize (skip consent for scopes already granted). */
  find(userId: number, applicationId: number): Promise<GrantRecord | null>;
  /**
   * Used by: consent (records or widens the user's grant to the client); `claims` undefined keeps the grant's;
   * `origins` are added to the consented redirect origins (undefined keeps them; a new or revived grant starts empty).
   */
  upsert(userId: number, applicationId: number, scope: string, now: number, claims?: string, origins?: string[]): Promise<GrantRecord>;
  /** Used by: UserInfo (the claims the user agreed to share beyond the scopes'). */
  claimsOf(id: number): Promise<string>;
  /** Used by: authorized applications page. */
  listForUser(userId: number): Promise<(GrantRecord & { clientName: string; clientId: string })[]>;
  /** Used by: revoke a grant (its tokens are revoked by TokenStore.revokeByGrant). */
  revoke(id: number, now: number): Promise<void>;
  /** Used by: token issuance (last used). */
  touch(id: number, now: number): Promise<void>;
}

/** A token family and the grant all its tokens carry (null only for tokens issued without one). */
export interface FamilyRef { familyId: string; grantId: number | null }
