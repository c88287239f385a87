import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { CLIENT_ID_LENGTH, createdAt, epochMs } from './columns.ts';
import { User } from './user.entity.ts';

/** An OAuth client ("application" in django-oauth-toolkit's words). List fields are space separated. */
export const Application = defineEntity({
  name: 'Application',
  tableName: 'applications',
  properties: {
    id: p.integer().primary(),
    // A client ID metadata document's client_id is its URL (oauth2/client-id-metadata.ts): the longest accepted.
    clientId: p.string().length(CLIENT_ID_LENGTH).unique(),
    name: p.string().length(255),
    /** OpenID Connect Registration §2 application_type: `web` or `native`. */
    applicationType: p.string().length(10).default('web'),
    clientType: p.string().length(20),
    /** HMAC-SHA-256 of the generated secret under the server pepper; null for public clients. */
    secretHash: p.string().length(255).nullable().hidden(),
    grantTypes: p.text(),
    redirectUris: p.text(),
    allowedScopes: p.text(),
    skipAuthorization: p.boolean().default(false),
    allowedOrigins: p.text(),
    tokenEndpointAuthMethod: p.string().length(40),
    /** OAuth 1.0a on the same registry: the consumer key is the client_id. */
    oauth1Enabled: p.boolean().default(false).fieldNames('oauth1_enabled'),
    /** The OAuth 1 consumer secret, sealed with AES-256-GCM (HMAC-SHA1/256 need it back). */
    oauth1SecretSealed: p.text().nullable().hidden().fieldNames('oauth1_secret_sealed'),
    /** PEM public key for RSA-SHA1 consumers. */
    rsaPublicKey: p.text().nullable(),
    /** RP-Initiated Logout 1.0: registered post_logout_redirect_uris, space separated. */
    postLogoutRedirectUris: p.text().default(''),
    /** Back-Channel Logout 1.0 §2.2. */
    backchannelLogoutUri: p.text().nullable(),
    backchannelLogoutSessionRequired: p.boolean().default(false),
    /** Front-Channel Logout 1.0 §2: the page the logout page frames, and whether it wants iss and sid. */
    frontchannelLogoutUri: p.text().nullable(),
    frontchannelLogoutSessionRequired: p.boolean().default(false),
    /** RFC 9449 §5.2 dpop_bound_access_tokens: token requests without a DPoP proof are refused. */
    dpopBoundAccessTokens: p.boolean().default(false),
    /** RFC 9068 JWT access tokens or opaque ones (the default). */
    accessTokenFormat: p.string().length(10).default('opaque'),
    /** OpenID Connect id_token_signed_response_alg. */
    idTokenSignedResponseAlg: p.string().length(10).default('RS256'),
    /** OpenID Connect Registration §2 response_types, space separated; '' means those of its grant types (code, token). */
    responseTypes: p.text().default(''),
    /** OpenID Connect userinfo_signed_response_alg; null answers UserInfo as JSON. */
    userinfoSignedResponseAlg: p.string().length(10).nullable(),
    /** OpenID Connect subject_type: public or pairwise (Core §8). */
    subjectType: p.string().length(10).default('public'),
    /** OpenID Connect sector_identifier_uri (Core §8.1). */
    sectorIdentifierUri: p.text().nullable(),
    /** How the client came: `owner` (pages, GraphQL, CLI), `dynamic` (RFC 7591 registration endpoint) or `metadata` (a client ID metadata document). */
    /** OpenID Connect Registration §2 jwks (a JWK Set as JSON): the client's public keys for request objects (RFC 9101). */
    jwks: p.text().nullable(),
    /** OpenID Connect Registration §2 request_object_signing_alg. */
    requestObjectSigningAlg: p.string().length(10).nullable(),
    /** Issue 21: per-client lifetimes in seconds (administrators only); null: the server's defaults. */
    accessTokenLifetime: p.integer().nullable(),
    refreshTokenLifetime: p.integer().nullable(),
    authorizationCodeLifetime: p.integer().nullable(),
    /** RFC 7591 §2 jwks_uri: where the client's public keys are (private_key_jwt), fetched through the outbound guard. */
    jwksUri: p.text().nullable(),
    /** OpenID Connect Registration §2 token_endpoint_auth_signing_alg. */
    tokenEndpointAuthSigningAlg: p.string().length(10).nullable(),
    /** RFC 9101 §5.2 / Registration §2 request_uris, space separated (exact match). */
    requestUris: p.text().default(''),
    /** RFC 8693 token exchange policy as JSON (oauth2/token-exchange/policy.ts); null: off. Set only by setTokenExchangePolicy. */
    tokenExchange: p.text().nullable(),
    registered: p.string().length(10).default('owner'),
    /** `metadata` clients: when the client ID metadata document is stale and must be fetched again. */
    metadataExpiresAt: epochMs().nullable(),
    /** `metadata` clients: their last use (to the minute), so the cap evicts the least recently used one. */
    metadataLastUsedAt: epochMs().nullable(),
    /** RFC 7592 §1.1: SHA-256 of the registration access token of a dynamically registered client. */
    registrationTokenHash: p.string().length(64).nullable().unique().hidden(),
    owner: () => p.manyToOne(User).deleteRule('cascade'),
    createdAt: createdAt(),
    updatedAt: epochMs().onCreate(() => Date.now()).onUpdate(() => Date.now()),
  },
});
export type ApplicationEntity = InferEntity<typeof Application>;
