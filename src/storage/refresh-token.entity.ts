import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { epochMs, nonNullIndexes } from './columns.ts';
import { tokenColumns } from './token-columns.ts';

export const RefreshToken = defineEntity({
  name: 'RefreshToken',
  tableName: 'refresh_tokens',
  properties: {
    ...tokenColumns(),
    /** Not indexed: revocation finds a family through its grant (see token.repository.ts revokeFamilyTx). */
    familyId: p.string().length(64),
    /** Set when rotated: presenting it again is reuse and revokes the family (RFC 9700 §4.14.2). */
    usedAt: epochMs().nullable(),
    /** OpenID Connect Core §12.2: the authentication the family started with, for refreshed ID Tokens. */
    authTime: epochMs().nullable(),
    sid: p.string().length(64).nullable(),
    amr: p.string().length(100).default(''),
  },
  // sid: a logout forgets its session on the refresh tokens that carry it (token.repository.ts forgetSession).
  indexes: nonNullIndexes('refresh_tokens', { user: 'user_id', grant: 'grant_id', sid: 'sid' }),
});
export type RefreshTokenEntity = InferEntity<typeof RefreshToken>;
