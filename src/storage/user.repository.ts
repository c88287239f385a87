import type { EntityManager } from '@mikro-orm/core';
import { User, type UserEntity } from './user.entity.ts';
import type { ProfileChange, UserRecord, UserStore } from '../accounts/store.ts';
import { readProfile } from '../accounts/profile.ts';
import type { TokenCache } from './token-cache.ts';
import { tx, type Sql } from './sql.ts';
import { revokeGrantsTx } from './revocation.ts';
import { isUniqueViolation } from './unique.ts';

interface DbUser { id: number; username: string; email: string | null; is_admin: number | boolean; is_active: number | boolean; created_at: number; last_login_at: number | null; profile: unknown; email_verified: number | boolean; updated_at: number | null; sessions_ended_at?: number | string | null }

const fromRow = (r: DbUser): UserRecord => ({
  id: r.id, username: r.username, email: r.email, isAdmin: Boolean(r.is_admin), isActive: Boolean(r.is_active),
  createdAt: Number(r.created_at), lastLoginAt: r.last_login_at === null ? null : Number(r.last_login_at),
  profile: readProfile(r.profile), emailVerified: Boolean(r.email_verified), updatedAt: r.updated_at === null ? null : Number(r.updated_at),
  sessionsEndedAt: r.sessions_ended_at == null ? null : Number(r.sessions_ended_at),
});

function toRecord(u: UserEntity): UserRecord {
  return { id: u.id, username: u.username, email: u.email ?? null, isAdmin: u.isAdmin, isActive: u.isActive, createdAt: u.createdAt, lastLoginAt: u.lastLoginAt ?? null,
    profile: readProfile(u.profile), emailVerified: u.emailVerified, updatedAt: u.updatedAt ?? null };
}

export class UserRepository implements UserStore {
  readonly #em: () => EntityManager;
  readonly #tokenCache: TokenCache;
  readonly #sql: Sql;
  constructor(em: () => EntityManager, tokenCache: TokenCache, sql: Sql) { this.#em = em; this.#tokenCache = tokenCache; this.#sql = sql; }

  async findByUsername(username: string) {
    const u = await this.#em().findOne(User, { username });
    return u ? { ...toRecord(u), passwordHash: u.passwordHash } : null;
  }

  /** Every page request (session user) and GraphQL request (token's user) asks this: one prepared statement. */
  async findById(id: number) {
    const r = await this.#sql.get<DbUser>('select id, username, email, is_admin, is_active, created_at, last_login_at, profile, email_verified, updated_at, sessions_ended_at from users where id = ?', [id]);
    return r ? fromRow(r) : null;
  }

  async list() {
    return (await this.#em().find(User, {}, { orderBy: { id: 'asc' } })).map(toRecord);
  }

  async create(data: { username: string; email?: string | null; passwordHash: string; isAdmin: boolean; initialPassword?: boolean }) {
    // A fork: a losing insert must not stay queued in the request's unit of work.
    const em = this.#em().fork();
    const u = em.create(User, { username: data.username, email: data.email ?? null, passwordHash: data.passwordHash, isAdmin: data.isAdmin, isActive: true, initialPassword: data.initialPassword ?? false });
    try {
      await em.flush();
    } catch (e) {
      // Another request inserted the same username between the check and this insert (unique index).
      if (isUniqueViolation(e)) return 'username_taken' as const;
      throw e;
    }
    return toRecord(u);
  }

  async usernameTakenIgnoringCase(username: string) {
    return (await this.#sql.get<{ id: number }>('select id from users where lower(username) = lower(?)', [username])) !== undefined;
  }

  async touchLogin(id: number, at: number) {
    await this.#em().nativeUpdate(User, { id }, { lastLoginAt: at });
  }

  async setPasswordHash(id: number, passwordHash: string, opts: { changed?: boolean } = {}) {
    await this.#em().nativeUpdate(User, { id }, opts.changed ? { passwordHash, initialPassword: false } : { passwordHash });
  }

  async endSessions(id: number, at: number) {
    await this.#em().nativeUpdate(User, { id }, { sessionsEndedAt: at });
  }

  /**
   * Used by: GraphQL setUserActive (the admin console calls it), CLI deactivateuser. Deactivation is revocation, in
   * the flag's transaction: the user's grants, access, refresh and OAuth 1 tokens, pending codes, and the browser
   * sessions signed in until now all end, so a reactivation after a new password gives none back (attacker read 8,
   * F5). Returns how many credentials stopped working (0 for an activation).
   */
  async setActive(id: number, isActive: boolean, now = Date.now()): Promise<number> {
    try {
      return await this.#sql.atomic(function* () {
        // The user's gate first (sql-tx.ts): issuances for this user arriving meanwhile wait behind the change.
        yield* tx.gate('?', [id]);
        // Activating ends the sessions from before too: a sign-in that was checking the password while the user was
        // deactivated made a session after the deactivation's end (attacker read 10, F1b).
        if (isActive) { yield* tx.run('update users set is_active = ?, sessions_ended_at = ? where id = ? and is_active = ?', [1, now, id, 0]); return 0; }
        yield* tx.run('update users set is_active = ?, sessions_ended_at = ? where id = ?', [0, now, id]);
        return yield* revokeGrantsTx('user_id', id, now);
      });
    } finally {
      // Cached lookups carry the old state.
      this.#tokenCache.clear();
    }
  }

  async updateProfile(id: number, c: ProfileChange) {
    const profile = Object.keys(c.profile).length ? JSON.stringify(c.profile) : null;
    await this.#em().nativeUpdate(User, { id }, { profile, email: c.email, emailVerified: c.emailVerified, updatedAt: c.updatedAt });
  }

  async count() {
    return this.#em().count(User, {});
  }
}
