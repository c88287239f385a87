import { raw, type EntityManager } from '@mikro-orm/core';
import { InitialAccessToken } from './initial-access-token.entity.ts';
import type { RegistrationStore } from '../oauth2/store.ts';

export type InitialAccessTokenStore = Pick<RegistrationStore, 'createInitialAccessToken' | 'initialAccessTokens' | 'revokeInitialAccessToken' | 'initialAccessTokenUsable' | 'spendInitialAccessToken'>;
export type InitialAccessTokenInput = Parameters<RegistrationStore['createInitialAccessToken']>[0];

/** RFC 7591 §3 initial access tokens (REGISTRATION=token): administrators make them, registrations spend them. */
export class InitialAccessTokens implements InitialAccessTokenStore {
  readonly #em: () => EntityManager;
  constructor(em: () => EntityManager) { this.#em = em; }

  async createInitialAccessToken(data: InitialAccessTokenInput) {
    const em = this.#em().fork();
    const row = em.create(InitialAccessToken, { tokenHash: data.tokenHash, singleUse: data.singleUse, expiresAt: data.expiresAt, createdBy: data.createdBy });
    await em.flush();
    return row.id;
  }

  async initialAccessTokens(first: number) {
    const rows = await this.#em().fork().find(InitialAccessToken, {}, { orderBy: { id: 'desc' }, limit: first });
    return rows.map((r) => ({
      id: r.id, singleUse: r.singleUse, expiresAt: r.expiresAt ?? null, createdAt: r.createdAt, uses: r.uses, lastUsedAt: r.lastUsedAt ?? null,
      createdBy: (r.createdBy as unknown as { id: number } | null)?.id ?? null,
    }));
  }

  async revokeInitialAccessToken(id: number) {
    return (await this.#em().nativeDelete(InitialAccessToken, { id })) > 0;
  }

  async initialAccessTokenUsable(tokenHash: string, now: number) {
    return (await this.#em().fork().count(InitialAccessToken, { tokenHash, $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] })) > 0;
  }

  async spendInitialAccessToken(tokenHash: string, now: number) {
    const em = this.#em();
    // A single-use token is spent by deleting it: of concurrent registrations, only the one whose delete hit the row wins.
    const spent = await em.nativeDelete(InitialAccessToken, { tokenHash, singleUse: true, $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] });
    if (spent > 0) return true;
    // A multi-use token counts its uses (administrators see them in `initialAccessTokens`), in the same statement that checks it.
    return (await em.nativeUpdate(InitialAccessToken, { tokenHash, singleUse: false, $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] }, { uses: raw('uses + 1'), lastUsedAt: now })) > 0;
  }
}
