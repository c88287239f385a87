import { createHash, createHmac, createPrivateKey, randomUUID, sign } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** A client's DPoP key and the proofs it signs (RFC 9449 §4.2), with knobs to make them wrong on purpose. */
export interface DpopKey { privateKey: CryptoKey; publicJwk: JWK; privateJwk: JWK; jkt: string; alg: string }

export async function dpopKey(alg = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return { privateKey, publicJwk, privateJwk: await exportJWK(privateKey), jkt: await calculateJwkThumbprint(publicJwk, 'sha256'), alg };
}

export interface ProofOptions {
  htm?: string;
  htu: string;
  jti?: string;
  /** Seconds since the epoch; default now. */
  iat?: number;
  ath?: string;
  /** An access token: ath is its hash. */
  accessToken?: string;
  nonce?: string;
  typ?: string;
  /** The jwk header instead of the public key. */
  jwk?: JWK;
  /** Claims to leave out. */
  omit?: string[];
}

export const athOf = (token: string) => createHash('sha256').update(token).digest('base64url');

export async function proof(key: DpopKey, o: ProofOptions): Promise<string> {
  const claims: Record<string, unknown> = { jti: o.jti ?? randomUUID(), htm: o.htm ?? 'POST', htu: o.htu, iat: o.iat ?? Math.floor(Date.now() / 1000) };
  if (o.accessToken) claims.ath = athOf(o.accessToken);
  if (o.ath) claims.ath = o.ath;
  if (o.nonce) claims.nonce = o.nonce;
  for (const c of o.omit ?? []) delete claims[c];
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, typ: o.typ ?? 'dpop+jwt', jwk: o.jwk ?? key.publicJwk }).sign(key.privateKey);
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A proof with alg none (any signature text: the header alone must refuse it). */
export function unsignedProof(key: DpopKey, htu: string): string {
  return `${b64({ alg: 'none', typ: 'dpop+jwt', jwk: key.publicJwk })}.${b64({ jti: randomUUID(), htm: 'POST', htu, iat: Math.floor(Date.now() / 1000) })}.AAAA`;
}

/** A proof "signed" with HS256 under a symmetric jwk the attacker chose. */
export function hmacProof(htu: string): string {
  const k = Buffer.from('attacker-chosen-secret-attacker-chosen');
  const signing = `${b64({ alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: k.toString('base64url') } })}.${b64({ jti: randomUUID(), htm: 'POST', htu, iat: Math.floor(Date.now() / 1000) })}`;
  return `${signing}.${createHmac('sha256', k).update(signing).digest('base64url')}`;
}

/**
 * A proof signed by node:crypto exactly as asked, with no library's checks in the way: `alg` in the header, the
 * signature made with `digest` by the key (ECDSA as R || S), the header's jwk `jwk` (default the key's own).
 */
export function forgedProof(key: Pick<DpopKey, 'privateJwk' | 'publicJwk'>, alg: string, digest: string | null, htu: string, jwk: JWK = key.publicJwk, header: Record<string, unknown> = {}, payload?: unknown): string {
  const claims = payload ?? { jti: randomUUID(), htm: 'POST', htu, iat: Math.floor(Date.now() / 1000) };
  const signing = `${b64({ alg, typ: 'dpop+jwt', jwk, ...header })}.${b64(claims)}`;
  const priv = createPrivateKey({ key: key.privateJwk as any, format: 'jwk' });
  return `${signing}.${sign(digest, Buffer.from(signing), { key: priv, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}
