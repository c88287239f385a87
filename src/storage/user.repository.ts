import type { EntityManager } from '@mikro-orm/core';
import { User, type UserEntity } from './user.entity.ts';
import type { ProfileChange, UserRecord, UserStore } from '../accounts/store.ts';
import { readProfile } from '../accounts/profile.ts';
import type { TokenCache } from './token-cache.ts';
import type { Sql } from './sql.ts';

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
    const em = this.#em();
    const u = em.create(User, { username: data.username, email: data.email ?? null, passwordHash: data.passwordHash, isAdmin: data.isAdmin, isActive: true, initialPassword: data.initialPassword ?? false });
    await em.flush();
    return toRecord(u);
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

  async setActive(id: number, isActive: boolean) {
    // A deactivated user's tokens stop working at once: cached lookups carry the old state.
    try { await this.#em().nativeUpdate(User, { id }, { isActive }); } finally { this.#tokenCache.clear(); }
  }

  async updateProfile(id: number, c: ProfileChange) {
    const profile = Object.keys(c.profile).length ? JSON.stringify(c.profile) : null;
    await this.#em().nativeUpdate(User, { id }, { profile, email: c.email, emailVerified: c.emailVerified, updatedAt: c.updatedAt });
  }

  async count() {
    return this.#em().count(User, {});
  }
}
