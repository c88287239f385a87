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
