import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, epochMs } from './columns.ts';
import { User } from './user.entity.ts';
import { Application } from './application.entity.ts';

/** A user's consent to one application: the unit a user sees and revokes under "authorized applications". */
export const Grant = defineEntity({
  name: 'Grant',
  tableName: 'grants',
  uniques: [{ properties: ['user', 'application'] }],
  properties: {
    id: p.integer().primary(),
    user: () => p.manyToOne(User).deleteRule('cascade'),
    application: () => p.manyToOne(Application).deleteRule('cascade').index(),
    scope: p.text(),
    /** OpenID Connect Core §5.5: claims consented beyond the scopes', space-separated. */
    claims: p.text().default(''),
    /** Issue 20: redirect origins consented to, space-separated; null for grants from before they were recorded. */
    consentedOrigins: p.text().nullable(),
    createdAt: createdAt(),
    lastUsedAt: epochMs().nullable(),
    revokedAt: epochMs().nullable(),
  },
});
export type GrantEntity = InferEntity<typeof Grant>;
