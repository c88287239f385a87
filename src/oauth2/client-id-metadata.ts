// OAuth Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, "CIMD"; adopted by the MCP
// authorization specification 2025-11-25): a client_id that is an https URL names a JSON document holding the
// client's metadata. Gatehouse fetches it with the SSRF-guarded outbound fetcher, validates it as a dynamic
// registration (the DYNAMIC actor: never a privileged capability), and keeps it as an `applications` row
// (registered = `metadata`) that is the cache shared by every instance, refreshed when its lifetime ends.
import { validateDynamicMetadata } from './dynamic-registration.ts';
import type { RegistrationPolicy } from './client-registration.ts';
import { isOAuthError } from './errors.ts';
import type { ClientInput, ClientRecord, ClientStore } from './store.ts';

/** Longest client_id URL kept (the applications.client_id column). */
export const METADATA_CLIENT_ID_MAX_LENGTH = 255;
/** Byte cap on a document (the server may limit it; 5 KiB holds any real client's metadata). */
export const METADATA_DOCUMENT_MAX_BYTES = 5 * 1024;
/** Longest wait for a document: the authorization request waits for it. */
export const METADATA_DOCUMENT_TIMEOUT_MS = 3000;

/** Cheap shape test, done before anything else: only such client_ids are ever fetched. */
export const looksLikeMetadataClientId = (clientId: string): boolean => /^https?:\/\//i.test(clientId);

/**
 * CIMD, Client Identifier: the URL MUST use https, MUST contain a path, MUST NOT contain single- or double-dot
 * path segments, a fragment, or a user name or password. It must also be written canonically (new URL() gives it
 * back unchanged), because the document's client_id is compared with it as a plain string (Client Metadata) and a URL that
 * normalises differently could name two clients. Plain http only where insecure transport is allowed (development).
 */
