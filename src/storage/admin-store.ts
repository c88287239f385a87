import type { UserRecord } from '../accounts/store.ts';
import type { Profile } from '../accounts/profile.ts';
import type { AuditEvent, ClientRecord, InitialAccessTokenInfo } from '../oauth2/store.ts';
import type { ResourceServerInput, ResourceServerRecord } from '../oauth2/resources.ts';
import type { TokenExchangePolicy } from '../oauth2/token-exchange/policy.ts';

// What the admin API (src/graphql) asks of storage: plain views of the stored rows and named queries over them.
// No table or column name crosses this line; the views carry only what a caller may be shown (never a hash, a
// sealed secret or a token family), and which caller may see which view is decided by src/graphql/policy.ts.
// Implemented by admin.repository.ts; the rows become views in admin-views.ts.

/** Keyset pagination by id: `first` items after the one with id `afterId` (null: from the start). */
export interface Page { first: number; afterId: number | null }

/**
 * One page: up to `first + 1` items (the extra one tells whether there is more) and the total, counted only if the
 * caller asks for it (a count over a million audit rows is a full scan; most pages never show it).
 */
export interface PageOf<V> { items: V[]; total: () => Promise<number> }

export interface ClientView {
  id: number; clientId: string; name: string; clientType: string; grantTypes: string[]; redirectUris: string[]; allowedScopes: string[];
  skipAuthorization: boolean; allowedOrigins: string[]; tokenEndpointAuthMethod: string; oauth1Enabled: boolean; rsaPublicKey: string | null;
  postLogoutRedirectUris: string[]; backchannelLogoutUri: string | null; backchannelLogoutSessionRequired: boolean;
  frontchannelLogoutUri: string | null; frontchannelLogoutSessionRequired: boolean; dpopBoundAccessTokens: boolean;
  accessTokenFormat: string; idTokenSignedResponseAlg: string; responseTypes: string[]; userinfoSignedResponseAlg: string | null; subjectType: string; sectorIdentifierUri: string | null; ownerId: number; createdAt: number; updatedAt: number;
  /** Issue 21: per-client lifetimes in seconds; null: the server's defaults. */
  accessTokenLifetime: number | null; refreshTokenLifetime: number | null; authorizationCodeLifetime: number | null;
  registered: string; jwksUri: string | null; tokenEndpointAuthSigningAlg: string | null; requestUris: string[];
}
export interface UserView { id: number; username: string; email: string | null; isAdmin: boolean; isActive: boolean; createdAt: number; lastLoginAt: number | null; profile: Profile; emailVerified: boolean; updatedAt: number | null }
/** A user's consent to a client (`clientDbId`: the client's id, not its client_id). */
export interface GrantView { id: number; userId: number; clientDbId: number; scopes: string[]; createdAt: number; lastUsedAt: number | null; revokedAt: number | null }
export type TokenKind = 'ACCESS' | 'REFRESH' | 'OAUTH1';
/** `id` is opaque (`access:12`, read back by src/graphql/ids.ts); `rowId` orders and pages tokens of one kind. */
export interface TokenView { id: string; rowId: number; kind: TokenKind; scopes: string[]; clientDbId: number; userId: number | null; issuedAt: number; expiresAt: number | null; revokedAt: number | null; active: boolean }
/** An RFC 8707 resource server, as administrators manage it (it holds no secret). */
export type ResourceServerView = ResourceServerRecord;
/** A signing key's public description (never its private JWK). */
export interface SigningKeyView { kid: string; alg: string; status: string; createdAt: number; retiredAt: number | null }
export interface EventView { id: number; type: string; createdAt: number; userId: number | null; clientId: string | null; ip: string | null; requestId: string | null; detail: string | null }

/** A client's fields that a page may leave unread when its caller does not show them (id and ownerId are always read). */
export type ClientField = Exclude<keyof ClientView, 'id' | 'ownerId'>;
/** Each of them by name (a record, so the compiler holds it to ClientView): a caller maps what it shows onto these. */
export const CLIENT_FIELDS: Readonly<Record<ClientField, ClientField>> = {
  clientId: 'clientId', name: 'name', clientType: 'clientType', grantTypes: 'grantTypes', redirectUris: 'redirectUris', allowedScopes: 'allowedScopes',
  skipAuthorization: 'skipAuthorization', allowedOrigins: 'allowedOrigins', tokenEndpointAuthMethod: 'tokenEndpointAuthMethod',
  oauth1Enabled: 'oauth1Enabled', rsaPublicKey: 'rsaPublicKey', accessTokenFormat: 'accessTokenFormat', idTokenSignedResponseAlg: 'idTokenSignedResponseAlg',
  userinfoSignedResponseAlg: 'userinfoSignedResponseAlg', subjectType: 'subjectType', sectorIdentifierUri: 'sectorIdentifierUri', createdAt: 'createdAt', updatedAt: 'updatedAt',
  postLogoutRedirectUris: 'postLogoutRedirectUris', backchannelLogoutUri: 'backchannelLogoutUri', backchannelLogoutSessionRequired: 'backchannelLogoutSessionRequired',
  responseTypes: 'responseTypes', registered: 'registered', jwksUri: 'jwksUri', tokenEndpointAuthSigningAlg: 'tokenEndpointAuthSigningAlg', requestUris: 'requestUris',
  frontchannelLogoutUri: 'frontchannelLogoutUri', frontchannelLogoutSessionRequired: 'frontchannelLogoutSessionRequired', dpopBoundAccessTokens: 'dpopBoundAccessTokens',
  accessTokenLifetime: 'accessTokenLifetime', refreshTokenLifetime: 'refreshTokenLifetime', authorizationCodeLifetime: 'authorizationCodeLifetime',
};

