// A small MCP server for the MCP authorization tests: the TypeScript SDK's McpServer with one tool, served by its
// StreamableHTTPServerTransport (stateless: a server and a transport per request, as the SDK's stateless example).
// Two ways to protect it, neither known to Gatehouse: a Koa app with Gatehouse's own requireToken({ resource }) and
// protectedResourceMetadata() (in-process), and the SDK's requireBearerAuth with a verifier that asks Gatehouse's
// RFC 7662 introspection endpoint (Gatehouse in another process).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/sdk/server/auth/router.js';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { protectedResourceMetadata, type Gatehouse } from '../../src/index.ts';
import type { TokenInfo } from '../../src/oauth2/store.ts';

/** The one tool: says who called it (the token's client, scopes and audience), so a test sees the token reached it. */
export const TOOL = 'whoami';

async function serveMcp(req: IncomingMessage & { auth?: AuthInfo }, res: ServerResponse, body?: unknown): Promise<void> {
  const server = new McpServer({ name: 'gatehouse-test-mcp', version: '1.0.0' });
  server.registerTool(TOOL, { description: 'Who is calling' }, (extra) => ({
    content: [{ type: 'text', text: JSON.stringify({ clientId: extra.authInfo?.clientId, scopes: extra.authInfo?.scopes, resource: extra.authInfo?.resource?.href }) }],
  }));
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => { void transport.close(); void server.close(); });
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
}

export interface McpTestServer {
  /** The MCP endpoint, `http://127.0.0.1:PORT/mcp`: also the resource identifier registered in Gatehouse. */
  url: string;
  /** Bearer tokens the MCP server saw, in order (the last one is what the tool was called with). */
  tokens: string[];
  close(): Promise<void>;
}

/** Listens first (the resource identifier holds the port), then builds the app that serves it. */
async function listenThen(build: (url: string) => (req: IncomingMessage, res: ServerResponse) => unknown): Promise<{ server: Server; url: string }> {
  let handler: (req: IncomingMessage, res: ServerResponse) => unknown = (_q, s) => { s.statusCode = 503; s.end(); };
  const server = createServer((req, res) => { void handler(req, res); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  handler = build(url);
  return { server, url };
}

const closer = (server: Server) => () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });

/**
 * The primary shape (README "Authorize an MCP server"): Gatehouse's protectedResourceMetadata() and
 * requireToken({ resource }) in a Koa app beside Gatehouse. Tokens for another audience are refused by requireToken.
 */
export async function startKoaMcpServer(gatehouse: Gatehouse, o: { scopes: string[] }): Promise<McpTestServer> {
  const tokens: string[] = [];
  const { server, url } = await listenThen((resource) => {
    const app = new Koa();
    app.silent = true;
    app.use(gatehouse.protectedResourceMetadata({ resource, scopesSupported: o.scopes, resourceName: 'Test MCP server' }));
    app.use(async (ctx, next) => { tokens.push(/^Bearer (.+)$/.exec(ctx.get('authorization'))?.[1] ?? ''); await next(); });
    app.use(gatehouse.requireToken({ resource, scopes: o.scopes }));
    app.use(async (ctx) => {
      if (ctx.path !== '/mcp') { ctx.status = 404; return; }
      const t = ctx.state.token as TokenInfo & { tokenHash: string };
      const req = ctx.req as IncomingMessage & { auth?: AuthInfo };
      req.auth = { token: tokens.at(-1)!, clientId: t.clientId, scopes: t.scope.split(' '), expiresAt: Math.floor(t.expiresAt / 1000), resource: new URL(t.resources?.[0] ?? resource) };
      ctx.respond = false;
      await serveMcp(req, ctx.res);
    });
    return app.callback();
  });
  return { url, tokens, close: closer(server) };
}

/**
 * The SDK's own bearer check, for a Gatehouse in another process: requireBearerAuth (written for Express; called here
 * through a three-method adapter, as Express is not a dependency) checks each token with a verifier that introspects
 * it (RFC 7662) with a client holding the `introspection` scope, and checks its audience (`expectedResource`). The
 * RFC 9728 document comes from the package's protectedResourceMetadata() naming the remote issuer.
 */
export async function startIntrospectingMcpServer(o: { issuer: string; introspection: { clientId: string; clientSecret: string }; scopes: string[] }): Promise<McpTestServer> {
  const tokens: string[] = [];
  const oauthMetadata = await (await fetch(`${o.issuer}/.well-known/oauth-authorization-server`)).json() as { introspection_endpoint: string };
  const verifier = {
    async verifyAccessToken(token: string): Promise<AuthInfo> {
      const res = await fetch(oauthMetadata.introspection_endpoint, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${o.introspection.clientId}:${o.introspection.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }),
      });
      const info = await res.json() as { active: boolean; client_id: string; scope: string; exp: number; aud?: string | string[] };
      if (!info.active) throw new InvalidTokenError('The access token is invalid, expired or revoked.');
      const aud = [info.aud ?? []].flat();
      return { token, clientId: info.client_id, scopes: info.scope.split(' '), expiresAt: info.exp, resource: aud[0] ? new URL(aud[0]) : undefined, extra: { aud } };
    },
  };
  const { server, url } = await listenThen((resource) => {
    const check = requireBearerAuth({ verifier, requiredScopes: o.scopes, resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(new URL(resource)), expectedResource: new URL(resource) });
    const app = new Koa();
    app.silent = true;
    app.use(protectedResourceMetadata({ resource, authorizationServers: [o.issuer], scopesSupported: o.scopes, resourceName: 'Test MCP server' }));
    app.use(async (ctx, next) => {
      tokens.push(/^Bearer (.+)$/.exec(ctx.get('authorization'))?.[1] ?? '');
      let passed = false;
      const res = { set: (k: string, v: string) => { ctx.set(k, v); return res; }, status: (c: number) => { ctx.status = c; return res; }, json: (b: unknown) => { ctx.body = b; return res; } };
      await check(ctx.req as never, res as never, () => { passed = true; });
      if (passed) await next();
    });
    app.use(async (ctx) => {
      if (ctx.path !== '/mcp') { ctx.status = 404; return; }
      ctx.respond = false;
      await serveMcp(ctx.req, ctx.res);
    });
    return app.callback();
  });
  return { url, tokens, close: closer(server) };
}
