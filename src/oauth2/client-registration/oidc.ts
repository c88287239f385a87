// OpenID Connect metadata: how the ID Token and UserInfo are signed, and which sub the client gets (Core §8).
import { isIP } from 'node:net';
import { echoUri } from '../redirect-uri.ts';
import { isPrivateAddress, refusedByOwnBound } from '../../oidc/outbound.ts';
import { SIGNING_ALGS, SUBJECT_TYPES, type IdTokenSigningAlg, type SubjectType } from '../store.ts';
import { choice, optionalText } from './fields.ts';
import { idTokenAlgDefault } from '../security-profile/index.ts';
import type { Check, RegistrationContext, RegistrationPolicy } from './types.ts';

export function validSigningAlgs({ raw, policy, context, errors }: Check): { idTokenSignedResponseAlg: IdTokenSigningAlg | null; userinfoSignedResponseAlg: IdTokenSigningAlg | null } {
  // Core §10.1 / Registration §2: `none` is not in the list, so an unsigned ID Token can never be registered.
  const idTokenSignedResponseAlg = choice(raw.idTokenSignedResponseAlg, SIGNING_ALGS, context.current?.idTokenSignedResponseAlg ?? idTokenAlgDefault(policy.securityProfile));
  if (!idTokenSignedResponseAlg) errors.idTokenSignedResponseAlg = `Choose ${SIGNING_ALGS.join(', ')}.`;
  // Registration §2: unset answers UserInfo as JSON. Left out, the current choice stays; null or '' unsets it.
  const userinfoRaw = raw.userinfoSignedResponseAlg === undefined ? context.current?.userinfoSignedResponseAlg ?? null : raw.userinfoSignedResponseAlg;
  const userinfoSignedResponseAlg = userinfoRaw === null || userinfoRaw === '' ? null : choice(userinfoRaw, SIGNING_ALGS, 'RS256');
  if (userinfoRaw !== null && userinfoRaw !== '' && !userinfoSignedResponseAlg) errors.userinfoSignedResponseAlg = `Choose ${SIGNING_ALGS.join(', ')}, or none for JSON.`;
  return { idTokenSignedResponseAlg, userinfoSignedResponseAlg };
}

export async function validSubject(c: Check, redirectUris: readonly string[]): Promise<{ subjectType: SubjectType | null; sectorIdentifierUri: string | null | undefined }> {
  const { raw, policy, context, errors } = c;
  const subjectType = choice(raw.subjectType, SUBJECT_TYPES, context.current?.subjectType ?? 'public');
  if (!subjectType) errors.subjectType = `Choose ${SUBJECT_TYPES.join(' or ')}.`;
  // Left out keeps the current sector (a changed sector changes every pairwise sub the client knows, Core §8.1).
  const sectorIdentifierUri = raw.sectorIdentifierUri === undefined ? (context.current?.sectorIdentifierUri ?? null) : optionalText(raw.sectorIdentifierUri);
  if (sectorIdentifierUri === undefined) errors.sectorIdentifierUri = 'Must be a URL.';
  else if (!errors.redirectUris && !errors.subjectType) {
    const problem = await sectorProblem(subjectType!, sectorIdentifierUri, redirectUris, policy, sectorRequester(context));
    if (problem) errors.sectorIdentifierUri = problem;
  }
  return { subjectType, sectorIdentifierUri };
}

/**
 * Whether a code sent to this redirect URI reaches the host it names: http(s) to a host that is not loopback. A
 * private-use scheme's authority (`com.app://rp.example/cb`) or a loopback address is whatever app on the device
 * claims it, so it names the host without proving anything (attacker read 18, F1).
 */
const reachesItsHost = (uri: string): boolean => {
  const u = URL.parse(uri);
  if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) return false;
  // The user's own device or network in any spelling: every loopback, private or mapped address literal, `localhost`
  // and `*.localhost` (RFC 6761 §6.3), a trailing dot (attacker read 21, F3); and a name that is not one host worldwide,
  // so two owners' clients on two networks would share its sector: a single label, a special-use domain (RFC 6762
  // `.local`, RFC 8375 `home.arpa`, RFC 9665 `service.arpa`, ICANN's `.internal`, RFC 6761's `.test`, `.invalid` and
  // `.example`) or a common private one (attacker reads 22 F3, 23 F4, 24 F4).
  const host = u.hostname.toLowerCase().replace(/\.+$/, '').replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) return !isPrivateAddress(host);
  return host.includes('.') && !NOT_ONE_HOST_WORLDWIDE.test(host);
};
const NOT_ONE_HOST_WORLDWIDE = /(^|\.)(localhost|local|localdomain|internal|home\.arpa|service\.arpa|test|invalid|example|alt|lan|home|corp|intranet|private)$/;

