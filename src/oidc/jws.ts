import { sign } from 'node:crypto';
import type { SigningAlg, SigningKey } from './keys.ts';

/** The digest node:crypto.sign takes for each JWS algorithm (RFC 7518 §3.1; Ed25519 hashes internally, RFC 8037). */
const DIGEST: Record<SigningAlg, string | null> = { RS256: 'sha256', ES256: 'sha256', EdDSA: null };

/** The encoded protected header of each key, per typ: the same bytes every time, so built once (RFC 7515 §5.1 step 2). */
const HEADERS = new WeakMap<SigningKey, Map<string, string>>();

function headerSegment(key: SigningKey, typ: string | undefined): string {
  let byTyp = HEADERS.get(key);
  if (!byTyp) HEADERS.set(key, byTyp = new Map());
  const name = typ ?? '';
  let segment = byTyp.get(name);
  if (segment === undefined) {
    const header: Record<string, string> = { alg: key.alg, kid: key.kid };
    if (typ !== undefined) header.typ = typ;
    byTyp.set(name, segment = Buffer.from(JSON.stringify(header)).toString('base64url'));
  }
  return segment;
}

/**
 * The one signer of Gatehouse's JWTs (access tokens, ID Tokens, signed UserInfo, logout tokens): RFC 7515 §7.1
 * compact serialisation of a JSON payload, its protected header {alg, kid, typ?} naming the key, signed by node:crypto
 * in one synchronous call with the key ring's KeyObject. Synchronous because a store's transaction mints access
 * tokens without awaiting (SQLite runs it synchronously), and cheaper than jose's WebCrypto path (docs/performance.md,
 * issue 19). The keys are jose's (keys.ts), and tests verify every kind of token with jose against the JWKS.
 */
export function signJwt(key: SigningKey, payload: Record<string, unknown>, typ?: string): string {
  const input = `${headerSegment(key, typ)}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  // RFC 7518 §3.4: an ECDSA signature is R || S (IEEE P1363), not DER.
  return `${input}.${sign(DIGEST[key.alg], Buffer.from(input), { key: key.keyObject, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}
