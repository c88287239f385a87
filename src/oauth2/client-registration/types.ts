import type { RegistrationActor } from '../privileges.ts';
import type { ClientInput, ClientRecord } from '../store.ts';
import type { SecurityProfile } from '../security-profile/index.ts';

export interface RawClientInput {
  name?: unknown;
  applicationType?: unknown;
  clientType?: unknown;
  grantTypes?: unknown;
  redirectUris?: unknown;
  allowedScopes?: unknown;
  skipAuthorization?: unknown;
  allowedOrigins?: unknown;
  tokenEndpointAuthMethod?: unknown;
  oauth1Enabled?: unknown;
  rsaPublicKey?: unknown;
  postLogoutRedirectUris?: unknown;
  backchannelLogoutUri?: unknown;
  backchannelLogoutSessionRequired?: unknown;
  frontchannelLogoutUri?: unknown;
  frontchannelLogoutSessionRequired?: unknown;
  dpopBoundAccessTokens?: unknown;
  accessTokenFormat?: unknown;
  idTokenSignedResponseAlg?: unknown;
  responseTypes?: unknown;
  userinfoSignedResponseAlg?: unknown;
  subjectType?: unknown;
  sectorIdentifierUri?: unknown;
  jwks?: unknown;
  requestObjectSigningAlg?: unknown;
  accessTokenLifetime?: unknown;
  refreshTokenLifetime?: unknown;
  authorizationCodeLifetime?: unknown;
  jwksUri?: unknown;
  tokenEndpointAuthSigningAlg?: unknown;
  requestUris?: unknown;
}

export type FieldErrors = Partial<Record<keyof ClientInput, string>>;

export type ValidationResult = { ok: true; value: ClientInput } | { ok: false; errors: FieldErrors };

export interface RegistrationPolicy {
  allowInsecureTransport: boolean;
  /** SECURITY_PROFILE: clients breaking its rules are refused (security-profile/clients.ts). */
  securityProfile?: SecurityProfile;
  /** Scopes Gatehouse knows; a client may only be allowed those. */
  knownScopes: readonly string[];
  /**
   * Fetches a sector_identifier_uri's document and answers its parsed JSON; throws when it cannot (its text is never
   * shown: it could tell how a name resolved). Outbound, so the SSRF-guarded fetch with size and time limits
   * (oidc/subject.ts); `signal` is a caller's deadline over more than this fetch (a metadata document's resolution).
   */
  sectorDocument(uri: string, o?: { signal?: AbortSignal }): Promise<unknown>;
  /**
   * Counts one sector document fetch against who causes it (`client:<id>` updating, `account:<id>` registering),
   * before the fetch (SECTOR_FETCH_LIMIT); `refund` gives it back when our own bound refused the fetch. Absent, none
   * are counted (the CLI, the seeder).
   */
  sectorFetches?(requester: string): Promise<{ allowed: boolean; retryAfter: number; refund(): Promise<void> }>;
  /** Issue 21: the longest lifetimes (seconds) a client may be given (ACCESS_TOKEN_MAX_LIFETIME…). */
  lifetimeMaxima: LifetimeMaxima;
}

export interface LifetimeMaxima { accessTokenLifetime: number; refreshTokenLifetime: number; authorizationCodeLifetime: number }

/** Who asks, and (on update) the client as it is: privileged capabilities are checked against both. */
export interface RegistrationContext { actor: RegistrationActor; current?: ClientRecord }

/** What each metadata group's validator reads (the input, the policy, who asks) and writes (errors by field). */
export interface Check { raw: RawClientInput; policy: RegistrationPolicy; context: RegistrationContext; errors: FieldErrors }
