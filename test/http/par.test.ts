import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import { Browser, createTestApp, type TestServer } from '../helpers.ts';
import { hashToken } from '../../src/oauth2/tokens.ts';
import { authorizeThroughConsent, codeFlowSetup, pkcePair, postForm } from '../oauth-helpers.ts';

const CB = 'https://client.example.com/cb';
const URN = /^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{20,}$/;

// RFC 9126: pushed authorization requests, over real HTTP.
describe('RFC 9126 pushed authorization requests', () => {
  let srv: TestServer;
  before(async () => { srv = await createTestApp(); });
  after(() => srv.close());

  async function push(setup: Awaited<ReturnType<typeof codeFlowSetup>>, extra: Record<string, string> = {}, auth: { id: string; secret: string } | null = setup.auth) {
    const { verifier, challenge } = pkcePair();
    const res = await postForm(`${srv.url}/o/par`, { response_type: 'code', redirect_uri: CB, scope: 'read', state: 's1', code_challenge: challenge, code_challenge_method: 'S256', ...extra }, auth ?? undefined);
    return { res, verifier, body: await res.json() as Record<string, unknown> };
  }
  const authorizeUrl = (clientId: string, uri: string, extra: Record<string, string> = {}) => `/o/authorize/?${new URLSearchParams({ client_id: clientId, request_uri: uri, ...extra })}`;

  it('answers 201 with a urn request_uri and expires_in ≤ 90, no-store; both paths; advertised in metadata', async () => {
    const setup = await codeFlowSetup(srv);
    const { res, body } = await push(setup);
    expect(res.status).to.equal(201);
    expect(res.headers.get('cache-control')).to.include('no-store');
    expect(body.request_uri).to.match(URN);
    expect(body.expires_in).to.be.a('number').within(1, 90);
    const slash = await postForm(`${srv.url}/o/par/`, { response_type: 'code', redirect_uri: CB, scope: 'read', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }, setup.auth);
    expect(slash.status).to.equal(201);
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const meta = await (await fetch(srv.url + path)).json() as Record<string, unknown>;
      expect(meta.pushed_authorization_request_endpoint).to.equal(`${srv.app.config.issuer}/o/par`);
      expect(meta.require_pushed_authorization_requests).to.equal(false);
    }
    // Only the hash is stored (like tokens).
    const rows = await srv.app.stores.sql.all<{ request_hash: string; params: string }>('select request_hash, params from pushed_requests');
    expect(rows.map((r) => r.request_hash)).to.include(hashToken(String(body.request_uri)));
    expect(JSON.stringify(rows)).not.to.include(String(body.request_uri).slice(-20));
  });

  it('authenticates the client like the token endpoint (§2): wrong secret → 401 invalid_client; client_id mismatch → invalid_request', async () => {
    const setup = await codeFlowSetup(srv);
    const bad = await push(setup, {}, { id: setup.auth.id, secret: 'wrong' });
    expect(bad.res.status).to.equal(401);
    expect(bad.body.error).to.equal('invalid_client');
    const none = await push(setup, { client_id: setup.client.clientId }, null);
    expect(none.res.status).to.equal(401);
    const other = await codeFlowSetup(srv);
    const mismatch = await push(setup, { client_id: other.client.clientId });
    expect(mismatch.res.status).to.equal(400);
    expect(mismatch.body.error).to.equal('invalid_request');
  });

  it('validates the whole request at push time (§2.1), answering JSON errors (§2.3)', async () => {
    const setup = await codeFlowSetup(srv);
    const cases: [Record<string, string>, string][] = [
      [{ redirect_uri: 'https://evil.example/cb' }, 'invalid_request'],
      [{ response_type: 'token' }, 'unauthorized_client'],
      [{ response_type: 'nonsense' }, 'unsupported_response_type'],
      [{ scope: 'admin' }, 'invalid_scope'],
      [{ code_challenge_method: 'plain' }, 'invalid_request'],
      [{ request_uri: 'urn:ietf:params:oauth:request_uri:abc' }, 'invalid_request'],
      // §3: a request object here is verified like at the authorization endpoint (this client registered no keys).
      [{ request: 'e30.e30.' }, 'invalid_request_object'],
    ];
    for (const [extra, error] of cases) {
      const { res, body } = await push(setup, extra);
      expect(res.status, JSON.stringify(extra)).to.equal(400);
      expect(body.error, JSON.stringify(extra)).to.equal(error);
    }
  });

  it('a public client pushes with its client_id (PKCE required as at the authorize endpoint)', async () => {
    const setup = await codeFlowSetup(srv, { clientType: 'public' });
    const ok = await push(setup, { client_id: setup.client.clientId }, null);
    expect(ok.res.status).to.equal(201);
    const noPkce = await postForm(`${srv.url}/o/par`, { client_id: setup.client.clientId, response_type: 'code', redirect_uri: CB, scope: 'read' });
    expect(noPkce.status).to.equal(400);
    expect((await noPkce.json() as Record<string, string>).error).to.equal('invalid_request');
  });

  it('the authorize endpoint uses only the pushed parameters (§4) and the code reaches tokens', async () => {
    const setup = await codeFlowSetup(srv);
    const { body, verifier } = await push(setup, { state: 'pushed-state' });
    // Outer parameters other than client_id and request_uri are ignored: the evil redirect_uri and state change nothing.
    const loc = await authorizeThroughConsent(setup.browser, { client_id: setup.client.clientId, request_uri: String(body.request_uri), redirect_uri: 'https://evil.example/cb', state: 'outer', scope: 'write' });
    expect(`${loc.origin}${loc.pathname}`).to.equal(CB);
    expect(loc.searchParams.get('state')).to.equal('pushed-state');
    const token = await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code: loc.searchParams.get('code')!, redirect_uri: CB, code_verifier: verifier }, setup.auth);
    expect(token.status).to.equal(200);
    expect((await token.json() as Record<string, string>).scope).to.equal('read');
  });

  it('a request_uri is single-use: reused → invalid_request_uri; 50 concurrent GETs → exactly one proceeds', async () => {
    const setup = await codeFlowSetup(srv);
    const { body } = await push(setup);
    const first = await setup.browser.get(authorizeUrl(setup.client.clientId, String(body.request_uri)));
    expect(first.status).to.equal(200);
    const again = await setup.browser.get(authorizeUrl(setup.client.clientId, String(body.request_uri)));
    expect(again.status).to.equal(400);
    expect(await again.text()).to.include('invalid_request_uri');

    const race = await push(setup);
    const answers = await Promise.all(Array.from({ length: 50 }, () => setup.browser.get(authorizeUrl(setup.client.clientId, String(race.body.request_uri)))));
    expect(answers.filter((r) => r.status === 200)).to.have.length(1);
    expect(answers.filter((r) => r.status === 400)).to.have.length(49);
    expect(await srv.app.stores.sql.all('select 1 from pushed_requests where client_id = ?', [setup.client.clientId])).to.have.length(0);
  });

  it('an expired request_uri, one of another client, or an unknown one → invalid_request_uri, never a redirect', async () => {
    const setup = await codeFlowSetup(srv);
    const other = await codeFlowSetup(srv);
    const expired = await push(setup);
    await srv.app.stores.sql.run('update pushed_requests set expires_at = ?', [Date.now() - 1]);
    const e = await setup.browser.get(authorizeUrl(setup.client.clientId, String(expired.body.request_uri)));
    expect(e.status).to.equal(400);
    expect(await e.text()).to.include('invalid_request_uri');

    const stolen = await push(setup);
    const s = await other.browser.get(authorizeUrl(other.client.clientId, String(stolen.body.request_uri)));
    expect(s.status).to.equal(400);
    expect(await s.text()).to.include('invalid_request_uri');
    // Presented by another client it is burned: the rightful client cannot use it afterwards either.
    const after = await setup.browser.get(authorizeUrl(setup.client.clientId, String(stolen.body.request_uri)));
    expect(after.status).to.equal(400);

    const unknown = await setup.browser.get(authorizeUrl(setup.client.clientId, `urn:ietf:params:oauth:request_uri:${randomBytes(16).toString('hex')}`));
    expect(unknown.status).to.equal(400);
    expect(unknown.headers.get('location')).to.equal(null);
  });

  it('the login detour keeps the request server-side (a new request_uri), and prompt=login does not loop', async () => {
    const setup = await codeFlowSetup(srv);
    const { body } = await push(setup, { prompt: 'login' });
    const browser = new Browser(srv.url);
    const res = await browser.get(authorizeUrl(setup.client.clientId, String(body.request_uri)));
    expect(res.status).to.equal(302);
    const login = new URL(res.headers.get('location')!, srv.url);
    const next = login.searchParams.get('next')!;
    const nextParams = new URL(next, srv.url).searchParams;
    expect([...nextParams.keys()].sort()).to.deep.equal(['client_id', 'request_uri']);
    expect(nextParams.get('request_uri')).to.match(URN).and.not.equal(body.request_uri);
    await browser.login(setup.user.username, setup.user.password, next);
    const consent = await browser.get(next);
    expect(consent.status).to.equal(200);
    expect(await consent.text()).to.include('name="state" value="s1"');
  });

  it('REQUIRE_PUSHED_AUTHORIZATION_REQUESTS: plain requests and hand-made consent forms are refused; pushed ones work', async () => {
    const strict = await createTestApp({ requirePushedAuthorizationRequests: true });
    try {
      const setup = await codeFlowSetup(strict);
      const meta = await (await fetch(`${strict.url}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
      expect(meta.require_pushed_authorization_requests).to.equal(true);
      const { challenge } = pkcePair();
      const plain = { response_type: 'code', client_id: setup.client.clientId, redirect_uri: CB, scope: 'read', code_challenge: challenge, code_challenge_method: 'S256' };
      const refused = await setup.browser.get(`/o/authorize/?${new URLSearchParams(plain)}`);
      expect(refused.status).to.equal(400);
      expect(refused.headers.get('location')).to.equal(null);
      const forged = await setup.browser.post('/o/authorize/', { ...plain, csrfmiddlewaretoken: await setup.browser.csrf('/accounts/profile/'), allow: 'Authorize' });
      expect(forged.status).to.equal(400);

      const pushed = await postForm(`${strict.url}/o/par`, plain, setup.auth);
      const uri = (await pushed.json() as Record<string, string>).request_uri;
      const loc = await authorizeThroughConsent(setup.browser, { client_id: setup.client.clientId, request_uri: uri });
      expect(loc.searchParams.get('code')).to.be.a('string');
    } finally { await strict.close(); }
  });

  it('openid-client buildAuthorizationUrlWithPAR: code flow through to tokens', async () => {
    const setup = await codeFlowSetup(srv, { redirectUris: [CB] });
    const config = await client.discovery(new URL(srv.app.config.issuer), setup.client.clientId, setup.secret!, client.ClientSecretBasic(setup.secret!), { algorithm: 'oauth2', execute: [client.allowInsecureRequests] });
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = await client.buildAuthorizationUrlWithPAR(config, { redirect_uri: CB, scope: 'read', state, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    expect([...url.searchParams.keys()].sort()).to.deep.equal(['client_id', 'request_uri']);
    const callback = await authorizeThroughConsent(setup.browser, Object.fromEntries(url.searchParams));
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.scope).to.equal('read');
  });
});

// Each push stores a row for up to 90 s, and anyone may push: as a public client, or as a confidential client of their
// own registration (attacker reads 16, F8, and 19, F2). Every push counts against its source, before authentication.
describe('RFC 9126 pushed authorization requests: a budget per source', () => {
  let srv: TestServer;
  beforeEach(async () => { srv = await createTestApp({ rateLimit: { pushedRequestsPerSource: 5 } }); });
  afterEach(() => srv.close());

  const pushAs = (clientId: string, auth?: { id: string; secret: string }) =>
    postForm(`${srv.url}/o/par`, { ...(auth ? {} : { client_id: clientId }), response_type: 'code', redirect_uri: CB, scope: 'read', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }, auth);
  const stored = async () => Number((await srv.app.stores.sql.all<{ n: number }>('select count(*) as n from pushed_requests'))[0].n);

  it('20 concurrent pushes as a public client from one source store 5; the rest get 429 temporarily_unavailable with Retry-After', async () => {
    const setup = await codeFlowSetup(srv, { clientType: 'public' });
    const before = await stored();
    const answers = await Promise.all(Array.from({ length: 20 }, () => pushAs(setup.client.clientId)));
    expect(answers.filter((r) => r.status === 201)).to.have.length(5);
    const refused = answers.filter((r) => r.status !== 201);
    expect(refused.map((r) => r.status)).to.deep.equal(Array(15).fill(429));
    expect(Number(refused[0].headers.get('retry-after'))).to.be.within(1, 60);
    expect((await refused[0].json() as Record<string, string>).error).to.equal('temporarily_unavailable');
    expect(await stored()).to.equal(before + 5);
  });

  it('a confidential client is held to it too (anyone may register one), and so are pushes that fail authentication', async () => {
    const setup = await codeFlowSetup(srv);
    const before = await stored();
    const wrong = await Promise.all(Array.from({ length: 2 }, () => pushAs(setup.client.clientId, { id: setup.client.clientId, secret: 'wrong' })));
    expect(wrong.map((r) => r.status)).to.deep.equal([401, 401]);
    const answers = await Promise.all(Array.from({ length: 10 }, () => pushAs(setup.client.clientId, setup.auth)));
    expect(answers.map((r) => r.status).sort()).to.deep.equal([...Array(3).fill(201), ...Array(7).fill(429)]);
    expect(await stored()).to.equal(before + 3);
  });
});
