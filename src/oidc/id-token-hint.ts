import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from 'jose';
import { SIGNING_ALGS, type KeyRing } from './keys.ts';
import { InvalidRequest } from '../oauth2/errors.ts';

/** The hint is not an ID Token this server signed. */
export class IdTokenHintRefused extends Error {}

/**
 * An id_token_hint (Core §3.1.2.1, RP-Initiated Logout §2): an ID Token we issued, signed by one of our keys in the
 * JWKS (no `none`, no HMAC, no key carried in the token), carrying an ID Token's required claims. Its expiry is not
 * checked: both specifications accept an expired hint. Returns its claims.
 */
export async function verifyIdTokenHint(token: string, keys: KeyRing, issuer: string): Promise<Record<string, unknown>> {
  try {
    const { alg, typ } = decodeProtectedHeader(token);
    if (!SIGNING_ALGS.includes(alg as never)) throw new Error('algorithm');
    // Our ID Tokens say typ JWT (oidc/id-token.ts); a logout token (logout+jwt, Back-Channel Logout §2.4) or an
    // access token (at+jwt, RFC 9068 §2.1) signed by the same keys is not a hint (RFC 8725 §3.11: explicit typing).
    if (typ !== undefined && typ !== 'JWT') throw new Error('type');
    const { payload } = await compactVerify(token, createLocalJWKSet(await keys.jwks()), { algorithms: [...SIGNING_ALGS] });
    const claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
    if (claims.iss !== issuer) throw new Error('issuer');
    // Core §2: an ID Token has sub, aud, exp and iat. A signed UserInfo response (same keys, no typ, no exp or iat:
    // Core §5.3.2) is not one, and must not open the logout's redirect or name the user (attacker read 11, F5).
    if (typeof claims.sub !== 'string' || typeof claims.exp !== 'number' || typeof claims.iat !== 'number' || hintAudience(claims) === null) throw new Error('claims');
    return claims;
  } catch {
    throw new IdTokenHintRefused('id_token_hint is not an ID Token issued here.');
  }
}

/** The hint's audience as a list (a single string or an array of them); null when it holds anything else. */
export function hintAudience(claims: Record<string, unknown>): string[] | null {
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  return aud.length > 0 && aud.every((a) => typeof a === 'string') ? aud as string[] : null;
}

/**
 * Core §3.1.2.1: the authorization request's id_token_hint, verified by `verify` (ours: verifyIdTokenHint) and issued
 * to this client (its aud includes client_id). Returns the End-User it names (sub); otherwise InvalidRequest.
 */
export async function idTokenHintSubject(token: string, clientId: string, verify?: (token: string) => Promise<Record<string, unknown>>): Promise<string> {
  let claims: Record<string, unknown>;
  try {
    if (!verify) throw new IdTokenHintRefused('id_token_hint is not supported here.');
    claims = await verify(token);
  } catch (e) {
    if (e instanceof IdTokenHintRefused) throw new InvalidRequest(e.message);
    throw e;
  }
  if (!hintAudience(claims)?.includes(clientId)) throw new InvalidRequest('id_token_hint was not issued to this client.');
  if (typeof claims.sub !== 'string') throw new InvalidRequest('id_token_hint names no subject.');
  return claims.sub;
}
