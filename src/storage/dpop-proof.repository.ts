import { hash } from 'node:crypto';
import type { DpopReplayStore } from '../oauth2/dpop/replay.ts';
import type { NonceStore } from './oauth1.repository.ts';
import type { Sql } from './sql.ts';

const sha256 = (s: string) => hash('sha256', s, 'hex');

/**
 * RFC 9449 §11.1 replay cache shared by every instance: Redis (SET NX PX) when REDIS_URL is set, else the
 * database's unique (jkt, jti_hash). Either way the write is the check: of concurrent presentations one inserts.
 */
export class DpopProofRepository implements DpopReplayStore {
  readonly #sql: Sql;
  readonly #redis: NonceStore | undefined;
  constructor(sql: Sql, redis?: NonceStore) { this.#sql = sql; this.#redis = redis; }

  async remember(jkt: string, jti: string, expiresAt: number): Promise<boolean> {
    const jtiHash = sha256(jti);
    if (this.#redis) return this.#redis.remember(`dpop:${jkt}:${jtiHash}`, Math.max(1000, expiresAt - Date.now()));
    return (await this.#sql.run('insert into dpop_proofs (jkt, jti_hash, expires_at) values (?, ?, ?) on conflict do nothing', [jkt, jtiHash, expiresAt])) === 1;
  }
}
