// The client as the protocol core sees it: what may be registered (ClientInput), what Gatehouse adds (ClientRecord),
// and the registries of its enumerated fields.
import type { TokenExchangePolicy } from '../token-exchange/policy.ts';
import type { GrantType } from '../grant-types.ts';
import type { ResponseType } from '../response-types.ts';
import type { ClientAuthMethod } from '../client-auth.ts';

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
/**
 * What a client's `sub` for a user depends on (oidc/subject.ts): written out rather than picked from ClientInput, whose
 * grant types are typed from the grant modules that take this type (a Pick would make the two types circular).
 */
export interface SubjectClient { clientId: string; subjectType: SubjectType; redirectUris: readonly string[]; sectorIdentifierUri: string | null; grantTypes: readonly string[] }

export interface ClientRecord extends ClientInput {
  id: number;
  clientId: string;
  secretHash: string | null;
  /**
   * The secret's length in octets where a sealed copy is kept (OAuth 1, client_secret_jwt), read off the ciphertext's
   * length (oauth1/secret-box.ts sealedOctets), never by opening it; null: no sealed copy. RFC 7518 §3.2 judges it
   * against token_endpoint_auth_signing_alg (client-assertion/algorithms.ts secretFitsSigningAlg).
   */
  secretOctets: number | null;
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
