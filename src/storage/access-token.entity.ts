import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { nonNullIndexes } from './columns.ts';
import { tokenColumns } from './token-columns.ts';

export const AccessToken = defineEntity({
  name: 'AccessToken',
  tableName: 'access_tokens',
  properties: {
    ...tokenColumns(),
    /** Tokens from one authorization (and its refreshes) share a family: revocation and reuse act on it. */
    familyId: p.string().length(64).nullable(),
    /** RFC 8693 §4.1: the act claim of a delegated token exchange, as JSON; null for every other token. */
    act: p.text().nullable(),
  },
  indexes: nonNullIndexes('access_tokens', { user: 'user_id', grant: 'grant_id' }),
});
export type AccessTokenEntity = InferEntity<typeof AccessToken>;
