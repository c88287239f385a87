import { p } from '@mikro-orm/core';
import { createdAt, epochMs } from './columns.ts';
import { User } from './user.entity.ts';
import { Application } from './application.entity.ts';
import { Grant } from './grant.entity.ts';

/** Columns access and refresh tokens share: a hash (never the token), its owner, scope, family and lifetime. */
export const tokenColumns = () => ({
  id: p.integer().primary(),
  /** SHA-256 of the token. */
  tokenHash: p.string().length(64).unique(),
  application: () => p.manyToOne(Application).deleteRule('cascade').index(),
  /** Null for client_credentials tokens, which act for the client itself (indexed where set: see nonNullIndexes in columns.ts). */
  user: () => p.manyToOne(User).deleteRule('cascade').nullable(),
  grant: () => p.manyToOne(Grant).deleteRule('set null').nullable(),
  scope: p.text(),
  /** RFC 8707: the resources (space-separated URIs) of an access token's audience or a refresh token's grant; '' none. */
  resource: p.text().default(''),
  /** RFC 9449 §6: the RFC 7638 thumbprint of the DPoP key the token is bound to; null for a bearer token. */
  dpopJkt: p.string().length(43).nullable(),
  expiresAt: epochMs().index(),
  revokedAt: epochMs().nullable(),
  createdAt: createdAt(),
});
