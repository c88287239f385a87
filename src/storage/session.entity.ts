import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { epochMs } from './columns.ts';

/** Server-side browser sessions (koa-session external store). The id is SHA-256 of the cookie's key. */
export const Session = defineEntity({
  name: 'Session',
  tableName: 'sessions',
  properties: {
    id: p.string().length(64).primary(),
    data: p.text(),
    expiresAt: epochMs().index(),
  },
});
export type SessionEntity = InferEntity<typeof Session>;
