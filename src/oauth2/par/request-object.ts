import { createLocalJWKSet } from 'jose';
import { joinResourceParams } from '../resources.ts';
import { InvalidClientId, InvalidRequestObject } from '../errors.ts';
import { REQUEST_OBJECT_ALGS } from '../client-assertion/algorithms.ts';
import { algsUnder, type SecurityProfile } from '../security-profile/index.ts';
import type { ClientRecord, ClientStore } from '../store.ts';
import type { AssertionReplayStore } from '../client-assertion/store.ts';
import { registeredKeys } from '../client-assertion/client-keys.ts';
import { ClientJwtRefused, REQUEST_OBJECT, verifyClientJwt } from '../client-assertion/client-jwt.ts';

/** A request object longer than this is not an authorization request. */
const MAX_REQUEST_OBJECT = 16 * 1024;
/** A request object lives at most this long past now (its exp): a captured one cannot be replayed for days. */
const MAX_LIFETIME_S = 3600;
/** JWT claims that are about the object itself, not authorization request parameters. */
const ENVELOPE = new Set(['iss', 'aud', 'exp', 'iat', 'nbf', 'jti', 'sub']);

/**
 * The jti store a request object is spent in (the client assertions' one, under its own prefix): an object with a
 * jti is accepted once, as long as it is accepted (its exp plus the clock skew), wherever it is accepted (by value, by reference, or pushed). Without a jti it
 * may be presented again until its exp (at most MAX_LIFETIME_S); RFC 9101 does not require one.
 */
export type RequestObjectReplay = Pick<AssertionReplayStore, 'spend'>;

/**
 * RFC 9101 §6.1 / OpenID Connect Core §6.3: verifies a request object signed by the client (its registered `jwks`,
 * with its `request_object_signing_alg`, or any of REQUEST_OBJECT_ALGS; never `none`, see docs/security.md) and
 * returns the authorization request parameters it carries.
 */

/** The keys a client's request objects are verified with (its registered `jwks`), or invalid_request_object: none to use. */
export function requestObjectKeys(client: Pick<ClientRecord, 'jwks'>): NonNullable<ReturnType<typeof registeredKeys>> {
  if (!client.jwks) throw new InvalidRequestObject('This client registered no keys (jwks) to verify request objects with.');
  const jwks = registeredKeys(client.jwks);
  if (!jwks) throw new InvalidRequestObject('This client\'s registered keys (jwks) fail the key rules; register them again.');
  return jwks;
}

export async function verifyRequestObject(jwt: string, client: ClientRecord, issuer: string, now: number, profile?: SecurityProfile, replay?: RequestObjectReplay): Promise<Record<string, string>> {
  if (jwt.length > MAX_REQUEST_OBJECT) throw new InvalidRequestObject('The request object is too large.');
  const jwks = requestObjectKeys(client);
  let payload;
  try {
    // RFC 9101 §4: iss is the client_id, aud the issuer; typ never another kind's (§10.8). RFC 9101 §10.1 and Core
    // §6.1: never `none`; FAPI 2.0 §5.4.1 (fapi2:signing-algs) narrows the algorithms whatever the client registered.
    payload = await verifyClientJwt(jwt, {
      kind: REQUEST_OBJECT, clientId: client.clientId, audience: issuer, now, replay, maxLifetimeSeconds: MAX_LIFETIME_S,
      algorithms: algsUnder(profile, client.requestObjectSigningAlg ? [client.requestObjectSigningAlg] : REQUEST_OBJECT_ALGS),
      key: () => Promise.resolve(createLocalJWKSet(jwks)),
      also: (p) => {
        // RFC 9101 §5: the client_id inside is the one outside.
        if (p.client_id !== undefined && p.client_id !== client.clientId) throw new ClientJwtRefused('client_id in the request object differs from the request\'s.');
        // RFC 9101 §4: "MUST NOT include the request and request_uri parameters".
        if (p.request !== undefined || p.request_uri !== undefined) throw new ClientJwtRefused('A request object may not hold request or request_uri.');
      },
    });
  } catch (e) {
    if (e instanceof ClientJwtRefused) throw new InvalidRequestObject(e.message);
    throw e;
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
 * The authorization request a `request` parameter makes. RFC 9101 §5, §6.3: only the request object's parameters
 * are used, so a scopeless object gets the default scopes, never the URL's (whoever edits the URL would choose it).
 * OpenID Connect Core §6.1 has the client repeat response_type and client_id outside (OAuth 2.0 syntax): they must
 * equal the object's, and an outer response_type stands in only when the object has none.
 */
export async function expandRequestObject(outer: Record<string, string>, client: ClientRecord, issuer: string, now: number, profile?: SecurityProfile, replay?: RequestObjectReplay): Promise<Record<string, string>> {
  if (outer.request_uri !== undefined) throw new InvalidRequestObject('request and request_uri cannot both be sent.');
  const inner = await verifyRequestObject(outer.request, client, issuer, now, profile, replay);
  if (outer.response_type !== undefined && inner.response_type !== undefined && outer.response_type !== inner.response_type) {
    throw new InvalidRequestObject('response_type differs between the request and its request object (Core §6.1).');
  }
  // client_id: verifyRequestObject holds an inner one to the client the outer one named.
  return inner.response_type === undefined && outer.response_type !== undefined ? { ...inner, response_type: outer.response_type } : inner;
}

/** The client of a request carrying a request object, found by its outer client_id (a fatal error page otherwise). */
export async function requestObjectClient(outer: Record<string, string>, clients: Pick<ClientStore, 'findByClientId'>): Promise<ClientRecord> {
  if (!outer.client_id) throw new InvalidClientId('client_id is missing.');
  const client = await clients.findByClientId(outer.client_id);
  if (!client) throw new InvalidClientId('There is no application with this client_id.');
  return client;
}
