import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { InvalidClient } from '../errors.ts';
import type { ClientRecord } from '../store.ts';
import { assertionAlgsFor } from './algorithms.ts';
import type { ClientKeys } from './client-keys.ts';
import type { AssertionReplayStore } from './store.ts';

/** Clock skew allowed on exp, nbf and iat. */
export const ASSERTION_SKEW_S = 30;

export interface AssertionVerifier {
  /** The authorization server's issuer identifier: the only audience accepted (draft-ietf-oauth-rfc7523bis). */
  issuer: () => string;
  /** An assertion may expire at most this far in the future (seconds): its jti is remembered that long. */
  maxLifetimeSeconds: number;
  replay: AssertionReplayStore;
  keys: ClientKeys;
  /** The client secret itself (sealed at rest, oauth1/secret-box.ts), for client_secret_jwt; null when none is kept. */
  secretOf: (client: ClientRecord) => Promise<string | null>;
  /** SECURITY_PROFILE=fapi2 (FAPI 2.0 §5.4.1, rule fapi2:signing-algs): the only algorithms accepted; absent, the method's. */
  allowedAlgs?: readonly string[];
  now?: () => number;
}

/** Every refusal says the same: which check failed is for the audit event (its reason), never for the caller. */
const refuse = (reason: 'assertion_invalid' | 'assertion_replayed' = 'assertion_invalid'): never => {
  throw new InvalidClient('Client authentication failed.', { reason });
};

/**
 * RFC 7523 §3 / OpenID Connect Core §9: verifies a client assertion for `client`, whose registered
 * token_endpoint_auth_method must be the one the assertion's algorithm implies (`method`), then spends its jti.
 * Throws InvalidClient (401) with one text for every failure.
 */
export async function verifyClientAssertion(assertion: string, method: string, client: ClientRecord, v: AssertionVerifier): Promise<void> {
  // The registered method decides: a client_secret_basic client cannot switch to an assertion, nor a
  // private_key_jwt client to an HMAC keyed with anything (Core §9: the method registered is the one used).
  if (client.tokenEndpointAuthMethod !== method) refuse();
  const algorithms = assertionAlgsFor(method, client.tokenEndpointAuthSigningAlg).filter((a) => !v.allowedAlgs || v.allowedAlgs.includes(a));
  let alg: unknown;
  try { alg = decodeProtectedHeader(assertion).alg; } catch { return refuse(); }
  // RFC 7523 §3 item 9 / RFC 8725 §3.1: the algorithm is one allowed for this client; never `none`.
  if (typeof alg !== 'string' || !algorithms.includes(alg)) refuse();
  const now = v.now?.() ?? Date.now();
  const issuer = v.issuer();
  let payload: JWTPayload;
  if (method === 'client_secret_jwt') {
    const secret = await v.secretOf(client);
    if (!secret) return refuse();
    payload = await verified(assertion, new TextEncoder().encode(secret), algorithms, client, issuer, now);
  } else {
    let set;
    try { set = await v.keys.of(client); } catch { return refuse(); }
    if (!set) return refuse();
    try {
      payload = await verified(assertion, createLocalJWKSet(set), algorithms, client, issuer, now, true);
    } catch (e) {
      // A kid the set does not hold: the client may have rotated its keys; its jwks_uri is read again (rate-limited).
      if (!(e instanceof UnknownKid) || !client.jwksUri) return refuse();
      let again;
      try { again = await v.keys.of(client, { refresh: true }); } catch { return refuse(); }
      payload = await verified(assertion, createLocalJWKSet(again!), algorithms, client, issuer, now);
    }
  }
  // RFC 7523 §3 item 4: exp required; this server also bounds it, since a jti is remembered until exp.
  const exp = payload.exp!;
  if (exp > now / 1000 + v.maxLifetimeSeconds + ASSERTION_SKEW_S) refuse();
  // An iat in the future is a clock far off or a forged timeline (RFC 7523 §3 item 6 lets us refuse it).
  if (payload.iat !== undefined && (typeof payload.iat !== 'number' || payload.iat > now / 1000 + ASSERTION_SKEW_S)) refuse();
  // RFC 7523 §3 item 7: the jti is used once (Core §9 requires jti for these methods).
  const jti = payload.jti!;
  if (typeof jti !== 'string' || !jti || jti.length > 255) refuse();
  // Remembered as long as the assertion is accepted: its exp plus the skew jose allowed on it.
  if (!(await v.replay.spend(client.clientId, jti, (exp + ASSERTION_SKEW_S + 1) * 1000))) refuse('assertion_replayed');
}

class UnknownKid extends Error {}

async function verified(assertion: string, key: Uint8Array | JWTVerifyGetKey, algorithms: readonly string[], client: ClientRecord, issuer: string, now: number, unknownKid = false): Promise<JWTPayload> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(assertion, key as JWTVerifyGetKey, {
      // RFC 7523 §3 items 1, 2: iss and sub are the client_id.
      issuer: client.clientId, subject: client.clientId,
      algorithms: [...algorithms], clockTolerance: ASSERTION_SKEW_S, requiredClaims: ['exp', 'jti', 'aud'], currentDate: new Date(now),
    }));
  } catch (e) {
    if (unknownKid && (e as { code?: string }).code === 'ERR_JWKS_NO_MATCHING_KEY') throw new UnknownKid();
    return refuse();
  }
  // RFC 7523 §3 item 3 as updated by draft-ietf-oauth-rfc7523bis: the audience is the issuer identifier, one value.
  // The token endpoint's URL is not accepted: an assertion made for another server's endpoint must not work here.
  const aud = payload.aud;
  if (!(aud === issuer || (Array.isArray(aud) && aud.length === 1 && aud[0] === issuer))) refuse();
  return payload;
}
