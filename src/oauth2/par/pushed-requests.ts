import { generateToken, hashToken } from '../tokens.ts';
import { InvalidDpopProof, InvalidRequest, InvalidRequestUri } from '../errors.ts';
import { has } from '../security-profile/index.ts';
import { LOGIN_AFTER, RedirectError, validateAuthorizationRequest, type AuthorizeSettings } from '../authorize.ts';
import type { ClientRecord } from '../store.ts';
import { expandRequestObject, type RequestObjectReplay } from './request-object.ts';

/** RFC 9126 §2.2: the request_uri's form; the random part is 256 bits, stored only as its SHA-256 (like tokens). */
export const PUSHED_REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';
/** RFC 9126 §2.2 expires_in: "a short lifetime"; the RFC's example is 60 s. Long enough for one redirect and a login form. */
export const PUSHED_REQUEST_TTL_S = 60;
/** A pushed request is a form body: anything larger is not an authorization request. */
const MAX_PUSHED_PARAMS = 8192;

export interface PushedRequestRow { clientId: string; params: Record<string, string>; expiresAt: number }

/** Storage of pushed requests (src/storage/pushed-request.repository.ts): shared by every instance. */
export interface PushedRequestStore {
  save(requestHash: string, row: PushedRequestRow): Promise<void>;
  /** The row when unexpired at `now`, without spending it. */
  peek(requestHash: string, now: number): Promise<PushedRequestRow | null>;
  /** Atomically deletes the unexpired row and returns it: of concurrent calls, exactly one gets it. */
  spend(requestHash: string, now: number): Promise<PushedRequestRow | null>;
}

export const isPushedRequestUri = (v: string | undefined): v is string => v?.startsWith(PUSHED_REQUEST_URI_PREFIX) === true;

/**
 * RFC 9126 §2.1: validates the pushed authorization request exactly as the authorization endpoint will (same
 * function), for the authenticated client, and stores it. Errors are answered here, as JSON (§2.3), never redirected.
 */
export async function pushAuthorizationRequest(client: ClientRecord, params: Record<string, string>, settings: AuthorizeSettings, store: PushedRequestStore, now: number, issuer: string, replay?: RequestObjectReplay, proofJkt?: string): Promise<{ request_uri: string; expires_in: number }> {
  // §2.1: "The request_uri authorization request parameter MUST NOT be provided in this case."
  if (params.request_uri !== undefined) throw new InvalidRequest('request_uri must not be pushed (RFC 9126 §2.1).');
  // §2.1: the client_id, when present, is the authenticated client's (RFC 6749 §3.2.1); absent, it is that client.
  if (params.client_id !== undefined && params.client_id !== client.clientId) throw new InvalidRequest('client_id does not match the authenticated client.');
  let request: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (k !== 'client_secret' && k !== 'client_assertion' && k !== 'client_assertion_type') request[k] = v;
  request.client_id = client.clientId;
  // §3: a pushed request may be a request object (JAR); its parameters are the request.
  if (request.request !== undefined) request = await expandRequestObject(request, client, issuer, now, settings.securityProfile, replay);
  // RFC 9449 §10.1: the proof at this endpoint binds the code to its key, whether the request came as form fields or
  // as a request object; a dpop_jkt naming another key is refused (checked after the expansion, which replaces them).
  if (proofJkt) {
    if (request.dpop_jkt !== undefined && request.dpop_jkt !== proofJkt) throw new InvalidDpopProof('dpop_jkt does not match the key of the DPoP proof.');
    request.dpop_jkt = proofJkt;
  }
  // LOGIN_AFTER is ours, set only on a copy set aside for a login (pushAgainForLogin): pushed by a client, it would let
  // a stale session skip the login its own prompt=login or max_age asks for (attacker read 27, F2).
  delete request[LOGIN_AFTER];
  // FAPI 2.0 §5.3.2.2 (5): "shall require the redirect_uri parameter in pushed authorization requests".
  if (has(settings.securityProfile, 'fapi2:par-required') && request.redirect_uri === undefined) throw new InvalidRequest('fapi2:par-required: a pushed authorization request must name its redirect_uri (FAPI 2.0 §5.3.2.2).');
  if (JSON.stringify(request).length > MAX_PUSHED_PARAMS) throw new InvalidRequest('The pushed request is too large.');
  try {
    // The authorize endpoint's own validation (redirect_uri exact match, response_type, scope, PKCE, OIDC rules).
    await validateAuthorizationRequest(request, { ...settings, clients: { findByClientId: async (id) => (id === client.clientId ? client : null) } });
  } catch (e) {
    // §2.3: the error of the authorization endpoint, as a JSON error response.
    if (e instanceof RedirectError) throw e.error;
    throw e;
  }
  const uri = PUSHED_REQUEST_URI_PREFIX + generateToken(32);
  await store.save(hashToken(uri), { clientId: client.clientId, params: request, expiresAt: now + PUSHED_REQUEST_TTL_S * 1000 });
  return { request_uri: uri, expires_in: PUSHED_REQUEST_TTL_S };
}

