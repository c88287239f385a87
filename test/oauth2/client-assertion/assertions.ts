import { randomUUID } from 'node:crypto';
import { SignJWT, UnsecuredJWT, type CryptoKey } from 'jose';
import type { TestServer } from '../../helpers.ts';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface AssertionOptions {
  alg?: string; kid?: string; iss?: string; sub?: string; aud?: string | string[]; exp?: number; iat?: number; nbf?: number; jti?: string | null;
  key: CryptoKey | Uint8Array;
}

/** A client assertion (RFC 7523 §3), every claim overridable for the negative cases. */
export function assertion(srv: TestServer, clientId: string, o: AssertionOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { iss: o.iss ?? clientId, sub: o.sub ?? clientId, aud: o.aud ?? srv.app.config.issuer, exp: o.exp ?? now + 60, iat: o.iat ?? now };
  if (o.nbf !== undefined) claims.nbf = o.nbf;
  if (o.jti !== null) claims.jti = o.jti ?? randomUUID();
  if (o.alg === 'none') return Promise.resolve(new UnsecuredJWT(claims).encode());
  return new SignJWT(claims).setProtectedHeader({ alg: o.alg ?? 'ES256', ...(o.kid ? { kid: o.kid } : {}) }).sign(o.key);
}

/** A client_credentials token request authenticated by a client assertion. */
export function tokenRequest(srv: TestServer, clientAssertion: string, extra: Record<string, string> = {}) {
  return fetch(`${srv.url}/o/token/`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: clientAssertion, ...extra }),
  });
}
