import { expect } from 'chai';
import Router, { laneOf, protocolRouter, type Lane } from '../../src/http/router.ts';
import { createRouters } from '../../src/http/routers.ts';
import { mountByLane, type LaneChains } from '../../src/http/lanes.ts';
import { createServices } from '../../src/services.ts';
import { Browser, createTestApp, type TestServer } from '../helpers.ts';

interface Route { lane: Lane; method: string; path: string }

const noChains: LaneChains = { page: [], protocol: () => [] };
const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/** Every route of the app as the routers declare it (paths with parameters filled in with 1). */
function routesOf(routers: Router[]): Route[] {
  return routers.flatMap((router) => router.stack
    .filter((layer) => layer.methods.length > 0 && typeof layer.path === 'string')
    .flatMap((layer) => layer.methods.filter((m) => m === 'GET' || m === 'POST').map((method) => ({
      lane: laneOf(router)!, method, path: (layer.path as string).replace(/:\w+/g, '1'),
    }))));
}

const END_SESSION_POSTS = new Set(['/o/logout', '/o/logout/', '/logout']);
const AUTHENTICATION_POSTS = new Set(['/o/authorize', '/o/authorize/']);

describe('lanes: every endpoint declares whether it is a page or a protocol endpoint', () => {
  let srv: TestServer;
  let routers: Router[];
  let routes: Route[];
  before(async () => {
    srv = await createTestApp({ playground: true });
    await srv.app.seed.user({ username: 'lee', password: 'correct horse battery' });
    const services = await createServices(srv.app.config);
    try { routers = createRouters(services); } finally { await services.close(); }
    routes = routesOf(routers);
  });
  after(() => srv?.close());

  it('builds every router of the app in a lane, and no path in two', () => {
    const undeclared = routers.filter((r) => laneOf(r) === undefined).map((r) => r.stack.map((l) => l.path).join(', '));
    expect(undeclared, 'routers without a lane').to.deep.equal([]);
    expect(() => mountByLane(routers, noChains)).not.to.throw();
    expect(routes.filter((r) => r.lane.kind === 'page').length).to.be.greaterThan(5);
    expect(routes.filter((r) => r.lane.kind === 'protocol').length).to.be.greaterThan(5);
    // OpenID Connect's documents and UserInfo are for programs, at our paths and django-oauth-toolkit's.
    for (const path of ['/.well-known/openid-configuration', '/o/.well-known/openid-configuration', '/.well-known/jwks.json', '/o/.well-known/jwks.json', '/userinfo', '/o/userinfo/']) {
      expect(routes.find((r) => r.path === path)?.lane.kind, path).to.equal('protocol');
    }
  });

  it('refuses to start with a router mounted without a lane, or a path declared in two lanes', () => {
    const bare = new Router();
    bare.get('/somewhere', (ctx) => { ctx.body = 'x'; });
    expect(() => mountByLane([...routers, bare], noChains)).to.throw(/without a lane/);
    const clash = protocolRouter({ cors: false });
    clash.post('/accounts/login', (ctx) => { ctx.body = {}; });
    expect(() => mountByLane([...routers, clash], noChains)).to.throw(/two lanes/);
  });

  it('protocol routes answer JSON, even to a browser, with the API headers and no cookie', async () => {
    const protocol = routes.filter((r) => r.lane.kind === 'protocol');
    for (const { method, path } of [...protocol, { method: 'GET', path: '/api/unknown' }, { method: 'GET', path: '/.well-known/unknown' }]) {
      const res = await fetch(srv.url + path, { method, headers: { accept: 'text/html' } });
      const what = `${method} ${path} (${res.status})`;
      expect(res.headers.get('content-type'), what).to.match(/^application\/json/);
      expect(res.headers.get('content-security-policy'), what).to.equal(API_CSP);
      expect(res.headers.getSetCookie(), what).to.deep.equal([]);
      if (method === 'POST') expect(res.status, what).to.be.within(400, 499);
      if (method === 'POST') expect((await res.json() as { error?: string }).error, what).to.be.a('string');
    }
  });

  it('an error raised before a protocol endpoint runs (body too large) answers JSON', async () => {
    const res = await fetch(`${srv.url}/o/token/`, { method: 'POST', headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, body: `x=${'a'.repeat(2_000_000)}` });
    expect(res.status).to.equal(413);
    expect((await res.json() as { error: string }).error).to.equal('invalid_request');
  });

  it('page routes carry the pages\' CSP with a nonce and refuse a form without its CSRF token', async () => {
    const browser = new Browser(srv.url);
    expect((await browser.login('lee', 'correct horse battery')).status).to.equal(302);
    for (const { method, path } of routes.filter((r) => r.lane.kind === 'page')) {
      const res = method === 'GET' ? await browser.get(path) : await browser.post(path, { x: '1' });
      const what = `${method} ${path} (${res.status})`;
      expect(res.headers.get('content-security-policy'), what).to.match(/script-src 'self' 'nonce-/);
      expect(res.headers.get('x-frame-options'), what).to.equal('DENY');
      // RP-Initiated Logout 1.0 §2: the relying party's cross-site POST carries no token of ours; it only shows the
      // confirmation page, whose own form is CSRF-protected (test/http/oidc-logout.test.ts).
      if (method === 'POST' && END_SESSION_POSTS.has(path)) expect(res.status, what).to.equal(200);
      // OpenID Connect Core §3.1.2.1: an authentication request by POST (no token, no consent decision) goes on as
      // the same GET; the consent form's POST stays CSRF-protected (test/security/logs-csrf.test.ts).
      else if (method === 'POST' && AUTHENTICATION_POSTS.has(path)) expect([res.status, res.headers.get('location')], what).to.deep.equal([303, '/o/authorize/?x=1']);
      else if (method === 'POST') expect(res.status, what).to.equal(403);
    }
  });

  it('the admin API runs in the protocol lane for a bearer token, in the page lane for a browser', async () => {
    const query = `${srv.url}/graphql?query=${encodeURIComponent('{ __typename }')}`;
    const bearer = await fetch(query, { headers: { authorization: 'Bearer nope', accept: 'application/json' } });
    expect(bearer.status).to.equal(401);
    expect(bearer.headers.get('content-security-policy')).to.equal(API_CSP);
    const browser = new Browser(srv.url);
    await browser.login('lee', 'correct horse battery');
    const page = await browser.request(query, { headers: { accept: 'application/json' } });
    expect(page.status).to.equal(200);
    expect(page.headers.get('content-security-policy')).to.match(/'nonce-/);
  });

  it('every page a signed-in browser gets is no-store and varies by cookie, so no shared cache keeps one user\'s page for another (attacker read 13B, F6)', async () => {
    const browser = new Browser(srv.url);
    await browser.login('lee', 'correct horse battery');
    const pages = routes.filter((r) => r.lane.kind === 'page' && r.method === 'GET' && r.path !== '/favicon.ico');
    expect(pages.map((r) => r.path)).to.include.members(['/accounts/profile', '/o/applications', '/o/authorized_tokens', '/admin/users/']);
    for (const { path } of pages) {
      const res = await browser.request(`${srv.url}${path}`, { redirect: 'manual' });
      expect(res.headers.get('cache-control') ?? '', path).to.include('no-store');
      expect(res.headers.get('vary') ?? '', path).to.match(/cookie/i);
    }
    const api = await browser.request(`${srv.url}/graphql?query=${encodeURIComponent('{ viewer { username } }')}`, { headers: { accept: 'application/json' } });
    expect(api.headers.get('cache-control') ?? '').to.include('no-store');
    // Signed out: the login form's CSRF token is no one else's either (second read 13).
    const login = await new Browser(srv.url).get('/accounts/login/');
    expect(login.headers.get('cache-control') ?? '').to.include('no-store');
    // Static assets keep their own caching.
    const css = await fetch(`${srv.url}${(await login.text()).match(/href="(\/static\/[^"]+\.css)"/)![1]}`);
    expect(css.headers.get('cache-control') ?? '').to.not.include('no-store');
  });
});
