// The requests each autocannon scenario sends. Gatehouse and the baseline get the same method, path, headers and body.
import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import type { Fixture } from './fixture.ts';

export interface Scenario {
  id: string;
  name: string;
  /**
   * autocannon request list, built fresh per run; `setupRequest` may pick a new credential per request. `url` is the
   * server's (a DPoP proof names it in htu); absent where a tool builds requests before any server runs.
   */
  requests: (f: Fixture, url?: string) => object[];
  /** A non-2xx answer this scenario expects (counted as success); any other non-2xx is an error. */
  expected?: (status: number, body: string) => boolean;
}

export const basic = (f: Pick<Fixture, 'clientId' | 'clientSecret'>) => `Basic ${Buffer.from(`${encodeURIComponent(f.clientId)}:${encodeURIComponent(f.clientSecret)}`).toString('base64')}`;
const form = { 'content-type': 'application/x-www-form-urlencoded' };

/** Round-robin over a pool of valid tokens. */
function cycling(pool: string[]) {
  let i = 0;
  return () => pool[i++ % pool.length];
}

/** Rotation spends each refresh token, so every request takes the next unused one (the last repeats once exhausted, and fails). */
function once(pool: string[]) {
  let i = 0;
  return () => pool[Math.min(i++, pool.length - 1)];
}

/**
 * RFC 9449 proofs signed synchronously (autocannon's setupRequest cannot await): one ES256 key per run, a fresh jti
 * and iat per request, htu the token endpoint under the name the server knows itself by (node-oidc-provider: the URL
 * the request reached; Gatehouse: its issuer, see bench/run.ts nameOf).
 */
function dpopProofs(url: string, path: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  const header = Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } })).toString('base64url');
  const htu = new URL(path, url).href;
  return () => {
    const payload = Buffer.from(JSON.stringify({ jti: randomUUID(), htm: 'POST', htu, iat: Math.floor(Date.now() / 1000) })).toString('base64url');
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    return `${header}.${payload}.${signature}`;
  };
}

export const SCENARIOS: Scenario[] = [
  {
    id: 'client_credentials',
    name: 'POST /o/token/ client_credentials',
    requests: (f) => [{ method: 'POST', path: '/o/token/', headers: { ...form, authorization: basic(f) }, body: 'grant_type=client_credentials&scope=read' }],
  },
  {
    // RFC 9068: the same request from the fixture's second client, whose access tokens are ES256-signed JWTs.
    id: 'client_credentials_jwt',
    name: 'POST /o/token/ client_credentials, JWT access token',
    requests: (f) => [{ method: 'POST', path: '/o/token/', headers: { ...form, authorization: basic({ clientId: f.jwtClientId, clientSecret: f.jwtClientSecret }) }, body: 'grant_type=client_credentials&scope=read' }],
  },
  {
    // RFC 9449: the same request with a DPoP proof: the proof's checks, the replay cache's insert and a bound token.
    id: 'client_credentials_dpop',
    name: 'POST /o/token/ client_credentials, DPoP proof',
    requests: (f, url = 'https://bench.local') => {
      const next = dpopProofs(url, '/o/token/');
      return [{ method: 'POST', path: '/o/token/', body: 'grant_type=client_credentials&scope=read',
        setupRequest: (r: object) => ({ ...r, headers: { ...form, authorization: basic(f), dpop: next() } }) }];
    },
  },
  {
    id: 'refresh_token',
    name: 'POST /o/token/ refresh_token',
    requests: (f) => {
      const next = once(f.refresh);
      return [{ method: 'POST', path: '/o/token/', headers: { ...form, authorization: basic(f) },
        setupRequest: (r: object) => ({ ...r, body: `grant_type=refresh_token&refresh_token=${next()}` }) }];
    },
  },
  {
    id: 'introspect',
    name: 'POST /o/introspect/',
    requests: (f) => {
      const next = cycling(f.access);
      return [{ method: 'POST', path: '/o/introspect/', headers: { ...form, authorization: basic(f) }, setupRequest: (r: object) => ({ ...r, body: `token=${next()}` }) }];
    },
  },
  {
    id: 'hello',
    name: 'GET /api/hello (bearer)',
    requests: (f) => {
      const next = cycling(f.access);
      return [{ method: 'GET', path: '/api/hello', setupRequest: (r: object) => ({ ...r, headers: { authorization: `Bearer ${next()}` } }) }];
    },
  },
  {
    // A resource server's check of a JWT access token (Gatehouse looks up its hash, as for an opaque one).
    id: 'hello_jwt',
    name: 'GET /api/hello (JWT bearer)',
    requests: (f) => {
      const next = cycling(f.jwtAccess);
      return [{ method: 'GET', path: '/api/hello', setupRequest: (r: object) => ({ ...r, headers: { authorization: `Bearer ${next()}` } }) }];
    },
  },
  {
    id: 'graphql',
    name: 'POST /graphql clients(first: 50)',
    requests: (f) => [{ method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json', authorization: `Bearer ${f.adminToken}` },
      body: JSON.stringify({ query: '{ clients(first: 50) { nodes { id clientId name } } }' }) }],
  },
  {
    // RFC 8628 §3.4/§3.5: a device polling a code the user has not approved yet. Every answer is 400
    // authorization_pending (the fixture's code has interval 0, so Gatehouse never answers slow_down; node-oidc-provider
    // 9.13 has no slow_down). Both servers authenticate the confidential client and look the code up.
    id: 'device_pending',
    name: 'POST /o/token/ device_code, authorization pending',
    requests: (f) => [{ method: 'POST', path: '/o/token/', headers: { ...form, authorization: basic(f) },
      body: `grant_type=${encodeURIComponent('urn:ietf:params:oauth:grant-type:device_code')}&device_code=${f.deviceCode}` }],
    expected: (status, body) => status === 400 && body.includes('"authorization_pending"'),
  },
];

/** Not an autocannon scenario: a plain fetch loop (bench/code-round.ts). */
export const CODE_ROUND = { id: 'code_round', name: 'authorization-code round (consent GET → POST → token)' };
/** The OpenID Connect code flow (bench/code-round.ts), measured on node-oidc-provider too. */
export const OIDC_CODE = { id: 'oidc_code', name: 'OIDC code flow (authorize GET → token + ID Token)' };
/** Scenarios also measured on node-oidc-provider (bench/oidc-provider.ts), at the first size and the main connection count. */
export const VS_OIDC_PROVIDER = new Set(['client_credentials', 'client_credentials_jwt', 'client_credentials_dpop', 'device_pending', OIDC_CODE.id]);

export const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};