/**
 * Core §8.1 without a sector_identifier_uri: the hosts of a client's redirect URIs, its sector when they are one; null
 * when some redirect URI does not reach its host (or there is none), so they name no sector (subject.ts sectorOf).
 */
export const redirectHosts = (redirectUris: readonly string[]): string[] | null =>
  (redirectUris.length > 0 && redirectUris.every(reachesItsHost) ? [...new Set(redirectUris.map((u) => URL.parse(u)!.hostname))] : null);

/**
 * Whose budget a sector document fetch spends (SECTOR_FETCH_LIMIT): the client an update is for, else the account
 * registering. None for an administrator (or the operator), nor for a dynamic registration, which its source's
 * registration budget already counts before validation (routes/registration.ts).
 */
const sectorRequester = ({ actor, current }: RegistrationContext): string | null =>
  actor.isAdmin ? null : current ? `client:${current.id}` : actor.id !== undefined ? `account:${actor.id}` : null;

/** Byte cap on a sector_identifier_uri document: a JSON array of redirect URIs, never large. */
export const SECTOR_DOCUMENT_MAX_BYTES = 64 * 1024;

/**
 * Core §8.1 and Registration §5: a sector_identifier_uri is https, and its document is a JSON array holding every
 * redirect URI of the client; without one, a pairwise client's redirect URIs must share one host (its sector).
 */
async function sectorProblem(subjectType: SubjectType, uri: string | null, redirectUris: readonly string[], policy: RegistrationPolicy, requester: string | null): Promise<string | null> {
  if (uri === null) {
    if (subjectType !== 'pairwise') return null;
    if (redirectUris.length === 0) return 'A pairwise client needs redirect URIs on one host, or a sector_identifier_uri.';
    // Core §8.1: several hosts need a sector_identifier_uri to name the one sector. Redirect URIs that name no sector
    // (a native app's: redirectHosts) give the client a sector of its own.
    const hosts = redirectHosts(redirectUris);
    return hosts === null || hosts.length === 1 ? null : 'A pairwise client needs redirect URIs on one host, or a sector_identifier_uri.';
  }
  const url = URL.parse(uri);
  // Registration §2: sector_identifier_uri MUST use https (plain http only where insecure transport is allowed, as for callbacks).
  if (!url || !(url.protocol === 'https:' || (url.protocol === 'http:' && policy.allowInsecureTransport))) return 'sector_identifier_uri must be an https URL.';
  if (url.hash) return 'sector_identifier_uri must not have a fragment.';
  // Counted before the fetch, failed ones included: unbudgeted, one client's failing updates (each fetches, even one
  // that changes nothing else) held the sector share of the document's host against everyone's registrations.
  const attempt = requester && policy.sectorFetches ? await policy.sectorFetches(requester) : undefined;
  if (attempt && !attempt.allowed) return `sector_identifier_uri was fetched too often; try again in ${attempt.retryAfter} seconds.`;
  let doc: unknown;
  // One text for every failure: the reason (refused, unresolvable, closed port) would map our network for the caller.
  try { doc = await policy.sectorDocument(url.href); } catch (e) {
    // Refused by our own bound on the host, nothing was fetched: not the caller's to pay for (others kept it busy,
    // and a flood of theirs would otherwise spend a relying party's budget: attacker read 25, F1).
    if (refusedByOwnBound(e)) await attempt?.refund();
    return 'sector_identifier_uri could not be fetched.';
  }
  if (!Array.isArray(doc) || !doc.every((v) => typeof v === 'string')) return 'sector_identifier_uri must answer a JSON array of URIs.';
  // Registration §5: the values of redirect_uris MUST be among the elements of the array.
  const missing = redirectUris.find((r) => !doc.includes(r));
  return missing ? `sector_identifier_uri does not list the redirect URI ${echoUri(missing)}.` : null;
}
