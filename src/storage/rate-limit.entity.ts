import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { epochMs } from './columns.ts';

/** Fixed-window counters shared by every instance when there is no Redis (login and client-auth throttles). */
export const RateLimitBucket = defineEntity({
  name: 'RateLimitBucket',
  tableName: 'rate_limits',
  properties: {
    bucket: p.string().length(200).primary(),
    hits: p.integer(),
    resetAt: epochMs().index(),
  },
});
export type RateLimitBucketEntity = InferEntity<typeof RateLimitBucket>;
