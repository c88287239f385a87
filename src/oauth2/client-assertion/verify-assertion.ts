import { createLocalJWKSet } from 'jose';
import { InvalidClient } from '../errors.ts';
import { algsUnder, has, type SecurityProfile } from '../security-profile/index.ts';
import type { ClientRecord } from '../store.ts';
import { assertionAlgsFor, hmacKeyFor, hmacKeyTooShort } from './algorithms.ts';
import { CLIENT_ASSERTION, ClientJwtRefused, verifyClientJwt } from './client-jwt.ts';
import type { ClientKeys } from './client-keys.ts';
import type { AssertionReplayStore } from './store.ts';

export interface AssertionVerifier {
  /** The authorization server's issuer identifier: the only audience accepted (draft-ietf-oauth-rfc7523bis). */
  issuer: () => string;
  /** An assertion may expire at most this far in the future (seconds): its jti is remembered that long. */
  maxLifetimeSeconds: number;
  replay: AssertionReplayStore;
  keys: ClientKeys;
  /** The client secret itself (sealed at rest, oauth1/secret-box.ts), for client_secret_jwt; null when none is kept. */
  secretOf: (client: ClientRecord) => Promise<string | null>;
  /** SECURITY_PROFILE: fapi2 narrows the algorithms (FAPI 2.0 §5.4.1, rule fapi2:signing-algs). */
  securityProfile?: SecurityProfile;
  now?: () => number;
}

/**
 * Every refusal says the same: which check failed is for the audit event (its reason), never for the caller. One
 * exception: a secret too short for the alg (RFC 7518 §3.2) is named, since the client cannot fix it by guessing; it
 * tells only that the secret predates issue 22 (generated secrets were 43 characters, now 64), nothing of its value.
 */
const refuse = (reason: 'assertion_invalid' | 'assertion_replayed' | 'assertion_key_too_short' = 'assertion_invalid', description = 'Client authentication failed.'): never => {
  throw new InvalidClient(description, { reason });
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
  const algorithms = algsUnder(v.securityProfile, assertionAlgsFor(method, client.tokenEndpointAuthSigningAlg));
  const key = async (alg: string) => {
    if (method === 'client_secret_jwt') {
      const secret = await v.secretOf(client);
      if (!secret) return null;
      // RFC 7518 §3.2: the secret keys the HMAC only if it is at least as long as the hash (a 43-character secret
      // from before issue 22 fits HS256 alone). Refused before any MAC is computed with it.
      const hmac = hmacKeyFor(alg, secret);
      if (!hmac) throw new ClientJwtRefused(hmacKeyTooShort(alg), 'key_too_short');
      return hmac;
    }
    try { const set = await v.keys.of(client); return set ? createLocalJWKSet(set) : null; } catch { return null; }
  };
  // A kid the set does not hold: the client may have rotated its keys; its jwks_uri is read again (rate-limited).
  const rekey = method === 'private_key_jwt' && client.jwksUri ? async () => {
    try { const again = await v.keys.of(client, { refresh: true }); return again ? createLocalJWKSet(again) : null; } catch { return null; }
  } : undefined;
  try {
    // RFC 7523 §3: iss and sub the client_id, aud the issuer alone (draft-ietf-oauth-rfc7523bis), exp and jti
    // required (Core §9), the jti spent once; typ and claims never a request object's (RFC 8725 §3.11).
    await verifyClientJwt(assertion, {
      kind: CLIENT_ASSERTION, clientId: client.clientId, audience: v.issuer(), algorithms, maxLifetimeSeconds: v.maxLifetimeSeconds,
      key, rekey, replay: v.replay, now: v.now?.() ?? Date.now(),
      // FAPI 2.0 §5.3.2.1: "only accept its issuer identifier value … as a string in the aud claim".
      also: has(v.securityProfile, 'fapi2:client-auth') ? (p) => { if (typeof p.aud !== 'string') throw new ClientJwtRefused('aud must be the issuer as a string (FAPI 2.0).'); } : undefined,
    });
  } catch (e) {
    if (e instanceof ClientJwtRefused) refuse(`assertion_${e.reason}`, e.reason === 'key_too_short' ? e.message : undefined);
    throw e;
  }
}
