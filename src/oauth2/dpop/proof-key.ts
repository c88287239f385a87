import { constants, createHash, createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { isBase64url, rsaKeyProblem } from '../client-assertion/algorithms.ts';
import { BoundedMap } from '../bounded-memo.ts';

/**
 * How node:crypto verifies each asymmetric JWS algorithm (RFC 7518 §3.1, RFC 8037 §3.1, RFC 9864 §2) and the key
 * the algorithm needs: a proof whose `alg` and `jwk` disagree (ES256 with an RSA key, ES384 with a P-256 key) is
 * refused before any signature check, so no key is ever used with another algorithm's rules.
 */
interface AlgRule { digest: string | null; kty: 'EC' | 'RSA' | 'OKP'; crv?: readonly string[]; pss?: boolean }
const ec = (digest: string, crv: string): AlgRule => ({ digest, kty: 'EC', crv: [crv] });
const ALG_RULES: Record<string, AlgRule> = {
  ES256: ec('sha256', 'P-256'), ES384: ec('sha384', 'P-384'), ES512: ec('sha512', 'P-521'),
  RS256: { digest: 'sha256', kty: 'RSA' }, RS384: { digest: 'sha384', kty: 'RSA' }, RS512: { digest: 'sha512', kty: 'RSA' },
  PS256: { digest: 'sha256', kty: 'RSA', pss: true }, PS384: { digest: 'sha384', kty: 'RSA', pss: true }, PS512: { digest: 'sha512', kty: 'RSA', pss: true },
  // Ed448 is left out: no DPoP client uses it, and FAPI 2.0 allows EdDSA with Ed25519 only.
  EdDSA: { digest: null, kty: 'OKP', crv: ['Ed25519'] },
  Ed25519: { digest: null, kty: 'OKP', crv: ['Ed25519'] },
};

/** RFC 7638 §3.2: the required members of each key type, in lexicographic order: the thumbprint's input. */
const THUMBPRINT_MEMBERS: Record<AlgRule['kty'], readonly string[]> = { EC: ['crv', 'kty', 'x', 'y'], RSA: ['e', 'kty', 'n'], OKP: ['crv', 'kty', 'x'] };

/** A proof's public key, opened once: its KeyObject and its RFC 7638 SHA-256 thumbprint (the jkt that binds tokens). */
export interface ProofKey { key: KeyObject; jkt: string; kty: AlgRule['kty']; crv: string | undefined }

/**
 * Keys opened lately, by their thumbprint input. A client signs every proof with the same key, so its second proof
 * skips the import; the map is bounded (oldest entry out first), so a stream of fresh keys costs memory only up to
 * the bound.
 */
const OPENED = new BoundedMap<string, ProofKey>(2048);

/** The RFC 7638 thumbprint input of a JWK, or null when a required member is missing or not a string. */
function canonical(jwk: Record<string, unknown>): string | null {
  const members = THUMBPRINT_MEMBERS[jwk.kty as AlgRule['kty']];
  if (!members) return null;
  const picked: Record<string, string> = {};
  for (const m of members) {
    const v = jwk[m];
    if (typeof v !== 'string' || !v) return null;
    // RFC 7638 §3.2 hashes the members as sent: key bytes must be strict base64url, or one key has many jkt.
    if (m !== 'kty' && m !== 'crv' && !isBase64url(v)) return null;
    picked[m] = v;
  }
  return JSON.stringify(picked);
}

/** Opens a public JWK (never one with private members: the caller checks, §4.3 check 7); null when it is no usable key. */
export function openProofKey(jwk: Record<string, unknown>): ProofKey | null {
  const input = canonical(jwk);
  if (input === null) return null;
  const known = OPENED.get(input);
  if (known) return known;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: JSON.parse(input) as JsonWebKey, format: 'jwk' });
  } catch {
    return null;
  }
  if (key.asymmetricKeyType === 'rsa' && rsaKeyProblem(key)) return null;
  const opened: ProofKey = { key, jkt: createHash('sha256').update(input).digest('base64url'), kty: jwk.kty as AlgRule['kty'], crv: typeof jwk.crv === 'string' ? jwk.crv : undefined };
  OPENED.set(input, opened);
  return opened;
}

/** True when `alg` may be used with this key (its type and curve). */
export function algFitsKey(alg: string, k: ProofKey): boolean {
  const rule = ALG_RULES[alg];
  return rule !== undefined && rule.kty === k.kty && (!rule.crv || (k.crv !== undefined && rule.crv.includes(k.crv)));
}

/**
 * RFC 7515 §5.2: the signature of a compact JWS's signing input, verified synchronously by node:crypto (ECDSA as
 * R || S, RFC 7518 §3.4; PSS with a salt as long as the hash, §3.5). Synchronous: WebCrypto's job queue cost a DPoP
 * token request more than the whole rest of it (docs/performance.md, issue 22).
 */
export function verifySignature(alg: string, k: ProofKey, signingInput: string, signature: Buffer): boolean {
  const rule = ALG_RULES[alg];
  if (!rule || !algFitsKey(alg, k)) return false;
  const key = rule.kty === 'EC' ? { key: k.key, dsaEncoding: 'ieee-p1363' as const }
    : rule.pss ? { key: k.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
      : rule.kty === 'RSA' ? { key: k.key, padding: constants.RSA_PKCS1_PADDING } : k.key;
  try {
    return verify(rule.digest, Buffer.from(signingInput), key, signature);
  } catch {
    return false;
  }
}
