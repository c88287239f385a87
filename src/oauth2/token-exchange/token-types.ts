// RFC 8693 §3 token type identifiers, and which of them Gatehouse takes and gives.
export const TOKEN_TYPE = {
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  refreshToken: 'urn:ietf:params:oauth:token-type:refresh_token',
  idToken: 'urn:ietf:params:oauth:token-type:id_token',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
  saml1: 'urn:ietf:params:oauth:token-type:saml1',
  saml2: 'urn:ietf:params:oauth:token-type:saml2',
} as const;

/**
 * subject_token_type / actor_token_type values accepted: Gatehouse's own access tokens, opaque or RFC 9068 JWTs. An
 * ID Token Gatehouse signed for the exchanging client is accepted as subject_token only (exchange.ts idTokenUser).
 */
export const INPUT_TOKEN_TYPES: ReadonlySet<string> = new Set([TOKEN_TYPE.accessToken, TOKEN_TYPE.jwt]);

/** requested_token_type values Gatehouse can issue: an access token (its usual format) or, where JWTs are signed, a JWT one. */
export const OUTPUT_TOKEN_TYPES: ReadonlySet<string> = new Set([TOKEN_TYPE.accessToken, TOKEN_TYPE.jwt]);
