import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, epochMs } from './columns.ts';
import { User } from './user.entity.ts';
import { Application } from './application.entity.ts';
import { Grant } from './grant.entity.ts';

/** RFC 8628 device authorizations. Only SHA-256 of the device code and of the user code are kept. */
export const DeviceCode = defineEntity({
  name: 'DeviceCode',
  tableName: 'device_codes',
  properties: {
    id: p.integer().primary(),
    deviceCodeHash: p.string().length(64).unique(),
    userCodeHash: p.string().length(64).unique(),
    application: () => p.manyToOne(Application).deleteRule('cascade').index(),
    scope: p.text(),
    /** RFC 8707: the resources the device authorization request named, space-separated ('' for none). */
    resource: p.text().default(''),
    /** pending → approved | denied (bound to `user` by compare-and-set) → consumed (tokens issued once). */
    status: p.string().length(10).default('pending'),
    user: () => p.manyToOne(User).deleteRule('cascade').nullable(),
    grant: () => p.manyToOne(Grant).deleteRule('cascade').nullable(),
    authTime: epochMs().nullable(),
    amr: p.string().length(100).default(''),
    /** Seconds between polls; slow_down raises it (RFC 8628 §3.5). `interval` is a PostgreSQL keyword. */
    pollInterval: p.integer(),
    lastPolledAt: epochMs().nullable(),
    expiresAt: epochMs().index(),
    createdAt: createdAt(),
  },
});
export type DeviceCodeEntity = InferEntity<typeof DeviceCode>;
