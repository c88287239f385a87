import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { epochMs } from './columns.ts';

/**
 * RFC 7523 §3 item 7: client-assertion jtis already used, until their assertion expires (without Redis). Keyed by
 * the SHA-256 of (client_id, jti): the primary key makes "first use" one insert that only one caller can win.
 */
export const ClientAssertionJti = defineEntity({
  name: 'ClientAssertionJti',
  tableName: 'client_assertion_jtis',
  properties: {
    jtiHash: p.string().length(64).primary(),
    expiresAt: epochMs().index(),
  },
});
export type ClientAssertionJtiEntity = InferEntity<typeof ClientAssertionJti>;
