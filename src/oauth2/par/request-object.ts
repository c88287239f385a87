import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { joinResourceParams } from '../resources.ts';
import { InvalidClientId, InvalidRequestObject } from '../errors.ts';
import { REQUEST_OBJECT_ALGS } from '../client-registration.ts';
import { FAPI2_ALGS, has, type SecurityProfile } from '../security-profile/index.ts';
import type { ClientRecord, ClientStore } from '../store.ts';
import type { AssertionReplayStore } from '../client-assertion/store.ts';

/** A request object longer than this is not an authorization request. */
const MAX_REQUEST_OBJECT = 16 * 1024;
/** A request object lives at most this long past now (its exp): a captured one cannot be replayed for days. */
const MAX_LIFETIME_S = 3600;
/** Clock skew allowed on exp, nbf and iat. */
const SKEW_S = 30;
/** JWT claims that are about the object itself, not authorization request parameters. */
const ENVELOPE = new Set(['iss', 'aud', 'exp', 'iat', 'nbf', 'jti', 'sub']);

/**
 * RFC 9101 §6.1 / OpenID Connect Core §6.3: verifies a request object signed by the client (its registered `jwks`,
 * with its `request_object_signing_alg`, or any of REQUEST_OBJECT_ALGS; never `none`, see docs/security.md) and
 * returns the authorization request parameters it carries.
 */
/**
 * The jti store a request object is spent in (the client assertions' one, under its own prefix): an object with a
 * jti is accepted once, until its exp, wherever it is accepted (by value, by reference, or pushed). Without a jti it
 * may be presented again until its exp (at most MAX_LIFETIME_S); RFC 9101 does not require one.
 */
export type RequestObjectReplay = Pick<AssertionReplayStore, 'spend'>;

export async function verifyRequestObject(jwt: string, client: ClientRecord, issuer: string, now: number, profile?: SecurityProfile, replay?: RequestObjectReplay): Promise<Record<string, string>> {
  if (jwt.length > MAX_REQUEST_OBJECT) throw new InvalidRequestObject('The request object is too large.');
  if (!client.jwks) throw new InvalidRequestObject('This client registered no keys (jwks) to verify request objects with.');
  let alg: unknown;
  try { alg = decodeProtectedHeader(jwt).alg; } catch { throw new InvalidRequestObject('The request object is not a JWS.'); }
  // FAPI 2.0 §5.4.1 (fapi2:signing-algs): PS256, ES256 or EdDSA only, whatever the client registered.
  const allowed: string[] = (client.requestObjectSigningAlg ? [client.requestObjectSigningAlg] : [...REQUEST_OBJECT_ALGS]).filter((a) => !has(profile, 'fapi2:signing-algs') || FAPI2_ALGS.includes(a));
  // RFC 9101 §10.1 (signature required by this server) and Core §6.1: `none` proves nothing about who wrote the request.
  if (typeof alg !== 'string' || !allowed.includes(alg)) throw new InvalidRequestObject(`The request object must be signed with ${allowed.join(', ')}.`);
  let payload: Record<string, unknown>;
  try {
    // RFC 9101 §4: iss is the client_id, aud the issuer; exp is required here so a captured object expires.
    ({ payload } = await jwtVerify(jwt, createLocalJWKSet(JSON.parse(client.jwks) as JSONWebKeySet), {
      issuer: client.clientId, audience: issuer, algorithms: allowed, clockTolerance: SKEW_S, requiredClaims: ['exp'], currentDate: new Date(now),
    }));
  } catch (e) {
    throw new InvalidRequestObject(`The request object does not verify: ${String((e as { code?: string }).code ?? 'invalid')}.`);
  }
  if (typeof payload.exp !== 'number' || payload.exp > now / 1000 + MAX_LIFETIME_S + SKEW_S) throw new InvalidRequestObject(`The request object may live at most ${MAX_LIFETIME_S} s.`);
  // RFC 9101 §5: the client_id inside is the one outside.
  if (payload.client_id !== undefined && payload.client_id !== client.clientId) throw new InvalidRequestObject('client_id in the request object differs from the request\'s.');
  // RFC 9101 §4: "MUST NOT include the request and request_uri parameters".
  if (payload.request !== undefined || payload.request_uri !== undefined) throw new InvalidRequestObject('A request object may not hold request or request_uri.');
  // Spent last, once everything else holds: an object refused for another reason costs nothing.
  if (replay && payload.jti !== undefined) {
    if (typeof payload.jti !== 'string' || payload.jti.length > 256) throw new InvalidRequestObject('jti must be a string of at most 256 characters.');
    if (!(await replay.spend(client.clientId, `request-object:${payload.jti}`, payload.exp * 1000))) throw new InvalidRequestObject('The request object was already used (its jti).');
  }
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(payload)) {
    if (ENVELOPE.has(k) || v === null || v === undefined) continue;
    // RFC 8707 §2 by the one rule of resources.ts: a string is one resource, an array of strings several (as repeated
    // parameters are); a value holding whitespace is never split into several.
    if (k === 'resource' && (typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')))) {
      const joined = joinResourceParams(typeof v === 'string' ? [v] : v as string[]);
      if (joined) params[k] = joined;
      continue;
    }
    // Core §6.1: parameters keep their types in the object (max_age a number, claims an object); ours are strings.
    params[k] = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  }
  params.client_id = client.clientId;
  return params;
}

/**
 * The authorization request a `request` parameter makes. RFC 9101 §5: only the request object's parameters are
 * used. OpenID Connect Core §6.1 also has the client send response_type and scope outside (for OAuth 2.0 syntax):
 * they are used only when the object has none, and an outer response_type must equal the object's.
 */
export async function expandRequestObject(outer: Record<string, string>, client: ClientRecord, issuer: string, now: number, profile?: SecurityProfile, replay?: RequestObjectReplay): Promise<Record<string, string>> {
  if (outer.request_uri !== undefined) throw new InvalidRequestObject('request and request_uri cannot both be sent.');
  const inner = await verifyRequestObject(outer.request, client, issuer, now, profile, replay);
  if (outer.response_type !== undefined && inner.response_type !== undefined && outer.response_type !== inner.response_type) {
    throw new InvalidRequestObject('response_type differs between the request and its request object (Core §6.1).');
  }
  const params = { ...inner };
  for (const k of ['response_type', 'scope']) if (params[k] === undefined && outer[k] !== undefined) params[k] = outer[k];
  return params;
}

/** The client of a request carrying a request object, found by its outer client_id (a fatal error page otherwise). */
export async function requestObjectClient(outer: Record<string, string>, clients: Pick<ClientStore, 'findByClientId'>): Promise<ClientRecord> {
  if (!outer.client_id) throw new InvalidClientId('client_id is missing.');
  const client = await clients.findByClientId(outer.client_id);
  if (!client) throw new InvalidClientId('There is no application with this client_id.');
  return client;
}
