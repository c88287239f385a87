import type { EntityManager } from '@mikro-orm/core';
import { User } from './user.entity.ts';

/** The owner of dynamically registered clients (RFC 7591 registrations name no user). */
export const SYSTEM_OWNER = '~dynamic';

/** The user that owns dynamically registered and metadata clients, made on first use and remembered. */
export class SystemOwner {
  readonly #em: () => EntityManager;
  constructor(em: () => EntityManager) { this.#em = em; }

  #id: Promise<number> | null = null;
  /** '~dynamic' fails the username rule, so nobody can register it, and its password hash verifies nothing. */
  id(): Promise<number> {
    this.#id ??= (async () => {
      const find = async () => (await this.#em().fork().findOne(User, { username: SYSTEM_OWNER }))?.id;
      const found = await find();
      if (found !== undefined) return found;
      try {
        const em = this.#em().fork();
        const u = em.create(User, { username: SYSTEM_OWNER, passwordHash: '!', isAdmin: false, isActive: false });
        await em.flush();
        return u.id;
      } catch (e) {
        // Another instance made it first (unique username).
        const again = await find();
        if (again === undefined) throw e;
        return again;
      }
    })();
    this.#id.catch(() => { this.#id = null; });
    return this.#id;
  }
}
