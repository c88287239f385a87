import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';

// RFC 7518 §3.1 algorithms a client assertion may use (RFC 7523 §3, OIDC Core §9). Never `none`: an unsigned
// assertion proves nothing. Asymmetric ones for private_key_jwt, HMAC ones (the client secret as key) for
// client_secret_jwt: a private_key_jwt client must not be able to authenticate with a shared-secret MAC, and the
// other way round (alg confusion: an HS256 MAC keyed with a public key anyone can read).
export const PRIVATE_KEY_JWT_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export const CLIENT_SECRET_JWT_ALGS = ['HS256', 'HS384', 'HS512'] as const;

/**
 * RFC 7518 §3.2: "A key of the same size as the hash output (for instance, 256 bits for HS256) or larger MUST be used
 * with this algorithm": the octets an HMAC key needs for each HS alg.
 */
export const HMAC_KEY_OCTETS: Readonly<Record<(typeof CLIENT_SECRET_JWT_ALGS)[number], number>> = { HS256: 32, HS384: 48, HS512: 64 };

/** RFC 7518 §3.3, §3.5: "A key of size 2048 bits or larger MUST be used" with RS* and PS*. */
export const MIN_RSA_BITS = 2048;

/** Moduli past this are refused: no client needs one, and each costs more to open and verify with. */
export const MAX_RSA_BITS = 8192;

/** The primes below 1000, multiplied (NIST SP 800-89 §5.3.3's partial public-key validation, as OpenSSL's). */
const SMALL_PRIMES = ((): bigint => {
  const primes: number[] = [];
  for (let n = 2; n < 1000; n++) if (primes.every((p) => n % p !== 0)) primes.push(n);
  return primes.reduce((product, p) => product * BigInt(p), 1n);
})();

const gcd = (a: bigint, b: bigint): bigint => { while (b) [a, b] = [b, a % b]; return a; };

/**
 * Why an RSA public key may not verify anything here (undefined: it may): RFC 7518 §3.3, §3.5, 2048 bits or more
 * (and at most MAX_RSA_BITS); RFC 8017 §3.1, an odd exponent of at least 3 (below 2^256, NIST SP 800-56B) — with
 * e = 1 a "signature" is the encoded message itself, which anyone can write. The one rule for every RSA key a client
 * brings: jwks, jwks_uri documents, OAuth 1 RSA-SHA1 keys (at registration and at use) and DPoP proof keys.
 * `modulus`: also refuse a modulus with a factor below 1000 (anyone factors it and so signs for it). Run where a key
 * is registered or fetched, once; a prime modulus is not looked for (a probable-prime test of a prime costs ~0.1 s
 * of CPU, a price an anonymous client ID metadata document could make us pay), and only its owner could sign with it
 * anyway: such a key lets nobody act as another client.
 */
export function rsaKeyProblem(key: KeyObject, o: { modulus?: boolean } = {}): string | undefined {
  const d = key.asymmetricKeyDetails;
  const bits = d?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) return `RSA keys must be ${MIN_RSA_BITS} bits or larger (RFC 7518 §3.3).`;
  if (bits > MAX_RSA_BITS) return `RSA keys must be at most ${MAX_RSA_BITS} bits.`;
  const e = d?.publicExponent ?? 0n;
  if (e < 3n || e % 2n !== 1n || e >= 2n ** 256n) return 'An RSA key\'s public exponent must be odd, at least 3 and below 2^256 (RFC 8017 §3.1).';
  if (o.modulus) {
    const n = BigInt(`0x${Buffer.from(key.export({ format: 'jwk' }).n!, 'base64url').toString('hex')}`);
    if (gcd(n, SMALL_PRIMES) !== 1n) return 'An RSA key\'s modulus has a small factor: anyone could sign with it.';
  }
  return undefined;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The signature curves of the JWS algorithms clients may use (RFC 7518 §3.4, RFC 8037): node:crypto's names. */
const SIGNING_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

/** Whether a JWK member is strict base64url (decoders skip junk: a padded small modulus would pass a length check). */
export const isBase64url = (v: unknown): v is string => typeof v === 'string' && BASE64URL.test(v);

