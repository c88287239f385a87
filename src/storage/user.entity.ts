import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, epochMs } from './columns.ts';

export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  // Unique whatever the case (Django's username__iexact): the check in accounts/users.ts gives the friendly answer,
  // this index decides races between concurrent creations (issue 21). Login still matches the exact spelling.
  uniques: [{ name: 'users_username_lower_unique', expression: (columns, table, name) => `create unique index ${name} on ${table.name} (lower(${columns.username}))` }],
  properties: {
    id: p.integer().primary(),
    username: p.string().length(150).unique(),
    email: p.string().length(254).nullable(),
    /** scrypt with its parameters recorded in the string (src/accounts/passwords.ts). */
    passwordHash: p.string().length(255).hidden(),
    isAdmin: p.boolean().default(false),
    isActive: p.boolean().default(true),
    createdAt: createdAt(),
    lastLoginAt: epochMs().nullable(),
    /** OpenID Connect Core §5.1 claims as JSON text (src/accounts/profile.ts validates and reads it). */
    profile: p.text().nullable(),
    emailVerified: p.boolean().default(false),
    /** The `updated_at` claim: when the profile or email last changed. */
    updatedAt: epochMs().nullable(),
    /** Browser sessions signed in before this instant are over (deactivation, a new password, an administrator). */
    sessionsEndedAt: epochMs().nullable(),
    /** Still the password set when the first admin was created (printed once, or ADMIN_PASSWORD): `check --deploy` warns. */
    initialPassword: p.boolean().default(false),
  },
});
export type UserEntity = InferEntity<typeof User>;
