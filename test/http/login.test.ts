import { expect } from 'chai';
import { Browser, createTestApp, csrfFrom, type TestServer } from '../helpers.ts';

describe('accounts: login, logout, next, CSRF, throttling', () => {
  let srv: TestServer;
  beforeEach(async () => {
    srv = await createTestApp({ rateLimit: { loginPerUsername: 3, loginPerIp: 6 } });
    await srv.app.seed.user({ username: 'alice', password: 'correct horse battery' });
  });
  afterEach(() => srv.close());

  it('logs in with a signed, httpOnly, SameSite=Lax session cookie and redirects to next', async () => {
    const b = new Browser(srv.url);
    const res = await b.login('alice', 'correct horse battery', '/o/applications/?tab=1');
    expect(res.status).to.equal(302);
    expect(res.headers.get('location')).to.equal('/o/applications/?tab=1');
    const cookies = res.headers.getSetCookie().join('\n');
    expect(cookies).to.match(/gatehouse\.sid=[^;]+;.*httponly/i);
    expect(cookies).to.match(/samesite=lax/i);
    expect(cookies).to.match(/gatehouse\.sid\.sig=/);
    const page = await b.get('/o/applications/');
    expect(page.status).to.equal(200);
  });

  it('rotates the session id at login (no session fixation)', async () => {
    const b = new Browser(srv.url);
    // An anonymous view stores no session (its form token is in a signed cookie of its own): no id to fixate.
    await b.csrf('/accounts/login/');
    expect(b.cookies.get('gatehouse.sid')).to.equal(undefined);
    await b.login('alice', 'correct horse battery');
    const before = b.cookies.get('gatehouse.sid');
    expect(before).to.be.a('string');
    // A session that exists is replaced by the next sign-in in it.
    const token = await b.csrf('/o/applications/');
    expect((await b.post('/accounts/login/', { csrfmiddlewaretoken: token, username: 'alice', password: 'correct horse battery' })).status).to.equal(302);
    expect(b.cookies.get('gatehouse.sid')).to.be.a('string').and.not.equal(before);
  });

  for (const hostile of ['https://evil.example/', '//evil.example/', '/\\evil.example', '/%2F%2Fevil.example', 'javascript:alert(1)', '\\\\evil.example', '/\t/evil.example', 'http:evil.example']) {
    it(`falls back to / for a hostile next=${JSON.stringify(hostile)}`, async () => {
      const b = new Browser(srv.url);
      const res = await b.login('alice', 'correct horse battery', hostile);
      expect(res.status).to.equal(302);
      expect(res.headers.get('location')).to.equal('/');
    });
  }

  it('rejects a login POST without the CSRF token (403) and does not log in', async () => {
    const b = new Browser(srv.url);
    await b.get('/accounts/login/');
    const res = await b.post('/accounts/login/', { username: 'alice', password: 'correct horse battery' });
    expect(res.status).to.equal(403);
    expect((await b.get('/o/applications/')).status).to.equal(302);
  });

  it('rejects a CSRF token from another session', async () => {
    const attacker = new Browser(srv.url);
    const token = await attacker.csrf('/accounts/login/');
    const victim = new Browser(srv.url);
    await victim.get('/accounts/login/');
    const res = await victim.post('/accounts/login/', { csrfmiddlewaretoken: token, username: 'alice', password: 'correct horse battery' });
    expect(res.status).to.equal(403);
  });

  it('answers a wrong password with 400 and the form again, and records the failure', async () => {
    const b = new Browser(srv.url);
    const res = await b.login('alice', 'wrong');
    expect(res.status).to.equal(400);
    expect(csrfFrom(await res.text())).to.be.a('string');
    const rows = await srv.app.stores.sql.all<any>("select type from events where type = 'login.failed'");
    expect(rows).to.have.length(1);
  });

  it('throttles repeated failures per username with 429 and Retry-After, even with the right password', async () => {
    const b = new Browser(srv.url);
    for (let i = 0; i < 3; i++) expect((await b.login('alice', 'wrong')).status).to.equal(400);
    const blocked = await b.login('alice', 'correct horse battery');
    expect(blocked.status).to.equal(429);
    expect(Number(blocked.headers.get('retry-after'))).to.be.greaterThan(0);
  });

  it('throttles per IP across usernames', async () => {
    const b = new Browser(srv.url);
    for (let i = 0; i < 6; i++) await b.login(`nobody${i}`, 'wrong');
    expect((await b.login('alice', 'correct horse battery')).status).to.equal(429);
  });

  it('logs out on POST with CSRF and the session no longer works', async () => {
    const b = new Browser(srv.url);
    await b.login('alice', 'correct horse battery');
    const token = await b.csrf('/accounts/logout/');
    const res = await b.post('/accounts/logout/', { csrfmiddlewaretoken: token });
    expect(res.status).to.equal(302);
    const after = await b.get('/o/applications/');
    expect(after.status).to.equal(302);
    expect(after.headers.get('location')).to.match(/^\/accounts\/login\/\?next=/);
  });

  it('sends anonymous visitors of a protected page to login with next, and back after login', async () => {
    const b = new Browser(srv.url);
    const res = await b.get('/o/applications/register/');
    expect(res.status).to.equal(302);
    const loc = new URL(res.headers.get('location')!, srv.url);
    expect(loc.pathname).to.equal('/accounts/login/');
    const next = loc.searchParams.get('next')!;
    expect(next).to.equal('/o/applications/register/');
    expect((await b.login('alice', 'correct horse battery', next)).headers.get('location')).to.equal(next);
  });

  it('serves pages with a strict CSP, frame-ancestors none and a Referrer-Policy', async () => {
    const res = await new Browser(srv.url).get('/accounts/login/');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).to.include("frame-ancestors 'none'");
    expect(csp).to.match(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
    expect(res.headers.get('x-frame-options')).to.equal('DENY');
    expect(res.headers.get('referrer-policy')).to.equal('no-referrer');
  });
});
