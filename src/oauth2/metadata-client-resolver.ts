// Resolves client_ids that are URLs (client ID metadata documents, client-id-metadata.ts) and bounds what anonymous
// requests can make this server do: fetches in flight, time per resolution, rows kept.
import { ClientMetadataError, METADATA_DOCUMENT_TIMEOUT_MS, documentLifetimeSeconds, metadataClientIdProblem, siteOf, validateMetadataDocument, looksLikeMetadataClientId, type MetadataCacheLimits } from './client-id-metadata.ts';
import type { RegistrationPolicy } from './client-registration.ts';
import type { ClientInput, ClientRecord, ClientStore } from './store.ts';
import { BoundedMap } from './bounded-memo.ts';
import { refusedByOwnBound } from '../oidc/outbound.ts';

/** Which metadata rows an operation covers: all of them, or one origin's (`https://host[:port]/`). */
export interface MetadataScope { prefix?: string }

/** Storage of metadata clients (implemented by ApplicationRepository). */
export interface MetadataClientStore {
  /** Used by: every lookup of a client_id (the row holds the document's expiry and last use). */
  findByClientId(clientId: string): Promise<ClientRecord | null>;
  /** Used by: a fetched document. Creates or updates the row of clientId (registered = metadata, last used now); null when the id belongs to another kind of client. */
  saveMetadataClient(clientId: string, input: ClientInput, expiresAt: number, now: number): Promise<ClientRecord | null>;
  /** Used by: the least-recently-used order of the cap. Records a use (written at most once a minute per client). */
  touchMetadataClient(client: ClientRecord, now: number): Promise<void>;
  /** Used by: the caps. */
  countMetadataClients(scope: MetadataScope): Promise<number>;
  /**
   * Used by: the caps. Deletes, in one statement, the least recently used metadata client of the scope that nobody
   * granted anything to (other than `exceptId`); with `dryRun` only answers whether there is one.
   */
  evictMetadataClient(scope: MetadataScope & { exceptId?: number; dryRun?: boolean }): Promise<boolean>;
  /** Used by: the caps, for a row just saved that found no room. */
  deleteMetadataClient(id: number): Promise<void>;
}

export interface MetadataResolverDeps {
  store: MetadataClientStore;
  /** The SSRF-guarded GET (oidc/outbound.ts getJsonDocument, with METADATA_DOCUMENT_MAX_BYTES), under the resolution's deadline. */
  fetchDocument(url: string, signal: AbortSignal): Promise<{ json: unknown; cacheControl: string | undefined }>;
  policy: RegistrationPolicy;
  limits: MetadataCacheLimits;
  now?: () => number;
}

/**
 * Fetches in flight at once in this process: anonymous requests start them, so their number is bounded. 32, not 8:
 * eight requests to slow sites held every slot (attacker read 15, F4); with IP literals one site, holding them all
 * now takes sixteen slow registrable domains, kept busy without a pause.
 */
export const METADATA_FETCHES_IN_FLIGHT = 32;
/** Of those, at most this many for one site: one slow site cannot take the slots every other client needs. */
export const METADATA_FETCHES_PER_SITE = 2;
/** A URL whose document failed is not fetched again for this long (in this process), so retries cost nothing. */
export const METADATA_FAILURE_MEMORY_MS = 30_000;
/** A known client whose refresh cannot start or fails for a passing reason keeps its last good document this long past its expiry. */
export const METADATA_STALE_GRACE_MS = 24 * 3600_000;
/** A use is written to the row at most this often (the cap's least-recently-used order needs no finer clock). */
export const METADATA_TOUCH_MS = 60_000;
const FAILURES_REMEMBERED = 1000;

export { siteOf } from './client-id-metadata.ts';

/** The stored rows of one origin, for the per-host quota: client_ids are canonical URLs, so they start with it. */
const originPrefix = (clientId: string) => `${new URL(clientId).origin}/`;

const overloaded = (message: string) => new ClientMetadataError(message, { kind: 'load' });

/**
 * Resolves client_ids that are URLs. A fresh row answers without a fetch; a missing or stale one is fetched (one
 * fetch per URL at a time, at most METADATA_FETCHES_IN_FLIGHT at a time and METADATA_FETCHES_PER_SITE per site, in
 * this process), validated and saved, all of it (the document and any sector_identifier_uri) within one deadline of
 * METADATA_DOCUMENT_TIMEOUT_MS. A failure is a ClientMetadataError, remembered METADATA_FAILURE_MEMORY_MS unless it
 * is about load. A stale row is served through a refresh that could not start or failed for a passing reason, for
 * METADATA_STALE_GRACE_MS; a document that disappeared or broke retires its client.
 */
