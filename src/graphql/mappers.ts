import type { Row } from '../storage/admin.repository.ts';

// Database rows to the plain objects the resolvers return. Hashes never leave this file.
const list = (v: unknown) => String(v ?? '').split(/\s+/).filter(Boolean);
const time = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export interface ClientNode { id: number; clientId: string; name: string; clientType: string; grantTypes: string[]; redirectUris: string[]; allowedScopes: string[]; skipAuthorization: boolean; allowedOrigins: string[]; tokenEndpointAuthMethod: string; oauth1Enabled: boolean; rsaPublicKey: string | null; ownerId: number; createdAt: number; updatedAt: number }
export interface UserNode { id: number; username: string; email: string | null; isAdmin: boolean; isActive: boolean; createdAt: number; lastLoginAt: number | null }
export interface GrantNode { id: number; userId: number; clientDbId: number; scopes: string[]; createdAt: number; lastUsedAt: number | null; revokedAt: number | null }
export type TokenKind = 'ACCESS' | 'REFRESH' | 'OAUTH1';
export interface TokenNode { id: string; rowId: number; kind: TokenKind; scopes: string[]; clientDbId: number; userId: number | null; issuedAt: number; expiresAt: number | null; revokedAt: number | null; active: boolean }

// The list fields are split only if the query selects them (a clients page asks for 50 rows, often just names);
// prototype getters keep each node as cheap to build as a plain object.
class ClientRowNode {
  readonly #r: Row;
  id: number; clientId: string; name: string; clientType: string; skipAuthorization: boolean; tokenEndpointAuthMethod: string;
  ownerId: number; oauth1Enabled: boolean; rsaPublicKey: string | null; createdAt: number; updatedAt: number;
  constructor(r: Row) {
    this.#r = r;
    this.id = r.id; this.clientId = String(r.client_id); this.name = String(r.name); this.clientType = String(r.client_type);
    this.skipAuthorization = Boolean(r.skip_authorization); this.tokenEndpointAuthMethod = String(r.token_endpoint_auth_method);
    this.ownerId = Number(r.owner_id); this.oauth1Enabled = Boolean(r.oauth1_enabled); this.rsaPublicKey = (r.rsa_public_key as string | null) ?? null;
    this.createdAt = Number(r.created_at); this.updatedAt = Number(r.updated_at);
  }
  // Each split once: compiled queries (graphql-jit) read a list field several times while completing it.
  #grantTypes?: string[]; #redirectUris?: string[]; #allowedScopes?: string[]; #allowedOrigins?: string[];
  get grantTypes() { return (this.#grantTypes ??= list(this.#r.grant_types)); }
  get redirectUris() { return (this.#redirectUris ??= list(this.#r.redirect_uris)); }
  get allowedScopes() { return (this.#allowedScopes ??= list(this.#r.allowed_scopes)); }
  get allowedOrigins() { return (this.#allowedOrigins ??= list(this.#r.allowed_origins)); }
}

export const clientNode = (r: Row): ClientNode => new ClientRowNode(r);

export const userNode = (r: Row): UserNode => ({
  id: r.id, username: String(r.username), email: (r.email as string | null) ?? null, isAdmin: Boolean(r.is_admin), isActive: Boolean(r.is_active),
  createdAt: Number(r.created_at), lastLoginAt: time(r.last_login_at),
});

export const grantNode = (r: Row): GrantNode => ({
  id: r.id, userId: Number(r.user_id), clientDbId: Number(r.application_id), scopes: list(r.scope), createdAt: Number(r.created_at),
  lastUsedAt: time(r.last_used_at), revokedAt: time(r.revoked_at),
});

export const TOKEN_TABLES = { ACCESS: 'access_tokens', REFRESH: 'refresh_tokens', OAUTH1: 'oauth1_tokens' } as const;

export function tokenNode(r: Row, kind: TokenKind, now = Date.now()): TokenNode {
  const revokedAt = time(r.revoked_at);
  const expiresAt = time(r.expires_at);
  const spent = kind === 'REFRESH' && r.used_at !== null && r.used_at !== undefined;
  return {
    id: `${kind.toLowerCase()}:${r.id}`, rowId: r.id, kind, scopes: list(r.scope), clientDbId: Number(r.application_id),
    userId: r.user_id === null ? null : Number(r.user_id), issuedAt: Number(r.created_at), expiresAt, revokedAt,
    active: revokedAt === null && !spent && (expiresAt === null || expiresAt > now),
  };
}

export interface EventNode { id: number; type: string; createdAt: number; userId: number | null; clientId: string | null; ip: string | null; requestId: string | null; detail: string | null }

export const eventNode = (r: Row): EventNode => ({
  id: r.id, type: String(r.type), createdAt: Number(r.created_at), userId: r.user_id == null ? null : Number(r.user_id), clientId: (r.client_id as string | null) ?? null,
  ip: (r.ip as string | null) ?? null, requestId: (r.request_id as string | null) ?? null, detail: (r.detail as string | null) ?? null,
});
