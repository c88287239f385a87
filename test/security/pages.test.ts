import { expect } from 'chai';
import { Redis } from 'ioredis';
import { Browser, createTestApp, csrfFrom, type TestServer } from '../helpers.ts';

/** Rows (SQLite/PostgreSQL) or keys (Redis) holding browser sessions for this app. */
async function sessionCount(srv: TestServer): Promise<number> {
  const { redisUrl, redisPrefix } = srv.app.config;
  if (redisUrl) {
    const redis = new Redis(redisUrl, { lazyConnect: true });
    await redis.connect();
    try { return (await redis.keys(`${redisPrefix}session:*`)).length; } finally { redis.disconnect(); }
  }
  return Number((await srv.app.stores.sql.get<{ n: number }>('select count(*) as n from sessions'))!.n);
}

const sessionCookie = (res: Response) => res.headers.getSetCookie().find((c) => /^(__Host-)?gatehouse\.sid=/.test(c));

function expectPageHeaders(res: Response, what: string) {
  const h = res.headers;
  const csp = h.get('content-security-policy') ?? '';
  expect(h.get('x-frame-options') === 'DENY' || /frame-ancestors 'none'/.test(csp), `${what}: framing allowed`).to.equal(true);
  expect(csp, `${what}: CSP`).to.match(/default-src/);
  expect(csp, `${what}: CSP frame-ancestors`).to.include("frame-ancestors 'none'");
  expect(h.get('referrer-policy'), `${what}: Referrer-Policy`).to.equal('no-referrer');
  expect(h.get('x-content-type-options'), `${what}: nosniff`).to.equal('nosniff');
}

