import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createApp, encodeBasicAuthorization, type Gatehouse } from '../../src/index.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { POSTGRES_URL, REDIS_URL, testDatabase, type TestDatabase } from '../database.ts';
import { tcpProxy } from '../scale/proxy.ts';
import { Browser } from '../helpers.ts';
import { authorizeThroughConsent, pkcePair } from '../oauth-helpers.ts';

type Proxy = Awaited<ReturnType<typeof tcpProxy>>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Configured bounds for this file; every answer during an outage must come well within BOUND_MS.
const TIMEOUT_MS = 2000;
const BOUND_MS = 10_000;
const READY_BOUND_MS = 4000;

/** The answer and how long it took; a request still hanging after twice the bound is abandoned (status 0). */
async function timed(call: (signal: AbortSignal) => Promise<Response>) {
  const t = performance.now();
  try {
    const res = await call(AbortSignal.timeout(2 * BOUND_MS));
    const body = await res.text();
    return { status: res.status, headers: res.headers, body, ms: performance.now() - t };
  } catch (e) {
    return { status: 0, headers: new Headers(), body: `no answer: ${(e as Error).message}`, ms: performance.now() - t };
  }
}

/**
 * issue 17 #9: a database or Redis that accepts connections but never answers (a network partition) must not hang
 * requests: each wait is bounded, and the caller gets 503 temporarily_unavailable with Retry-After in the shape its
 * endpoint speaks (RFC 6749 JSON, an HTML page, a GraphQL error), as for a refused connection.
 */
