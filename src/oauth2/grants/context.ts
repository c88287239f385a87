import type { UserStore } from '../../accounts/store.ts';
import type { PasswordThrottle } from '../../accounts/password-throttle.ts';
import type { ClientRecord, EventSink, GrantStore, IdTokenSigningAlg, SubjectClient, TokenStore } from '../store.ts';
import type { JwtAccessTokens, TokenResponse } from '../issue.ts';
import type { ResourceCatalog } from '../resources.ts';
import type { DeviceStore } from '../device-store.ts';

/** Everything a grant handler may use: stores it owns interfaces for, settings, and who is asking. */
export interface GrantContext {
  tokens: TokenStore;
  grants: GrantStore;
  users: UserStore;
  events: EventSink;
  settings: {
    accessTokenTtl: number;
    refreshTokenTtl: number;
    accessTokenMaxLifetime: number;
    refreshTokenMaxLifetime: number;
    defaultScopes: readonly string[];
    allowPlainPkce: boolean;
  };
  now: number;
  audit: { ip: string | null; requestId: string | null };
  /** Password guesses counted with the login page (per username and per source), so the grant is no way around it. */
  passwordThrottle: PasswordThrottle;
  /** OpenID Connect ID Tokens (src/oidc/id-token.ts); absent, no grant issues one. */
  idTokens?: IdTokenIssuer;
  /** RFC 9068 JWT access tokens (src/oidc/access-token.ts); absent, every client gets opaque tokens. */
  accessTokens?: JwtAccessTokens;
  /** RFC 8707: the registered resources and Gatehouse's own, read before a grant's transaction; absent, `resource` is invalid_target. */
  resources?: () => Promise<ResourceCatalog>;
  /** RFC 8693 ID Tokens as subject tokens: one we signed (any of our keys, our issuer), its claims; throws otherwise. Expiry is the caller's. */
  verifyIdToken?: (token: string) => Promise<Record<string, unknown>>;
  /** RFC 8628 device authorizations (device_code grant). */
  devices?: DeviceStore;
  /** RFC 9449: the thumbprint of the key of the request's verified DPoP proof; absent, no proof was sent. */
  dpopJkt?: string;
}

/** Who authenticated, for whom, and the access token issued with it (Core §3.1.3.6 at_hash). */
export interface IdTokenInput {
  clientId: string;
  /** Whom the token is for: the client's subject type and sector make its `sub` (Core §8); its scopes bound the claims. */
  client: SubjectClient & { allowedScopes: readonly string[] };
  userId: number;
  /** The granted scope: without `openid` there is no ID Token. */
  scope: string;
  nonce: string | null;
  /** Epoch milliseconds, or null when unknown (refresh). */
  authTime: number | null;
  /** OpenID Connect Core §5.5: user claims the `claims` parameter asked for in the ID Token. */
  claims?: readonly string[];
  /** The login session's id (Back-Channel Logout §2.1), or null when unknown. */
  sid?: string | null;
  /** RFC 8176 authentication methods of the login (['pwd']); absent or empty, no amr claim. */
  amr?: readonly string[];
  /** The access token issued with it (at_hash, Core §3.1.3.6, §3.3.2.11); absent when none is (response_type id_token). */
  accessToken?: string;
  /** The code issued with it from the authorization endpoint (c_hash, Core §3.3.2.11). */
  code?: string;
  /**
   * Whether the granted scopes' claims go in the ID Token (Core §5.4 requires them with no access token, response_type
   * id_token). Absent (the token endpoint): they do. False: a front-channel ID Token beside a code or token.
   */
  scopeClaims?: boolean;
  now: number;
  /** The client's id_token_signed_response_alg; absent, RS256. */
  alg?: IdTokenSigningAlg;
}

export interface IdTokenIssuer {
  /**
   * Used by: authorization_code and refresh_token grants, and the authorization endpoint, BEFORE they spend the code or refresh token. Loads what
   * signing needs (the key of the client's id_token_signed_response_alg; absent, RS256), so a failure (a key that
   * cannot be opened) leaves the credential unspent for the next attempt.
   */
  ready(alg?: IdTokenSigningAlg): Promise<void>;
  /** Used by: authorization_code and refresh_token grants, implicit and hybrid responses. The signed ID Token, or undefined when scope lacks openid. */
  issue(i: IdTokenInput): Promise<string | undefined>;
}

export type GrantParams = Record<string, string>;

/**
 * DESIGN rule 1: every grant module has this shape, and grants/index.ts lists the modules. That list is the only
 * list of grant types: discovery, the GraphQL enum (checked by a test), the form, the CLI, the privilege table and
 * the TypeScript unions derive from it (see grant-types.ts). Undeclared parameters never reach `handle`.
 */
export interface GrantModule {
  /** The `grant_type` value (RFC 6749 §4), as registered on a client and listed in discovery. */
  grantType: string;
  /** The token request parameters `handle` reads. */
  parameters: ReadonlySet<string>;
  /** A client can be registered for it; false for a grant that follows from others (refresh_token). */
  registrable: boolean;
  /** Its tokens come with a refresh token, so a client registered for it may also use refresh_token. */
  issuesRefreshToken: boolean;
  /** Only an administrator may allow it on a client (privileges.ts). */
  privileged: boolean;
  /** The authorization endpoint's response_type that starts it (RFC 6749 §3.1.1), if it has one. */
  responseType?: string;
  /**
   * A grant no client registers but another of its settings enables (RFC 8693 token exchange: an administrator's
   * policy); the token endpoint asks it instead of the client's grant_types.
   */
  enabledFor?(client: ClientRecord): boolean;
  /** The token endpoint's step; absent for a grant whose token comes from the authorization endpoint (implicit). */
  handle?(params: GrantParams, client: ClientRecord, ctx: GrantContext): Promise<TokenResponse>;
}

/** A grant the token endpoint serves. */
export type TokenGrant = GrantModule & Required<Pick<GrantModule, 'handle'>>;
