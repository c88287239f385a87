import { expect } from 'chai';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import * as client from 'openid-client';
import { UnsecuredJWT, type CryptoKey } from 'jose';
import type { Browser as Chromium, Page } from 'playwright-core';
import { createTestApp, type TestServer } from '../helpers.ts';
import { clientSigningKeys, pkcePair } from '../oauth-helpers.ts';
import { launchChromium, watchProblems } from '../chromium.ts';
import { assertion, JWT_BEARER } from '../oauth2/client-assertion/assertions.ts';
import { dpopKey, proof } from '../oauth2/dpop/proofs.ts';

type Json = Record<string, unknown>;

/**
 * A FAPI 2.0 relying party on openid-client v6: /login signs a request object (JAR, RFC 9101) and pushes it (PAR,
 * RFC 9126) with private_key_jwt and a DPoP proof (binding the code, RFC 9449 §10), PKCE S256; /callback redeems
 * the code with DPoP, calls UserInfo with a proof, and refreshes with DPoP. Every request it sends is kept in
 * `sent`, so the tests can replay what it sent.
 */
async function startFapiRelyingParty() {
  const sent: { url: string; method: string; headers: Headers; body?: string }[] = [];
  const rp = { base: '', sent, authorizeUrls: [] as URL[], config: undefined as unknown as client.Configuration };
  const record: client.CustomFetch = async (url, options) => {
    sent.push({ url, method: options.method ?? 'GET', headers: new Headers(options.headers), body: typeof options.body === 'string' ? options.body : options.body instanceof URLSearchParams ? options.body.toString() : undefined });
    return fetch(url, options as RequestInit);
  };
  let config: client.Configuration;
  let DPoP: client.DPoPHandle;
  let key: CryptoKey;
  const pending = new Map<string, { verifier: string; nonce: string }>();
  const page = (res: ServerResponse, body: unknown) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>RP</title><pre id="result">${JSON.stringify(body).replace(/</g, '\\u003c').replace(/&/g, '\\u0026')}</pre>`);
  };
  async function route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', rp.base);
    if (url.pathname === '/login') {
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      pending.set(state, { verifier, nonce });
      const jar = await client.buildAuthorizationUrlWithJAR(config, {
        redirect_uri: `${rp.base}/callback`, scope: 'openid profile', state, nonce,
        code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      }, { key, kid: 'k1' });
      const authorize = await client.buildAuthorizationUrlWithPAR(config, jar.searchParams, { DPoP });
      rp.authorizeUrls.push(authorize);
      res.writeHead(302, { location: authorize.href }).end();
      return;
    }
    if (url.pathname === '/callback') {
      const p = pending.get(url.searchParams.get('state') ?? '');
      try {
        const tokens = await client.authorizationCodeGrant(config, url, { pkceCodeVerifier: p?.verifier, expectedNonce: p?.nonce, expectedState: url.searchParams.get('state')! }, undefined, { DPoP });
        const sub = tokens.claims()!.sub;
        const userinfo = await client.fetchUserInfo(config, tokens.access_token, sub, { DPoP });
        const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!, undefined, { DPoP });
        const again = await client.fetchUserInfo(config, refreshed.access_token, sub, { DPoP });
        return page(res, { ok: true, iss: url.searchParams.get('iss'), tokenType: tokens.token_type, refreshedType: refreshed.token_type, userinfo, again, accessToken: tokens.access_token, refreshedAccessToken: refreshed.access_token });
      } catch (e) { return page(res, { ok: false, message: (e as Error).message, error: (e as { error?: string }).error }); }
    }
    res.writeHead(url.pathname === '/favicon.ico' ? 204 : 404).end();
  }
  const server = createServer((req, res) => { route(req, res).catch((e: Error) => { if (!res.headersSent) res.writeHead(500).end(e.message); }); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  rp.base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return Object.assign(rp, {
    server,
    /** Discovery, then the client registered for this relying party's callback, its signing key and a DPoP key. */
    async connect(issuer: string, clientId: string, signingKey: CryptoKey) {
      key = signingKey;
      config = await client.discovery(new URL(issuer), clientId, {}, client.PrivateKeyJwt({ key, kid: 'k1' }), { execute: [client.allowInsecureRequests] });
      config[client.customFetch] = record;
      rp.config = config;
      DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
    },
  });
}

// Issue 22 "Tests and proof": the FAPI 2.0 Security Profile end to end, a person in headless Chromium, openid-client
// as the relying party's library, SECURITY_PROFILE=fapi2; then a negative case for each MUST the flow relies on.
describe('e2e: FAPI 2.0 (SECURITY_PROFILE=fapi2) with openid-client, driven by headless Chromium', function () {
  this.timeout(120_000);
  let srv: TestServer;
  let browser: Chromium;
  let page: Page;
  let rp: Awaited<ReturnType<typeof startFapiRelyingParty>>;
  let keys: Awaited<ReturnType<typeof clientSigningKeys>>;
  let clientId: string;
  const problems: string[] = [];
  let result: Json;

  before(async () => {
    srv = await createTestApp({ securityProfile: 'fapi2' });
    keys = await clientSigningKeys();
    const owner = await srv.app.seed.user({ username: 'fiona', password: 'fiona-password' });
    rp = await startFapiRelyingParty();
    const { client: c } = await srv.app.seed.client({
      owner, name: 'FAPI RP', grantTypes: ['authorization_code', 'client_credentials'], allowedScopes: ['openid', 'profile', 'read'],
      redirectUris: [`${rp.base}/callback`], tokenEndpointAuthMethod: 'private_key_jwt', dpopBoundAccessTokens: true, jwks: keys.jwks,
    });
    clientId = c.clientId;
    await rp.connect(srv.app.config.issuer, clientId, keys.key);
    browser = await launchChromium();
    page = watchProblems(await browser.newPage(), problems);
  });
  after(async () => { await browser?.close(); rp?.server.close(); await srv?.close(); });
  afterEach(() => { expect(problems, 'console errors or CSP violations').to.deep.equal([]); });

  const userinfoPath = () => new URL(rp.config.serverMetadata().userinfo_endpoint!).pathname;
  const sentTo = (path: string) => rp.sent.filter((s) => new URL(s.url).pathname === path);
  const fresh = () => assertion(srv, clientId, { key: keys.key, kid: 'k1', alg: 'ES256' });
  const form = (path: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${srv.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(body) });
  const errorOf = async (res: Response) => ((await res.json()) as Record<string, string>).error;

  it('PAR + JAR + private_key_jwt + DPoP + PKCE S256: sign-in and consent in Chromium, DPoP tokens, UserInfo with a proof, refresh with DPoP', async () => {
    await page.goto(`${rp.base}/login`);
    await page.waitForURL(`${srv.url}/accounts/login/**`);
    await page.getByLabel('Username').fill('fiona');
    await page.getByLabel('Password').fill('fiona-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${srv.url}/o/authorize/**`);
    expect(await page.textContent('main')).to.include('FAPI RP');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(new RegExp(`^${rp.base.replace(/\./g, '\\.')}/callback`));
    result = JSON.parse((await page.locator('#result').textContent())!) as Json;
    expect(result.ok, JSON.stringify(result)).to.equal(true);

    // RFC 9126 §4: the browser carried only client_id and request_uri; the pushed body held the signed request
    // object (RFC 9101), the client assertion (RFC 7523) and a DPoP proof (RFC 9449 §10).
    expect([...rp.authorizeUrls[0].searchParams.keys()].sort()).to.deep.equal(['client_id', 'request_uri']);
    const pushed = new URLSearchParams(sentTo('/o/par')[0].body);
    expect([...pushed.keys()].sort()).to.deep.equal(['client_assertion', 'client_assertion_type', 'client_id', 'request']);
    expect(JSON.parse(Buffer.from(pushed.get('request')!.split('.')[0], 'base64url').toString())).to.include({ alg: 'ES256', typ: 'oauth-authz-req+jwt' });
    expect(JSON.parse(Buffer.from(pushed.get('request')!.split('.')[1], 'base64url').toString())).to.include({ iss: clientId, aud: srv.app.config.issuer, code_challenge_method: 'S256' });
    expect(sentTo('/o/par')[0].headers.get('dpop')).to.be.a('string');
    // FAPI 2.0 §5.3.2.2 (6): iss in the authorization response; tokens are DPoP (RFC 9449 §5), refresh too.
    expect(result).to.include({ iss: srv.app.config.issuer, tokenType: 'dpop', refreshedType: 'dpop' });
    expect(result.userinfo).to.include({ sub: (result.userinfo as Json).sub, preferred_username: 'fiona' });
    expect((result.userinfo as Json).sub).to.be.a('string');
    expect((result.again as Json).sub).to.equal((result.userinfo as Json).sub);
    expect(sentTo(userinfoPath()).map((s) => s.headers.get('authorization')?.split(' ')[0])).to.deep.equal(['DPoP', 'DPoP']);
    expect(sentTo('/o/token/').every((s) => s.headers.get('dpop') !== null)).to.equal(true);
  });

  it('RFC 9126 §2.2, §4: the request_uri the browser used is refused a second time (invalid_request_uri, 400 error page)', async () => {
    const res = await fetch(rp.authorizeUrls[0], { redirect: 'manual' });
    expect(res.status).to.equal(400);
    expect(res.headers.get('location')).to.equal(null);
    expect(await res.text()).to.include('invalid_request_uri');
  });

  it('RFC 9449 §11.1: the relying party\'s UserInfo proof replayed with its token is 401 invalid_dpop_proof with a DPoP challenge', async () => {
    const call = sentTo(userinfoPath()).at(-1)!;
    const res = await fetch(call.url, { headers: { authorization: call.headers.get('authorization')!, dpop: call.headers.get('dpop')! } });
    expect(res.status).to.equal(401);
    expect(await errorOf(res)).to.equal('invalid_dpop_proof');
    expect(res.headers.get('www-authenticate')).to.match(/^DPoP /).and.to.include('error="invalid_dpop_proof"');
  });

  it('RFC 9449 §11.1: a token request\'s DPoP proof replayed (fresh client assertion) is 400 invalid_dpop_proof', async () => {
    const k = await dpopKey();
    const p = await proof(k, { htu: `${srv.url}/o/token/` });
    const once = await form('/o/token/', { grant_type: 'client_credentials', scope: 'read', client_assertion_type: JWT_BEARER, client_assertion: await fresh() }, { DPoP: p });
    expect(once.status, await once.clone().text()).to.equal(200);
    const twice = await form('/o/token/', { grant_type: 'client_credentials', scope: 'read', client_assertion_type: JWT_BEARER, client_assertion: await fresh() }, { DPoP: p });
    expect(twice.status).to.equal(400);
    expect(await errorOf(twice)).to.equal('invalid_dpop_proof');
  });

  it('RFC 9449 §4.3: a proof whose htu is the PAR endpoint is refused at the token endpoint (400 invalid_dpop_proof)', async () => {
    const res = await form('/o/token/', { grant_type: 'client_credentials', scope: 'read', client_assertion_type: JWT_BEARER, client_assertion: await fresh() }, { DPoP: await proof(await dpopKey(), { htu: `${srv.url}/o/par` }) });
    expect(res.status).to.equal(400);
    expect(await errorOf(res)).to.equal('invalid_dpop_proof');
  });

  it('RFC 7523 §3: an expired client assertion is 401 invalid_client', async () => {
    const expired = await assertion(srv, clientId, { key: keys.key, kid: 'k1', alg: 'ES256', iat: Math.floor(Date.now() / 1000) - 600, exp: Math.floor(Date.now() / 1000) - 300 });
    const res = await form('/o/token/', { grant_type: 'client_credentials', scope: 'read', client_assertion_type: JWT_BEARER, client_assertion: expired }, { DPoP: await proof(await dpopKey(), { htu: `${srv.url}/o/token/` }) });
    expect(res.status).to.equal(401);
    expect(await errorOf(res)).to.equal('invalid_client');
  });

  it('RFC 7523 §3 (jti): a client assertion accepted once is 401 invalid_client the second time', async () => {
    const once = await fresh();
    const request = async () => form('/o/token/', { grant_type: 'client_credentials', scope: 'read', client_assertion_type: JWT_BEARER, client_assertion: once }, { DPoP: await proof(await dpopKey(), { htu: `${srv.url}/o/token/` }) });
    expect((await request()).status).to.equal(200);
    const again = await request();
    expect(again.status).to.equal(401);
    expect(await errorOf(again)).to.equal('invalid_client');
  });

  it('FAPI 2.0 §5.3.2.2 (3): a pushed request without PKCE is 400 invalid_request naming the rule', async () => {
    const res = await form('/o/par', { client_id: clientId, client_assertion_type: JWT_BEARER, client_assertion: await fresh(), response_type: 'code', redirect_uri: `${rp.base}/callback`, scope: 'openid' });
    expect(res.status).to.equal(400);
    const body = await res.json() as Record<string, string>;
    expect(body.error).to.equal('invalid_request');
    expect(body.error_description).to.match(/pkce-s256/);
  });

  it('RFC 9101 §10.2 / FAPI 2.0 §5.4.1: a pushed request object with alg none is 400 invalid_request_object', async () => {
    const now = Math.floor(Date.now() / 1000);
    const request = new UnsecuredJWT({ response_type: 'code', client_id: clientId, redirect_uri: `${rp.base}/callback`, scope: 'openid', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' })
      .setIssuer(clientId).setAudience(srv.app.config.issuer).setIssuedAt(now).setExpirationTime(now + 60).encode();
    const res = await form('/o/par', { client_id: clientId, client_assertion_type: JWT_BEARER, client_assertion: await fresh(), request });
    expect(res.status).to.equal(400);
    expect(await errorOf(res)).to.equal('invalid_request_object');
  });
});
