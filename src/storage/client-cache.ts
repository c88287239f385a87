import type { ClientRecord } from '../oauth2/store.ts';

/** How long another instance's change to a client may take to show here (this instance's own changes show at once). */
export const CLIENT_CACHE_MS = 10_000;
const CLIENT_CACHE_MAX = 10_000;

/**
 * `ttlMs` 0 turns the cache off (instances sharing a database without a bus to tell each other of changes);
 * `onChange` runs after this instance changed a client, to tell the others (Redis pub/sub).
 */
export interface ClientCacheOptions { ttlMs: number; onChange?: () => void }

/** ApplicationRepository's cached reads, each kept `ttlMs`: client records by client_id, the registered CORS origins. */
export class ClientCache {
  readonly #ttlMs: number;
  #origins: { value: Promise<ReadonlySet<string>>; until: number } | null = null;
  /** Client records by client_id: every token request authenticates a client, so this is the hottest read. */
  readonly #byClientId = new Map<string, { record: ClientRecord; until: number }>();
  /** Bumped by clear(): a record read before a change (a deletion) and returned after it is not cached. */
  #generation = 0;
  constructor(ttlMs: number) { this.#ttlMs = ttlMs; }

  /** The origins, loaded when not cached; a failed load is not kept. */
  origins(load: () => Promise<ReadonlySet<string>>): Promise<ReadonlySet<string>> {
    const now = Date.now();
    if (this.#origins && this.#origins.until > now) return this.#origins.value;
    const value = load();
    if (this.#ttlMs > 0) this.#origins = { value, until: now + this.#ttlMs };
    value.catch(() => { this.#origins = null; });
    return value;
  }

  /** The record of clientId, loaded when not cached. */
  async record(clientId: string, load: () => Promise<ClientRecord | null>): Promise<ClientRecord | null> {
    const now = Date.now();
    const hit = this.#byClientId.get(clientId);
    if (hit && hit.until > now) return hit.record;
    const generation = this.#generation;
    const record = await load();
    if (!record) return null; // misses are not cached: random ids must not fill memory
    if (this.#ttlMs > 0 && generation === this.#generation) {
      if (this.#byClientId.size >= CLIENT_CACHE_MAX) this.#byClientId.clear();
      this.#byClientId.set(clientId, { record, until: now + this.#ttlMs });
    }
    return record;
  }

  /** Not a change of the client: the cached record learns its last use, nothing is invalidated. */
  touched(clientId: string, now: number) {
    const hit = this.#byClientId.get(clientId);
    if (hit) hit.record = { ...hit.record, metadataLastUsedAt: now };
  }

  clear() { this.#generation++; this.#origins = null; this.#byClientId.clear(); }
}