// The core's records (a client just registered, the viewer, an event as it is recorded) as views.
/** A client record of the core (mutations, the client cache) as its view: without its secret hash. */
export const clientRecordView = (c: ClientRecord): ClientView => ({
  id: c.id, clientId: c.clientId, name: c.name, clientType: c.clientType, grantTypes: c.grantTypes, redirectUris: c.redirectUris,
  allowedScopes: c.allowedScopes, skipAuthorization: c.skipAuthorization, allowedOrigins: c.allowedOrigins, tokenEndpointAuthMethod: c.tokenEndpointAuthMethod,
  oauth1Enabled: c.oauth1Enabled, rsaPublicKey: c.rsaPublicKey, postLogoutRedirectUris: c.postLogoutRedirectUris, backchannelLogoutUri: c.backchannelLogoutUri,
  backchannelLogoutSessionRequired: c.backchannelLogoutSessionRequired, frontchannelLogoutUri: c.frontchannelLogoutUri,
  frontchannelLogoutSessionRequired: c.frontchannelLogoutSessionRequired, dpopBoundAccessTokens: c.dpopBoundAccessTokens, accessTokenFormat: c.accessTokenFormat, idTokenSignedResponseAlg: c.idTokenSignedResponseAlg,
  responseTypes: c.responseTypes, userinfoSignedResponseAlg: c.userinfoSignedResponseAlg, subjectType: c.subjectType, sectorIdentifierUri: c.sectorIdentifierUri,
  ownerId: c.ownerId, createdAt: c.createdAt, updatedAt: c.updatedAt, registered: c.registered,
  accessTokenLifetime: c.accessTokenLifetime, refreshTokenLifetime: c.refreshTokenLifetime, authorizationCodeLifetime: c.authorizationCodeLifetime,
  jwksUri: c.jwksUri, tokenEndpointAuthSigningAlg: c.tokenEndpointAuthSigningAlg, requestUris: c.requestUris,
});

/** A user record of the core (the viewer, a user just made) as its view. */
export const userRecordView = (u: UserRecord): UserView => ({
  id: u.id, username: u.username, email: u.email, isAdmin: u.isAdmin, isActive: u.isActive, createdAt: u.createdAt, lastLoginAt: u.lastLoginAt,
  profile: u.profile, emailVerified: u.emailVerified, updatedAt: u.updatedAt,
});

/** An audit event as it is recorded (the live stream) as its view: the same fields a stored one shows. */
export const auditEventView = (e: AuditEvent & { id: number; createdAt: number }): EventView => ({
  id: e.id, type: e.type, createdAt: e.createdAt, userId: e.userId ?? null, clientId: e.clientId ?? null, ip: e.ip ?? null,
  requestId: e.requestId ?? null, detail: e.detail ? JSON.stringify(e.detail) : null,
});

export interface TokenFilter { kind: TokenKind; userId?: number; clientId?: number; activeOnly?: boolean }
export interface EventFilter { types?: readonly string[]; userId?: number; clientId?: string }

export interface AdminStore {
  // Pages, ordered by id (events: newest first). An absent filter value does not filter.
  /** Used by: `clients`. `fields`: the fields the caller reads (absent: all); the others are left unread. */
  clients(filter: { ownerId?: number }, page: Page, fields?: readonly ClientField[]): Promise<PageOf<ClientView>>;
  /** Used by: `users`. `search`: part of the username, any case (the admin console's search box). */
  users(filter: { search?: string }, page: Page): Promise<PageOf<UserView>>;
  /** Used by: `grants`. Unrevoked grants only. */
  liveGrants(filter: { userId?: number; clientId?: number }, page: Page): Promise<PageOf<GrantView>>;
  /** Used by: `tokens`. OAuth 1 tokens are token credentials only (no temporary ones). */
  tokens(filter: TokenFilter, page: Page): Promise<PageOf<TokenView>>;
  /** Used by: `events`, newest first. */
  events(filter: EventFilter, page: Page): Promise<PageOf<EventView>>;

