import { expect } from 'chai';
import { Browser, createTestApp, csrfFrom, type TestServer } from '../helpers.ts';

/**
 * Issue 17 #5: open redirect after login. What matters is where a browser goes, so every assertion resolves the
 * final Location the way a browser does (WHATWG URL against the page's address) and compares origins.
 */
const CORPUS = [
  '/..//evil.com', '/%2e%2e//evil.com', '/.//evil.com', '/.%2e//evil.com', '/%2E%2E//evil.com', '/./%2e%2E//evil.com',
  '//evil.com', '///evil.com', '/\\evil.com', '\\/evil.com', '\\\\evil.com', '/\\/evil.com',
  'https://evil.com', 'HTTPS://EVIL.COM/', 'http:evil.com', 'https:evil.com', 'http:/evil.com', '//EVIL.com/%2e%2e',
  '/%5Cevil.com', '/%5cevil.com', '%2F%2Fevil.com', '/%2F%2Fevil.com', '/%2f/evil.com',
  '/\t/evil.com', '/\n/evil.com', '/\r\n/evil.com', '\t//evil.com', ' //evil.com', '/ /evil.com',
  'javascript:alert(1)', 'JavaScript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'mailto:a@evil.com',
  '/foo/../..//evil.com', '/a/%2e%2e/%2e%2e//evil.com', '/\u3002evil.com', '//evil.com@localhost', '/@evil.com',
  `/${'a'.repeat(5000)}`, `//evil.com/${'a'.repeat(3000)}`, `/..//evil.com/${'%2e'.repeat(1000)}`,
];

describe('security: redirects built from user input stay on this origin (issue 17 #5)', () => {
  let srv: TestServer;
  before(async () => {
    // Generous limits: this file logs in dozens of times from one address.
    srv = await createTestApp({ rateLimit: { loginPerUsername: 10_000, loginPerIp: 10_000 } });
    await srv.app.seed.user({ username: 'rita', password: 'correct horse battery' });
  });
  after(() => srv.close());

  function expectSameOrigin(location: string | null, what: string) {
    expect(location, `${what}: no Location`).to.be.a('string');
    const base = new URL('/accounts/login/', srv.url);
    expect(new URL(location!, base).origin, `${what}: Location ${location!.slice(0, 80)}`).to.equal(base.origin);
    // Belt and braces for clients that resolve differently: never a network-path reference.
    expect(location!.slice(0, 2), what).to.not.match(/^[/\\][/\\]/);
  }

  for (const next of CORPUS) {
    const label = JSON.stringify(next.length > 60 ? `${next.slice(0, 40)}…(${next.length})` : next);

    it(`after a real login with next=${label} the Location is same-origin`, async () => {
      const b = new Browser(srv.url);
      const res = await b.login('rita', 'correct horse battery', next);
      expect(res.status).to.equal(302);
      expectSameOrigin(res.headers.get('location'), 'POST login');
    });

    it(`the login page carries a same-origin next for next=${label}, and a logged-in visit redirects on this origin`, async () => {
      const b = new Browser(srv.url);
      const page = await b.get(`/accounts/login/?next=${encodeURIComponent(next)}`);
      expect(page.status).to.equal(200);
      const html = await page.text();
      const hidden = (/name="next" value="([^"]*)"/.exec(html)?.[1] ?? '/').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
      expectSameOrigin(hidden, 'hidden next');
      const res = await b.post('/accounts/login/', { csrfmiddlewaretoken: csrfFrom(html)!, username: 'rita', password: 'correct horse battery', next: hidden });
      expectSameOrigin(res.headers.get('location'), 'POST login from the page');
      const again = await b.get(`/accounts/login/?next=${encodeURIComponent(next)}`);
      expect(again.status).to.equal(302);
      expectSameOrigin(again.headers.get('location'), 'GET login while logged in');
      const logout = await b.post(`/accounts/logout/?next=${encodeURIComponent(next)}`, { csrfmiddlewaretoken: csrfFrom(await (await b.get('/accounts/logout/')).text())!, next });
      expect(logout.status).to.equal(302);
      expectSameOrigin(logout.headers.get('location'), 'POST logout');
    });
  }

  it('keeps a legitimate next: path, query and an absolute URL on this origin', async () => {
    for (const [next, want] of [['/o/applications/?tab=1&x=%2F', '/o/applications/?tab=1&x=%2F'], [`${srv.url}/o/authorized_tokens/`, '/o/authorized_tokens/'], ['/o/authorize/?client_id=a&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb', '/o/authorize/?client_id=a&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb']]) {
      const res = await new Browser(srv.url).login('rita', 'correct horse battery', next);
      expect(res.headers.get('location'), next).to.equal(want);
    }
  });

  it('the return-to-login redirect of protected pages keeps where the visitor was going, and only that', async () => {
    const b = new Browser(srv.url);
    const res = await b.get('/o/applications/?tab=2');
    expect(res.status).to.equal(302);
    const login = new URL(res.headers.get('location')!, srv.url);
    expect(login.origin + login.pathname).to.equal(`${new URL(srv.url).origin}/accounts/login/`);
    const after = await b.login('rita', 'correct horse battery', login.searchParams.get('next')!);
    expect(after.headers.get('location')).to.equal('/o/applications/?tab=2');
  });
});