describe('security: pages (issue 17 #13, #14, #15)', () => {
  let srv: TestServer;
  let clientId: string;
  before(async () => {
    srv = await createTestApp();
    const owner = await srv.app.seed.user({ username: 'pat', password: 'correct horse battery' });
    clientId = (await srv.app.seed.client({ owner, redirectUris: ['https://client.example.com/cb'], grantTypes: ['authorization_code'] })).client.clientId;
  });
  after(() => srv.close());

  describe('#14 headers on every HTML answer, error pages included', () => {
    const errorPages = () => ([
      ['unknown client', 'GET', '/o/authorize/?response_type=code&client_id=nope', 400],
      ['bad redirect_uri', 'GET', `/o/authorize/?response_type=code&client_id=${clientId}&redirect_uri=https%3A%2F%2Fevil.example%2Fcb`, 400],
      ['repeated client_id', 'GET', `/o/authorize/?response_type=code&client_id=${clientId}&client_id=x`, 400],
      ['404 page', 'GET', '/no/such/page', 404],
      ['unknown application (404)', 'GET', '/o/applications/999999/', 302],
      ['CSRF failure', 'POST', '/accounts/login/', 403],
      ['method not allowed', 'PUT', '/accounts/login/', 405],
      ['malformed form body', 'POST', '/accounts/login/', 400],
    ] as const);

    it('error pages carry X-Frame-Options, CSP, Referrer-Policy and nosniff', async () => {
      for (const [what, method, path, status] of errorPages()) {
        const body = what === 'malformed form body' ? '%' : what === 'CSRF failure' ? 'username=a&password=b' : undefined;
        const res = await fetch(`${srv.url}${path}`, { method, redirect: 'manual', body, headers: { accept: 'text/html', ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) } });
        if (what !== 'malformed form body') expect(res.status, what).to.equal(status);
        else expect(res.status, what).to.be.within(400, 499);
        expectPageHeaders(res, what);
      }
    });

    it('a 500 page carries them too, and says nothing of the failure', async () => {
      const b = new Browser(srv.url);
      expect((await b.login('pat', 'correct horse battery')).status).to.equal(302);
      const users = srv.app.stores.users as unknown as { findById: (id: number) => Promise<unknown> };
      const original = users.findById;
      users.findById = async () => { throw new Error('boom: secret internals'); };
      try {
        const res = await b.get('/o/applications/');
        expect(res.status).to.equal(500);
        expectPageHeaders(res, '500 page');
        expect(await res.text()).to.not.include('secret internals');
      } finally { users.findById = original; }
    });

    it('ordinary pages keep them', async () => {
      for (const path of ['/', '/accounts/login/']) expectPageHeaders(await fetch(`${srv.url}${path}`, { headers: { accept: 'text/html' } }), path);
    });
  });

  describe('#15 no session for an anonymous page view', () => {
    it('home page, error pages, static assets and metadata store no session and set no session cookie', async () => {
      const before = await sessionCount(srv);
      for (const path of ['/', '/no/such/page', '/o/authorize/?response_type=code&client_id=nope', '/static/gatehouse.css', '/favicon.ico', '/.well-known/oauth-authorization-server', '/accounts/logout/', '/o/applications/']) {
        const res = await fetch(`${srv.url}${path}`, { redirect: 'manual', headers: { accept: 'text/html' } });
        await res.arrayBuffer();
        expect(sessionCookie(res), `${path} set a session cookie`).to.equal(undefined);
      }
      expect(await sessionCount(srv)).to.equal(before);
    });

    it('the login form\'s CSRF cookie lives 2 hours, not 14 days; the signed-in session gets 14 days', async () => {
      const expiry = (res: Response, name: string) => {
        const c = res.headers.getSetCookie().find((x) => x.startsWith(`${name}=`));
        return c ? Date.parse(/expires=([^;]+)/i.exec(c)![1]) - Date.now() : null;
      };
      const b = new Browser(srv.url);
      const form = await b.get('/accounts/login/');
      expect(expiry(form, 'gatehouse.csrf')!).to.be.within(3600_000, 2 * 3600_000 + 5_000);
      const login = await b.post('/accounts/login/', { csrfmiddlewaretoken: csrfFrom(await form.text())!, username: 'pat', password: 'correct horse battery' });
      expect(login.status).to.equal(302);
      expect(expiry(login, 'gatehouse.sid')!).to.be.greaterThan(13 * 24 * 3600_000);
    });

    it('anonymous views of the login form store nothing: 100 of them add no session (attacker reads 15 and 16, F7); its token is bound to the visitor\'s own signed cookie', async () => {
      const before = await sessionCount(srv);
      const views = await Promise.all(Array.from({ length: 100 }, () => fetch(`${srv.url}/accounts/login/`)));
      expect(views.map((r) => r.status)).to.deep.equal(Array(100).fill(200));
      expect(views.every((r) => sessionCookie(r) === undefined), 'no session cookie').to.equal(true);
      expect(await sessionCount(srv)).to.equal(before);
      // Another visitor's token (and cookie) does not pass for this one, nor does a form without the cookie.
      const other = csrfFrom(await views[0].text())!;
      const b = new Browser(srv.url);
      await b.get('/accounts/login/');
      expect((await b.post('/accounts/login/', { csrfmiddlewaretoken: other, username: 'pat', password: 'correct horse battery' })).status).to.equal(403);
      expect((await fetch(`${srv.url}/accounts/login/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrfmiddlewaretoken: other, username: 'pat', password: 'correct horse battery' }) })).status).to.equal(403);
    });

    it('the login form still gets its CSRF session, and logging in works', async () => {
      const before = await sessionCount(srv);
      const b = new Browser(srv.url);
      expect((await b.login('pat', 'correct horse battery')).status).to.equal(302);
      expect(await sessionCount(srv)).to.equal(before + 1);
      const home = await b.get('/');
      expect(home.status).to.equal(200);
      expect(await home.text()).to.include('csrfmiddlewaretoken');
    });
  });
});

describe('security: pages over plain http when secure transport is required (issue 17 #13)', () => {
  let srv: TestServer;
  before(async () => {
    srv = await createTestApp({ allowInsecureTransport: false, issuer: 'https://gatehouse.test', trustProxy: true });
    await srv.app.seed.user({ username: 'pat', password: 'correct horse battery' });
  });
  after(() => srv.close());

  it('answers a page asked over http with a redirect to https (GET) or 403 (POST), never a 500', async () => {
    for (const path of ['/accounts/login/', '/accounts/login/?next=%2Fo%2Fapplications%2F', '/', '/o/applications/', '/no/such/page', '//evil.example/x']) {
      const res = await fetch(`${srv.url}${path}`, { redirect: 'manual', headers: { accept: 'text/html' } });
      expect(res.status, path).to.be.oneOf([301, 302, 307, 308]);
      const to = new URL(res.headers.get('location')!);
      expect(to.origin, path).to.equal('https://gatehouse.test');
      expect(to.pathname + to.search, path).to.equal(path);
      expect(sessionCookie(res), path).to.equal(undefined);
    }
    const post = await fetch(`${srv.url}/accounts/login/`, { method: 'POST', redirect: 'manual', headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=pat&password=x' });
    expect(post.status).to.equal(403);
    expectPageHeaders(post, 'https required');
  });

  it('works behind a TLS proxy (X-Forwarded-Proto: https) with a Secure cookie', async () => {
    const b = new Browser(srv.url, { 'x-forwarded-proto': 'https' });
    const res = await b.login('pat', 'correct horse battery');
    expect(res.status).to.equal(302);
    expect(sessionCookie(res)).to.match(/;\s*secure/i);
    expect((await b.get('/o/applications/')).status).to.equal(200);
  });

  it('under https the session and form cookies are __Host- names, which a sibling subdomain cannot set: a tossed anonymous pair does not sign the victim in as the attacker (attacker read 18, F3)', async () => {
    await srv.app.seed.user({ username: 'mallory', password: 'mallory horse battery' });
    // The attacker's own visit: the form token and the cookies that carry it.
    const attacker = new Browser(srv.url, { 'x-forwarded-proto': 'https' });
    const form = await attacker.get('/accounts/login/');
    const setCookies = form.headers.getSetCookie();
    for (const c of setCookies) {
      expect(c, 'every cookie set under https').to.match(/^__Host-/);
      expect(c).to.match(/;\s*secure/i).and.to.match(/;\s*path=\/(;|$)/i).and.not.match(/;\s*domain=/i);
    }
    expect([...attacker.cookies.keys()].sort()).to.deep.equal(['__Host-gatehouse.csrf', '__Host-gatehouse.csrf.sig']);
    const token = csrfFrom(await form.text())!;
    // A sibling subdomain can only plant cookies without the prefix (RFC 6265bis §4.1.3.2): the victim's browser holds those.
    const victim = new Browser(srv.url, { 'x-forwarded-proto': 'https' });
    for (const [k, v] of attacker.cookies) victim.cookies.set(k.replace(/^__Host-/, ''), v);
    const res = await victim.post('/accounts/login/', { csrfmiddlewaretoken: token, username: 'mallory', password: 'mallory horse battery' });
    expect(res.status, 'the planted token is not the visitor\'s').to.equal(403);
    // Signed in, the session cookie is __Host- too.
    const pat = new Browser(srv.url, { 'x-forwarded-proto': 'https' });
    expect((await pat.login('pat', 'correct horse battery')).status).to.equal(302);
    expect([...pat.cookies.keys()]).to.include('__Host-gatehouse.sid');
    expect((await pat.get('/o/applications/')).status).to.equal(200);
  });
});
