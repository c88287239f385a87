import { expect } from 'chai';
import fc from 'fast-check';
import { createTestApp, type TestServer } from '../helpers.ts';
import { codeFlowSetup } from '../oauth-helpers.ts';

// Malformed, oversized, repeated, wrongly encoded and unicode-laden input at every endpoint: never a 5xx,
// always an error shape a client understands, and nothing stored changes.
describe('security: hostile input (property-based, fast-check)', function () {
  this.timeout(120_000);
  let srv: TestServer;
  let setup: Awaited<ReturnType<typeof codeFlowSetup>>;
  before(async () => {
    srv = await createTestApp({ rateLimit: { clientAuthFailures: 1_000_000, loginPerIp: 1_000_000, loginPerUsername: 1_000_000 } });
    setup = await codeFlowSetup(srv, { grantTypes: ['authorization_code', 'client_credentials', 'password'] });
  });
  after(() => srv.close());

  const snapshot = async () => {
    const conn = srv.app.orm.em.fork().getConnection();
    const out: Record<string, unknown> = {};
    for (const t of ['users', 'applications', 'grants', 'authorization_codes', 'access_tokens', 'refresh_tokens', 'oauth1_tokens']) out[t] = (await conn.execute(`select * from ${t} order by id`));
    return JSON.stringify(out);
  };

  const nasty = fc.oneof(
    fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.constant('%'), fc.constant('%zz'), fc.constant('\u0000'),
    fc.constant('a'.repeat(5000)), fc.constant('[]'), fc.constant('{"a":1}'), fc.constant('javascript:alert(1)'), fc.constant('https://evil.example/'),
    fc.constant('Basic ' + Buffer.from('a:b').toString('base64')), fc.constant('OAuth oauth_consumer_key="'),
  );
  const names = fc.constantFrom('grant_type', 'client_id', 'client_secret', 'code', 'redirect_uri', 'refresh_token', 'scope', 'token', 'token_type_hint',
    'code_verifier', 'username', 'password', 'response_type', 'state', 'code_challenge', 'code_challenge_method', 'oauth_token', 'oauth_verifier', 'a[b]', 'scope[]');
  const params = fc.array(fc.tuple(names, nasty), { maxLength: 8 });
  const encode = (pairs: [string, string][], raw: boolean) => raw ? pairs.map(([k, v]) => `${k}=${v}`).join('&') : new URLSearchParams(pairs).toString();

  const endpoints: { method: 'GET' | 'POST'; path: string; json?: boolean }[] = [
    { method: 'POST', path: '/o/token/' }, { method: 'POST', path: '/o/revoke_token/' }, { method: 'POST', path: '/o/introspect/' },
    { method: 'GET', path: '/o/authorize/' }, { method: 'POST', path: '/o/authorize/' }, { method: 'POST', path: '/oauth1/initiate' },
    { method: 'POST', path: '/oauth1/token' }, { method: 'GET', path: '/oauth1/authorize' }, { method: 'GET', path: '/api/hello' },
    { method: 'POST', path: '/graphql', json: true }, { method: 'POST', path: '/accounts/login/' },
  ];

  for (const ep of endpoints) {
    it(`${ep.method} ${ep.path}: no 5xx, an RFC-shaped error, nothing stored changes`, async () => {
      const before = await snapshot();
      await fc.assert(fc.asyncProperty(params, fc.boolean(), nasty, fc.boolean(), async (pairs, raw, header, withBrowser) => {
        const query = ep.method === 'GET' ? `?${encode(pairs, raw)}` : '';
        const headers: Record<string, string> = { authorization: header.replace(/[^\x20-\x7e]/g, '').slice(0, 300) };
        let body: string | undefined;
        if (ep.method === 'POST') {
          if (ep.json) { headers['content-type'] = 'application/json'; body = raw ? `{"query": ${JSON.stringify(pairs.map((p) => p[1]).join(' '))}` : JSON.stringify({ query: pairs.map((p) => p[1]).join(' '), variables: Object.fromEntries(pairs) }); }
          else { headers['content-type'] = 'application/x-www-form-urlencoded'; body = encode(pairs, raw); }
        }
        const res = withBrowser
          ? await setup.browser.request(`${ep.path}${query}`, { method: ep.method, headers, body })
          : await fetch(`${srv.url}${ep.path}${query}`, { method: ep.method, headers, body, redirect: 'manual' });
        const text = await res.text();
        expect(res.status, `${ep.method} ${ep.path} ${JSON.stringify(pairs)} -> ${text.slice(0, 200)}`).to.be.below(500);
        expect(text).not.to.match(/\bat [\w.<>]+ \(|node_modules|SQLITE_|select .* from/i);
        if (res.status >= 400 && (res.headers.get('content-type') ?? '').includes('json') && ep.path !== '/graphql') {
          const j = JSON.parse(text);
          expect(j.error).to.be.a('string');
        }
      }), { numRuns: 60 });
      expect(await snapshot()).to.equal(before);
    });
  }

  it('an authorization request POSTed too long to go on as a GET is refused with 400, not redirected (fast-check seed 1632750958)', async () => {
    const body = new URLSearchParams(Array.from({ length: 4 }, () => ['grant_type', 'a'.repeat(5000)])).toString();
    const res = await fetch(`${srv.url}/o/authorize/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, redirect: 'manual' });
    expect(res.status).to.equal(400);
    expect(res.headers.get('location')).to.equal(null);
    expect(await res.text(), 'the error page\'s code').to.include('<code>invalid_request</code>');
  });

  it('an anonymous POST just under the limit whose login Location would pass it (4-byte emoji: 13,262 characters) is refused naming PAR, never redirected (attacker read 8, finding 6)', async () => {
    const base = new URLSearchParams({ response_type: 'code', client_id: setup.client.clientId, redirect_uri: 'https://client.example.com/cb', scope: 'read', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', state: '' }).toString();
    const body = base + '%F0%9F%98%80'.repeat(Math.floor((8_000 - base.length) / 12));
    expect(body.length).to.be.within(7_989, 8_000);
    const post = await fetch(`${srv.url}/o/authorize/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body, redirect: 'manual' });
    expect(post.status).to.equal(303);
    const get = await fetch(new URL(post.headers.get('location')!, srv.url), { redirect: 'manual', headers: { accept: 'text/html' } });
    const location = get.headers.get('location');
    expect(location === null || location.length <= 8_100, `a Location of ${location?.length}`).to.equal(true);
    expect(get.status).to.equal(400);
    expect(await get.text()).to.include('invalid_request').and.include('RFC 9126');
  });

  it('answers an oversized body with 413 and a huge header with 431', async () => {
    const big = await fetch(`${srv.url}/o/token/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=' + 'x'.repeat(2_000_000) });
    expect(big.status).to.equal(413);
    const res = await fetch(`${srv.url}/o/token/`, { method: 'POST', headers: { 'x-big': 'y'.repeat(100_000) } }).catch(() => null);
    expect(res === null || res.status === 431).to.equal(true);
  });
});
