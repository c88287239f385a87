import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { Session } from './session.entity.ts';

const keyHash = (key: string) => createHash('sha256').update(key).digest('hex');

/**
 * koa-session external store in the database, so any instance can serve any browser without Redis.
 * Keys are hashed at rest: a database reader cannot replay a session cookie.
 */
export class SessionRepository {
  readonly #em: () => EntityManager;
  constructor(em: () => EntityManager) { this.#em = em; }

  async get(key: string): Promise<Record<string, unknown> | undefined> {
    const row = await this.#em().findOne(Session, { id: keyHash(key) }, { disableIdentityMap: true });
    if (!row || row.expiresAt < Date.now()) return undefined;
    try { return JSON.parse(row.data) as Record<string, unknown>; } catch { return undefined; }
  }

  async set(key: string, sess: Record<string, unknown>, maxAge: number | 'session' | undefined): Promise<void> {
    const ttl = typeof maxAge === 'number' ? maxAge : 24 * 3600 * 1000;
    await this.#em().upsert(Session, { id: keyHash(key), data: JSON.stringify(sess), expiresAt: Date.now() + ttl }, { onConflictFields: ['id'], onConflictAction: 'merge' });
  }

  async destroy(key: string): Promise<void> {
    await this.#em().nativeDelete(Session, { id: keyHash(key) });
  }

  async deleteExpired(now = Date.now()): Promise<number> {
    return this.#em().nativeDelete(Session, { expiresAt: { $lt: now } });
  }
}