export class MetadataClientResolver {
  readonly #d: MetadataResolverDeps;
  readonly #inFlight = new Map<string, Promise<ClientRecord>>();
  readonly #perSite = new Map<string, number>();
  readonly #failed = new BoundedMap<string, { error: ClientMetadataError; until: number }>(FAILURES_REMEMBERED);
  constructor(deps: MetadataResolverDeps) { this.#d = deps; }

  #now() { return (this.#d.now ?? Date.now)(); }

  async resolve(clientId: string): Promise<ClientRecord> {
    const problem = metadataClientIdProblem(clientId, { allowInsecureTransport: this.#d.policy.allowInsecureTransport });
    if (problem) throw new ClientMetadataError(`the client_id URL ${problem}`);
    const now = this.#now();
    const stored = await this.#d.store.findByClientId(clientId);
    if (stored && stored.registered !== 'metadata') return stored;
    if (stored && (stored.metadataExpiresAt ?? 0) > now) return this.#used(stored, now);
    try {
      return await this.#fetchOnce(clientId, stored);
    } catch (e) {
      if (stored && e instanceof ClientMetadataError && e.kind !== 'invalid' && (stored.metadataExpiresAt ?? 0) + METADATA_STALE_GRACE_MS > now) return this.#used(stored, now);
      throw e;
    }
  }

  async #used(client: ClientRecord, now: number): Promise<ClientRecord> {
    if ((client.metadataLastUsedAt ?? 0) < now - METADATA_TOUCH_MS) await this.#d.store.touchMetadataClient(client, now).catch(() => {});
    return client;
  }

  #fetchOnce(clientId: string, stored: ClientRecord | null): Promise<ClientRecord> {
    const failed = this.#failed.get(clientId);
    if (failed && failed.until > this.#now()) return Promise.reject(failed.error);
    const running = this.#inFlight.get(clientId);
    if (running) return running;
    const site = siteOf(clientId);
    if (this.#inFlight.size >= METADATA_FETCHES_IN_FLIGHT || (this.#perSite.get(site) ?? 0) >= METADATA_FETCHES_PER_SITE) {
      return Promise.reject(overloaded('too many metadata documents are being fetched; try again shortly'));
    }
    this.#perSite.set(site, (this.#perSite.get(site) ?? 0) + 1);
    const flight = this.#refresh(clientId, stored).catch((e: unknown) => {
      if (e instanceof ClientMetadataError && e.kind !== 'load') this.#remember(clientId, e);
      throw e;
    }).finally(() => {
      this.#inFlight.delete(clientId);
      const left = (this.#perSite.get(site) ?? 1) - 1;
      if (left > 0) this.#perSite.set(site, left); else this.#perSite.delete(site);
    });
    this.#inFlight.set(clientId, flight);
    return flight;
  }

  /** Full memory forgets its oldest entry (a Map keeps insertion order), never all of them at once. */
  #remember(clientId: string, error: ClientMetadataError) {
    this.#failed.set(clientId, { error, until: this.#now() + METADATA_FAILURE_MEMORY_MS });
  }

  async #refresh(clientId: string, stored: ClientRecord | null): Promise<ClientRecord> {
    const { store, limits } = this.#d;
    const host = { prefix: originPrefix(clientId) };
    // Checked before the fetch, so a flood of new URLs costs no outbound request while nothing can make room.
    if (!stored) {
      for (const [scope, max] of [[{}, limits.maxClients], [host, limits.maxClientsPerHost]] as const) {
        if ((await store.countMetadataClients(scope)) >= max && !(await store.evictMetadataClient({ ...scope, dryRun: true }))) throw overloaded('too many client metadata documents are held; try again later');
      }
    }
    // One deadline for everything this resolution fetches: the document, then any sector_identifier_uri it names.
    const deadline = AbortSignal.timeout(METADATA_DOCUMENT_TIMEOUT_MS);
    let fetched: { json: unknown; cacheControl: string | undefined };
    try { fetched = await this.#d.fetchDocument(clientId, deadline); } catch (e) {
      // One text whatever happened (oidc/outbound.ts FETCH_FAILED): the cause is in the server log, not for the caller.
      throw new ClientMetadataError('the metadata document could not be fetched', { kind: refusedByOwnBound(e) ? 'load' : (e as { transient?: boolean })?.transient ? 'unavailable' : 'invalid' });
    }
    const policy: RegistrationPolicy = { ...this.#d.policy, sectorDocument: (uri) => this.#d.policy.sectorDocument(uri, { signal: deadline }) };
    let input: ClientInput;
    try { input = await validateMetadataDocument(clientId, fetched.json, policy); } catch (e) {
      if (deadline.aborted && e instanceof ClientMetadataError) throw new ClientMetadataError('the metadata document could not be fetched in time', { kind: 'unavailable' });
      throw e;
    }
    const now = this.#now();
    const saved = await store.saveMetadataClient(clientId, input, now + documentLifetimeSeconds(fetched.cacheControl, limits) * 1000, now);
    if (!saved) throw new ClientMetadataError('this client_id is registered otherwise');
    if (!stored) await this.#makeRoom(saved, host);
    return saved;
  }

  /**
   * The caps, after the insert: concurrent new documents all passed the check before their fetch, so each one, once
   * saved, evicts least recently used rows nobody consented to until the counts hold, or removes itself.
   */
  async #makeRoom(saved: ClientRecord, host: MetadataScope) {
    const { store, limits } = this.#d;
    for (const [scope, max] of [[host, limits.maxClientsPerHost], [{}, limits.maxClients]] as const) {
      for (let i = 0; i < 64 && (await store.countMetadataClients(scope)) > max; i++) {
        if (await store.evictMetadataClient({ ...scope, exceptId: saved.id })) continue;
        await store.deleteMetadataClient(saved.id);
        throw overloaded('too many client metadata documents are held; try again later');
      }
    }
  }
}

/**
 * The client lookup of the authorization and token endpoints: a URL client_id is resolved through its document;
 * any other goes to the store (which, with the feature off, knows no metadata row: ApplicationRepository). `fail`
 * makes the endpoint's error: at authorization a page, never a redirect (the redirect URI is not trusted); at the
 * token endpoint invalid_client (RFC 6749 §5.2).
 */
export function withMetadataClients(clients: Pick<ClientStore, 'findByClientId'>, resolver: MetadataClientResolver | null, fail: (description: string) => Error): Pick<ClientStore, 'findByClientId'> {
  return {
    async findByClientId(clientId: string) {
      if (!resolver || !looksLikeMetadataClientId(clientId)) return clients.findByClientId(clientId);
      try {
        return await resolver.resolve(clientId);
      } catch (e) {
        if (e instanceof ClientMetadataError) throw fail(`The client's metadata document cannot be used: ${e.message.replace(/\.$/, '')}.`);
        throw e;
      }
    },
  };
}
