import { createHash } from 'node:crypto';
import type { AssertionReplayStore } from '../oauth2/client-assertion/store.ts';
import type { NonceStore } from './oauth1.repository.ts';
import type { Sql } from './sql.ts';

/** Used client-assertion jtis: in Redis (SET NX PX) when instances share one, else in client_assertion_jtis. */
export class AssertionJtiRepository implements AssertionReplayStore {
  readonly #sql: Sql;
  readonly #redis: NonceStore | undefined;
  constructor(sql: Sql, redis?: NonceStore) { this.#sql = sql; this.#redis = redis; }

  async spend(clientId: string, jti: string, expiresAt: number): Promise<boolean> {
    // Hashed: the key stays short whatever the client sent, and two clients' jtis never collide.
    const key = createHash('sha256').update(JSON.stringify([clientId, jti])).digest('hex');
    const now = Date.now();
    if (this.#redis) return this.#redis.remember(`assertion:jti:${key}`, Math.max(1000, expiresAt - now));
    // The primary key decides between concurrent requests; a row whose assertion has expired may be taken again.
    const n = await this.#sql.run(
      'insert into client_assertion_jtis (jti_hash, expires_at) values (?, ?) on conflict (jti_hash) do update set expires_at = excluded.expires_at where client_assertion_jtis.expires_at < ?',
      [key, Math.max(expiresAt, now + 1000), now]);
    return n === 1;
  }
}
