import { sign } from 'node:crypto';
import type { AccessTokenInput, JwtAccessTokens } from '../oauth2/issue.ts';
import type { Subjects } from './subject.ts';
import type { KeyRing, SigningAlg, SigningKey } from './keys.ts';

/**
 * The algorithm of JWT access tokens. Chosen by measured signing cost (jose SignJWT, one 2-CPU machine, µs a
 * token): RS256 320, ES256 81, EdDSA 75; node:crypto.sign, synchronous: RS256 253, ES256 25, EdDSA 40.
 */
export const ACCESS_TOKEN_ALG: SigningAlg = 'ES256';

/** The digest node:crypto.sign takes for each JWS algorithm (RFC 7518 §3.1; Ed25519 hashes internally, RFC 8037). */
const DIGEST: Record<SigningAlg, string | null> = { RS256: 'sha256', ES256: 'sha256', EdDSA: null };

/**
 * RFC 7515 §7.1 compact serialisation, signed by node:crypto in one synchronous call: a store's transaction mints
 * tokens without awaiting (SQLite runs it synchronously), so jose's promise-returning SignJWT cannot be used there.
 * The keys are jose's (keys.ts), and tests verify every token with jose's jwtVerify against the JWKS.
 */
function signCompact(key: SigningKey, header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  // RFC 7518 §3.4: an ECDSA signature is R || S (IEEE P1363), not DER.
  return `${input}.${sign(DIGEST[key.alg], Buffer.from(input), { key: key.keyObject, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

export interface AccessTokenSettings {
  keys: KeyRing;
  issuer: () => string;
  subjects: Subjects;
}

/**
 * RFC 9068 JWT access tokens. The audience is the issuer: Gatehouse has no resource indicators (RFC 8707), and the
 * resources it serves (/api/*, /userinfo) are its own, so a resource server checks aud equals the issuer URL.
 */
export function createJwtAccessTokens(s: AccessTokenSettings): JwtAccessTokens {
  return {
    async signer(client) {
      const key = await s.keys.signingKey(ACCESS_TOKEN_ALG);
      const iss = s.issuer();
      return (i: AccessTokenInput) => {
        const iat = Math.floor(i.now / 1000);
        const claims: Record<string, unknown> = {
          iss,
          exp: iat + i.ttl,
          aud: iss,
          // RFC 9068 §2.2: without a resource owner (client_credentials), sub names the client.
          sub: i.userId === null ? i.clientId : s.subjects.of(i.userId, client),
          client_id: i.clientId,
          iat,
          jti: i.jti,
          scope: i.scope,
        };
        if (i.authTime !== null) claims.auth_time = Math.floor(i.authTime / 1000);
        // RFC 9068 §2.1: typ at+jwt, so a JWT access token is never taken for an ID Token.
        return signCompact(key, { alg: key.alg, kid: key.kid, typ: 'at+jwt' }, claims);
      };
    },
  };
}
