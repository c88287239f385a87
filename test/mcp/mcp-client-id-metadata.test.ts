import { expect } from 'chai';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser as Chromium } from 'playwright-core';
import { auth, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { testDatabase, type TestDatabase } from '../database.ts';
import { gatehouse, spawnServer, stopServer, type ServerProcess } from '../spawn-server.ts';
import { launchChromium } from '../chromium.ts';
import { postForm } from '../oauth-helpers.ts';
import { startIntrospectingMcpServer, TOOL, type McpTestServer } from './mcp-server.ts';
import { ChromiumOAuthProvider, connect, connectWithAuthorization, startCallbackListener } from './mcp-client.ts';
import { makeTestTls, type TestTls } from './tls.ts';

type Json = Record<string, any>;

// MCP authorization 2025-11-25 with a Client ID Metadata Document: the SDK's client names itself by an https URL
// (clientMetadataUrl; the SDK requires https and a path), Gatehouse fetches the document through its outbound guard.
// Gatehouse runs as its own process (`gatehouse serve`) that trusts a test CA through NODE_EXTRA_CA_CERTS, as an
// operator would add a private CA; OUTBOUND_ALLOWED_HOSTS lets it reach the loopback document server. The MCP server
// checks tokens with the SDK's requireBearerAuth and a verifier that introspects them.
describe('MCP authorization with the MCP TypeScript SDK: client ID metadata document, SDK requireBearerAuth + introspection', function () {
  this.timeout(90_000);
  let tls: TestTls;
  let site: Server;
  let docUrl = '';
  let fetches = 0;
  let dir: string;
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;
  let gh: ServerProcess;
  let issuer: string;
  let mcp: McpTestServer;
  let chromium: Chromium;
  let listener: Awaited<ReturnType<typeof startCallbackListener>>;
  let introspector: { id: string; secret: string };
  const person = { username: 'mcp-person', password: 'mcp-person-password-1' };
  const OTHER = 'https://other.example/mcp';

  before(async () => {
    tls = makeTestTls();
    listener = await startCallbackListener();
    // The MCP client's web site: its metadata document at an https URL with a path.
    site = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      if (req.url !== '/oauth/mcp-client.json') { res.writeHead(404).end(); return; }
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }).end(JSON.stringify({
        client_id: docUrl, client_name: 'Gatehouse MCP test client (CIMD)', redirect_uris: [listener.redirectUrl],
        grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none',
      }));
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    docUrl = `https://127.0.0.1:${(site.address() as AddressInfo).port}/oauth/mcp-client.json`;

    dir = mkdtempSync(join(tmpdir(), 'gatehouse-mcp-'));
    db = await testDatabase({ sqliteFile: join(dir, 'g.sqlite') });
    env = {
      ...process.env, ...db.env, PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'development', ADMIN_PASSWORD: 'admin-password-for-mcp-test',
      NODE_EXTRA_CA_CERTS: tls.caFile, OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
      ...(db.redis.redisUrl ? { REDIS_URL: db.redis.redisUrl, REDIS_PREFIX: db.redis.redisPrefix } : {}),
    };
    gh = await spawnServer(env);
    issuer = ((await (await fetch(`${gh.url}/.well-known/oauth-authorization-server`)).json()) as Json).issuer as string;
    await gatehouse(['createuser', person.username, '--password', person.password], env);
    const created = (await gatehouse(['createclient', '--name', 'MCP resource server', '--owner', person.username, '--grant-types', 'client-credentials', '--scopes', 'introspection,read'], env)).stdout;
    introspector = { id: /client_id: (\S+)/.exec(created)![1], secret: /client_secret: (\S+)/.exec(created)![1] };
    mcp = await startIntrospectingMcpServer({ issuer, introspection: { clientId: introspector.id, clientSecret: introspector.secret }, scopes: ['read'] });
    await gatehouse(['createresource', mcp.url, '--name', 'Test MCP server', '--scopes', 'read'], env);
    await gatehouse(['createresource', OTHER, '--name', 'Another MCP server', '--scopes', 'read'], env);
    chromium = await launchChromium();
  });
  after(async () => {
    await chromium?.close();
    await mcp?.close();
    await stopServer(gh);
    await db?.drop();
    await listener?.close();
    site?.closeAllConnections();
    site?.close();
    tls?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const introspect = async (token: string) => (await postForm(`${gh.url}/o/introspect/`, { token }, introspector)).json() as Promise<Json>;
  let provider: ChromiumOAuthProvider;

  it('the URL client_id is used (client_id_metadata_document_supported), fetched over TLS, and the tool is called with a token for the MCP server', async () => {
    provider = new ChromiumOAuthProvider({ listener, chromium, person, clientMetadataUrl: docUrl });
    const { client, firstError } = await connectWithAuthorization(mcp.url, provider);
    expect(firstError).to.be.instanceOf(UnauthorizedError);
    expect(provider.discovery?.authorizationServerMetadata).to.deep.include({ issuer, client_id_metadata_document_supported: true });
    // No registration: the client_id is the document's URL, fetched by Gatehouse (not by the SDK).
    expect(provider.client).to.deep.include({ client_id: docUrl });
    expect(provider.authorizationUrls[0].searchParams.get('client_id')).to.equal(docUrl);
    expect(provider.authorizationUrls[0].searchParams.get('resource')).to.equal(mcp.url);
    expect(fetches).to.be.greaterThan(0);
    const result = await client.callTool({ name: TOOL });
    expect(JSON.parse((result.content as { text: string }[])[0].text)).to.deep.equal({ clientId: docUrl, scopes: ['read'], resource: mcp.url });
    expect(await introspect(provider.stored!.access_token)).to.include({ active: true, aud: mcp.url, client_id: docUrl, username: person.username });
    await client.close();
  });

  it('refresh through the SDK as the URL client: auth() with the stored refresh token, audience kept', async () => {
    const before = provider.stored!;
    expect(await auth(provider, { serverUrl: mcp.url })).to.equal('AUTHORIZED');
    expect(provider.stored!.access_token).not.to.equal(before.access_token);
    expect(await introspect(provider.stored!.access_token)).to.include({ active: true, aud: mcp.url, client_id: docUrl });
    const { client } = await connect(mcp.url, provider);
    expect((await client.callTool({ name: TOOL })).isError).to.not.equal(true);
    expect(mcp.tokens.at(-1)).to.equal(provider.stored!.access_token);
    await client.close();
  });

  it('a token for another resource is refused by the SDK\'s requireBearerAuth: 401 with resource_metadata', async () => {
    const other = await (await postForm(`${gh.url}/o/token/`, { grant_type: 'client_credentials', scope: 'read', resource: OTHER }, introspector)).json() as Json;
    expect(await introspect(other.access_token as string)).to.include({ active: true, aud: OTHER });
    const res = await fetch(mcp.url, { method: 'POST', headers: { authorization: `Bearer ${other.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
    expect(res.status).to.equal(401);
    const metadataUrl = new URL('/.well-known/oauth-protected-resource/mcp', mcp.url).href;
    expect(res.headers.get('www-authenticate')).to.equal(`Bearer error="invalid_token", error_description="Token was not issued for this resource", scope="read", resource_metadata="${metadataUrl}"`);
    // The PRM the 401 points at is the package's protectedResourceMetadata(), naming the remote Gatehouse.
    expect(await (await fetch(metadataUrl)).json()).to.deep.include({ resource: mcp.url, authorization_servers: [issuer] });
  });
});
