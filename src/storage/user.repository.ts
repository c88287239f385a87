import type { EntityManager } from '@mikro-orm/core';
import { User, type UserEntity } from './user.entity.ts';
import type { UserRecord, UserStore } from '../accounts/store.ts';
import { TokenCache } from './token-cache.ts';

function toRecord(u: UserEntity): UserRecord {
  return { id: u.id, username: u.username, email: u.email ?? null, isAdmin: u.isAdmin, isActive: u.isActive, createdAt: u.createdAt, lastLoginAt: u.lastLoginAt ?? null };
}

export class UserRepository implements UserStore {
  readonly #em: () => EntityManager;
  readonly #tokenCache: TokenCache;
  constructor(em: () => EntityManager, tokenCache = new TokenCache(0)) { this.#em = em; this.#tokenCache = tokenCache; }

  async findByUsername(username: string) {
    const u = await this.#em().findOne(User, { username });
    return u ? { ...toRecord(u), passwordHash: u.passwordHash } : null;
  }

  async findById(id: number) {
    const u = await this.#em().findOne(User, { id });
    return u ? toRecord(u) : null;
  }

  async list() {
    return (await this.#em().find(User, {}, { orderBy: { id: 'asc' } })).map(toRecord);
  }

  async create(data: { username: string; email?: string | null; passwordHash: string; isAdmin: boolean }) {
    const em = this.#em();
    const u = em.create(User, { username: data.username, email: data.email ?? null, passwordHash: data.passwordHash, isAdmin: data.isAdmin, isActive: true });
    await em.flush();
    return toRecord(u);
  }

  async touchLogin(id: number, at: number) {
    await this.#em().nativeUpdate(User, { id }, { lastLoginAt: at });
  }

  async setPasswordHash(id: number, passwordHash: string) {
    await this.#em().nativeUpdate(User, { id }, { passwordHash });
  }

  async setActive(id: number, isActive: boolean) {
    // A deactivated user's tokens stop working at once: cached lookups carry the old state.
    try { await this.#em().nativeUpdate(User, { id }, { isActive }); } finally { this.#tokenCache.clear(); }
  }

  async count() {
    return this.#em().count(User, {});
  }
}