export function metadataClientIdProblem(clientId: string, o: { allowInsecureTransport: boolean }): string | null {
  if (clientId.length > METADATA_CLIENT_ID_MAX_LENGTH) return `is longer than ${METADATA_CLIENT_ID_MAX_LENGTH} characters`;
  const url = URL.parse(clientId);
  if (!url) return 'is not a URL';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && o.allowInsecureTransport)) return 'must use https';
  if (clientId.includes('#')) return 'must not contain a fragment';
  if (url.username || url.password || /^[a-z]+:\/\/[^/?#]*@/i.test(clientId)) return 'must not contain a user name or password';
  const path = /^[a-z]+:\/\/[^/?#]*(\/[^?#]*)?/i.exec(clientId)?.[1];
  if (!path || path === '/') return 'must contain a path';
  if (path.split('/').some((seg) => /^(?:\.|%2e){1,2}$/i.test(seg))) return 'must not contain . or .. path segments';
  if (url.href !== clientId) return 'must be written in its canonical form';
  return null;
}

/** Why a metadata client cannot be used: shown on the authorization error page, or as invalid_client at the token endpoint. */
export class ClientMetadataError extends Error {
  /** About this server's load, not the document: not remembered against the URL. */
  readonly transient: boolean;
  constructor(message: string, o: { transient?: boolean } = {}) { super(message); this.transient = o.transient ?? false; }
}

const SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post', 'client_secret_jwt']);

/**
 * CIMD, Client Metadata: the document's client_id MUST equal the URL it came from (simple string comparison); it MUST NOT hold a
 * client_secret or client_secret_expires_at, and MUST NOT ask for a shared-secret authentication method. Left out,
 * token_endpoint_auth_method is `none` (a public client), since a document cannot carry a secret. private_key_jwt is
 * allowed by the draft but Gatehouse has no JWT client authentication yet, so it is refused by name. The rest goes
 * through the dynamic registration rules (DYNAMIC actor: no privileged scope, grant or response type, ever).
 */
export async function validateMetadataDocument(clientId: string, doc: unknown, policy: RegistrationPolicy): Promise<ClientInput> {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ClientMetadataError('the document is not a JSON object');
  const m = doc as Record<string, unknown>;
  if (m.client_id !== clientId) throw new ClientMetadataError('the document\'s client_id is not its own URL');
  if (m.client_secret !== undefined || m.client_secret_expires_at !== undefined) throw new ClientMetadataError('the document must not contain a client_secret');
  const method = m.token_endpoint_auth_method ?? 'none';
  if (typeof method === 'string' && SECRET_METHODS.has(method)) throw new ClientMetadataError(`token_endpoint_auth_method ${method} needs a shared secret, which a metadata document cannot have`);
  if (method === 'private_key_jwt') throw new ClientMetadataError('token_endpoint_auth_method private_key_jwt is not supported here yet; use none (a public client with PKCE)');
  if (method !== 'none') throw new ClientMetadataError('token_endpoint_auth_method must be none');
  if (!Array.isArray(m.redirect_uris) || m.redirect_uris.length === 0) throw new ClientMetadataError('redirect_uris is required');
  // The URL names the client: its host is the name users see (consent page), the document's client_name only beside it.
  const named = { ...m, token_endpoint_auth_method: 'none', client_name: typeof m.client_name === 'string' && m.client_name.trim() ? m.client_name : new URL(clientId).host };
  delete (named as Record<string, unknown>).client_id;
  try {
    return await validateDynamicMetadata(named, policy);
  } catch (e) {
    if (isOAuthError(e)) throw new ClientMetadataError(e.description ?? e.error);
    throw e;
  }
}

/** Lifetime bounds (seconds) and the cap on documents kept. */
export interface MetadataCacheLimits { minTtlSeconds: number; maxTtlSeconds: number; maxClients: number }

/**
 * How long a document stays fresh: its Cache-Control max-age (RFC 9111 §5.2.2.1; s-maxage is for shared caches,
 * which we are), held within [min, max]. no-store / no-cache, or no header, mean the minimum: the document is
 * read again at the first use after it.
 */
export function documentLifetimeSeconds(cacheControl: string | undefined, limits: Pick<MetadataCacheLimits, 'minTtlSeconds' | 'maxTtlSeconds'>): number {
  const directives = (cacheControl ?? '').toLowerCase().split(',').map((d) => d.trim());
  let ttl = limits.minTtlSeconds;
  if (!directives.some((d) => d === 'no-store' || d === 'no-cache')) {
    const age = directives.map((d) => /^(?:s-maxage|max-age)\s*=\s*"?(\d{1,10})"?$/.exec(d)?.[1]).find((v) => v !== undefined);
    if (age !== undefined) ttl = Number(age);
  }
  return Math.min(limits.maxTtlSeconds, Math.max(limits.minTtlSeconds, ttl));
}

/** Storage of metadata clients (implemented by ApplicationRepository). */
export interface MetadataClientStore {
  /** Used by: every lookup of a client_id (the row holds the document's expiry, metadataExpiresAt). */
  findByClientId(clientId: string): Promise<ClientRecord | null>;
  /** Used by: a fetched document. Creates or updates the row of clientId (registered = metadata); null when the id belongs to another kind of client. */
  saveMetadataClient(clientId: string, input: ClientInput, expiresAt: number): Promise<ClientRecord | null>;
  /** Used by: the cap on documents kept. */
  countMetadataClients(): Promise<number>;
  /** Used by: the cap. Deletes the longest-stale metadata client nobody granted anything to; false when there is none. */
  evictStaleMetadataClient(now: number): Promise<boolean>;
}

export interface MetadataResolverDeps {
  store: MetadataClientStore;
  /** The SSRF-guarded GET (oidc/outbound.ts getJsonDocument, with METADATA_DOCUMENT_MAX_BYTES and _TIMEOUT_MS). */
  fetchDocument(url: string): Promise<{ json: unknown; cacheControl: string | undefined }>;
  policy: RegistrationPolicy;
  limits: MetadataCacheLimits;
  now?: () => number;
}

/**
 * Resolves client_ids that are URLs. A fresh row answers without a fetch; a missing or stale one is fetched (one
 * fetch per URL at a time, at most METADATA_FETCHES_IN_FLIGHT URLs at a time, in this process), validated and saved;
 * a failure is remembered for METADATA_FAILURE_MEMORY_MS. A failure is a ClientMetadataError; a stale row
 * is not served after a failed refresh, since a document that disappeared or broke retires its client.
 */
/** Fetches in flight at once in this process: anonymous requests start them, so their number is bounded. */
export const METADATA_FETCHES_IN_FLIGHT = 8;
/** A URL whose document failed is not fetched again for this long (in this process), so retries cost nothing. */
export const METADATA_FAILURE_MEMORY_MS = 30_000;
const FAILURES_REMEMBERED = 1000;

export class MetadataClientResolver {
  readonly #d: MetadataResolverDeps;
  readonly #inFlight = new Map<string, Promise<ClientRecord>>();
  readonly #failed = new Map<string, { error: ClientMetadataError; until: number }>();
  constructor(deps: MetadataResolverDeps) { this.#d = deps; }

  async resolve(clientId: string): Promise<ClientRecord> {
    const problem = metadataClientIdProblem(clientId, { allowInsecureTransport: this.#d.policy.allowInsecureTransport });
    if (problem) throw new ClientMetadataError(`the client_id URL ${problem}`);
    const now = (this.#d.now ?? Date.now)();
    const stored = await this.#d.store.findByClientId(clientId);
    if (stored && stored.registered !== 'metadata') return stored;
    if (stored && (stored.metadataExpiresAt ?? 0) > now) return stored;
    const failed = this.#failed.get(clientId);
    if (failed && failed.until > now) throw failed.error;
    let flight = this.#inFlight.get(clientId);
    if (!flight) {
      if (this.#inFlight.size >= METADATA_FETCHES_IN_FLIGHT) throw new ClientMetadataError('too many metadata documents are being fetched; try again shortly', { transient: true });
      flight = this.#refresh(clientId, stored !== null).catch((e: unknown) => {
        if (e instanceof ClientMetadataError && !e.transient) {
          if (this.#failed.size >= FAILURES_REMEMBERED) this.#failed.clear();
          this.#failed.set(clientId, { error: e, until: (this.#d.now ?? Date.now)() + METADATA_FAILURE_MEMORY_MS });
        }
        throw e;
      }).finally(() => this.#inFlight.delete(clientId));
      this.#inFlight.set(clientId, flight);
    }
    return flight;
  }

  async #refresh(clientId: string, known: boolean): Promise<ClientRecord> {
    const { store, limits } = this.#d;
    // The cap is checked before the fetch, so a flood of new URLs costs no outbound request once it is reached.
    if (!known && (await store.countMetadataClients()) >= limits.maxClients && !(await store.evictStaleMetadataClient((this.#d.now ?? Date.now)()))) {
      throw new ClientMetadataError('too many client metadata documents are held; try again later', { transient: true });
    }
    let fetched: { json: unknown; cacheControl: string | undefined };
    try { fetched = await this.#d.fetchDocument(clientId); } catch (e) { throw new ClientMetadataError(`the metadata document could not be fetched (${reason(e)})`); }
    const input = await validateMetadataDocument(clientId, fetched.json, this.#d.policy);
    const expiresAt = (this.#d.now ?? Date.now)() + documentLifetimeSeconds(fetched.cacheControl, limits) * 1000;
    const saved = await store.saveMetadataClient(clientId, input, expiresAt);
    if (!saved) throw new ClientMetadataError('this client_id is registered otherwise');
    return saved;
  }
}

/** A reason class only: the error text of a failed connection could tell how a host resolves (a DNS oracle). */
function reason(e: unknown): string {
  const name = (e as Error)?.constructor?.name;
  if (name === 'OutboundRefused') return 'refused: not a public address';
  const m = String((e as Error)?.message ?? '');
  if (/^the server answered \d+$/.test(m) || m === 'the answer is not JSON' || m === 'response too large') return m;
  if ((e as Error)?.name === 'TimeoutError' || (e as Error)?.name === 'AbortError') return 'timeout';
  return 'unreachable';
}

/**
 * The client lookup of the authorization and token endpoints: a URL client_id is resolved through its document
 * (or, with the feature off, is unknown even if a row of it remains); any other goes to the store. `fail` makes the
 * endpoint's error: at authorization a page, never a redirect (the redirect URI is not trusted); at the token
 * endpoint invalid_client (RFC 6749 §5.2).
 */
export function withMetadataClients(clients: Pick<ClientStore, 'findByClientId'>, resolver: MetadataClientResolver | null, fail: (description: string) => Error): Pick<ClientStore, 'findByClientId'> {
  return {
    async findByClientId(clientId: string) {
      if (!looksLikeMetadataClientId(clientId)) return clients.findByClientId(clientId);
      if (!resolver) {
        const client = await clients.findByClientId(clientId);
        return client?.registered === 'metadata' ? null : client;
      }
      try {
        return await resolver.resolve(clientId);
      } catch (e) {
        if (e instanceof ClientMetadataError) throw fail(`The client's metadata document cannot be used: ${e.message.replace(/\.$/, '')}.`);
        throw e;
      }
    },
  };
}
