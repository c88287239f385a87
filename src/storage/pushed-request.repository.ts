import type { EntityManager } from '@mikro-orm/core';
import type { PushedRequestRow, PushedRequestStore } from '../oauth2/par/pushed-requests.ts';
import { PushedRequest } from './pushed-request.entity.ts';

const paramsOf = (text: string): Record<string, string> => {
  const v: unknown = JSON.parse(text);
  return typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};
};

/** pushed_requests (RFC 9126): single-use by an atomic delete. */
export class PushedRequestRepository implements PushedRequestStore {
  readonly #em: () => EntityManager;
  constructor(em: () => EntityManager) { this.#em = em; }

  async save(requestHash: string, row: PushedRequestRow): Promise<void> {
    const em = this.#em().fork();
    // Expired rows go with each push, so the table holds at most a TTL's worth of requests.
    await em.nativeDelete(PushedRequest, { expiresAt: { $lte: Date.now() } });
    await em.insert(PushedRequest, { requestHash, clientId: row.clientId, params: JSON.stringify(row.params), createdAt: Date.now(), expiresAt: row.expiresAt });
  }

  async peek(requestHash: string, now: number): Promise<PushedRequestRow | null> {
    const r = await this.#em().fork().findOne(PushedRequest, { requestHash, expiresAt: { $gt: now } }, { disableIdentityMap: true });
    return r ? { clientId: r.clientId, params: paramsOf(r.params), expiresAt: r.expiresAt } : null;
  }

  async spend(requestHash: string, now: number): Promise<PushedRequestRow | null> {
    const row = await this.peek(requestHash, now);
    if (!row) return null;
    // The delete decides: of concurrent spenders only one deletes the row (RFC 9126 §4, one-time use).
    const deleted = await this.#em().fork().nativeDelete(PushedRequest, { requestHash, expiresAt: { $gt: now } });
    return deleted === 1 ? row : null;
  }
}
