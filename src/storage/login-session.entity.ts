import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, epochMs } from './columns.ts';

/**
 * An OpenID Connect login session by its sid (Back-Channel Logout §2.3: the OP remembers which RPs a session signed
 * in to), indexed by user, so sessions ended away from the browser (deactivation, a new password, an administrator)
 * can still tell those RPs. The browser session itself lives in `sessions` or Redis, keyed by its cookie.
 */
export const LoginSession = defineEntity({
  name: 'LoginSession',
  tableName: 'login_sessions',
  properties: {
    sid: p.string().length(64).primary(),
    userId: p.integer().index(),
    /** client_ids the session obtained an ID Token for, as a JSON array. */
    clientIds: p.text().default('[]'),
    createdAt: createdAt(),
    expiresAt: epochMs().index(),
  },
});
export type LoginSessionEntity = InferEntity<typeof LoginSession>;
