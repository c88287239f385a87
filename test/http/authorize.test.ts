import { expect } from 'chai';
import { Browser, createTestApp, type TestServer } from '../helpers.ts';
import { authorizeThroughConsent, codeFlowSetup, pkcePair, postForm } from '../oauth-helpers.ts';

describe('RFC 6749 §3.1 authorization endpoint (/o/authorize/)', () => {
  let srv: TestServer;
  beforeEach(async () => { srv = await createTestApp(); });
  afterEach(() => srv.close());

  const q = (p: Record<string, string>) => `/o/authorize/?${new URLSearchParams(p)}`;

  it('sends an anonymous visitor to login and back to the same request', async () => {
    const s = await codeFlowSetup(srv);
    const anon = new Browser(srv.url);
    const path = q({ response_type: 'code', client_id: s.client.clientId, state: 'abc' });
    const res = await anon.get(path);
    expect(res.status).to.equal(302);
    const loc = new URL(res.headers.get('location')!, srv.url);
    expect(loc.pathname).to.equal('/accounts/login/');
    expect(loc.searchParams.get('next')).to.equal(path);
  });

  it('renders a consent page that cannot be framed, naming the client and its scopes', async () => {
    const s = await codeFlowSetup(srv, { name: 'Photo Printer' });
    const res = await s.browser.get(q({ response_type: 'code', client_id: s.client.clientId, scope: 'read write' }));
    expect(res.status).to.equal(200);
    expect(res.headers.get('x-frame-options')).to.equal('DENY');
    expect(res.headers.get('content-security-policy')).to.include("frame-ancestors 'none'");
    const html = await res.text();
    expect(html).to.include('Photo Printer');
    expect(html).to.include('client.example.com');
    expect(html).to.include('name="scope" value="read write"');
  });

  it('shows an error page, never a redirect, for an unknown client_id or an unregistered redirect_uri', async () => {
    const s = await codeFlowSetup(srv);
    for (const params of [
      { response_type: 'code', client_id: 'unknown' },
      { response_type: 'code' },
      { response_type: 'code', client_id: s.client.clientId, redirect_uri: 'https://evil.example/cb' },
      { response_type: 'code', client_id: s.client.clientId, redirect_uri: 'https://client.example.com/cb/../evil' },
      { response_type: 'code', client_id: s.client.clientId, redirect_uri: 'https://client.example.com/CB' },
    ] as Record<string, string>[]) {
      const res = await s.browser.get(q(params));
      expect(res.status, JSON.stringify(params)).to.equal(400);
      expect(res.headers.get('location')).to.equal(null);
      expect(res.headers.get('content-type')).to.match(/text\/html/);
    }
    const dup = await s.browser.get(`/o/authorize/?response_type=code&client_id=${s.client.clientId}&redirect_uri=https://client.example.com/cb&redirect_uri=https://evil.example/`);
    expect(dup.status).to.equal(400);
    expect(dup.headers.get('location')).to.equal(null);
  });

  it('redirects other errors with error, state and iss', async () => {
    const s = await codeFlowSetup(srv);
    const cases: [Record<string, string>, string][] = [
      [{ client_id: s.client.clientId, state: 's1' }, 'invalid_request'],
      [{ response_type: 'magic', client_id: s.client.clientId, state: 's1' }, 'unsupported_response_type'],
      [{ response_type: 'code', client_id: s.client.clientId, scope: 'read delete-everything', state: 's1' }, 'invalid_scope'],
      [{ response_type: 'code', client_id: s.client.clientId, code_challenge: pkcePair().challenge, code_challenge_method: 'plain', state: 's1' }, 'invalid_request'],
      [{ response_type: 'token', client_id: s.client.clientId, state: 's1' }, 'unauthorized_client'],
    ];
    for (const [params, error] of cases) {
      const res = await s.browser.get(q(params));
      expect(res.status, error).to.equal(302);
      const loc = new URL(res.headers.get('location')!);
      expect(`${loc.origin}${loc.pathname}`).to.equal('https://client.example.com/cb');
      const values = params.response_type === 'token' ? new URLSearchParams(loc.hash.slice(1)) : loc.searchParams;
      expect(values.get('error'), JSON.stringify(params)).to.equal(error);
      expect(values.get('state')).to.equal('s1');
      expect(values.get('iss')).to.equal(srv.app.config.issuer);
    }
  });

  it('requires PKCE from public clients', async () => {
    const s = await codeFlowSetup(srv, { clientType: 'public' });
    const res = await s.browser.get(q({ response_type: 'code', client_id: s.client.clientId, state: 'p' }));
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).to.equal('invalid_request');
  });

  it('answers Deny with access_denied and records the refusal', async () => {
    const s = await codeFlowSetup(srv);
    const loc = await authorizeThroughConsent(s.browser, { response_type: 'code', client_id: s.client.clientId, state: 'd' }, 'deny');
    expect(loc.searchParams.get('error')).to.equal('access_denied');
    expect(loc.searchParams.get('state')).to.equal('d');
    expect(loc.searchParams.get('code')).to.equal(null);
  });

  it('rejects a consent POST without CSRF (403)', async () => {
    const s = await codeFlowSetup(srv);
    const res = await s.browser.post('/o/authorize/', { client_id: s.client.clientId, response_type: 'code', allow: 'Authorize' });
    expect(res.status).to.equal(403);
  });

  it('skips the consent page for scopes already granted (approval prompt auto) but not for new ones', async () => {
    const s = await codeFlowSetup(srv);
    await authorizeThroughConsent(s.browser, { response_type: 'code', client_id: s.client.clientId, scope: 'read' });
    const again = await s.browser.get(q({ response_type: 'code', client_id: s.client.clientId, scope: 'read' }));
    expect(again.status).to.equal(302);
    expect(new URL(again.headers.get('location')!).searchParams.get('code')).to.be.a('string');
    const wider = await s.browser.get(q({ response_type: 'code', client_id: s.client.clientId, scope: 'read write' }));
    expect(wider.status).to.equal(200);
  });

  it('always asks when APPROVAL_PROMPT is force', async () => {
    await srv.close();
    srv = await createTestApp({ approvalPrompt: 'force' });
    const s = await codeFlowSetup(srv);
    await authorizeThroughConsent(s.browser, { response_type: 'code', client_id: s.client.clientId, scope: 'read' });
    expect((await s.browser.get(q({ response_type: 'code', client_id: s.client.clientId, scope: 'read' }))).status).to.equal(200);
  });

  it('skips consent for skip_authorization clients', async () => {
    const s = await codeFlowSetup(srv, { skipAuthorization: true });
    const res = await s.browser.get(q({ response_type: 'code', client_id: s.client.clientId }));
    expect(res.status).to.equal(302);
    expect(new URL(res.headers.get('location')!).searchParams.get('code')).to.be.a('string');
  });

  it('issues an implicit token in the fragment, never a refresh token (RFC 6749 §4.2.2)', async () => {
    const s = await codeFlowSetup(srv, { grantTypes: ['implicit'] });
    const loc = await authorizeThroughConsent(s.browser, { response_type: 'token', client_id: s.client.clientId, state: 'imp' });
    expect(loc.search).to.equal('');
    const f = new URLSearchParams(loc.hash.slice(1));
    expect(f.get('token_type')).to.equal('Bearer');
    expect(f.get('state')).to.equal('imp');
    expect(f.get('refresh_token')).to.equal(null);
    const hello = await fetch(`${srv.url}/api/hello`, { headers: { authorization: `Bearer ${f.get('access_token')}` } });
    expect(hello.status).to.equal(200);
  });

  it('keeps the redirect URI query and adds the code to it (RFC 6749 §3.1.2)', async () => {
    const s = await codeFlowSetup(srv, { redirectUris: ['https://client.example.com/cb?tenant=7'] });
    const loc = await authorizeThroughConsent(s.browser, { response_type: 'code', client_id: s.client.clientId, redirect_uri: 'https://client.example.com/cb?tenant=7' });
    expect(loc.searchParams.get('tenant')).to.equal('7');
    expect(loc.searchParams.get('code')).to.be.a('string');
  });

  it('gives the admin scope only to administrators', async () => {
    const s = await codeFlowSetup(srv, { allowedScopes: ['read', 'admin'] });
    const res = await s.browser.get(q({ response_type: 'code', client_id: s.client.clientId, scope: 'admin', state: 'a' }));
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).to.equal('invalid_scope');
  });

  it('uses the single registered redirect URI when none is sent, and then requires none at the token endpoint', async () => {
    const s = await codeFlowSetup(srv);
    const { verifier, challenge } = pkcePair();
    const loc = await authorizeThroughConsent(s.browser, { response_type: 'code', client_id: s.client.clientId, code_challenge: challenge, code_challenge_method: 'S256' });
    expect(`${loc.origin}${loc.pathname}`).to.equal('https://client.example.com/cb');
    const res = await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code: loc.searchParams.get('code')!, code_verifier: verifier }, s.auth);
    expect(res.status).to.equal(200);
  });

  it('OpenID Connect Core §3.1.2.1: with scope openid, redirect_uri is required even when one is registered (an error page, no redirect)', async () => {
    const s = await codeFlowSetup(srv, { allowedScopes: ['openid'] });
    const { challenge } = pkcePair();
    const res = await s.browser.get(`/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: s.client.clientId, scope: 'openid', nonce: 'n', code_challenge: challenge, code_challenge_method: 'S256' })}`);
    expect(res.status).to.equal(400);
    expect(res.headers.get('location')).to.equal(null);
    expect(await res.text()).to.include('redirect_uri is required');
  });
});
