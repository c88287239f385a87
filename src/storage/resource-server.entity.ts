import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, epochMs } from './columns.ts';

/** RFC 8707 resource servers an administrator registered: tokens asked for with `resource` name them in `aud`. */
export const ResourceServer = defineEntity({
  name: 'ResourceServer',
  tableName: 'resource_servers',
  properties: {
    id: p.integer().primary(),
    /** RFC 8707 §2: an absolute URI without fragment, in canonical form (oauth2/resources.ts canonicalResource). */
    identifier: p.string().length(2048).unique(),
    name: p.string().length(200),
    /** The scopes its tokens may carry, space-separated. */
    scopes: p.text().default(''),
    /** `opaque` or `jwt` (RFC 9068): the format of the access tokens asked for it. */
    accessTokenFormat: p.string().length(10).default('opaque'),
    /** Seconds; null: ACCESS_TOKEN_TTL. */
    accessTokenTtl: p.integer().nullable(),
    createdAt: createdAt(),
    updatedAt: epochMs(),
  },
});
export type ResourceServerEntity = InferEntity<typeof ResourceServer>;
