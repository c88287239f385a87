import { readProfile } from '../accounts/profile.ts';
import { readResponseTypes } from './application-record.ts';
import type { GrantType } from '../oauth2/store.ts';
import type { ClientField, ClientView, EventView, GrantView, SigningKeyView, TokenKind, TokenView, UserView } from './admin-store.ts';

// Stored rows to the views of admin-store.ts. Each view is built from named columns, so a hash, a sealed secret or
// a token family never reaches one; the columns each page reads are listed here, next to the views they make.

export interface Row { [column: string]: unknown; id: number }

const list = (v: unknown) => String(v ?? '').split(/\s+/).filter(Boolean);
const time = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const text = (v: unknown) => (v === null || v === undefined ? null : String(v));

/** The column of each client field a page may leave unread. */
const CLIENT_COLUMN: Readonly<Record<ClientField, string>> = {
  clientId: 'client_id', name: 'name', clientType: 'client_type', grantTypes: 'grant_types', redirectUris: 'redirect_uris',
  allowedScopes: 'allowed_scopes', skipAuthorization: 'skip_authorization', allowedOrigins: 'allowed_origins',
  tokenEndpointAuthMethod: 'token_endpoint_auth_method', oauth1Enabled: 'oauth1_enabled', rsaPublicKey: 'rsa_public_key',
  accessTokenFormat: 'access_token_format', idTokenSignedResponseAlg: 'id_token_signed_response_alg',
  userinfoSignedResponseAlg: 'userinfo_signed_response_alg', subjectType: 'subject_type', sectorIdentifierUri: 'sector_identifier_uri',
  createdAt: 'created_at', updatedAt: 'updated_at', postLogoutRedirectUris: 'post_logout_redirect_uris', backchannelLogoutUri: 'backchannel_logout_uri',
  backchannelLogoutSessionRequired: 'backchannel_logout_session_required', frontchannelLogoutUri: 'frontchannel_logout_uri',
  frontchannelLogoutSessionRequired: 'frontchannel_logout_session_required', registered: 'registered', dpopBoundAccessTokens: 'dpop_bound_access_tokens',
  accessTokenLifetime: 'access_token_lifetime', refreshTokenLifetime: 'refresh_token_lifetime', authorizationCodeLifetime: 'authorization_code_lifetime',
  jwksUri: 'jwks_uri', tokenEndpointAuthSigningAlg: 'token_endpoint_auth_signing_alg', requestUris: 'request_uris',
  // '' means the grant types' own response types, so those are read with it.
  responseTypes: 'response_types, grant_types',
};
/** A client's columns for the fields a caller reads (all of them when it does not say): never its secrets. */
export const clientColumns = (fields: readonly ClientField[] = Object.keys(CLIENT_COLUMN) as ClientField[]) =>
  ['id', 'owner_id', ...fields.map((f) => CLIENT_COLUMN[f])].join(', ');
export const CLIENT_COLUMNS = clientColumns();
export const USER_COLUMNS = 'id, username, email, is_admin, is_active, created_at, last_login_at, profile, email_verified, updated_at';
export const GRANT_COLUMNS = 'id, user_id, application_id, scope, created_at, last_used_at, revoked_at';
export const EVENT_COLUMNS = 'id, type, created_at, user_id, client_id, ip, request_id, detail';
const TOKEN_COMMON = 'id, application_id, user_id, created_at, expires_at, revoked_at';
/** Each kind's table and the columns its views read. */
export const TOKEN_SOURCES: Readonly<Record<TokenKind, { table: string; columns: string }>> = {
  ACCESS: { table: 'access_tokens', columns: `${TOKEN_COMMON}, scope` },
  REFRESH: { table: 'refresh_tokens', columns: `${TOKEN_COMMON}, scope, used_at` },
  // OAuth 1 token credentials carry no scope (their view lists none).
  OAUTH1: { table: 'oauth1_tokens', columns: TOKEN_COMMON },
};

