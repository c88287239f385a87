import type { AccessTokenInput, JwtAccessTokens } from '../oauth2/issue.ts';
import { authTimeFor, type Subjects } from './subject.ts';
import type { KeyRing, SigningAlg } from './keys.ts';
import { signJwt } from './jws.ts';
import { canonicalResource, RESOURCE_ACCESS_TOKEN_MAX_TTL } from '../oauth2/resources.ts';

/**
 * The default algorithm of JWT access tokens (ACCESS_TOKEN_SIGNING_ALG), chosen by measured signing cost
 * (docs/performance.md, issue 19). Minted through this module (`node bench/mint-cost.ts`, CPU µs a token on the
 * 2-CPU bench machine): ES256 24–34, EdDSA 28–43, RS256 240–290, ES256 the cheapest in every run. In the server
 * (`bench/gc-split.ts`) ES256 and EdDSA are within noise of each other and RS256 costs ten times either. ES256 also
 * is what more resource servers' JWT libraries verify than Ed25519.
 */
export const ACCESS_TOKEN_ALG: SigningAlg = 'ES256';

/**
 * The longest any token Gatehouse signs may live, in seconds, so a retired key stays published that long (KeyRing
 * retainMs): an ID Token lives as long as the server's access tokens, an RFC 9068 access token as long as its client's
 * (ACCESS_TOKEN_MAX_LIFETIME) or its resource server's (RESOURCE_ACCESS_TOKEN_MAX_TTL) lifetime allows. Retention by
 * ACCESS_TOKEN_TTL alone dropped a key from the JWKS while a client's day-long JWT it signed still lived (attacker read
 * 13A, F3).
 */
export const longestSignedLifetime = (t: { accessTokenTtl: number; accessTokenMaxLifetime: number }): number =>
  Math.max(t.accessTokenTtl, t.accessTokenMaxLifetime, RESOURCE_ACCESS_TOKEN_MAX_TTL);

export interface AccessTokenSettings {
  keys: KeyRing;
  issuer: () => string;
  subjects: Subjects;
  /** The algorithm that signs them (ACCESS_TOKEN_SIGNING_ALG); default ACCESS_TOKEN_ALG. */
  alg?: SigningAlg;
}

/**
 * RFC 9068 JWT access tokens. The audience is the resources the client asked for (RFC 8707); without a `resource`
 * parameter it is Gatehouse's own APIs (/api/*, /graphql, /o/userinfo), named as their metadata names them.
 */
export function createJwtAccessTokens(s: AccessTokenSettings): JwtAccessTokens {
  return {
    async signer(client) {
      const key = await s.keys.signingKey(s.alg ?? ACCESS_TOKEN_ALG);
      const iss = s.issuer();
      // Gatehouse's own APIs, as their RFC 9728 metadata and discovery's protected_resources name them (the issuer in
      // canonical form, "https://host/"): a resource server that takes its audience from the metadata accepts the token.
      const ownResource = canonicalResource(iss) ?? iss;
      return (i: AccessTokenInput) => {
        const iat = Math.floor(i.now / 1000);
        const claims: Record<string, unknown> = {
          // First, so the payload segment opens with the jti's time prefix: hashToken keeps it in the lookup key
          // (src/oauth2/tokens.ts), and the stored key lands at the end of the index, as an opaque token's does.
          jti: i.jti,
          iss,
          exp: iat + i.ttl,
          // RFC 8707 §2 / RFC 9068 §3: the resources the token was asked for; without any, Gatehouse's own APIs.
          aud: !i.resources?.length ? ownResource : i.resources.length === 1 ? i.resources[0] : [...i.resources],
          // RFC 9068 §2.2: without a resource owner (client_credentials), sub names the client.
          sub: i.userId === null ? i.clientId : s.subjects.of(i.userId, client),
          client_id: i.clientId,
          iat,
        };
        // RFC 9068 §2.2.3: the scopes granted; a token granted none has no scope claim (never an empty one).
        if (i.scope) claims.scope = i.scope;
        // RFC 9449 §6.1: a DPoP-bound token names its key's thumbprint.
        if (i.jkt) claims.cnf = { jkt: i.jkt };
        // RFC 8693 §4.1: a delegated token names its actor (and earlier ones, nested).
        if (i.act) claims.act = i.act;
        if (i.authTime !== null && authTimeFor(client)) claims.auth_time = Math.floor(i.authTime / 1000);
        // RFC 9068 §2.1: typ at+jwt, so a JWT access token is never taken for an ID Token.
        return signJwt(key, claims, 'at+jwt');
      };
    },
  };
}
