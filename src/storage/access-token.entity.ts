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
    /**
     * RFC 8693: the hash of the subject access token this one was exchanged from; null for every other token.
     * Revoking that token revokes this one, and what was exchanged from this one in turn (TokenRepository).
     */
    exchangedFrom: p.string().length(64).nullable(),
    /**
     * RFC 8693 §4.1: the client_id of the current actor (`act.sub`) of a delegated token; null for every other token.
     * Deleting that client revokes this token, and what was exchanged from it (storage/revocation.ts).
     */
    actorClientId: p.text().nullable(),
  },
  indexes: nonNullIndexes('access_tokens', { user: 'user_id', grant: 'grant_id', exchangedFrom: 'exchanged_from', actorClientId: 'actor_client_id' }),
});
export type AccessTokenEntity = InferEntity<typeof AccessToken>;