/**
 * RFC 9126 §4: the authorization request that names a pushed request. Only the pushed parameters are used (other
 * outer parameters are ignored); the outer client_id must be the pushing client's. `spend` uses it up atomically
 * (§4: one-time use); without it (the login detour, which comes back with the same URL) it is only read.
 */
export async function resolvePushedRequest(params: Record<string, string>, store: PushedRequestStore, now: number, spend: boolean): Promise<PushedRequestRow> {
  const uri = params.request_uri;
  if (!isPushedRequestUri(uri)) throw new Error('resolvePushedRequest() needs a pushed request_uri.');
  if (!params.client_id) throw new InvalidRequest('client_id is missing.', { fatal: true });
  const hashed = hashToken(uri);
  const row = await (spend ? store.spend(hashed, now) : store.peek(hashed, now));
  if (!row) throw new InvalidRequestUri('The request_uri is unknown, expired or already used (RFC 9126 §4).');
  // §4: "the authorization server MUST validate the request_uri ... for the client". Checked after the spend: a
  // request_uri leaked to another client is burned rather than left for the next try.
  if (row.clientId !== params.client_id) throw new InvalidRequestUri('The request_uri was pushed by another client.');
  return row;
}

/** RFC 9126 §5 require_pushed_authorization_requests: the authorization endpoint refuses requests not pushed. */
export function refuseUnpushed(rule?: string): never {
  throw new InvalidRequest(`${rule ? `${rule}: ` : ''}This server requires pushed authorization requests (RFC 9126 §5).`, { fatal: true });
}

/** How long a pushed request set aside across the login page lives: the time to fill in the form, not a redirect's. */
export const LOGIN_DETOUR_TTL_S = 600;

/**
 * The login detour of a pushed request: the original was spent, so the request (as the login leaves it, `params`)
 * is stored again under a new request_uri for the same client, and the login page returns there. Its parameters
 * never pass through the browser, which is what PAR is for (RFC 9126 §1: integrity and confidentiality).
 * A pushed request's copy keeps the pushed row's expiry (`expiresAt`): re-detouring (an unauthenticated GET of the
 * copy) spends one row and stores one, never a later expiry, so a 60 s request_uri cannot be kept alive by hops.
 * A request object's first detour lives LOGIN_DETOUR_TTL_S; the copy is capped at the size of a pushed request.
 */
export async function pushAgainForLogin(params: Record<string, string>, store: PushedRequestStore, now: number, expiresAt?: number): Promise<string> {
  // A copy keeps the prompt and max_age a push had, and adds login_after: room for that beyond what a push may hold.
  if (JSON.stringify(params).length > MAX_PUSHED_PARAMS + 64) throw new InvalidRequest('The authorization request is too large.');
  const uri = PUSHED_REQUEST_URI_PREFIX + generateToken(32);
  await store.save(hashToken(uri), { clientId: params.client_id, params, expiresAt: Math.min(now + LOGIN_DETOUR_TTL_S * 1000, expiresAt ?? Infinity) });
  return new URLSearchParams({ client_id: params.client_id, request_uri: uri }).toString();
}

/** A digest of the consent form's fields, kept in the session to tell a pushed request's consent form from a forged one. */
export const consentDigest = (fields: Record<string, string>): string => hashToken(JSON.stringify(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : 1))));
