import { hash } from 'node:crypto';
import type { IdTokenInput, IdTokenIssuer } from '../oauth2/grants/context.ts';
import { parseScope } from '../oauth2/scope.ts';
import { claimsOfScope, OPENID_SCOPE, userClaims } from './claims.ts';
import { authTimeFor, type Subjects } from './subject.ts';
import type { UserStore } from '../accounts/store.ts';
import { DEFAULT_SIGNING_ALG, type KeyRing, type SigningAlg } from './keys.ts';
import { signJwt } from './jws.ts';

/** The hash of each JWS algorithm for at_hash/c_hash (Core §3.1.3.6); Ed25519 pairs with SHA-512, as RPs compute it. */
const HASH_OF: Record<SigningAlg, 'sha256' | 'sha512'> = { RS256: 'sha256', ES256: 'sha256', EdDSA: 'sha512' };

/** Core §3.1.3.6: base64url of the left-most half of the hash of the ASCII octets of the token. */
export function tokenHash(token: string, alg: SigningAlg): string {
  const digest = hash(HASH_OF[alg], token, 'buffer');
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

export interface IdTokenSettings {
  keys: KeyRing;
  issuer: () => string;
  /** Lifetime in seconds. */
  ttl: () => number;
  /** For the user claims a `claims` request asks for in the ID Token. */
  users: Pick<UserStore, 'findById'>;
  subjects: Subjects;
}

/** Core §2 / §3.1.3.7: the ID Token of a token response, signed by the current key of the client's algorithm. */
export function createIdTokenIssuer(s: IdTokenSettings): IdTokenIssuer {
  return {
    async ready(alg) { await s.keys.signingKey(alg ?? DEFAULT_SIGNING_ALG); },
    async issue(i: IdTokenInput) {
      if (!parseScope(i.scope).includes(OPENID_SCOPE)) return undefined;
      // Registration §2: the client's id_token_signed_response_alg (RS256 unless it chose another; never none).
      const key = await s.keys.signingKey(i.alg ?? DEFAULT_SIGNING_ALG);
      const iat = Math.floor(i.now / 1000);
      const claims: Record<string, unknown> = {
        iss: s.issuer(),
        sub: s.subjects.of(i.userId, i.client),
        aud: i.clientId,
        exp: iat + s.ttl(),
        iat,
        // Core §2: azp is the party the token was issued to; the only audience here, stated for RPs that check it.
        azp: i.clientId,
      };
      // Core §3.1.3.6, §3.3.2.11: at_hash with an access token, c_hash with a code from the authorization endpoint.
      if (i.accessToken !== undefined) claims.at_hash = tokenHash(i.accessToken, key.alg);
      if (i.code !== undefined) claims.c_hash = tokenHash(i.code, key.alg);
      if (i.authTime !== null && authTimeFor(i.client, i.claims)) claims.auth_time = Math.floor(i.authTime / 1000);
      // Core §3.1.3.7 step 11: the nonce of the authentication request, unmodified.
      if (i.nonce !== null) claims.nonce = i.nonce;
      // Back-Channel Logout §2.1: the session the user signed in with, so a logout_token can name it.
      if (i.sid) claims.sid = s.subjects.sidFor(i.sid, i.client);
      // Core §2 and RFC 8176: how the user authenticated (['pwd'] for the password form).
      if (i.amr?.length) claims.amr = [...i.amr];
      // Core §5.5: claims requested for the ID Token by name (the user consented to them on the way), and the claims of
      // the granted scopes: §5.4 requires them with no access token for UserInfo (response_type id_token), and they
      // are given at the token endpoint too, as relying parties that build a profile from the ID Token alone expect
      // (Auth.js's OIDC provider, passport-openidconnect without skipUserProfile: a sign-in otherwise had no name or
      // email; fresh-eyes 11). Only front-channel ID Tokens beside a code or token leave them to UserInfo, to keep
      // the redirect short (approve.ts).
      const scopes = i.scopeClaims === false ? [] : parseScope(i.scope).filter((scope) => claimsOfScope(scope).length > 0);
      const user = i.claims?.length || scopes.length ? await s.users.findById(i.userId) : null;
      if (user) for (const [name, value] of Object.entries(userClaims(user, String(claims.sub), scopes, i.claims ?? [], i.client.allowedScopes))) claims[name] ??= value;
      return signJwt(key, claims, 'JWT');
    },
  };
}
