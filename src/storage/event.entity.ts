import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { CLIENT_ID_LENGTH, createdAt, nonNullIndexes } from './columns.ts';

/** Audit log row. Ids are plain columns, not foreign keys, so history outlives deleted users and clients. */
export const Event = defineEntity({
  name: 'Event',
  tableName: 'events',
  properties: {
    id: p.integer().primary(),
    type: p.string().length(60).index(),
    userId: p.integer().nullable(),
    clientId: p.string().length(CLIENT_ID_LENGTH).nullable().index(),
    ip: p.string().length(64).nullable(),
    requestId: p.string().length(64).nullable(),
    detail: p.text().nullable(),
    createdAt: createdAt().index(),
  },
  // Most events (a client's own tokens) have no user.
  indexes: nonNullIndexes('events', { userId: 'user_id' }),
});
export type EventEntity = InferEntity<typeof Event>;