  // Batches for the per-request loaders (src/graphql/context.ts): one query per call, one answer per key, in order.
  /** Used by: owners and users of nodes (Client.owner, Grant.user, Token.user). */
  usersByIds(ids: readonly number[]): Promise<(UserView | null)[]>;
  /** Used by: Grant.client, Token.client. */
  clientsByIds(ids: readonly number[]): Promise<(ClientView | null)[]>;
  /** Used by: User.clients. */
  clientsOwnedBy(userIds: readonly number[]): Promise<ClientView[][]>;
  /** Used by: Client.grants. Unrevoked grants only. */
  liveGrantsOfClients(clientIds: readonly number[]): Promise<GrantView[][]>;
  /** Used by: Grant.liveTokens. Unrevoked, unexpired, unspent tokens of every kind, newest first. */
  liveTokensOfGrants(grantIds: readonly number[]): Promise<TokenView[][]>;

  // One node.
  /** Used by: `client(id)`. */
  client(id: number): Promise<ClientView | null>;
  /** Used by: `client(clientId)`. */
  clientByClientId(clientId: string): Promise<ClientView | null>;
  /** Used by: `revokeGrant`, to ask the policy before revoking. */
  grant(id: number): Promise<GrantView | null>;
  /** Used by: `signingKeys`. Every key not yet deleted, current before next before retired (the keys that sign come first, however many have retired), then by algorithm, at most `first`. */
  signingKeys(first: number): Promise<SigningKeyView[]>;
  /** Used by: `resourceServers` (administrators only), at most `first`, by id. */
  resourceServers(first: number): Promise<ResourceServerView[]>;
  /**
   * Used by: `createResourceServer`, `updateResourceServer`, `deleteResourceServer` (administrators only, as the
   * CLI's createresource). Each is audited (`resource_server.created|updated|deleted`). `identifier_taken`: another
   * resource server already has that identifier.
   */
  createResourceServer(data: ResourceServerInput, by: number | null): Promise<ResourceServerView | 'identifier_taken'>;
  updateResourceServer(id: number, data: ResourceServerInput, by: number | null): Promise<ResourceServerView | 'identifier_taken' | null>;
  deleteResourceServer(id: number, by: number | null): Promise<boolean>;
  /** Used by: `setUserAdmin`: gives or takes administrator rights; false when there is no such user. */
  setUserAdmin(id: number, isAdmin: boolean): Promise<boolean>;
  /** Used by: `createInitialAccessToken` (RFC 7591 §3): stores the token's SHA-256 only. */
  createInitialAccessToken(data: { tokenHash: string; singleUse: boolean; expiresAt: number | null; createdBy: number | null }): Promise<number>;
  /** Used by: `initialAccessTokens` (administrators only): the newest first, at most `first`. */
  initialAccessTokens(first: number): Promise<InitialAccessTokenInfo[]>;
  /** Used by: `revokeInitialAccessToken` (administrators only). */
  revokeInitialAccessToken(id: number): Promise<boolean>;
  /** Used by: `tokenExchangePolicy` (administrators only): the client's origin and RFC 8693 policy; null when there is no such client. */
  tokenExchangeOf(id: number): Promise<{ registered: ClientRecord['registered']; clientType: ClientRecord['clientType']; policy: TokenExchangePolicy | null } | null>;
  /** Used by: `setTokenExchangePolicy` (administrators only, privileges.ts decides first); audited `client.token_exchange_changed`. */
  setTokenExchangePolicy(id: number, policy: TokenExchangePolicy | null, by: number | null): Promise<void>;

  // Revocation: each one transaction, after which no token, refresh token or pending authorization code it covers
  // works (RFC 7009 §2.1, RFC 6749 §4.1.2). They return how many stopped working. (`revokeGrant` uses the core's
  // TokenStore.revokeByGrant, the authorized-applications page's path.)
  /** Used by: `revokeAllForUser`: every grant, token and pending code of the user. */
  revokeAllForUser(userId: number, now: number): Promise<number>;
  /** Used by: `revokeAllForClient`: every grant, token and pending code of the client. */
  revokeAllForClient(clientId: number, now: number): Promise<number>;
  /**
   * Used by: `revokeToken`. `allowed` (the policy) sees the token first; a refresh token takes its family with it
   * (RFC 7009 §2.1). Null when there is no such token or `allowed` refused it.
   */
  revokeToken(kind: TokenKind, id: number, now: number, allowed: (token: TokenView) => boolean): Promise<{ token: TokenView; revoked: number } | null>;
}
