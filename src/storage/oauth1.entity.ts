import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { CLIENT_ID_LENGTH, createdAt, epochMs } from './columns.ts';
import { User } from './user.entity.ts';
import { Application } from './application.entity.ts';
import { Grant } from './grant.entity.ts';

/** OAuth 1.0a credentials (RFC 5849 §2): temporary ones during authorization, then token credentials. */
export const OAuth1Token = defineEntity({
  name: 'OAuth1Token',
  tableName: 'oauth1_tokens',
  properties: {
    id: p.integer().primary(),
    /** SHA-256 of oauth_token: the identifier is looked up by hash like every other credential. */
    tokenHash: p.string().length(64).unique(),
    kind: p.string().length(12),
    application: () => p.manyToOne(Application).deleteRule('cascade').index(),
    user: () => p.manyToOne(User).deleteRule('cascade').nullable().index(),
    grant: () => p.manyToOne(Grant).deleteRule('set null').nullable().index(),
    /** The token secret, sealed with AES-256-GCM (HMAC needs it back). */
    secretSealed: p.text(),
    callback: p.text().nullable(),
    /** SHA-256 of oauth_verifier once the user approved. */
    verifierHash: p.string().length(64).nullable(),
    expiresAt: epochMs().nullable().index(),
    /** Temporary credentials are exchanged once (RFC 5849 §2.3). */
    usedAt: epochMs().nullable(),
    revokedAt: epochMs().nullable(),
    createdAt: createdAt(),
  },
});
export type OAuth1TokenEntity = InferEntity<typeof OAuth1Token>;

/** RFC 5849 §3.3: a nonce is unique per consumer, token and timestamp; the unique index makes it atomic. */
export const OAuth1Nonce = defineEntity({
  name: 'OAuth1Nonce',
  tableName: 'oauth1_nonces',
  uniques: [{ properties: ['consumerKey', 'token', 'timestamp', 'nonce'] }],
  properties: {
    id: p.integer().primary(),
    /** The consumer key is the client_id. */
    consumerKey: p.string().length(CLIENT_ID_LENGTH),
    token: p.string().length(64),
    timestamp: p.bigint('number'),
    nonce: p.string().length(255),
    expiresAt: epochMs().index(),
  },
});
