import type { EntityManager } from '@mikro-orm/core';
import type { LoginSessionRow, LoginSessionStore } from '../oidc/store.ts';
import { LoginSession } from './login-session.entity.ts';

const clientIdsOf = (text: string): string[] => {
  try { const v: unknown = JSON.parse(text); return Array.isArray(v) ? v.filter((c): c is string => typeof c === 'string') : []; } catch { return []; }
};

/** login_sessions: which RPs each login session signed in to, by user (src/oidc/login-sessions.ts). */
export class LoginSessionRepository implements LoginSessionStore {
  readonly #em: () => EntityManager;
  constructor(em: () => EntityManager) { this.#em = em; }

  async save(row: LoginSessionRow): Promise<void> {
    await this.#em().upsert(LoginSession, { sid: row.sid, userId: row.userId, clientIds: JSON.stringify(row.clientIds), expiresAt: row.expiresAt }, { onConflictFields: ['sid'], onConflictAction: 'merge', onConflictMergeFields: ['clientIds', 'expiresAt'] });
  }

  async remove(sid: string): Promise<void> {
    await this.#em().nativeDelete(LoginSession, { sid });
  }

  async takeAllOf(userId: number): Promise<LoginSessionRow[]> {
    const em = this.#em();
    const rows = await em.find(LoginSession, { userId }, { disableIdentityMap: true });
    if (rows.length) await em.nativeDelete(LoginSession, { sid: { $in: rows.map((r) => r.sid) } });
    return rows.map((r) => ({ sid: r.sid, userId: r.userId, clientIds: clientIdsOf(r.clientIds), expiresAt: r.expiresAt }));
  }
}
