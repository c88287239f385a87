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

/** RFC 7518 §3.3, §3.5: "A key of size 2048 bits or larger MUST be used" with RS* and PS*: client keys at registration, DPoP proof keys. */
export const MIN_RSA_BITS = 2048;

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
