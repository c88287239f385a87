import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { CLIENT_ID_LENGTH, createdAt, epochMs } from './columns.ts';

/**
 * RFC 9126 pushed authorization requests, shared by every instance (the push and the authorize GET may reach two).
 * Keyed by the SHA-256 of the request_uri, like tokens: a database read gives no usable request_uri.
 */
export const PushedRequest = defineEntity({
  name: 'PushedRequest',
  tableName: 'pushed_requests',
  properties: {
    requestHash: p.string().length(64).primary(),
    clientId: p.string().length(CLIENT_ID_LENGTH),
    /** The validated authorization request parameters, as a JSON object. */
    params: p.text(),
    createdAt: createdAt(),
    expiresAt: epochMs().index(),
  },
});
export type PushedRequestEntity = InferEntity<typeof PushedRequest>;
