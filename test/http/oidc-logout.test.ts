import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { createTestApp, csrfFrom, type TestServer } from '../helpers.ts';
import { codeFlowSetup, codeFlowTokens } from '../oauth-helpers.ts';
import { isPrivateAddress } from '../../src/oidc/outbound.ts';

/** A relying party's back-channel endpoint: resolves with each logout_token it receives. */
function testRp(): Promise<{ url: string; received: Promise<string>; server: Server }> {
  let got!: (t: string) => void;
  const received = new Promise<string>((r) => { got = r; });
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { got(new URLSearchParams(body).get('logout_token') ?? ''); res.writeHead(200).end(); });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}/bc`, received, server })));
}

describe('OpenID Connect RP-Initiated Logout 1.0 and Back-Channel Logout 1.0', () => {
  let t: TestServer;
  before(async () => { t = await createTestApp({ outboundAllowedHosts: ['127.0.0.1'] }); });
  after(() => t.close());

  const setup = (extra = {}) => codeFlowSetup(t, { allowedScopes: ['openid', 'read'], postLogoutRedirectUris: ['https://client.example.com/bye'], ...extra });

  it('discovery names the end_session_endpoint and the back-channel support', async () => {
    const doc = await (await fetch(`${t.url}/.well-known/openid-configuration`)).json();
    expect(doc).to.include({ end_session_endpoint: `${t.app.config.issuer}/o/logout/`, backchannel_logout_supported: true, backchannel_logout_session_supported: true, frontchannel_logout_supported: true });
  });

  it('§2-§3: id_token_hint + exact post_logout_redirect_uri + state: a CSRF-protected confirmation, then the redirect with state', async () => {
    const s = await setup();
    const { id_token: hint } = await codeFlowTokens(t, s, { scope: 'openid' });
    const page = await s.browser.get(`/o/logout/?${new URLSearchParams({ id_token_hint: hint, post_logout_redirect_uri: 'https://client.example.com/bye', state: 'st 1', ui_locales: 'fr-CA en' })}`);
    expect(page.status).to.equal(200);
    expect(page.headers.get('x-frame-options') ?? page.headers.get('content-security-policy')).to.match(/DENY|frame-ancestors 'none'/i);
    expect(page.headers.get('content-language')).to.equal('fr');
    const html = await page.text();
    // Without the CSRF token the confirmation is refused, and the session lives on.
    expect((await s.browser.post('/o/logout/confirm/', {})).status).to.equal(403);
    const done = await s.browser.post('/o/logout/confirm/', { csrfmiddlewaretoken: csrfFrom(html)! });
    expect(done.status).to.equal(302);
    expect(done.headers.get('location')).to.equal('https://client.example.com/bye?state=st+1');
    expect((await s.browser.get('/o/authorized_tokens/')).status).to.equal(302);
  });

  it('§3.1: a post_logout_redirect_uri not registered exactly is refused with a page, never redirected', async () => {
    const s = await setup();
    for (const uri of ['https://client.example.com/bye/', 'https://client.example.com/bye?x=1', 'https://evil.example/bye']) {
      const res = await s.browser.get(`/o/logout/?${new URLSearchParams({ client_id: s.client.clientId, post_logout_redirect_uri: uri })}`);
      expect(res.status, uri).to.equal(400);
      expect(res.headers.get('location'), uri).to.equal(null);
    }
    // Without a client there is nothing to match against.
    expect((await s.browser.get(`/o/logout/?post_logout_redirect_uri=${encodeURIComponent('https://client.example.com/bye')}`)).status).to.equal(400);
  });

  it('an id_token_hint of another client is refused, and a forged hint is refused', async () => {
    const a = await setup();
    const b = await setup();
    const { id_token: hintA } = await codeFlowTokens(t, a, { scope: 'openid' });
    const res = await b.browser.get(`/o/logout/?${new URLSearchParams({ id_token_hint: hintA, client_id: b.client.clientId, post_logout_redirect_uri: 'https://client.example.com/bye' })}`);
    expect(res.status).to.equal(400);
    const [h, p] = hintA.split('.');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${p}.`;
    for (const forged of [unsigned, `${h}.${p}.AAAA`]) {
      expect((await b.browser.get(`/o/logout/?id_token_hint=${forged}`)).status).to.equal(400);
    }
  });

  // Attacker read 11, F5: a signed UserInfo response (same keys, no typ) passed as an id_token_hint offered the
  // post_logout_redirect_uri and named the user at the authorization endpoint. An ID Token has exp and iat (Core §2).
  it('a signed UserInfo response is no id_token_hint: refused at logout and at the authorization endpoint', async () => {
    const s = await setup({ userinfoSignedResponseAlg: 'ES256' });
    const { access_token } = await codeFlowTokens(t, s, { scope: 'openid' });
    const userinfo = await (await fetch(`${t.url}/o/userinfo/`, { headers: { authorization: `Bearer ${access_token}` } })).text();
    expect(userinfo.split('.'), 'a compact JWS').to.have.length(3);
    const logout = await s.browser.get(`/o/logout/?${new URLSearchParams({ id_token_hint: userinfo, post_logout_redirect_uri: 'https://client.example.com/bye', state: 's' })}`);
    expect(logout.status).to.equal(400);
    const authorize = await s.browser.get(`/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: s.client.clientId, redirect_uri: 'https://client.example.com/cb', scope: 'openid', state: 'x', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', prompt: 'none', id_token_hint: userinfo })}`);
    const back = new URL(authorize.headers.get('location') ?? 'about:blank');
    expect(back.searchParams.get('error'), `${authorize.status}`).to.equal('invalid_request');
  });

  it('without a hint or redirect: confirmation, then a signed-out page', async () => {
    const s = await setup();
    const html = await (await s.browser.get('/o/logout/')).text();
    const res = await s.browser.post('/o/logout/confirm/', { csrfmiddlewaretoken: csrfFrom(html)! });
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/html/);
  });

  it('Back-Channel §2.5: the logout_token reaches the relying party, verified against our JWKS, with sid as in the ID Token', async () => {
    const rp = await testRp();
    try {
      const s = await setup({ backchannelLogoutUri: rp.url, backchannelLogoutSessionRequired: true, idTokenSignedResponseAlg: 'ES256' });
      const jwks = createLocalJWKSet(await (await fetch(`${t.url}/.well-known/jwks.json`)).json() as JSONWebKeySet);
      const { id_token: idToken } = await codeFlowTokens(t, s, { scope: 'openid' });
      const { payload: id } = await jwtVerify(idToken, jwks);
      expect(id.sid).to.be.a('string');
      const html = await (await s.browser.get('/o/logout/')).text();
      await s.browser.post('/o/logout/confirm/', { csrfmiddlewaretoken: csrfFrom(html)! });
      const token = await rp.received;
      expect(decodeProtectedHeader(token).typ).to.equal('logout+jwt');
      // §2.4: the keys of the client's ID Tokens, so the algorithm it registered for them.
      expect([decodeProtectedHeader(idToken).alg, decodeProtectedHeader(token).alg]).to.deep.equal(['ES256', 'ES256']);
      const { payload } = await jwtVerify(token, jwks, { issuer: t.app.config.issuer, audience: s.client.clientId, typ: 'logout+jwt' });
      expect(payload).to.include({ sub: String(s.user.id), sid: id.sid });
      expect(payload.events).to.deep.equal({ 'http://schemas.openid.net/event/backchannel-logout': {} });
      expect(payload).to.not.have.property('nonce');
      expect(payload.jti).to.be.a('string');
      await t.app.backchannel.idle();
      const events = await t.app.stores.sql.all<{ type: string }>('select type from events where client_id = ? and type like ?', [s.client.clientId, 'logout.backchannel.%']);
      expect(events.map((e) => e.type)).to.deep.equal(['logout.backchannel.delivered']);
    } finally { rp.server.close(); }
  });

  it('a private target not on the allow-list is refused (SSRF), one failed event, no retry', async () => {
    const rp = await testRp();
    const strict = await createTestApp();
    try {
      const s = await codeFlowSetup(strict, { allowedScopes: ['openid'], backchannelLogoutUri: rp.url });
      await codeFlowTokens(strict, s, { scope: 'openid' });
      const html = await (await s.browser.get('/o/logout/')).text();
      await s.browser.post('/o/logout/confirm/', { csrfmiddlewaretoken: csrfFrom(html)! });
      await strict.app.backchannel.idle();
      const events = await strict.app.stores.sql.all<{ type: string; detail: string }>('select type, detail from events where client_id = ? and type like ?', [s.client.clientId, 'logout.backchannel.%']);
      expect(events.map((e) => e.type)).to.deep.equal(['logout.backchannel.failed']);
      expect(events[0].detail).to.match(/refused/);
    } finally { rp.server.close(); await strict.close(); }
    for (const a of ['127.0.0.1', '10.1.2.3', '169.254.169.254', '192.168.0.1', '::1', 'fe80::1', '::ffff:127.0.0.1']) expect(isPrivateAddress(a), a).to.equal(true);
    expect(isPrivateAddress('93.184.216.34')).to.equal(false);
  });
});
