import type { Row } from '../storage/admin.repository.ts';

// Database rows to the plain objects the resolvers return. Hashes never leave this file.
const list = (v: unknown) => String(v ?? '').split(/\s+/).filter(Boolean);
const time = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export interface ClientNode { id: number; clientId: string; name: string; clientType: string; grantTypes: string[]; redirectUris: string[]; allowedScopes: string[]; skipAuthorization: boolean; allowedOrigins: string[]; tokenEndpointAuthMethod: string; oauth1Enabled: boolean; rsaPublicKey: string | null; ownerId: number; createdAt: number; updatedAt: number }
export interface UserNode { id: number; username: string; email: string | null; isAdmin: boolean; isActive: boolean; createdAt: number; lastLoginAt: number | null }
export interface GrantNode { id: number; userId: number; clientDbId: number; scopes: string[]; createdAt: number; lastUsedAt: number | null; revokedAt: number | null }
export type TokenKind = 'ACCESS' | 'REFRESH' | 'OAUTH1';
export interface TokenNode { id: string; rowId: number; kind: TokenKind; scopes: string[]; clientDbId: number; userId: number | null; issuedAt: number; expiresAt: number | null; revokedAt: number | null; active: boolean }

// The list fields are split only if the query selects them (a clients page asks for 50 rows, often just names).
export const clientNode = (r: Row): ClientNode => ({
  id: r.id, clientId: String(r.client_id), name: String(r.name), clientType: String(r.client_type),
  get grantTypes() { return list(r.grant_types); },
  get redirectUris() { return list(r.redirect_uris); },
  get allowedScopes() { return list(r.allowed_scopes); },
  skipAuthorization: Boolean(r.skip_authorization),
  get allowedOrigins() { return list(r.allowed_origins); },
  tokenEndpointAuthMethod: String(r.token_endpoint_auth_method), ownerId: Number(r.owner_id),
  oauth1Enabled: Boolean(r.oauth1_enabled), rsaPublicKey: (r.rsa_public_key as string | null) ?? null,
  createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
});

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

export const eventNode = (r: Row) => ({
  id: r.id, type: String(r.type), createdAt: Number(r.created_at), userId: r.user_id ?? null, clientId: r.client_id ?? null,
  ip: r.ip ?? null, requestId: r.request_id ?? null, detail: r.detail ?? null,
});
