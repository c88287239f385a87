import { expect } from 'chai';
import * as client from 'openid-client';
import { createTestApp, type TestServer } from '../helpers.ts';
import { authorizeThroughConsent, codeFlowSetup, postForm } from '../oauth-helpers.ts';
import { scopeDescriptions } from '../../src/oauth2/scope.ts';

const CALLBACK = 'http://127.0.0.1:8080/callback';
const MCP = 'https://mcp.example/mcp';
const DOCS = 'https://docs.example/api';

// openid-client v6 passes RFC 8707 `resource` as an extra parameter on each request, the way its README shows.
describe('e2e: openid-client with RFC 8707 resource indicators', () => {
  let srv: TestServer;
  before(async () => {
    srv = await createTestApp({ scopes: { ...scopeDescriptions(), 'mcp:tools': 'Use the tools' } });
    await srv.app.stores.resourceServers.create({ identifier: MCP, name: 'MCP', scopes: ['mcp:tools'], accessTokenFormat: 'jwt', accessTokenTtl: null });
    await srv.app.stores.resourceServers.create({ identifier: DOCS, name: 'Docs', scopes: ['read'], accessTokenFormat: 'opaque', accessTokenTtl: null });
  });
  after(() => srv.close());

  it('authorization code + PKCE, refresh and client credentials, each with resource; errors surface as invalid_target', async () => {
    const setup = await codeFlowSetup(srv, { redirectUris: [CALLBACK], grantTypes: ['authorization_code', 'client_credentials'], allowedScopes: ['read', 'mcp:tools'] });
    const config = await client.discovery(new URL(srv.app.config.issuer), setup.client.clientId, setup.secret!, client.ClientSecretBasic(setup.secret!),
      { algorithm: 'oauth2', execute: [client.allowInsecureRequests] });
    const auth = { id: setup.client.clientId, secret: setup.secret! };
    const introspect = async (t: string) => (await postForm(`${srv.url}/o/introspect/`, { token: t }, auth)).json() as Promise<Record<string, unknown>>;

    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK, scope: 'read mcp:tools', state, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    url.searchParams.append('resource', MCP);
    url.searchParams.append('resource', DOCS);
    const callback = await authorizeThroughConsent(setup.browser, url.searchParams);
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }, { resource: MCP });
    expect(tokens.scope).to.equal('mcp:tools');
    // The MCP server wants JWTs (its own format), audience-restricted to it.
    const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1], 'base64url').toString());
    expect(claims.aud).to.equal(MCP);

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!, { resource: DOCS });
    expect(refreshed.scope).to.equal('read');
    expect(await introspect(refreshed.access_token)).to.include({ active: true, aud: DOCS });
    try {
      await client.refreshTokenGrant(config, refreshed.refresh_token!, { resource: 'https://other.example/' });
      expect.fail('a resource not granted must be refused');
    } catch (e) {
      expect((e as { error?: string }).error).to.equal('invalid_target');
    }

    const cc = await client.clientCredentialsGrant(config, { scope: 'read', resource: DOCS });
    expect(await introspect(cc.access_token)).to.include({ active: true, aud: DOCS, scope: 'read' });
    try {
      await client.clientCredentialsGrant(config, { scope: 'read', resource: MCP });
      expect.fail('a scope the resource does not take must be refused');
    } catch (e) {
      expect((e as { error?: string }).error).to.equal('invalid_target');
    }
  });
});