describe('security: every wait has a timeout (blackholed PostgreSQL and Redis)', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let pg: Proxy;
  let redis: Proxy | undefined;
  let app: Gatehouse;
  let url: string;
  let auth: { id: string; secret: string };
  let browser: Browser;
  let bearer: string;

  before(async function () {
    if (!POSTGRES_URL) this.skip();
    db = await testDatabase();
    const real = new URL(db.database.url!);
    pg = await tcpProxy({ host: real.hostname, port: Number(real.port || 5432) });
    real.host = `127.0.0.1:${pg.port}`;
    let redisUrl: string | undefined;
    if (REDIS_URL) {
      const r = new URL(REDIS_URL);
      redis = await tcpProxy({ host: r.hostname, port: Number(r.port || 6379) });
      r.host = `127.0.0.1:${redis.port}`;
      redisUrl = r.toString();
    }
    app = await createApp({
      env: 'test', database: { url: real.toString(), connectTimeoutMs: TIMEOUT_MS, queryTimeoutMs: TIMEOUT_MS },
      redisUrl, redisPrefix: `gh_test_timeouts_${randomBytes(3).toString('hex')}:`, redisCommandTimeoutMs: TIMEOUT_MS,
    });
    ({ url } = await app.listen(0, '127.0.0.1'));
    const owner = await app.seed.user({ username: 'owner' });
    const { client, clientSecret } = await app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [] });
    auth = { id: client.clientId, secret: clientSecret! };
    browser = new Browser(url);
    expect((await browser.login(owner.username, owner.password)).status).to.equal(302);
    // A bearer token for the admin API, the other way in to /graphql (no session: yoga itself meets the outage).
    const { client: app2, clientSecret: secret2 } = await app.seed.client({ owner, grantTypes: ['authorization_code'], redirectUris: ['https://client.example.com/cb'], allowedScopes: ['read'] });
    const { verifier, challenge } = pkcePair();
    const loc = await authorizeThroughConsent(browser, { response_type: 'code', client_id: app2.clientId, redirect_uri: 'https://client.example.com/cb', scope: 'read', state: 's', code_challenge: challenge, code_challenge_method: 'S256' });
    const issued = await fetch(`${url}/o/token/`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: encodeBasicAuthorization(app2.clientId, secret2!) },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: loc.searchParams.get('code')!, redirect_uri: 'https://client.example.com/cb', code_verifier: verifier }),
    });
    bearer = (await issued.json()).access_token;
  });
  after(async () => { await app?.close(); await pg?.close(); await redis?.close(); await db?.drop(); });

  const token = (secret = auth.secret) => (signal?: AbortSignal) => fetch(`${url}/o/token/`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: encodeBasicAuthorization(auth.id, secret) }, body: 'grant_type=client_credentials', signal,
  });
  const page = (signal?: AbortSignal) => browser.request('/o/applications/', { headers: { accept: 'text/html' }, signal });
  const graphql = (signal?: AbortSignal) => browser.request('/graphql', {
    method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query: '{ clients { edges { node { clientId } } } }' }), signal,
  });
  const graphqlBearer = (signal?: AbortSignal) => fetch(`${url}/graphql`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify({ query: '{ viewer { username } }' }), signal,
  });
  const readyz = (signal?: AbortSignal) => fetch(`${url}/readyz`, { signal });

  function expectUnavailable(r: Awaited<ReturnType<typeof timed>>, what: string, bound = BOUND_MS) {
    expect(r.status, `${what}: ${r.body.slice(0, 300)}`).to.equal(503);
    expect(r.ms, `${what} answered within its bound`).to.be.below(bound);
    expect(r.headers.get('retry-after'), `${what}: Retry-After`).to.match(/^\d+$/);
    expect(r.body, `${what}: no internals`).not.to.match(/\bat [\w.<>]+ \(|node_modules|timed out|Query read timeout|ECONN/i);
  }

  /** Every kind of caller during the outage, at once: each answers 503 in its own shape, within its bound. */
  async function everyCallerGets503(tokenCall: (signal: AbortSignal) => Promise<Response>, opts: { bearerNeedsIt: boolean }) {
    const [t, p, g, gb, ready] = await Promise.all([timed(tokenCall), timed(page), timed(graphql), timed(graphqlBearer), timed(readyz)]);
    expectUnavailable(t, 'token endpoint');
    // RFC 6749 §5.2 has no code for an outage; like §4.1.2.1's temporarily_unavailable, the caller learns it may retry.
    expect(JSON.parse(t.body)).to.deep.include({ error: 'temporarily_unavailable' });
    expectUnavailable(p, 'page');
    expect(p.headers.get('content-type')).to.match(/text\/html/);
    expectUnavailable(g, '/graphql');
    expect(JSON.parse(g.body).errors?.[0]?.extensions?.code, g.body).to.equal('TEMPORARILY_UNAVAILABLE');
    if (opts.bearerNeedsIt) {
      expectUnavailable(gb, '/graphql with a bearer token');
      expect(JSON.parse(gb.body).errors?.[0]?.extensions?.code, gb.body).to.equal('TEMPORARILY_UNAVAILABLE');
    } else {
      expect([gb.status, gb.ms < BOUND_MS], `/graphql with a bearer token needs no Redis: ${gb.body}`).to.deep.equal([200, true]);
    }
    if (process.env.DEBUG_TIMEOUTS) console.log({ token: t.ms, page: p.ms, graphql: g.ms, bearer: gb.ms, ready: ready.ms });
    expectUnavailable(ready, '/readyz', READY_BOUND_MS);
    expect(JSON.parse(ready.body)).to.deep.include({ error: 'temporarily_unavailable' });
  }

  async function everyCallerRecovers() {
    let last = 0;
    for (let i = 0; i < 60; i++) {
      const calls = [token(), page, graphql, graphqlBearer, readyz].map(async (call) => (await timed(call)).status);
      const statuses = await Promise.all(calls);
      if (statuses.every((s) => s === 200)) return;
      last = statuses.find((s) => s !== 200)!;
      await sleep(250);
    }
    expect.fail(`still ${last} after the outage ended`);
  }

  it('a blackholed PostgreSQL: 503 + Retry-After from the token endpoint, pages, /graphql and /readyz, then recovery', async () => {
    await everyCallerRecovers();
    pg.blackhole();
    try {
      await everyCallerGets503(token(), { bearerNeedsIt: true });
      // A second wave while the first one's connections are still stuck: the pool's wait is bounded too.
      await everyCallerGets503(token(), { bearerNeedsIt: true });
    } finally { pg.unblock(); }
    await everyCallerRecovers();
  });

  it('connections a firewall forgot during the outage stay silent: they are dropped, not reused, and service recovers', async () => {
    await everyCallerRecovers();
    // Both ways to the database: the lean SQL of the protocol endpoints, and MikroORM's (the pages' and the login's).
    const viaOrm = () => app.withContext(() => app.stores.users.findByUsername('owner')).then(() => 'ok', (e: Error) => e.message);
    pg.blackhole({ lost: true });
    try {
      const [stuck] = await Promise.all([Promise.all(Array.from({ length: 12 }, viaOrm)), everyCallerGets503(token(), { bearerNeedsIt: true })]);
      expect(stuck.filter((r) => r === 'ok')).to.deep.equal([]);
    } finally { pg.unblock(); }
    // A connection that was idle in the pool when the firewall forgot it fails once (nothing can tell it is dead
    // before it is tried); then it is gone. One kept after its timeout would fail every call it serves, forever.
    const after: string[] = [];
    for (let i = 0; i < 15; i++) after.push(await viaOrm());
    expect(after.slice(-5), after.join(', ')).to.deep.equal(['ok', 'ok', 'ok', 'ok', 'ok']);
    await everyCallerRecovers();
    const again = await Promise.all([...Array.from({ length: 20 }, () => timed(token())), ...Array.from({ length: 20 }, () => timed(page))]);
    expect(again.map((r) => r.status)).to.deep.equal(again.map(() => 200));
  });

  it('a blackholed Redis: 503 + Retry-After (not 500) from the token endpoint, pages, /graphql and /readyz, then recovery', async function () {
    if (!redis) this.skip();
    await everyCallerRecovers();
    redis!.blackhole();
    try {
      await everyCallerGets503(token('a wrong secret'), { bearerNeedsIt: false });
    } finally { redis!.unblock(); }
    await everyCallerRecovers();
  });

  it('a database that answers but whose lock is never released (a stuck transaction elsewhere): 503 within the bound, then recovery', async () => {
    const { default: pg } = await import('pg');
    const holder = new pg.Client({ connectionString: db.database.url });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('lock table access_tokens in access exclusive mode');
      const t = await timed(token());
      expectUnavailable(t, 'token endpoint waiting for a lock');
      expect(JSON.parse(t.body)).to.deep.include({ error: 'temporarily_unavailable' });
      await holder.query('rollback');
    } finally { await holder.end(); }
    await everyCallerRecovers();
  });
});

describe('security: the timeouts are configuration, and never "wait forever"', () => {
  it('reads DB_CONNECT_TIMEOUT_MS, DB_QUERY_TIMEOUT_MS and REDIS_COMMAND_TIMEOUT_MS, with bounded defaults', () => {
    const d = loadConfig({});
    expect([d.database.connectTimeoutMs, d.database.queryTimeoutMs, d.redisCommandTimeoutMs].every((ms) => ms > 0 && ms <= 10_000)).to.equal(true);
    const c = loadConfig({ DB_CONNECT_TIMEOUT_MS: '1500', DB_QUERY_TIMEOUT_MS: '2500', REDIS_COMMAND_TIMEOUT_MS: '750' });
    expect([c.database.connectTimeoutMs, c.database.queryTimeoutMs, c.redisCommandTimeoutMs]).to.deep.equal([1500, 2500, 750]);
  });

  it('refuses 0 (no limit) at start', () => {
    for (const name of ['DB_CONNECT_TIMEOUT_MS', 'DB_QUERY_TIMEOUT_MS', 'REDIS_COMMAND_TIMEOUT_MS']) {
      expect(() => loadConfig({ [name]: '0' }), name).to.throw(ConfigError, name);
    }
  });
});
