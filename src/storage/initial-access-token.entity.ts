import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, epochMs } from './columns.ts';
import { User } from './user.entity.ts';

/** RFC 7591 §3: initial access tokens an administrator issued for dynamic registration; only their SHA-256 is kept. */
export const InitialAccessToken = defineEntity({
  name: 'InitialAccessToken',
  tableName: 'initial_access_tokens',
  properties: {
    id: p.integer().primary(),
    tokenHash: p.string().length(64).unique().hidden(),
    /** Spent by its first successful registration (deleted then). */
    singleUse: p.boolean().default(true),
    expiresAt: epochMs().nullable(),
    /** Registrations made with it (a multi-use token; a single-use one is deleted by its one use). */
    uses: p.integer().default(0),
    lastUsedAt: epochMs().nullable(),
    createdBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
    createdAt: createdAt(),
  },
});
export type InitialAccessTokenEntity = InferEntity<typeof InitialAccessToken>;
