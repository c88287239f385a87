// The MCP client side of the MCP authorization tests: an OAuthClientProvider of the TypeScript SDK that keeps
// everything in memory, as a desktop MCP client would in its store, and completes the authorization in headless
// Chromium: the SDK hands it the authorization URL, a person logs in and consents, and the loopback redirect URI
// (RFC 8252 §7.3) receives the code.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser as Chromium } from 'playwright-core';
import type { OAuthClientProvider, OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/** What reached the loopback callback: the authorization response's parameters (code, state, iss). */
export type Callback = URLSearchParams;

/** A native app's loopback redirect listener (RFC 8252 §7.3): records each callback and answers a plain page. */
export async function startCallbackListener(): Promise<{ redirectUrl: string; received: Callback[]; next(): Promise<Callback>; close(): Promise<void> }> {
  const received: Callback[] = [];
  let waiting: ((c: Callback) => void) | undefined;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/callback') { res.writeHead(404).end(); return; }
    received.push(url.searchParams);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>MCP client</title><p id="done">You can close this window.</p>');
    waiting?.(url.searchParams);
    waiting = undefined;
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    redirectUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`,
    received,
    next: () => new Promise<Callback>((r) => { waiting = r; }),
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

export interface Person { username: string; password: string }

/**
 * The SDK's OAuthClientProvider, in memory. `clientMetadataUrl` set: the SDK uses it as a URL client_id when the
 * authorization server says client_id_metadata_document_supported; otherwise it registers dynamically (RFC 7591).
 */
export class ChromiumOAuthProvider implements OAuthClientProvider {
  client?: OAuthClientInformationMixed;
  stored?: OAuthTokens;
  verifier = '';
  discovery?: OAuthDiscoveryState;
  expectedState = '';
  /** Every authorization URL the SDK sent the browser to. */
  authorizationUrls: URL[] = [];
  /** The authorization responses, in order. */
  callbacks: Callback[] = [];
  readonly clientMetadataUrl?: string;
  private readonly listener: Awaited<ReturnType<typeof startCallbackListener>>;
  private readonly chromium: Chromium;
  private readonly person: Person;

  constructor(o: { listener: Awaited<ReturnType<typeof startCallbackListener>>; chromium: Chromium; person: Person; clientMetadataUrl?: string }) {
    this.listener = o.listener;
    this.chromium = o.chromium;
    this.person = o.person;
    this.clientMetadataUrl = o.clientMetadataUrl;
  }

  get redirectUrl() { return this.listener.redirectUrl; }
  get clientMetadata(): OAuthClientMetadata {
    return { client_name: 'Gatehouse MCP test client', redirect_uris: [this.listener.redirectUrl], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' };
  }
  state() { this.expectedState = randomBytes(16).toString('base64url'); return this.expectedState; }
  clientInformation() { return this.client; }
  saveClientInformation(info: OAuthClientInformationMixed) { this.client = info; }
  tokens() { return this.stored; }
  saveTokens(tokens: OAuthTokens) { this.stored = tokens; }
  saveCodeVerifier(v: string) { this.verifier = v; }
  codeVerifier() { return this.verifier; }
  saveDiscoveryState(s: OAuthDiscoveryState) { this.discovery = s; }
  discoveryState() { return this.discovery; }

  /** What a desktop client does: open the system browser. Here a person logs in and presses Allow in Chromium. */
  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    this.authorizationUrls.push(authorizationUrl);
    const context = await this.chromium.newContext();
    try {
      const page = await context.newPage();
      const callback = this.listener.next();
      await page.goto(authorizationUrl.href);
      await page.getByLabel('Username').fill(this.person.username);
      await page.getByLabel('Password').fill(this.person.password);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('button', { name: 'Allow' }).click();
      this.callbacks.push(await callback);
    } finally {
      await context.close();
    }
  }

  /** The last authorization response's code, after checking its state (the SDK leaves that to the application). */
  code(): string {
    const last = this.callbacks.at(-1);
    if (!last || last.get('state') !== this.expectedState) throw new Error(`no authorization response with the expected state: ${last}`);
    const code = last.get('code');
    if (!code) throw new Error(`the authorization response has no code: ${last}`);
    return code;
  }
}

/** Connects an SDK Client through the Streamable HTTP transport that calls auth() on a 401. */
export async function connect(url: string, provider: OAuthClientProvider): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  const client = new Client({ name: 'gatehouse-mcp-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

/** The MCP flow as a client runs it: connect (401 → discovery → browser → UnauthorizedError), finishAuth, connect again. */
export async function connectWithAuthorization(url: string, provider: ChromiumOAuthProvider): Promise<{ client: Client; firstError: unknown }> {
  const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  let firstError: unknown;
  try { await new Client({ name: 'gatehouse-mcp-test', version: '1.0.0' }).connect(transport); } catch (e) { firstError = e; }
  await transport.finishAuth(provider.code());
  const { client } = await connect(url, provider);
  return { client, firstError };
}
