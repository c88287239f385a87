import { createHmac, hkdfSync } from 'node:crypto';
import type { SecurityProfile } from '../oauth2/security-profile/index.ts';
import { redirectHosts, SECTOR_DOCUMENT_MAX_BYTES, type RegistrationPolicy } from '../oauth2/client-registration.ts';
import type { SubjectClient } from '../oauth2/store.ts';
import { REDIRECTLESS_USER_GRANT_TYPES } from '../oauth2/grant-types.ts';
import { getJson, type OutboundOptions } from './outbound.ts';
import { AUTH_TIME_ASKED } from './claims.ts';

export type { SubjectClient };

/**
 * Core §8.1: the sector identifier, the host of the sector_identifier_uri or else of the redirect URIs (registration
 * refuses a pairwise client whose redirect URIs name several hosts without one, client-registration.ts). Naming a
 * host proves nothing by itself: anyone may register another site's redirect URIs or sector document. What keeps a
 * stranger from that site's subs is that tokens go only to those redirect URIs. A client that may get a user's tokens
 * without them (REDIRECTLESS_USER_GRANT_TYPES: password, device code, token exchange) therefore has a sector of its own, its client_id, and links nobody
 * (attacker read 15, F1), and so does one whose redirect URIs do not deliver to the host they name (a native app's private-use
scheme or loopback URI: `redirectHosts`; attacker read 18, F1). "client_id=" cannot begin a host name.
 */
export function sectorOf(client: SubjectClient): string {
  const own = `client_id=${client.clientId}`;
  if (client.grantTypes.some((g) => REDIRECTLESS_USER_GRANT_TYPES.has(g))) return own;
  // Redirect URIs whose host is not where the code goes (a private-use scheme, loopback) name no sector (attacker read
  // 18, F1), nor take one from a sector document that lists them: anyone can register the same URIs with the same
  // document, and the code goes to whichever app on the device claims them (attacker read 19, F1).
  const hosts = redirectHosts(client.redirectUris);
  if (hosts === null) return own;
  if (client.sectorIdentifierUri) return URL.parse(client.sectorIdentifierUri)?.hostname ?? own;
  return hosts[0];
}

/**
 * What every `sub` a client is given is made from: its subject type and, pairwise, its sector. When this changes, every
 * sub the client's live tokens stand for changes with it, so a stranger could take tokens under one sector and read them
 * under another's (another RP's redirect host): ApplicationRepository ends them at such a change (attacker read 16, F1/F2).
 */
export const subjectRule = (client: SubjectClient): string => (client.subjectType === 'pairwise' ? `pairwise ${sectorOf(client)}` : 'public');

/**
 * Core §8: the one place a `sub` is made for (user, client). Every claim set that names a user goes through
 * `of`: ID Tokens, UserInfo, JWT access tokens, introspection, logout tokens, and the id_token_hint check.
 * Public: the user's id, never reassigned (as django-oauth-toolkit). Pairwise (§8.1): base64url HMAC-SHA256 of
 * sector and user id under a key derived from ENCRYPTION_KEY, so it is stable across restarts and signing-key
 * rotations, equal for clients of one sector, and unlinkable across sectors without the key.
 */
export class Subjects {
  readonly #key: Buffer;
  constructor(encryptionKey: Buffer) {
    this.#key = Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), 'gatehouse pairwise subject v1', 32));
  }

  of(userId: number, client: SubjectClient): string {
    if (client.subjectType !== 'pairwise') return String(userId);
    // A host holds no space, so "sector user" cannot be read two ways.
    return createHmac('sha256', this.#key).update(`${sectorOf(client)} ${userId}`).digest('base64url');
  }

  /**
   * The session's `sid` as this client knows it (ID Tokens, logout tokens, front-channel logout; Back-Channel Logout
   * §2.1). One browser session gives every client the same sid, which linked a user across pairwise clients as a
   * shared sub would (attacker read 20, F2): a pairwise client gets its sector's, an HMAC as its sub ("sid " keeps the
   * two inputs apart), so clients of one sector still agree. A public-subject client gets the session's own.
   */
  sidFor(sid: string, client: SubjectClient): string {
    if (client.subjectType !== 'pairwise') return sid;
    return createHmac('sha256', this.#key).update(`sid ${sectorOf(client)} ${sid}`).digest('base64url').slice(0, 32);
  }
}

/** The registration rules' settings, with the SSRF-guarded fetch of sector_identifier_uri documents (Registration §5). */
export function registrationPolicy(c: { allowInsecureTransport: boolean; scopes: Record<string, string>; outboundAllowedHosts: readonly string[]; tokens: { accessTokenMaxLifetime: number; refreshTokenMaxLifetime: number; authorizationCodeMaxLifetime: number }; securityProfile?: SecurityProfile }, o: { onFailure?: OutboundOptions['onFailure']; sectorFetches?: RegistrationPolicy['sectorFetches'] } = {}): RegistrationPolicy {
  // Anyone may cause these fetches (a registration that fails validation still fetched): a share of their own per host.
  const outbound: OutboundOptions = { pool: 'sector', allowedHosts: c.outboundAllowedHosts, timeoutMs: 5000, maxResponseBytes: SECTOR_DOCUMENT_MAX_BYTES, onFailure: o.onFailure };
  const lifetimeMaxima = { accessTokenLifetime: c.tokens.accessTokenMaxLifetime, refreshTokenLifetime: c.tokens.refreshTokenMaxLifetime, authorizationCodeLifetime: c.tokens.authorizationCodeMaxLifetime };
  return { allowInsecureTransport: c.allowInsecureTransport, securityProfile: c.securityProfile, knownScopes: Object.keys(c.scopes), sectorDocument: (uri, f) => getJson(uri, { ...outbound, signal: f?.signal }), sectorFetches: o.sectorFetches, lifetimeMaxima };
}

/**
 * Whether a token for this client says when the user signed in. The login's second is the same at every client of one
 * browser session, so a pairwise client gets it only when it asked (max_age): otherwise two of them linked the user by
 * it, as by a shared sid (attacker read 21, F5). RFC 9068 §2.2.1 and Core §2 make it optional otherwise.
 */
export const authTimeFor = (client: Pick<SubjectClient, 'subjectType'>, asked: readonly string[] = []): boolean =>
  client.subjectType !== 'pairwise' || asked.includes(AUTH_TIME_ASKED);
