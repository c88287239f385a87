import type { KeyRing, SigningAlg } from './keys.ts';
import { signJwt } from './jws.ts';

/**
 * Core §5.3.2: a signed UserInfo response, a JWS of the claims with iss and aud added (the caller adds them), by the
 * current key of the client's userinfo_signed_response_alg. No typ: Core names none, and RPs check alg and kid.
 */
export async function signUserinfo(keys: KeyRing, claims: Record<string, unknown>, alg: SigningAlg): Promise<string> {
  const key = await keys.signingKey(alg);
  return signJwt(key, claims);
}
