import { expect } from 'chai';
import type { Browser as Chromium } from 'playwright-core';
import { auth, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { createTestApp, type TestServer } from '../helpers.ts';
import { launchChromium } from '../chromium.ts';
import { bothChallenges, postForm } from '../oauth-helpers.ts';
import { scopeDescriptions } from '../../src/oauth2/scope.ts';
import { startKoaMcpServer, TOOL, type McpTestServer } from './mcp-server.ts';
import { ChromiumOAuthProvider, connect, connectWithAuthorization, startCallbackListener } from './mcp-client.ts';

type Json = Record<string, any>;

// MCP authorization (2025-06-18 / 2025-11-25) end to end with the MCP TypeScript SDK: its client discovers
// everything from the MCP server's 401 (RFC 9728 → RFC 8414), registers itself (RFC 7591), authorizes with PKCE
// and resource (RFC 8707) in a browser, and calls the tool; the MCP server is protected by Gatehouse's own
// requireToken({ resource }) and protectedResourceMetadata().
describe('MCP authorization with the MCP TypeScript SDK: dynamic client registration, Gatehouse requireToken', function () {
  this.timeout(60_000);
  let gh: TestServer;
  let mcp: McpTestServer;
  let chromium: Chromium;
  let listener: Awaited<ReturnType<typeof startCallbackListener>>;
  let person: { username: string; password: string };
  let introspector: { id: string; secret: string };
  const OTHER = 'https://other.example/mcp';

  before(async () => {
    gh = await createTestApp({ registration: 'open', scopes: { ...scopeDescriptions(), 'mcp:tools': 'Use the MCP tools' } });
    mcp = await startKoaMcpServer(gh.app, { scopes: ['mcp:tools'] });
    await gh.app.stores.resourceServers.create({ identifier: mcp.url, name: 'Test MCP server', scopes: ['mcp:tools'], accessTokenFormat: 'opaque', accessTokenTtl: null });
    await gh.app.stores.resourceServers.create({ identifier: OTHER, name: 'Another MCP server', scopes: ['mcp:tools'], accessTokenFormat: 'opaque', accessTokenTtl: null });
    const user = await gh.app.seed.user({ username: 'mcp-user' });
    person = { username: user.username, password: user.password };
    const rs = await gh.app.seed.client({ owner: user, grantTypes: ['client_credentials'], allowedScopes: ['introspection', 'mcp:tools'] });
    introspector = { id: rs.client.clientId, secret: rs.clientSecret! };
    chromium = await launchChromium();
    listener = await startCallbackListener();
  });
  after(async () => { await chromium?.close(); await listener?.close(); await mcp?.close(); await gh?.close(); });

  const introspect = async (token: string) => (await postForm(`${gh.url}/o/introspect/`, { token }, introspector)).json() as Promise<Json>;

  let provider: ChromiumOAuthProvider;

  it('401 → resource_metadata → PRM → AS metadata → registration → browser consent → token for the MCP server → tool call', async () => {
    // What the client sees first: a 401 pointing at the metadata (MCP: "MUST use WWW-Authenticate"; RFC 9728 §5.1).
    const bare = await fetch(mcp.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
    expect(bare.status).to.equal(401);
    const metadataUrl = new URL(`/.well-known/oauth-protected-resource/mcp`, mcp.url).href;
    // MCP 2025-11-25 scope selection: the challenge names the scope the route needs.
    expect(bare.headers.get('www-authenticate')).to.equal(bothChallenges(`realm="gatehouse", scope="mcp:tools", resource_metadata="${metadataUrl}"`));

    provider = new ChromiumOAuthProvider({ listener, chromium, person });
    const { client, firstError } = await connectWithAuthorization(mcp.url, provider);
    expect(firstError).to.be.instanceOf(UnauthorizedError);

    // Discovery went the MCP way: the PRM named Gatehouse, whose RFC 8414 metadata the SDK read.
    expect(provider.discovery?.resourceMetadataUrl).to.equal(metadataUrl);
    expect(provider.discovery?.resourceMetadata).to.deep.include({ resource: mcp.url, authorization_servers: [gh.app.config.issuer], scopes_supported: ['mcp:tools'] });
    expect(provider.discovery?.authorizationServerUrl).to.equal(gh.app.config.issuer);
    // MCP 2025-11-25: a client refuses an authorization server that does not list S256 (PKCE) in its metadata.
    expect(provider.discovery?.authorizationServerMetadata).to.deep.include({ issuer: gh.app.config.issuer, code_challenge_methods_supported: ['S256'], registration_endpoint: `${gh.app.config.issuer}/o/register` });
    // Registered dynamically (RFC 7591) as a public client with the loopback redirect URI.
    const registered = await gh.app.stores.clients.findByClientId(provider.client!.client_id);
    expect(registered?.registered).to.equal('dynamic');
    expect(registered?.redirectUris).to.deep.equal([listener.redirectUrl]);
    // The authorization request: PKCE S256, resource = the PRM's resource, scope = its scopes_supported.
    const request = provider.authorizationUrls[0];
    expect(request.origin + request.pathname).to.equal(`${gh.app.config.issuer}/o/authorize/`);
    expect(Object.fromEntries(request.searchParams)).to.include({ response_type: 'code', code_challenge_method: 'S256', resource: mcp.url, scope: 'mcp:tools', redirect_uri: listener.redirectUrl });
    // RFC 9207: the response names the issuer.
    expect(provider.callbacks[0].get('iss')).to.equal(gh.app.config.issuer);

    const result = await client.callTool({ name: TOOL });
    const seen = JSON.parse((result.content as { text: string }[])[0].text) as Json;
    expect(seen).to.deep.equal({ clientId: provider.client!.client_id, scopes: ['mcp:tools'], resource: mcp.url });
    expect(mcp.tokens.at(-1)).to.equal(provider.stored!.access_token);
    // The token's audience is the MCP server, and only it (RFC 8707 §2; introspection aud, RFC 7662 §2.2).
    const info = await introspect(provider.stored!.access_token);
    expect(info).to.include({ active: true, aud: mcp.url, scope: 'mcp:tools', client_id: provider.client!.client_id, username: person.username });
    await client.close();
  });

  it('refresh through the SDK: auth() with the stored refresh token gets a new token for the MCP server, without a browser', async () => {
    const before = provider.stored!;
    expect(before.refresh_token).to.be.a('string');
    const windows = provider.authorizationUrls.length;
    expect(await auth(provider, { serverUrl: mcp.url })).to.equal('AUTHORIZED');
    expect(provider.authorizationUrls.length).to.equal(windows);
    expect(provider.stored!.access_token).not.to.equal(before.access_token);
    expect(provider.stored!.refresh_token).not.to.equal(before.refresh_token); // rotated (OAuth 2.1)
    expect(await introspect(provider.stored!.access_token)).to.include({ active: true, aud: mcp.url, scope: 'mcp:tools' });
    expect(await introspect(before.refresh_token!)).to.include({ active: false });
    const { client } = await connect(mcp.url, provider);
    const result = await client.callTool({ name: TOOL });
    expect(JSON.parse((result.content as { text: string }[])[0].text)).to.include({ resource: mcp.url });
    expect(mcp.tokens.at(-1)).to.equal(provider.stored!.access_token);
    await client.close();
  });

  it('a token for another resource, or for Gatehouse itself, is refused by the MCP server: 401 with resource_metadata', async () => {
    const metadataUrl = new URL(`/.well-known/oauth-protected-resource/mcp`, mcp.url).href;
    for (const resource of [OTHER, undefined]) {
      const body: Record<string, string> = { grant_type: 'client_credentials', scope: resource ? 'mcp:tools' : 'introspection' };
      if (resource) body.resource = resource;
      const token = await (await postForm(`${gh.url}/o/token/`, body, introspector)).json() as Json;
      expect(token.access_token, JSON.stringify(token)).to.be.a('string');
      const res = await fetch(mcp.url, { method: 'POST', headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
      expect(res.status, resource).to.equal(401);
      expect(res.headers.get('www-authenticate')).to.equal(`Bearer realm="gatehouse", error="invalid_token", error_description="The access token is not meant for this resource.", scope="mcp:tools", resource_metadata="${metadataUrl}"`);
    }
    // And the SDK client holding such a token goes back to authorization instead of calling the tool.
    const stray = new ChromiumOAuthProvider({ listener, chromium, person });
    stray.client = provider.client;
    stray.discovery = provider.discovery;
    const other = await (await postForm(`${gh.url}/o/token/`, { grant_type: 'client_credentials', scope: 'mcp:tools', resource: OTHER }, introspector)).json() as Json;
    stray.stored = { access_token: other.access_token, token_type: 'Bearer' };
    // Only where it would send the person: the SDK asks again for this MCP server's resource.
    stray.redirectToAuthorization = (url: URL) => { stray.authorizationUrls.push(url); return Promise.resolve(); };
    let error: unknown;
    try { await connect(mcp.url, stray); } catch (e) { error = e; }
    expect(error).to.be.instanceOf(UnauthorizedError);
    expect(stray.authorizationUrls).to.have.length(1);
    expect(stray.authorizationUrls[0].searchParams.get('resource')).to.equal(mcp.url);
  });
});