/**
 * Why a client's public JWK could not verify a signature here (undefined: it could). It must open as a public
 * signing key — key members strict base64url, an EC point on P-256/384/521, an OKP key Ed25519, `use` (if any) sig,
 * `alg` (if any) not none — and an RSA key must pass rsaKeyProblem with its modulus checked. Checked where the key is
 * registered or fetched, not first when an assertion fails against it.
 */
export function publicJwkProblem(jwk: Record<string, unknown>): string | undefined {
  for (const m of ['n', 'e', 'x', 'y']) if (m in jwk && !isBase64url(jwk[m])) return `A key's "${m}" is not base64url.`;
  if (jwk.use !== undefined && jwk.use !== 'sig') return 'Keys here verify signatures: "use" must be "sig".';
  if (jwk.alg !== undefined && (typeof jwk.alg !== 'string' || jwk.alg === 'none')) return 'A key\'s "alg" must name a signature algorithm.';
  let key: KeyObject;
  try { key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }); } catch { return 'A key is not a usable public key.'; }
  switch (key.asymmetricKeyType) {
    case 'rsa': return rsaKeyProblem(key, { modulus: true });
    case 'ec': return SIGNING_CURVES.has(key.asymmetricKeyDetails?.namedCurve ?? '') ? undefined : 'EC keys must be on P-256, P-384 or P-521.';
    case 'ed25519': return undefined;
    default: return 'A key must be an RSA, EC (P-256/384/521) or Ed25519 signing key.';
  }
}

/** The one rule (RFC 7518 §3.2): whether a key of `octets` octets may key `alg`; false for an alg that is not HS*. */
export function hmacKeyFits(alg: string, octets: number): boolean {
  const need = Object.hasOwn(HMAC_KEY_OCTETS, alg) ? HMAC_KEY_OCTETS[alg as keyof typeof HMAC_KEY_OCTETS] : undefined;
  return need !== undefined && octets >= need;
}

/** The HMAC key a client secret gives for `alg` (its UTF-8 octets), or null where RFC 7518 §3.2 forbids it: too short. */
export function hmacKeyFor(alg: string, secret: string): Uint8Array | null {
  const key = new TextEncoder().encode(secret);
  return hmacKeyFits(alg, key.length) ? key : null;
}

/** Why a secret cannot key `alg` (error_description of the refusal, RFC 6749 §5.2 invalid_client). */
export const hmacKeyTooShort = (alg: string): string =>
  `The client secret is too short for ${alg}: RFC 7518 §3.2 requires a key of at least ${HMAC_KEY_OCTETS[alg as keyof typeof HMAC_KEY_OCTETS] ?? '?'} octets. Use HS256, or rotate the secret (new secrets fit HS512).`;

/**
 * Whether a client's secret (of `octets` octets; null when unknown) can key the token_endpoint_auth_signing_alg it
 * registers for client_secret_jwt. True where no HS alg is registered: any alg of the method is then judged per assertion.
 */
export function secretFitsSigningAlg(client: { tokenEndpointAuthMethod: string; tokenEndpointAuthSigningAlg: string | null }, octets: number | null): boolean {
  const alg = client.tokenEndpointAuthSigningAlg;
  if (client.tokenEndpointAuthMethod !== 'client_secret_jwt' || !alg) return true;
  return octets !== null && hmacKeyFits(alg, octets);
}

/** RFC 9101 §6.1 / Core §6.1: what a request object may be signed with (request_object_signing_alg); never `none`. */
export const REQUEST_OBJECT_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;

/** Every algorithm some client assertion may use: discovery's token_endpoint_auth_signing_alg_values_supported. */
export const CLIENT_ASSERTION_ALGS: readonly string[] = [...PRIVATE_KEY_JWT_ALGS, ...CLIENT_SECRET_JWT_ALGS];

/** The algorithms a client registered with `method` may sign its assertions with (its registered one alone, if any). */
export function assertionAlgsFor(method: string, registered: string | null): readonly string[] {
  const family: readonly string[] = method === 'private_key_jwt' ? PRIVATE_KEY_JWT_ALGS : method === 'client_secret_jwt' ? CLIENT_SECRET_JWT_ALGS : [];
  if (!registered) return family;
  return family.includes(registered) ? [registered] : [];
}
