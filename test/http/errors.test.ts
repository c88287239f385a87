import { expect } from 'chai';
import { Browser, createTestApp, type TestServer } from '../helpers.ts';

describe('bad input never yields a 500 or a stack trace', () => {
  let srv: TestServer;
  before(async () => { srv = await createTestApp({ bodyLimit: '10kb' }); });
  after(() => srv.close());

  it('answers unknown pages with 404 (HTML for browsers, JSON for API callers)', async () => {
    const html = await new Browser(srv.url).get('/nope');
    expect(html.status).to.equal(404);
    expect(html.headers.get('content-type')).to.match(/text\/html/);
    const json = await fetch(`${srv.url}/nope`, { headers: { accept: 'application/json' } });
    expect(json.status).to.equal(404);
    expect((await json.json()).error).to.equal('not_found');
  });

  it('answers a body over the limit with 413', async () => {
    const res = await fetch(`${srv.url}/accounts/login/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: 'a=' + 'x'.repeat(20_000) });
    expect(res.status).to.equal(413);
    expect((await res.json()).error).to.equal('invalid_request');
  });

  it('answers malformed JSON with 400 invalid_request', async () => {
    const res = await fetch(`${srv.url}/accounts/login/`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: '{"a":' });
    expect(res.status).to.equal(400);
    const body = await res.json();
    expect(body.error).to.equal('invalid_request');
    expect(JSON.stringify(body)).not.to.match(/at .*\.ts:\d+/);
  });
});

describe('X-Request-Id', () => {
  let srv: TestServer;
  before(async () => { srv = await createTestApp(); });
  after(() => srv.close());

  it('every answer carries one, unique per request: pages, protocol endpoints, API errors (with their security headers)', async () => {
    const ids = new Set<string>();
    for (const [path, init, status] of [
      ['/accounts/login/', {}, 200],
      ['/.well-known/oauth-authorization-server', {}, 200],
      ['/api/hello', {}, 401],
      ['/api/hello', { headers: { authorization: 'Bearer no-such-token' } }, 401],
      ['/o/token/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=nope' }, 401],
    ] as const) {
      const res = await fetch(srv.url + path, init as RequestInit);
      expect(res.status, path).to.equal(status);
      const id = res.headers.get('x-request-id');
      expect(id, path).to.match(/^[\w.-]{8,64}$/);
      ids.add(id!);
      if (path !== '/accounts/login/') {
        // Protocol answers, errors included, carry the API security headers.
        expect(res.headers.get('x-content-type-options'), path).to.equal('nosniff');
        expect(res.headers.get('content-security-policy'), path).to.equal("default-src 'none'; frame-ancestors 'none'");
      }
    }
    expect(ids.size).to.equal(5);
  });

  it("echoes the caller's id when it is well-formed, and replaces one that is not", async () => {
    const echoed = await fetch(`${srv.url}/api/hello`, { headers: { 'x-request-id': 'trace-1234.abcd' } });
    expect(echoed.headers.get('x-request-id')).to.equal('trace-1234.abcd');
    const bad = await fetch(`${srv.url}/api/hello`, { headers: { 'x-request-id': 'no spaces allowed <here>' } });
    expect(bad.headers.get('x-request-id')).to.match(/^[\w.-]{8,64}$/).and.not.equal('no spaces allowed <here>');
  });
});
