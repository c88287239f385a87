// RFC 7518 §3.1 algorithms a client assertion may use (RFC 7523 §3, OIDC Core §9). Never `none`: an unsigned
// assertion proves nothing. Asymmetric ones for private_key_jwt, HMAC ones (the client secret as key) for
// client_secret_jwt: a private_key_jwt client must not be able to authenticate with a shared-secret MAC, and the
// other way round (alg confusion: an HS256 MAC keyed with a public key anyone can read).
export const PRIVATE_KEY_JWT_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export const CLIENT_SECRET_JWT_ALGS = ['HS256', 'HS384', 'HS512'] as const;

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
