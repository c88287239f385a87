import { expect } from 'chai';
import { createTestApp, type TestServer } from '../helpers.ts';
import { authorizeThroughConsent, codeFlowSetup, pkcePair, postForm } from '../oauth-helpers.ts';

const CB = 'https://client.example.com/cb';

// SECURITY_PROFILE=mcp (MCP authorization 2025-11-25): oauth2.1 plus RFC 8707 resource on every request.
describe('Security profile mcp (MCP authorization 2025-11-25)', () => {
  let t: TestServer;
  before(async () => { t = await createTestApp({ securityProfile: 'mcp', registration: 'open' }); });
  after(() => t.close());

  it('oauth2.1:no-implicit (inherited): dynamic registration of an implicit client names the rule', async () => {
    const res = await fetch(`${t.url}/o/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: [CB], grant_types: ['implicit'], response_types: ['token'], token_endpoint_auth_method: 'none' }) });
    expect(res.status).to.equal(400);
    const body = await res.json() as Record<string, string>;
    expect(body.error).to.equal('invalid_client_metadata');
    expect(body.error_description).to.contain('oauth2.1:no-implicit');
  });

  it('mcp:resource-indicator: an authorization request without resource is redirected invalid_target naming the rule', async () => {
    const setup = await codeFlowSetup(t);
    const { challenge } = pkcePair();
    const res = await setup.browser.get(`/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: setup.client.clientId, redirect_uri: CB, scope: 'read', state: 's', code_challenge: challenge, code_challenge_method: 'S256' })}`);
    expect(res.status).to.equal(302);
    const loc = new URL(res.headers.get('location')!);
    expect(loc.searchParams.get('error')).to.equal('invalid_target');
    expect(loc.searchParams.get('error_description')).to.match(/^mcp:resource-indicator: /);
  });

  it('mcp:resource-indicator: a client_credentials token request without resource is invalid_target naming the rule', async () => {
    const setup = await codeFlowSetup(t, { grantTypes: ['client_credentials'], redirectUris: [] });
    const res = await postForm(`${t.url}/o/token/`, { grant_type: 'client_credentials', scope: 'read' }, setup.auth);
    expect(res.status).to.equal(400);
    const body = await res.json() as Record<string, string>;
    expect(body.error).to.equal('invalid_target');
    expect(body.error_description).to.match(/^mcp:resource-indicator: /);
  });

  it('a conforming code flow (PKCE S256, resource on both requests) gets a token for that resource', async () => {
    const setup = await codeFlowSetup(t);
    const resource = t.app.config.issuer;
    const { verifier, challenge } = pkcePair();
    const loc = await authorizeThroughConsent(setup.browser, { response_type: 'code', client_id: setup.client.clientId, redirect_uri: CB, scope: 'read', resource, code_challenge: challenge, code_challenge_method: 'S256' });
    const code = loc.searchParams.get('code');
    expect(code).to.be.a('string');
    const res = await postForm(`${t.url}/o/token/`, { grant_type: 'authorization_code', code: code!, redirect_uri: CB, code_verifier: verifier, resource }, setup.auth);
    expect(res.status).to.equal(200);
    const api = await fetch(`${t.url}/api/hello`, { headers: { Authorization: `Bearer ${(await res.json() as Record<string, string>).access_token}` } });
    expect(api.status).to.equal(200);
  });

  it('discovery: S256 only, registration and client ID metadata documents on, protected resource metadata published', async () => {
    const meta = await (await fetch(`${t.url}/.well-known/oauth-authorization-server`)).json() as Record<string, unknown>;
    expect(meta.code_challenge_methods_supported).to.deep.equal(['S256']);
    expect(meta.registration_endpoint).to.be.a('string');
    expect(meta.client_id_metadata_document_supported).to.equal(true);
    expect((await fetch(`${t.url}/.well-known/oauth-protected-resource`)).status).to.equal(200);
  });

  it('mcp:resource-indicator: a device authorization request (RFC 8628 §3.1) without resource is invalid_target naming the rule; with one it gets a code', async () => {
    const owner = await t.app.seed.user({ username: `dev${Date.now()}` });
    const { client } = await t.app.seed.client({ owner, clientType: 'public', tokenEndpointAuthMethod: 'none', grantTypes: ['urn:ietf:params:oauth:grant-type:device_code' as never], redirectUris: [], allowedScopes: ['read'] });
    const res = await postForm(`${t.url}/o/device-authorization/`, { client_id: client.clientId, scope: 'read' });
    expect(res.status).to.equal(400);
    const body = await res.json() as Record<string, string>;
    expect(body.error).to.equal('invalid_target');
    expect(body.error_description).to.match(/^mcp:resource-indicator: /);
    expect(await t.app.stores.sql.all('select id from device_codes where application_id = ?', [client.id])).to.have.length(0);
    const ok = await postForm(`${t.url}/o/device-authorization/`, { client_id: client.clientId, scope: 'read', resource: t.app.config.issuer });
    expect(ok.status).to.equal(200);
  });
});
