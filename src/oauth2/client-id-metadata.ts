// OAuth Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, "CIMD"; adopted by the MCP
// authorization specification 2025-11-25): a client_id that is an https URL names a JSON document holding the
// client's metadata. Gatehouse fetches it with the SSRF-guarded outbound fetcher, validates it as a dynamic
// registration (the DYNAMIC actor: never a privileged capability), and keeps it as an `applications` row
// (registered = `metadata`) that is the cache shared by every instance, refreshed when its lifetime ends.
import { validateDynamicMetadata } from './dynamic-registration.ts';
import type { RegistrationPolicy } from './client-registration.ts';
import { isOAuthError } from './errors.ts';
import { hostileValue } from './hostile-text.ts';
import { actsForItself } from './privileges.ts';
import type { ClientInput } from './store.ts';
import { createRequire } from 'node:module';
import type * as Tldts from 'tldts';

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
 * path segments, a fragment, or a user name or password, and SHOULD NOT contain a query string (refused here). It must also be written canonically (new URL() gives it
 * back unchanged), because the document's client_id is compared with it as a plain string (Client Metadata) and a URL that
 * normalises differently could name two clients. Plain http only where insecure transport is allowed (development).
 */
export function metadataClientIdProblem(clientId: string, o: { allowInsecureTransport: boolean }): string | null {
  if (clientId.length > METADATA_CLIENT_ID_MAX_LENGTH) return `is longer than ${METADATA_CLIENT_ID_MAX_LENGTH} characters`;
  const url = URL.parse(clientId);
  if (!url) return 'is not a URL';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && o.allowInsecureTransport)) return 'must use https';
  if (clientId.includes('#')) return 'must not contain a fragment';
  // CIMD, Client Identifier: SHOULD NOT contain a query string. Refused: one document, one URL (no ?v=1, ?v=2 … names).
  if (clientId.includes('?')) return 'must not contain a query string';
  if (url.username || url.password || /^[a-z]+:\/\/[^/?#]*@/i.test(clientId)) return 'must not contain a user name or password';
  const path = /^[a-z]+:\/\/[^/?#]*(\/[^?#]*)?/i.exec(clientId)?.[1];
  if (!path || path === '/') return 'must contain a path';
  if (path.split('/').some((seg) => /^(?:\.|%2e){1,2}$/i.test(seg))) return 'must not contain . or .. path segments';
  if (url.href !== clientId) return 'must be written in its canonical form';
  return null;
}

/** Why a metadata client cannot be used: shown on the authorization error page, or as invalid_client at the token endpoint. */
export class ClientMetadataError extends Error {
  /**
   * `load`: about this server, not the document (not remembered against the URL); `unavailable`: the document could
   * not be had this time (timeout, unreachable, 5xx); `invalid`: the document is wrong or gone. A known client keeps
   * its last good document through the first two (METADATA_STALE_GRACE_MS), never through the third.
   */
  readonly kind: 'load' | 'unavailable' | 'invalid';
  constructor(message: string, o: { kind?: ClientMetadataError['kind'] } = {}) { super(message); this.kind = o.kind ?? 'invalid'; }
}

const SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post', 'client_secret_jwt']);

/**
 * CIMD, Client Metadata: the document's client_id MUST equal the URL it came from (simple string comparison); it MUST NOT hold a
 * client_secret or client_secret_expires_at, and MUST NOT ask for a shared-secret authentication method. Left out,
 * token_endpoint_auth_method is `none` (a public client), since a document cannot carry a secret. private_key_jwt (which
 * CIMD and the MCP authorization specification allow) needs the keys at the document's jwks_uri, read like any
 * jwks_uri through the SSRF guard (client-assertion/client-keys.ts); inline jwks are refused for it, since they would
 * live as long as the cached document and could not rotate apart from it. The rest goes through the dynamic
 * registration rules (DYNAMIC actor: no privileged scope, grant or response type, ever).
 */
// tldts (the Public Suffix List, ~5 ms to load): required on the first document fetched, not at start.
const IP_LITERALS = 'IP literals';
const load = createRequire(import.meta.url);
let publicSuffixes: typeof Tldts | undefined;

/**
 * The site a URL belongs to, for the per-site fetch limit: the host's registrable domain by the Public Suffix List,
 * its private section included, so wildcard subdomains of one attacker share one budget (a guess at the list let
 * `*.qz.io` be sixteen sites: attacker read 20, F4) while a platform's tenants (`*.vercel.app`) are owners of their
 * own. Every IP literal is one site: addresses cost nothing (an unrouted one hangs until the deadline), so each its own
 * site let anyone hold every slot (attacker read 15, F4).
 */
export function siteOf(url: string): string {
  const host = new URL(url).hostname.toLowerCase().replace(/\.$/, '');
  if (host.startsWith('[') || /^[\d.]+$/.test(host)) return IP_LITERALS;
  publicSuffixes ??= load('tldts') as typeof Tldts;
  // A name the list gives no domain for (a label that starts or ends with a hyphen) is not a site of its own: its last
  // two labels are (attacker read 21, F4: `-1.attacker.com`, `-2.attacker.com`, … were each a site).
  return publicSuffixes.getDomain(host, { allowPrivateDomains: true }) ?? host.split('.').slice(-2).join('.');
}

/**
 * Core §8.1 for a document anyone can have us read: its sector_identifier_uri is on the document's own site (its own
 * host, for an IP literal). Anonymous authorization requests cause these fetches, with no account or registration to
 * count them against: naming a slow path on a relying party's host held that host's sector share and failed the
 * relying party's own registrations (attacker read 25, F1).
 */
const onOwnSite = (clientId: string, uri: string): boolean => {
  const url = URL.parse(uri);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) return true; // refused by the registration rules
  const site = siteOf(uri);
  return url.hostname === new URL(clientId).hostname || (site === siteOf(clientId) && site !== IP_LITERALS);
};

export async function validateMetadataDocument(clientId: string, doc: unknown, policy: RegistrationPolicy): Promise<ClientInput> {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ClientMetadataError('the document is not a JSON object');
  // The request guard's rule (rejectNul) for every string of the document: no NUL or lone surrogate reaches a store.
  if (hostileValue(doc)) throw new ClientMetadataError('the document contains characters no metadata may contain');
  const m = doc as Record<string, unknown>;
  if (m.client_id !== clientId) throw new ClientMetadataError('the document\'s client_id is not its own URL');
  if (m.client_secret !== undefined || m.client_secret_expires_at !== undefined) throw new ClientMetadataError('the document must not contain a client_secret');
  const method = m.token_endpoint_auth_method ?? 'none';
  if (typeof method === 'string' && SECRET_METHODS.has(method)) throw new ClientMetadataError(`token_endpoint_auth_method ${method} needs a shared secret, which a metadata document cannot have`);
  if (method === 'private_key_jwt') {
    if (typeof m.jwks_uri !== 'string' || m.jwks !== undefined) throw new ClientMetadataError('token_endpoint_auth_method private_key_jwt needs the keys at jwks_uri, not inline jwks');
  } else if (method !== 'none') throw new ClientMetadataError('token_endpoint_auth_method must be none or private_key_jwt');
  if (!Array.isArray(m.redirect_uris) || m.redirect_uris.length === 0) throw new ClientMetadataError('redirect_uris is required');
  if (typeof m.sector_identifier_uri === 'string' && !onOwnSite(clientId, m.sector_identifier_uri)) throw new ClientMetadataError('sector_identifier_uri must be on the document\'s own site');
  // The URL names the client: its host is the name users see (consent page), the document's client_name only beside it.
  const named = { ...m, token_endpoint_auth_method: method, client_name: typeof m.client_name === 'string' && m.client_name.trim() ? m.client_name : new URL(clientId).host };
  delete (named as Record<string, unknown>).client_id;
  let input: ClientInput;
  try {
    input = await validateDynamicMetadata(named, policy);
  } catch (e) {
    if (isOAuthError(e)) throw new ClientMetadataError(e.description ?? e.error);
    throw e;
  }
  // A self-published client acts for the users who consent to it, never for itself: with private_key_jwt it could
  // otherwise mint tokens with no user for whatever scopes its document names (attacker read 15, F5).
  const own = input.grantTypes.find(actsForItself);
  if (own) throw new ClientMetadataError(`a metadata document's client acts for its users only: no ${own} grant`);
  return input;
}

/** Lifetime bounds (seconds), the cap on documents kept, and the cap on those of one host. */
export interface MetadataCacheLimits { minTtlSeconds: number; maxTtlSeconds: number; maxClients: number; maxClientsPerHost: number }

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
