// The requests each autocannon scenario sends. Gatehouse and the baseline get the same method, path, headers and body.
import { createHash, randomBytes } from 'node:crypto';
import type { Fixture } from './fixture.ts';

export interface Scenario {
  id: string;
  name: string;
  /** autocannon request list, built fresh per run; `setupRequest` may pick a new credential per request. */
  requests: (f: Fixture) => object[];
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
export const CODE_ROUND = { id: 'code_round', name: 'authorization-code round (authorize POST → token)' };
/** The OpenID Connect code flow (bench/code-round.ts), measured on node-oidc-provider too. */
export const OIDC_CODE = { id: 'oidc_code', name: 'OIDC code flow (authorize GET → token + ID Token)' };
/** Scenarios also measured on node-oidc-provider (bench/oidc-provider.ts), at the first size and the main connection count. */
export const VS_OIDC_PROVIDER = new Set(['client_credentials', 'client_credentials_jwt', 'device_pending', OIDC_CODE.id]);

export const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};
