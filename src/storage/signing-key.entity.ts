import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, epochMs } from './columns.ts';

/** OpenID Connect signing keys (src/oidc/keys.ts). The private JWK is sealed under ENCRYPTION_KEY. */
export const SigningKey = defineEntity({
  name: 'SigningKey',
  tableName: 'signing_keys',
  properties: {
    id: p.integer().primary(),
    /** RFC 7638 thumbprint of the public key. */
    kid: p.string().length(64).unique(),
    alg: p.string().length(16),
    status: p.string().length(8),
    /**
     * `current:RS256`, `next:RS256`… while the key holds that role, null once retired. Unique: two instances
     * generating keys at first start cannot both make a current key for one algorithm (NULLs never collide).
     */
    slot: p.string().length(32).nullable().unique(),
    publicJwk: p.text(),
    privateJwkSealed: p.text(),
    createdAt: createdAt(),
    retiredAt: epochMs().nullable(),
  },
});
export type SigningKeyEntity = InferEntity<typeof SigningKey>;
