import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import { SigningKey, type SigningKeyEntity } from './signing-key.entity.ts';
import type { KeyStatus, SigningKeyRow, SigningKeyStore } from '../oidc/store.ts';

const slotOf = (status: KeyStatus, alg: string) => (status === 'retired' ? null : `${status}:${alg}`);

const toRow = (k: SigningKeyEntity): SigningKeyRow => ({
  kid: k.kid, alg: k.alg, status: k.status as KeyStatus, publicJwk: k.publicJwk, privateJwkSealed: k.privateJwkSealed,
  createdAt: k.createdAt, retiredAt: k.retiredAt ?? null,
});

/** Signing keys are read once a minute per instance (oidc/keys.ts KeyRing) and written by the CLI: the ORM is enough. */
export class SigningKeyRepository implements SigningKeyStore {
  readonly #em: () => EntityManager;
  constructor(em: () => EntityManager) { this.#em = em; }

  async list() {
    return (await this.#em().fork().find(SigningKey, {}, { orderBy: { id: 'asc' } })).map(toRow);
  }

  async insertIfFree(row: SigningKeyRow) {
    try {
      await this.#em().fork().insert(SigningKey, { ...row, slot: slotOf(row.status, row.alg) });
      return true;
    } catch (e) {
      if (e instanceof UniqueConstraintViolationException) return false;
      throw e;
    }
  }

  async rotate(nexts: SigningKeyRow[], expectedNextKids: string[], now: number, forgetBefore: number) {
    class Lost extends Error {}
    try {
      return await this.#em().fork().transactional(async (em) => {
        // The claim: an UPDATE locks the expected next rows (PostgreSQL) until commit; a concurrent rotation waits,
        // then finds them no longer `next` and touches nothing. SQLite runs one write transaction at a time.
        const claimed = await em.nativeUpdate(SigningKey, { kid: { $in: expectedNextKids }, status: 'next' }, { status: 'next' });
        if (claimed !== expectedNextKids.length) throw new Lost('another rotation changed the next keys');
        const out = [];
        for (const next of nexts) out.push(await this.#rotateOne(em, next, now, forgetBefore));
        return out;
      });
    } catch (e) {
      if (e instanceof Lost) return null;
      throw e;
    }
  }

  async #rotateOne(em: EntityManager, next: SigningKeyRow, now: number, forgetBefore: number) {
    const [current, pending] = await Promise.all([
      em.findOne(SigningKey, { slot: slotOf('current', next.alg) }),
      em.findOne(SigningKey, { slot: slotOf('next', next.alg) }),
    ]);
    let retired: string | null = null;
    let promoted: string | null = null;
    // Order matters for the unique slot: free `current` before the next key takes it, and `next` before the new key does.
    if (pending) {
      if (current) {
        await em.nativeUpdate(SigningKey, { id: current.id }, { status: 'retired', slot: null, retiredAt: now });
        retired = current.kid;
      }
      await em.nativeUpdate(SigningKey, { id: pending.id }, { status: 'current', slot: slotOf('current', next.alg) });
      promoted = pending.kid;
    }
    await em.insert(SigningKey, { ...next, status: 'next', slot: slotOf('next', next.alg) });
    const deleted = await em.nativeDelete(SigningKey, { alg: next.alg, status: 'retired', retiredAt: { $lt: forgetBefore } });
    return { promoted, retired, deleted };
  }
}
