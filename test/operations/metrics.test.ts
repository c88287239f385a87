import { strict as assert } from 'node:assert';
import { createTestApp, type TestServer } from '../helpers.ts';
import { codeFlowSetup, codeFlowTokens, authorizeThroughConsent, postForm } from '../oauth-helpers.ts';

const TOKEN = 'm'.repeat(40);
const scrape = async (srv: TestServer) => {
  const res = await fetch(`${srv.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /^text\/plain/);
  return res.text();
};
/** The value of one series, or undefined when the series does not exist. */
const value = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('metrics (/metrics, Prometheus)', () => {
  let srv: TestServer;
  before(async () => { srv = await createTestApp({ metrics: { mode: 'on', token: TOKEN } }); });
  after(() => srv.close());

  it('counts a real flow by label: tokens by grant and outcome, authorizations, client-auth failures, latency per route template', async () => {
    const setup = await codeFlowSetup(srv);
    await codeFlowTokens(srv, setup);
    const denied = await authorizeThroughConsent(setup.browser, { response_type: 'code', client_id: setup.client.clientId, redirect_uri: 'https://client.example.com/cb', scope: 'write', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' }, 'deny');
    assert.equal(denied.searchParams.get('error'), 'access_denied');
    const bad = await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code: 'nope', redirect_uri: 'https://client.example.com/cb' }, { id: setup.client.clientId, secret: 'wrong-secret' });
    assert.equal(bad.status, 401);
    const unknownGrant = await postForm(`${srv.url}/o/token/`, { grant_type: 'made-up-grant-123' }, setup.auth);
    assert.equal(unknownGrant.status, 400);
    await fetch(`${srv.url}/applications/12345`);
    await fetch(`${srv.url}/some/random/path/abc`);

    const text = await scrape(srv);
    assert.equal(value(text, 'gatehouse_token_requests_total{grant_type="authorization_code",outcome="issued"}'), 1);
    assert.equal(value(text, 'gatehouse_token_requests_total{grant_type="authorization_code",outcome="invalid_client"}'), 1);
    // A grant type nobody knows is counted as `other`: callers cannot create series.
    assert.equal(value(text, 'gatehouse_token_requests_total{grant_type="other",outcome="unsupported_grant_type"}'), 1);
    assert.ok(!text.includes('made-up-grant-123'));
    assert.equal(value(text, 'gatehouse_authorization_outcomes_total{outcome="approved",error=""}'), 1);
    assert.equal(value(text, 'gatehouse_authorization_outcomes_total{outcome="denied",error="access_denied"}'), 1);
    assert.equal(value(text, 'gatehouse_client_auth_failures_total{route="/o/token"}'), 1);
    assert.ok((value(text, 'gatehouse_http_request_duration_seconds_count{method="POST",route="/o/token",status="2xx"}') ?? 0) >= 1);
    // Route templates, never raw paths.
    assert.ok(!text.includes('/some/random/path'));
    assert.ok(!text.includes('12345'));
    assert.ok((value(text, 'gatehouse_http_request_duration_seconds_count{method="GET",route="unmatched",status="4xx"}') ?? 0) >= 1);
    assert.equal(value(text, 'gatehouse_database_up'), 1);
    assert.equal(value(text, 'gatehouse_event_subscribers'), 0);
    // No secret, code or client id in any series.
    assert.ok(!text.includes(setup.secret!));
    assert.ok(!text.includes(setup.client.clientId));
  });

  it('counts throttled requests by route', async () => {
    const setup = await codeFlowSetup(srv);
    let last = 0;
    for (let i = 0; i < 25 && last !== 429; i++) {
      last = (await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials' }, { id: setup.client.clientId, secret: `wrong-${i}` })).status;
    }
    assert.equal(last, 429);
    const text = await scrape(srv);
    assert.ok((value(text, 'gatehouse_throttled_requests_total{route="/o/token"}') ?? 0) >= 1);
  });

  it('refuses a scrape without the token (401), with a wrong one (401), and leaks nothing', async () => {
    const none = await fetch(`${srv.url}/metrics`);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate')!, /^Bearer/);
    assert.ok(!(await none.text()).includes('gatehouse_'));
    const wrong = await fetch(`${srv.url}/metrics`, { headers: { authorization: `Bearer ${'x'.repeat(40)}` } });
    assert.equal(wrong.status, 401);
    assert.ok(!(await wrong.text()).includes('gatehouse_'));
  });

  it('two apps in one process count apart (a registry per app)', async () => {
    const other = await createTestApp({ metrics: { mode: 'on', token: TOKEN } });
    try {
      const text = await scrape(other);
      assert.equal(value(text, 'gatehouse_token_requests_total{grant_type="authorization_code",outcome="issued"}'), undefined);
    } finally { await other.close(); }
  });

  it('is off by default: /metrics does not exist (404)', async () => {
    const plain = await createTestApp();
    try {
      const res = await fetch(`${plain.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(res.status, 404);
    } finally { await plain.close(); }
  });

  it('METRICS=on without a long token is a configuration error', async () => {
    await assert.rejects(createTestApp({ metrics: { mode: 'on', token: 'short' } }), /METRICS_TOKEN/);
  });
});
