import { expect } from 'chai';
import * as client from 'openid-client';
import { createTestApp, type TestServer } from '../helpers.ts';
import { authorizeThroughConsent, codeFlowSetup, pkcePair } from '../oauth-helpers.ts';

type Json = Record<string, any>;

/** openid-client's code flow for a public client, the redirect URI chosen at run time as a native app would. */
async function nativeFlow(t: TestServer, setup: Awaited<ReturnType<typeof codeFlowSetup>>, redirectUri: string) {
  const config = await client.discovery(new URL(t.app.config.issuer), setup.client.clientId, undefined, client.None(), { algorithm: 'oauth2', execute: [client.allowInsecureRequests] });
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, { redirect_uri: redirectUri, scope: 'read', state, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
  const callback = await authorizeThroughConsent(setup.browser, Object.fromEntries(url.searchParams));
  expect(callback.href.startsWith(redirectUri), callback.href).to.equal(true);
  return client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
}

describe('OAuth 2.0 for Native Apps (RFC 8252)', () => {
  let t: TestServer;
  before(async () => { t = await createTestApp({ registration: 'open', rateLimit: { registrationsPerSource: 10_000 } }); });
  after(() => t.close());

  const publicClient = (redirectUris: string[]) => codeFlowSetup(t, { clientType: 'public', tokenEndpointAuthMethod: 'none', redirectUris, allowedScopes: ['read'] });

  it('§7.3: a loopback IP literal registered without a port matches any port (openid-client, IPv4 and IPv6)', async () => {
    const setup = await publicClient(['http://127.0.0.1/callback', 'http://[::1]/callback']);
    expect((await nativeFlow(t, setup, 'http://127.0.0.1:53123/callback')).access_token).to.be.a('string');
    expect((await nativeFlow(t, setup, 'http://[::1]:61000/callback')).access_token).to.be.a('string');
  });

  it('§7.3: registered with a port, another port matches too; the path and scheme still match exactly', async () => {
    const setup = await publicClient(['http://127.0.0.1:8080/callback']);
    expect((await nativeFlow(t, setup, 'http://127.0.0.1:49152/callback')).access_token).to.be.a('string');
    for (const uri of ['http://127.0.0.1:49152/callback/x', 'http://127.0.0.1:49152/other', 'https://127.0.0.1:49152/callback', 'http://127.0.0.2:49152/callback']) {
      const res = await setup.browser.get(`/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: setup.client.clientId, redirect_uri: uri, code_challenge: pkcePair().challenge, code_challenge_method: 'S256' })}`);
      expect(res.status, uri).to.equal(400);
      expect(res.headers.get('location'), uri).to.equal(null);
    }
  });

  it('§8.3: localhost is accepted for compatibility but matched exactly (no port flexibility: only IP literals get it)', async () => {
    const setup = await publicClient(['http://localhost:3000/callback']);
    expect((await nativeFlow(t, setup, 'http://localhost:3000/callback')).access_token).to.be.a('string');
    const res = await setup.browser.get(`/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: setup.client.clientId, redirect_uri: 'http://localhost:3001/callback', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' })}`);
    expect(res.status).to.equal(400);
    expect(res.headers.get('location')).to.equal(null);
  });

  it('§7.1: a private-use (reverse-domain) scheme redirect works with openid-client', async () => {
    const setup = await publicClient(['com.example.app:/oauth2redirect']);
    expect((await nativeFlow(t, setup, 'com.example.app:/oauth2redirect')).access_token).to.be.a('string');
  });

  describe('Registration §2 application_type through dynamic registration', () => {
    const register = async (body: Json) => {
      const res = await fetch(`${t.url}/o/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: await res.json() as Json };
    };

    it('native: stored and returned; loopback, private-use scheme and claimed https redirect URIs', async () => {
      const { status, body } = await register({ application_type: 'native', token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1/cb', 'http://[::1]/cb', 'com.example.app:/cb', 'https://app.example.com/cb'] });
      expect(status, JSON.stringify(body)).to.equal(201);
      expect(body.application_type).to.equal('native');
      expect((await t.app.stores.sql.all<Json>('select application_type from applications where client_id = ?', [body.client_id]))[0].application_type).to.equal('native');
      const read = await fetch(body.registration_client_uri, { headers: { Authorization: `Bearer ${body.registration_access_token}` } });
      expect((await read.json() as Json).application_type).to.equal('native');
    });

    it('web is the default, and is returned', async () => {
      const { status, body } = await register({ redirect_uris: ['https://rp.example/cb'] });
      expect(status).to.equal(201);
      expect(body.application_type).to.equal('web');
    });

    it('native: an http redirect URI off loopback is invalid_redirect_uri (RFC 8252 §7.3)', async () => {
      const { status, body } = await register({ application_type: 'native', token_endpoint_auth_method: 'none', redirect_uris: ['http://app.example.com/cb'] });
      expect(status).to.equal(400);
      expect(body.error).to.equal('invalid_redirect_uri');
    });

    it('an unknown application_type is invalid_client_metadata', async () => {
      const { status, body } = await register({ application_type: 'desktop', redirect_uris: ['https://rp.example/cb'] });
      expect(status).to.equal(400);
      expect(body.error).to.equal('invalid_client_metadata');
    });
  });

  it('Registration §2: a web client with the implicit grant registers neither localhost nor a private-use scheme (in production; administrator via the seeder)', async () => {
    const prod = await createTestApp({ allowInsecureTransport: false, issuer: 'https://gatehouse.example' });
    try {
      const owner = await prod.app.seed.user({ username: 'implicit-owner' });
      for (const uri of ['http://localhost:3000/cb', 'http://127.0.0.1/cb', 'com.example.app:/cb']) {
        let error: Error | null = null;
        try { await prod.app.seed.client({ owner, grantTypes: ['implicit'], redirectUris: [uri], allowedScopes: ['openid'] }); } catch (e) { error = e as Error; }
        expect(error?.message, uri).to.match(/redirectUris/);
      }
      const ok = await prod.app.seed.client({ owner, grantTypes: ['implicit'], redirectUris: ['https://spa.example/cb'], allowedScopes: ['openid'] });
      expect(ok.client.applicationType).to.equal('web');
      // Without the implicit grant, a web client keeps the general rules (loopback and private-use schemes allowed).
      const code = await prod.app.seed.client({ owner, clientType: 'public', tokenEndpointAuthMethod: 'none', grantTypes: ['authorization_code'], redirectUris: ['http://127.0.0.1/cb', 'com.example.app:/cb'] });
      expect(code.client.redirectUris).to.have.length(2);
    } finally { await prod.close(); }
  });
});