// The list fields are split only if the query selects them (a clients page asks for 50 rows, often just names);
// prototype getters keep each view as cheap to build as a plain object.
class ClientRowView implements ClientView {
  readonly #r: Row;
  id: number; clientId: string; name: string; clientType: string; skipAuthorization: boolean; tokenEndpointAuthMethod: string;
  ownerId: number; oauth1Enabled: boolean; rsaPublicKey: string | null; accessTokenFormat: string; idTokenSignedResponseAlg: string; createdAt: number; updatedAt: number;
  userinfoSignedResponseAlg: string | null; subjectType: string; sectorIdentifierUri: string | null;
  backchannelLogoutUri: string | null; backchannelLogoutSessionRequired: boolean;
  frontchannelLogoutUri: string | null; frontchannelLogoutSessionRequired: boolean; registered: string; dpopBoundAccessTokens: boolean;
  accessTokenLifetime: number | null; refreshTokenLifetime: number | null; authorizationCodeLifetime: number | null;
  jwksUri: string | null; tokenEndpointAuthSigningAlg: string | null;
  constructor(r: Row) {
    this.#r = r;
    this.id = r.id; this.clientId = String(r.client_id); this.name = String(r.name); this.clientType = String(r.client_type);
    this.skipAuthorization = Boolean(r.skip_authorization); this.tokenEndpointAuthMethod = String(r.token_endpoint_auth_method);
    this.ownerId = Number(r.owner_id); this.oauth1Enabled = Boolean(r.oauth1_enabled); this.rsaPublicKey = text(r.rsa_public_key);
    this.accessTokenFormat = String(r.access_token_format); this.idTokenSignedResponseAlg = String(r.id_token_signed_response_alg);
    this.userinfoSignedResponseAlg = text(r.userinfo_signed_response_alg); this.subjectType = String(r.subject_type); this.sectorIdentifierUri = text(r.sector_identifier_uri);
    this.createdAt = Number(r.created_at); this.updatedAt = Number(r.updated_at); this.registered = String(r.registered ?? 'owner');
    this.backchannelLogoutUri = text(r.backchannel_logout_uri); this.backchannelLogoutSessionRequired = Boolean(r.backchannel_logout_session_required);
    this.frontchannelLogoutUri = text(r.frontchannel_logout_uri); this.frontchannelLogoutSessionRequired = Boolean(r.frontchannel_logout_session_required);
    this.dpopBoundAccessTokens = Boolean(r.dpop_bound_access_tokens);
    const seconds = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    this.accessTokenLifetime = seconds(r.access_token_lifetime); this.refreshTokenLifetime = seconds(r.refresh_token_lifetime); this.authorizationCodeLifetime = seconds(r.authorization_code_lifetime);
    this.jwksUri = text(r.jwks_uri); this.tokenEndpointAuthSigningAlg = text(r.token_endpoint_auth_signing_alg);
  }
  // Each split once: compiled queries (graphql-jit) read a list field several times while completing it.
  #grantTypes?: string[]; #redirectUris?: string[]; #allowedScopes?: string[]; #allowedOrigins?: string[]; #postLogoutRedirectUris?: string[];
  get grantTypes() { return (this.#grantTypes ??= list(this.#r.grant_types)); }
  get redirectUris() { return (this.#redirectUris ??= list(this.#r.redirect_uris)); }
  get allowedScopes() { return (this.#allowedScopes ??= list(this.#r.allowed_scopes)); }
  get allowedOrigins() { return (this.#allowedOrigins ??= list(this.#r.allowed_origins)); }
  get postLogoutRedirectUris() { return (this.#postLogoutRedirectUris ??= list(this.#r.post_logout_redirect_uris)); }
  #requestUris?: string[];
  get requestUris() { return (this.#requestUris ??= list(this.#r.request_uris)); }
  #responseTypes?: string[];
  get responseTypes() { return (this.#responseTypes ??= readResponseTypes(this.#r.response_types, list(this.#r.grant_types) as GrantType[])); }
}

export const clientView = (r: Row): ClientView => new ClientRowView(r);

export const userView = (r: Row): UserView => ({
  id: r.id, username: String(r.username), email: text(r.email), isAdmin: Boolean(r.is_admin), isActive: Boolean(r.is_active),
  createdAt: Number(r.created_at), lastLoginAt: time(r.last_login_at),
  profile: readProfile(r.profile), emailVerified: Boolean(r.email_verified), updatedAt: time(r.updated_at),
});

export const grantView = (r: Row): GrantView => ({
  id: r.id, userId: Number(r.user_id), clientDbId: Number(r.application_id), scopes: list(r.scope), createdAt: Number(r.created_at),
  lastUsedAt: time(r.last_used_at), revokedAt: time(r.revoked_at),
});

export function tokenView(r: Row, kind: TokenKind, now = Date.now()): TokenView {
  const revokedAt = time(r.revoked_at);
  const expiresAt = time(r.expires_at);
  const spent = kind === 'REFRESH' && r.used_at !== null && r.used_at !== undefined;
  return {
    id: `${kind.toLowerCase()}:${r.id}`, rowId: r.id, kind, scopes: list(r.scope), clientDbId: Number(r.application_id),
    userId: r.user_id === null ? null : Number(r.user_id), issuedAt: Number(r.created_at), expiresAt, revokedAt,
    active: revokedAt === null && !spent && (expiresAt === null || expiresAt > now),
  };
}

export const eventView = (r: Row): EventView => ({
  id: r.id, type: String(r.type), createdAt: Number(r.created_at), userId: r.user_id == null ? null : Number(r.user_id), clientId: text(r.client_id),
  ip: text(r.ip), requestId: text(r.request_id), detail: text(r.detail),
});

/** Named columns only: the sealed private JWK is never read for the admin API. */
export const signingKeyView = (r: Row): SigningKeyView => ({
  kid: String(r.kid), alg: String(r.alg), status: String(r.status), createdAt: Number(r.created_at), retiredAt: time(r.retired_at),
});
