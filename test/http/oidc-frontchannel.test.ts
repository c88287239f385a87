import { expect } from 'chai';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { createTestApp, csrfFrom, formFieldsFrom, type TestServer } from '../helpers.ts';
import { codeFlowSetup, codeFlowTokens } from '../oauth-helpers.ts';
import { actors, CLIENT_INPUT } from '../graphql/gql-helpers.ts';

const REGISTER = `mutation($input: ClientInput!) { registerClient(input: $input) { client { id frontchannelLogoutUri frontchannelLogoutSessionRequired } } }`;
const iframes = (html: string) => [...html.matchAll(/<iframe[^>]*src="([^"]+)"/g)].map((m) => m[1].replace(/&amp;/g, '&'));
const frameSrc = (csp: string | null) => /frame-src ([^;]+)/.exec(csp ?? '')?.[1];

describe('OpenID Connect Front-Channel Logout 1.0', () => {
  let t: TestServer;
  before(async () => { t = await createTestApp(); });
  after(() => t.close());

  it('§3 discovery: frontchannel_logout_supported and frontchannel_logout_session_supported', async () => {
    const doc = await (await fetch(`${t.url}/.well-known/openid-configuration`)).json();
    expect(doc).to.include({ frontchannel_logout_supported: true, frontchannel_logout_session_supported: true });
  });

  it('§2 registration through GraphQL: scheme, host and port of a redirect URI; https or loopback http; no fragment', async () => {
    const a = await actors(t);
    const ok = await a.user(REGISTER, { input: { ...CLIENT_INPUT, frontchannelLogoutUri: 'https://client.example.com/fc?x=1', frontchannelLogoutSessionRequired: true } });
    expect(ok.errors).to.equal(undefined);
    expect(ok.data.registerClient.client).to.include({ frontchannelLogoutUri: 'https://client.example.com/fc?x=1', frontchannelLogoutSessionRequired: true });
    const local = await a.user(REGISTER, { input: { ...CLIENT_INPUT, redirectUris: ['http://localhost:5173/cb'], frontchannelLogoutUri: 'http://localhost:5173/fc' } });
    expect(local.errors).to.equal(undefined);
    for (const [redirect, uri] of [
      ['https://client.example.com/cb', 'https://other.example/fc'], // another host
      ['https://client.example.com/cb', 'https://client.example.com:8443/fc'], // another port
      ['https://client.example.com/cb', 'http://client.example.com/fc'], // another scheme, and not loopback
      ['http://client.example.com/cb', 'http://client.example.com/fc'], // http off loopback, even if it matches
      ['https://client.example.com/cb', 'https://client.example.com/fc#frag'],
      ['https://client.example.com/cb', 'javascript:alert(1)'],
      ['com.example.app:/cb', 'com.example.app:/fc'],
    ]) {
      // A private-use scheme redirect is a public (native) client's (RFC 8252 §8.4, issue 20 #9).
      const publicIfNative = redirect.startsWith('http') ? {} : { clientType: 'PUBLIC', tokenEndpointAuthMethod: 'NONE' };
      const r = await a.user(REGISTER, { input: { ...CLIENT_INPUT, ...publicIfNative, redirectUris: [redirect], frontchannelLogoutUri: uri } });
      expect(r.errors?.[0]?.extensions?.code, uri).to.equal('BAD_USER_INPUT');
      expect((r.errors![0].extensions.fields as { path: string[] }[]).map((f) => f.path.join('.')), uri).to.deep.equal(['input.frontchannelLogoutUri']);
    }
  });

  it('the registration form keeps the fields and names the error', async () => {
    const s = await codeFlowSetup(t, { allowedScopes: ['openid'] });
    const csrf = await s.browser.csrf('/o/applications/register/');
    const bad = await s.browser.post('/o/applications/register/', { csrfmiddlewaretoken: csrf, name: 'FC', client_type: 'confidential', grant_types: 'authorization_code', redirect_uris: 'https://rp.example/cb', allowed_scopes: 'openid', frontchannel_logout_uri: 'https://evil.example/fc' });
    expect(bad.status).to.equal(400);
    const html = await bad.text();
    expect(html).to.match(/id="frontchannel_logout_uri"[^>]*aria-invalid="true"|role="alert"/);
    const good = await s.browser.post('/o/applications/register/', { ...formFieldsFrom(html), name: 'FC', client_type: 'confidential', grant_types: 'authorization_code', redirect_uris: 'https://rp.example/cb', allowed_scopes: 'openid', frontchannel_logout_uri: 'https://rp.example/fc', frontchannel_logout_session_required: 'on' });
    expect(good.status).to.equal(302);
    const row = await t.app.stores.sql.get<{ frontchannel_logout_uri: string; frontchannel_logout_session_required: number | boolean }>('select frontchannel_logout_uri, frontchannel_logout_session_required from applications where name = ? order by id desc', ['FC']);
    expect([row!.frontchannel_logout_uri, Boolean(row!.frontchannel_logout_session_required)]).to.deep.equal(['https://rp.example/fc', true]);
  });

  it('§3-§4: the signed-out page frames each RP\'s page (iss and sid when required), and its CSP allows those origins alone', async () => {
    const s = await codeFlowSetup(t, { allowedScopes: ['openid'], frontchannelLogoutUri: 'https://client.example.com/fc?app=1', frontchannelLogoutSessionRequired: true, postLogoutRedirectUris: ['https://client.example.com/bye'] });
    const jwks = createLocalJWKSet(await (await fetch(`${t.url}/.well-known/jwks.json`)).json() as JSONWebKeySet);
    const { id_token: idToken } = await codeFlowTokens(t, s, { scope: 'openid' });
    const { payload } = await jwtVerify(idToken, jwks);

    const ask = await s.browser.get(`/o/logout/?${new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: 'https://client.example.com/bye', state: 's1' })}`);
    // The confirmation page frames nothing.
    expect(frameSrc(ask.headers.get('content-security-policy'))).to.equal("'none'");
    const done = await s.browser.post('/o/logout/confirm/', { csrfmiddlewaretoken: csrfFrom(await ask.text())! });
    expect(done.status).to.equal(200);
    const html = await done.text();
    const srcs = iframes(html);
    const mine = new URL(srcs.find((u) => u.startsWith('https://client.example.com/'))!);
    expect(Object.fromEntries(mine.searchParams)).to.deep.equal({ app: '1', iss: t.app.config.issuer, sid: payload.sid });
    expect(frameSrc(done.headers.get('content-security-policy'))!.split(' ')).to.include('https://client.example.com').and.not.include("'none'");
    expect(done.headers.get('content-security-policy')).to.include("frame-ancestors 'none'");
    // The post-logout redirect still happens, after the frames had a moment to load.
    expect(html).to.include('https://client.example.com/bye?state=s1');
    // The session is over.
    expect((await s.browser.get('/o/authorized_tokens/')).status).to.equal(302);
  });

  it('an RP registered without session required gets no iss or sid; other pages keep frame-src \'none\'', async () => {
    const s = await codeFlowSetup(t, { allowedScopes: ['openid'], frontchannelLogoutUri: 'https://client.example.com/fc' });
    await codeFlowTokens(t, s, { scope: 'openid' });
    const home = await s.browser.get('/o/applications/');
    expect(frameSrc(home.headers.get('content-security-policy'))).to.equal("'none'");
    const done = await s.browser.post('/o/logout/confirm/', { csrfmiddlewaretoken: csrfFrom(await (await s.browser.get('/o/logout/')).text())! });
    expect(iframes(await done.text())).to.deep.equal(['https://client.example.com/fc']);
    expect(frameSrc(done.headers.get('content-security-policy'))).to.equal('https://client.example.com');
  });
});
