import { expect } from 'chai';
import { createTestApp, type TestServer } from '../helpers.ts';
import { authorizeThroughConsent, codeFlowSetup, codeFlowTokens, postForm } from '../oauth-helpers.ts';

const register = (t: TestServer, body: Record<string, unknown>) => fetch(`${t.url}/o/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

// SECURITY_PROFILE=oauth2.1 (draft-ietf-oauth-v2-1): each refusal names the profile rule it enforces.
describe('Security profile oauth2.1 (draft-ietf-oauth-v2-1)', () => {
  let t: TestServer;
  before(async () => { t = await createTestApp({ securityProfile: 'oauth2.1', registration: 'open' }); });
  after(() => t.close());

  it('oauth2.1:no-implicit: dynamic registration of an implicit client is invalid_client_metadata naming the rule', async () => {
    const res = await register(t, { redirect_uris: ['https://client.example.com/cb'], grant_types: ['implicit'], response_types: ['token'], token_endpoint_auth_method: 'none' });
    expect(res.status).to.equal(400);
    const body = await res.json() as Record<string, string>;
    expect(['invalid_client_metadata']).to.include(body.error);
    expect(body.error_description).to.contain('oauth2.1:no-implicit');
  });

  it('oauth2.1:no-password: an operator (seed, CLI, GraphQL path) cannot register a password client', async () => {
    const owner = await t.app.seed.user({ username: 'pw-owner' });
    let error: unknown;
    try { await t.app.seed.client({ owner, grantTypes: ['password'], redirectUris: [] }); } catch (e) { error = e; }
    expect(String(error)).to.contain('oauth2.1:no-password');
  });

  it('oauth2.1:pkce-s256: a confidential client\'s authorization request without code_challenge is refused (redirected invalid_request)', async () => {
    const setup = await codeFlowSetup(t);
    const res = await setup.browser.get(`/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: setup.client.clientId, redirect_uri: 'https://client.example.com/cb', scope: 'read', state: 's1' })}`);
    expect(res.status).to.equal(302);
    const loc = new URL(res.headers.get('location')!);
    expect(loc.searchParams.get('error')).to.equal('invalid_request');
    expect(loc.searchParams.get('error_description')).to.match(/^oauth2\.1:pkce-s256: /);
    expect(loc.searchParams.get('state')).to.equal('s1');
  });

  it('oauth2.1:no-password: a client given the password grant before the profile is refused at the token endpoint', async () => {
    const setup = await codeFlowSetup(t);
    await t.app.stores.clients.update(setup.client.id, { ...setup.client, grantTypes: ['authorization_code', 'password'] });
    const res = await postForm(`${t.url}/o/token/`, { grant_type: 'password', username: setup.user.username, password: setup.user.password, scope: 'read' }, setup.auth);
    expect(res.status).to.equal(400);
    const body = await res.json() as Record<string, string>;
    expect(body.error).to.equal('unsupported_grant_type');
    expect(body.error_description).to.match(/^oauth2\.1:no-password: /);
  });

  it('a conforming code flow (PKCE S256, exact redirect) succeeds', async () => {
    const setup = await codeFlowSetup(t);
    const tokens = await codeFlowTokens(t, setup);
    expect(tokens.access_token).to.be.a('string');
    expect(tokens.refresh_token).to.be.a('string');
  });

  it('oauth2.1:pkce-s256: PKCE plain, and a public client without PKCE, are refused naming the rule', async () => {
    const setup = await codeFlowSetup(t);
    const plain = await authorizeThroughConsent(setup.browser, { response_type: 'code', client_id: setup.client.clientId, redirect_uri: 'https://client.example.com/cb', scope: 'read', code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' });
    expect(plain.searchParams.get('error')).to.equal('invalid_request');
    expect(plain.searchParams.get('error_description')).to.match(/^oauth2\.1:pkce-s256: /);
    const pub = await codeFlowSetup(t, { clientType: 'public', tokenEndpointAuthMethod: 'none' });
    const none = await authorizeThroughConsent(pub.browser, { response_type: 'code', client_id: pub.client.clientId, redirect_uri: 'https://client.example.com/cb', scope: 'read' });
    expect(none.searchParams.get('error_description')).to.match(/^oauth2\.1:pkce-s256: /);
  });

  it('discovery advertises only S256, and no implicit or password grant', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const meta = await (await fetch(`${t.url}${path}`)).json() as Record<string, string[]>;
      expect(meta.code_challenge_methods_supported).to.deep.equal(['S256']);
      expect(meta.grant_types_supported).not.to.include.members(['implicit']);
      expect(meta.grant_types_supported).not.to.include('password');
      expect(meta.response_types_supported.some((r) => r.split(' ').includes('token'))).to.equal(false);
      expect(meta.response_types_supported).to.include('code');
    }
  });

  describe('oauth2.1:no-oauth1: OAuth 1.0a (RFC 5849) is outside the profile', () => {
    it('no client write path may turn it on: seed/CLI/GraphQL (validateClientInput) and the applications form', async () => {
      const owner = await t.app.seed.user({ username: `o1${Date.now()}` });
      let error: unknown;
      try { await t.app.seed.client({ owner, redirectUris: ['https://client.example.com/cb'], oauth1Enabled: true }); } catch (e) { error = e; }
      expect(String(error)).to.contain('oauth2.1:no-oauth1');
      const setup = await codeFlowSetup(t);
      const csrf = await setup.browser.csrf(`/o/applications/${setup.client.id}/update/`);
      const res = await setup.browser.post(`/o/applications/${setup.client.id}/update/`, {
        csrfmiddlewaretoken: csrf, name: 'x', client_type: 'confidential', grant_types: ['authorization_code'], allowed_scopes: ['read'], redirect_uris: 'https://client.example.com/cb', oauth1_enabled: 'on',
      });
      expect(res.status).to.not.equal(302);
      expect(await res.text()).to.contain('oauth2.1:no-oauth1');
      expect((await t.app.stores.clients.findById(setup.client.id))!.oauth1Enabled).to.equal(false);
    });

    it('a client that had it before the profile: /oauth1/initiate, /oauth1/token and OAuth 1 resources answer 400 version_rejected naming the rule; /oauth1/authorize shows no consent', async () => {
      const setup = await codeFlowSetup(t);
      await t.app.stores.clients.update(setup.client.id, { ...setup.client, oauth1Enabled: true });
      for (const path of ['/oauth1/initiate', '/oauth1/token']) {
        const res = await fetch(`${t.url}${path}`, { method: 'POST', headers: { authorization: `OAuth oauth_consumer_key="${setup.client.clientId}", oauth_signature_method="PLAINTEXT", oauth_signature="${setup.secret}%26", oauth_callback="oob"` } });
        expect(res.status, path).to.equal(400);
        const body = await res.json() as Record<string, string>;
        expect(body.error, path).to.equal('version_rejected');
        expect(body.error_description, path).to.match(/^oauth2\.1:no-oauth1: /);
      }
      const resource = await fetch(`${t.url}/api/oauth1/user`, { headers: { authorization: `OAuth oauth_consumer_key="${setup.client.clientId}"` } });
      expect(resource.status).to.equal(400);
      expect((await resource.json() as Record<string, string>).error).to.equal('version_rejected');
      const page = await setup.browser.get('/oauth1/authorize?oauth_token=anything');
      expect(page.status).to.equal(400);
      expect(await page.text()).to.contain('oauth2.1:no-oauth1');
    });
  });
});
