// The requests each scenario sends. Gatehouse and the baseline get the same method, path, headers and body.
import { createHash, randomBytes } from 'node:crypto';
import type { Seeded } from './seed.ts';

export interface Fixture { clientId: string; clientSecret: string; seeded: Seeded }

export interface Scenario {
  name: string;
  /** autocannon request list; `setupRequest` may pick a fresh credential per request. */
  requests: (f: Fixture) => object[];
}

const basic = (f: Fixture) => `Basic ${Buffer.from(`${encodeURIComponent(f.clientId)}:${encodeURIComponent(f.clientSecret)}`).toString('base64')}`;
const form = { 'content-type': 'application/x-www-form-urlencoded' };

/** Round-robin over a pool of known credentials. */
function cycling(pool: string[]) {
  let i = 0;
  return () => pool[i++ % pool.length];
}

/** Each refresh token works once (rotation), so every request takes the next unused one. */
function once(pool: string[]) {
  let i = 0;
  return () => pool[Math.min(i++, pool.length - 1)];
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'token: client_credentials',
    requests: (f) => [{ method: 'POST', path: '/o/token/', headers: { ...form, authorization: basic(f) }, body: 'grant_type=client_credentials&scope=read' }],
  },
  {
    name: 'token: refresh_token',
    requests: (f) => {
      const next = once(f.seeded.refresh);
      return [{ method: 'POST', path: '/o/token/', headers: { ...form, authorization: basic(f) }, setupRequest: (r: { body?: string }) => ({ ...r, body: `grant_type=refresh_token&refresh_token=${next()}` }) }];
    },
  },
  {
    name: 'introspect',
    requests: (f) => {
      const next = cycling(f.seeded.access);
      return [{ method: 'POST', path: '/o/introspect/', headers: { ...form, authorization: basic(f) }, setupRequest: (r: object) => ({ ...r, body: `token=${next()}` }) }];
    },
  },
  {
    name: 'GET /api/hello (bearer)',
    requests: (f) => {
      const next = cycling(f.seeded.access);
      return [{ method: 'GET', path: '/api/hello', setupRequest: (r: object) => ({ ...r, headers: { authorization: `Bearer ${next()}` } }) }];
    },
  },
  {
    name: 'GraphQL clients(first: 50)',
    requests: (f) => [{ method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json', authorization: `Bearer ${f.seeded.adminToken}` }, body: JSON.stringify({ query: '{ clients(first: 50) { nodes { id clientId name grantTypes } } }' }) }],
  },
];

export const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};
