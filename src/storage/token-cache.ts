import type { TokenInfo } from '../oauth2/store.ts';
import { BoundedMap } from '../oauth2/bounded-memo.ts';

/**
 * How long a cached access-token lookup may be served before it is read again: a bound, not the invalidation (this
 * process's writes clear the cache when they commit, other processes' writes within EXTERNAL_CHANGE_CHECK_MS).
 */
export const TOKEN_CACHE_MS = 60_000;
const TOKEN_CACHE_MAX = 20_000;

/**
 * Access-token lookups by hash for the bearer and introspection hot paths: the indexed three-table read was a fifth
 * of a protected request's CPU. Only rows that exist are cached (a token issued later is read from the database).
 * Every write that can end a token's life (revocation, family or grant revocation, a reused code or refresh token, a
 * user deactivated, a client changed or deleted) calls `clear()` once it has committed, so revocation shows at once.
 * On by default only where one process owns the database (SQLite); instances sharing PostgreSQL read every time.
 */
export class TokenCache {
  readonly #ttlMs: number;
  readonly #map: BoundedMap<string, { info: TokenInfo; until: number }>;
  #generation = 0;

  constructor(ttlMs = TOKEN_CACHE_MS, max = TOKEN_CACHE_MAX) { this.#ttlMs = ttlMs; this.#map = new BoundedMap(max); }

  /** Taken before a read: a clear() between the read and `set` makes the read too old to cache. */
  get generation(): number { return this.#generation; }

  get(tokenHash: string, now: number): TokenInfo | undefined {
    const e = this.#map.get(tokenHash);
    if (!e) return undefined;
    if (e.until > now) return e.info;
    this.#map.delete(tokenHash);
    return undefined;
  }

  set(tokenHash: string, info: TokenInfo, generation: number, now: number): void {
    if (this.#ttlMs <= 0 || generation !== this.#generation) return;
    this.#map.set(tokenHash, { info: Object.freeze(info), until: now + this.#ttlMs });
  }

  clear(): void {
    this.#generation++;
    this.#map.clear();
  }
}
