import type { ApplicationEntity } from './application.entity.ts';
import type { AccessTokenFormat, ApplicationType, ClientInput, ClientOrigin, ClientRecord, ClientType, GrantType, IdTokenSigningAlg, ResponseType, SubjectType, TokenEndpointAuthMethod } from '../oauth2/store.ts';
import { grantResponseTypes } from '../oauth2/response-types.ts';
import { readTokenExchangePolicy } from '../oauth2/token-exchange/policy.ts';
import { sealedOctets } from '../oauth1/secret-box.ts';

// An applications row as the core's ClientRecord, and a ClientInput as the row's columns (lists space-separated).

export const split = (s: string): string[] => s.split(/\s+/).filter(Boolean);

/** The stored response_types; '' (clients registered before the column existed): the response types of its grants. */
export const readResponseTypes = (stored: unknown, grantTypes: GrantType[]): ResponseType[] =>
  (stored ? String(stored).split(',').filter(Boolean) as ResponseType[] : grantResponseTypes(grantTypes));

export function toRecord(a: ApplicationEntity): ClientRecord {
  return {
    id: a.id,
    clientId: a.clientId,
    name: a.name,
    applicationType: a.applicationType as ApplicationType,
    clientType: a.clientType as ClientType,
    secretHash: a.secretHash ?? null,
    grantTypes: split(a.grantTypes) as GrantType[],
    redirectUris: split(a.redirectUris),
    allowedScopes: split(a.allowedScopes),
    skipAuthorization: a.skipAuthorization,
    allowedOrigins: split(a.allowedOrigins),
    tokenEndpointAuthMethod: a.tokenEndpointAuthMethod as TokenEndpointAuthMethod,
    oauth1Enabled: a.oauth1Enabled,
    rsaPublicKey: a.rsaPublicKey ?? null,
    postLogoutRedirectUris: split(a.postLogoutRedirectUris),
    backchannelLogoutUri: a.backchannelLogoutUri ?? null,
    backchannelLogoutSessionRequired: a.backchannelLogoutSessionRequired,
    frontchannelLogoutUri: a.frontchannelLogoutUri ?? null,
    frontchannelLogoutSessionRequired: a.frontchannelLogoutSessionRequired,
    dpopBoundAccessTokens: a.dpopBoundAccessTokens,
    accessTokenFormat: a.accessTokenFormat as AccessTokenFormat,
    idTokenSignedResponseAlg: a.idTokenSignedResponseAlg as IdTokenSigningAlg,
    responseTypes: readResponseTypes(a.responseTypes, split(a.grantTypes) as GrantType[]),
    userinfoSignedResponseAlg: (a.userinfoSignedResponseAlg ?? null) as IdTokenSigningAlg | null,
    subjectType: a.subjectType as SubjectType,
    sectorIdentifierUri: a.sectorIdentifierUri ?? null,
    jwks: a.jwks ?? null,
    requestObjectSigningAlg: a.requestObjectSigningAlg ?? null,
    accessTokenLifetime: a.accessTokenLifetime ?? null,
    refreshTokenLifetime: a.refreshTokenLifetime ?? null,
    authorizationCodeLifetime: a.authorizationCodeLifetime ?? null,
    jwksUri: a.jwksUri ?? null,
    tokenEndpointAuthSigningAlg: a.tokenEndpointAuthSigningAlg ?? null,
    requestUris: split(a.requestUris ?? ''),
    secretOctets: a.oauth1SecretSealed ? sealedOctets(a.oauth1SecretSealed) ?? 0 : null,
    ownerId: (a.owner as unknown as { id: number }).id,
    registered: a.registered as ClientOrigin,
    tokenExchange: readTokenExchangePolicy(a.tokenExchange),
    metadataExpiresAt: a.metadataExpiresAt ?? null,
    metadataLastUsedAt: a.metadataLastUsedAt ?? null,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}

/** The columns a ClientInput sets (creation, update, a metadata document). */
export function columns(input: ClientInput) {
  return {
    name: input.name,
    applicationType: input.applicationType,
    clientType: input.clientType,
    grantTypes: input.grantTypes.join(' '),
    redirectUris: input.redirectUris.join(' '),
    allowedScopes: input.allowedScopes.join(' '),
    skipAuthorization: input.skipAuthorization,
    allowedOrigins: input.allowedOrigins.join(' '),
    tokenEndpointAuthMethod: input.tokenEndpointAuthMethod,
    oauth1Enabled: input.oauth1Enabled,
    rsaPublicKey: input.rsaPublicKey,
    postLogoutRedirectUris: input.postLogoutRedirectUris.join(' '),
    backchannelLogoutUri: input.backchannelLogoutUri,
    backchannelLogoutSessionRequired: input.backchannelLogoutSessionRequired,
    frontchannelLogoutUri: input.frontchannelLogoutUri,
    frontchannelLogoutSessionRequired: input.frontchannelLogoutSessionRequired,
    dpopBoundAccessTokens: input.dpopBoundAccessTokens,
    accessTokenFormat: input.accessTokenFormat,
    idTokenSignedResponseAlg: input.idTokenSignedResponseAlg,
    // Comma-separated: a response type holds spaces (code id_token).
    responseTypes: input.responseTypes.join(','),
    userinfoSignedResponseAlg: input.userinfoSignedResponseAlg,
    subjectType: input.subjectType,
    sectorIdentifierUri: input.sectorIdentifierUri,
    jwks: input.jwks,
    requestObjectSigningAlg: input.requestObjectSigningAlg,
    accessTokenLifetime: input.accessTokenLifetime,
    refreshTokenLifetime: input.refreshTokenLifetime,
    authorizationCodeLifetime: input.authorizationCodeLifetime,
    jwksUri: input.jwksUri,
    tokenEndpointAuthSigningAlg: input.tokenEndpointAuthSigningAlg,
    requestUris: input.requestUris.join(' '),
  };
}
