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

/**
 * Why an RSA public key may not verify anything here (undefined: it may): RFC 7518 §3.3, §3.5, 2048 bits or more;
 * RFC 8017 §3.1, an odd exponent of at least 3 — with e = 1 a "signature" is the encoded message itself, which anyone
 * can write. The one rule for every RSA key a client brings: jwks, jwks_uri documents, OAuth 1 RSA-SHA1 keys (at
 * registration and at use) and DPoP proof keys.
 */
export function rsaKeyProblem(key: KeyObject): string | undefined {
  const d = key.asymmetricKeyDetails;
  if ((d?.modulusLength ?? 0) < MIN_RSA_BITS) return `RSA keys must be ${MIN_RSA_BITS} bits or larger (RFC 7518 §3.3).`;
  const e = d?.publicExponent ?? 0n;
  if (e < 3n || e % 2n !== 1n) return 'An RSA key\'s public exponent must be odd and at least 3 (RFC 8017 §3.1).';
  return undefined;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Why a client's public JWK could not verify a signature here (undefined: it could). It must open as an asymmetric
 * public key — key members in strict base64url (decoders skip junk, so a padded small modulus would pass a length
 * check), an EC point on its curve, a known kty — and an RSA key must pass rsaKeyProblem. Checked where the key
 * is registered or fetched, not first when an assertion fails against it.
 */
export function publicJwkProblem(jwk: Record<string, unknown>): string | undefined {
  for (const m of ['n', 'e', 'x', 'y']) {
    if (m in jwk && (typeof jwk[m] !== 'string' || !BASE64URL.test(jwk[m]))) return `A key's "${m}" is not base64url.`;
  }
  let key: KeyObject;
  try { key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }); } catch { return 'A key is not a usable public key.'; }
  return key.asymmetricKeyType === 'rsa' ? rsaKeyProblem(key) : undefined;
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
