import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { Browser as Chromium, Page } from 'playwright-core';
import { createTestApp, type TestServer } from '../helpers.ts';
import { documentsDuring, launchChromium, watchProblems } from '../chromium.ts';

/** What the relying party's callback saw: the validated ID Token's claims, or why openid-client refused the answer. */
type Outcome = { ok: true; claims: client.IDToken; scope?: string } | { ok: false; code?: string; error?: string; claim?: string; message: string };
type Json = Record<string, unknown>;

/**
 * A small relying party (one End-User at a time) that uses openid-client v6 as its library, as an application would:
 * /login builds the authentication request (PKCE S256, state, nonce, and the prompt/max_age it is given),
 * /callback calls authorizationCodeGrant, /userinfo and /refresh use the stored tokens, /logout redirects through
 * buildEndSessionUrl, and /backchannel verifies logout tokens (Back-Channel Logout 1.0 §2.6) with jose.
 * `?wrong_nonce=1` makes it expect a nonce other than the one it sent, as if the response were replayed into another login.
 */
async function startRelyingParty(issuer: string) {
  const pending = new Map<string, { verifier: string; expectedNonce: string; maxAge?: number }>();
  const rp = {
    base: '', config: undefined as unknown as client.Configuration, clientId: '',
    /** The tokens of the signed-in End-User, undefined once signed out (RP-Initiated or back-channel). */
    session: undefined as (client.TokenEndpointResponse & client.TokenEndpointResponseHelpers) | undefined,
    authorizationRequests: [] as URL[],
    logoutTokens: [] as { claims?: JWTPayload; error?: string }[],
    signedOut: [] as URL[],
  };
  // Refusals are pages too (200): the browser's console stays quiet, the page says what the library refused.
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>RP</title><pre id="result">${JSON.stringify(body).replace(/</g, '\\u003c').replace(/&/g, '\\u0026')}</pre>`);
  };
  const refusal = (e: unknown): Outcome => {
    const err = e as Error & { code?: string; error?: string; cause?: { claim?: string; cause?: { claim?: string } } };
    return { ok: false, code: err.code, error: err.error, claim: err.cause?.claim ?? err.cause?.cause?.claim, message: err.message };
  };
  const body = (req: IncomingMessage) => new Promise<string>((resolve) => { let b = ''; req.on('data', (c) => { b += c; }); req.on('end', () => resolve(b)); });

  async function route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', rp.base);
    const q = url.searchParams;
    switch (url.pathname) {
      case '/login': {
        const verifier = client.randomPKCECodeVerifier();
        const nonce = client.randomNonce();
        const state = client.randomState();
        const extra: Record<string, string> = {};
        for (const k of ['prompt', 'max_age'] as const) if (q.has(k)) extra[k] = q.get(k)!;
        pending.set(state, { verifier, expectedNonce: q.has('wrong_nonce') ? client.randomNonce() : nonce, maxAge: q.has('max_age') ? Number(q.get('max_age')) : undefined });
        const authorize = client.buildAuthorizationUrl(rp.config, {
          redirect_uri: `${rp.base}/callback`, scope: 'openid profile email', state, nonce,
          code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra,
        });
        rp.authorizationRequests.push(authorize);
        if (!q.has('post')) { res.writeHead(302, { location: authorize.href }).end(); return; }
        // Core §3.1.2.1: the same request sent by POST, form-encoded (a button the person presses).
        const fields = [...authorize.searchParams].map(([k, v]) => `<input type="hidden" name="${k}" value="${v.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}">`).join('');
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(`<!doctype html><title>RP</title><form method="post" action="${authorize.origin}${authorize.pathname}">${fields}<button>Sign in with Gatehouse</button></form>`);
        return;
      }
      case '/callback': {
        const p = pending.get(q.get('state') ?? '');
        if (!p) return send(res, 400, { ok: false, message: 'unknown state' });
        pending.delete(q.get('state')!);
        try {
          const tokens = await client.authorizationCodeGrant(rp.config, url, { pkceCodeVerifier: p.verifier, expectedState: q.get('state')!, expectedNonce: p.expectedNonce, maxAge: p.maxAge, idTokenExpected: true });
          rp.session = tokens;
          return send(res, 200, { ok: true, claims: tokens.claims()!, scope: tokens.scope } satisfies Outcome);
        } catch (e) { return send(res, 200, refusal(e)); }
      }
      case '/userinfo':
        try { return send(res, 200, await client.fetchUserInfo(rp.config, rp.session!.access_token, rp.session!.claims()!.sub)); } catch (e) { return send(res, 200, refusal(e)); }
      case '/refresh':
        try {
          const before = rp.session!.claims()!;
          rp.session = await client.refreshTokenGrant(rp.config, rp.session!.refresh_token!);
          return send(res, 200, { before, after: rp.session.claims() });
        } catch (e) { return send(res, 200, refusal(e)); }
      case '/logout': {
        const end = client.buildEndSessionUrl(rp.config, { id_token_hint: rp.session!.id_token!, post_logout_redirect_uri: `${rp.base}/signed-out`, state: q.get('state') ?? '' });
        rp.session = undefined;
        res.writeHead(302, { location: end.href }).end();
        return;
      }
      case '/signed-out':
        rp.signedOut.push(url);
        return send(res, 200, { signedOut: true, state: q.get('state') });
      case '/backchannel': {
        // Back-Channel Logout 1.0 §2.6: a JWS from the OP's keys, iss, aud, iat, typ logout+jwt, the event, sid or sub, no nonce.
        const token = new URLSearchParams(await body(req)).get('logout_token') ?? '';
        try {
          const meta = rp.config.serverMetadata();
          const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(meta.jwks_uri!)), { issuer: meta.issuer, audience: rp.clientId, typ: 'logout+jwt', requiredClaims: ['iat', 'jti', 'events'] });
          if (!(payload.events as Json | undefined)?.['http://schemas.openid.net/event/backchannel-logout'] || 'nonce' in payload || (!payload.sid && !payload.sub)) throw new Error('not a logout token');
          rp.logoutTokens.push({ claims: payload });
          if (rp.session && rp.session.claims()!.sid === payload.sid) rp.session = undefined;
          res.writeHead(200, { 'cache-control': 'no-store' }).end();
        } catch (e) {
          rp.logoutTokens.push({ error: (e as Error).message });
          res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_request"}');
        }
        return;
      }
      case '/favicon.ico':
        res.writeHead(204).end();
        return;
      default:
        res.writeHead(404).end();
    }
  }

  const server: Server = createServer((req, res) => { route(req, res).catch((e: Error) => { if (!res.headersSent) res.writeHead(500).end(e.message); }); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  rp.base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return Object.assign(rp, {
    server,
    /** OpenID Connect Discovery 1.0 from the issuer, then the client registered for this relying party. */
    async discover(clientId: string, secret: string) {
      rp.clientId = clientId;
      rp.config = await client.discovery(new URL(issuer), clientId, { client_secret: secret }, client.ClientSecretBasic(secret), { execute: [client.allowInsecureRequests] });
    },
  });
}

// The relying party above, driven by a person in headless Chromium: sign-in on Gatehouse's login page, consent,
// back at the relying party, then each OpenID Connect behaviour the library checks (issue 19, "Tests and proof").
describe('e2e: an openid-client relying party driven by headless Chromium', function () {
  this.timeout(120_000);
  let srv: TestServer;
  let browser: Chromium;
  let page: Page;
  let rp: Awaited<ReturnType<typeof startRelyingParty>>;
  const problems: string[] = [];
  let first: client.IDToken;

  before(async () => {
    // The back-channel endpoint is on loopback: the outbound guard must allow it here, as an operator would list it.
    srv = await createTestApp({ outboundAllowedHosts: ['127.0.0.1'] });
    rp = await startRelyingParty(srv.app.config.issuer);
    const owner = await srv.app.seed.user({ username: 'carol', password: 'carol-password' });
    const { client: c, clientSecret } = await srv.app.seed.client({
      owner, name: 'Chromium RP', grantTypes: ['authorization_code'], allowedScopes: ['openid', 'profile', 'email'],
      redirectUris: [`${rp.base}/callback`], postLogoutRedirectUris: [`${rp.base}/signed-out`], backchannelLogoutUri: `${rp.base}/backchannel`, backchannelLogoutSessionRequired: true,
    });
    await rp.discover(c.clientId, clientSecret!);
    browser = await launchChromium();
    page = watchProblems(await browser.newPage(), problems);
  });
  after(async () => { await browser?.close(); rp?.server.close(); await srv?.close(); });
  afterEach(() => { expect(problems, 'console errors or CSP violations').to.deep.equal([]); });

  /** The JSON the relying party's page shows. */
  const shown = async <T = Json>(p: Page = page): Promise<T> => JSON.parse((await p.locator('#result').textContent())!) as T;
  const atRp = (path: string) => new RegExp(`^${rp.base.replace(/\./g, '\\.')}${path}`);
  async function logIn(p: Page, password = 'carol-password') {
    await p.getByLabel('Username').fill('carol');
    await p.getByLabel('Password').fill(password);
    await p.getByRole('button', { name: 'Log in' }).click();
  }

  it('Discovery 1.0: openid-client reads the provider metadata the flows below rely on', () => {
    const meta = rp.config.serverMetadata();
    expect(meta.issuer).to.equal(srv.app.config.issuer);
    expect(meta.authorization_endpoint).to.equal(`${srv.app.config.issuer}/o/authorize/`);
    expect(meta.end_session_endpoint).to.equal(`${srv.app.config.issuer}/o/logout/`);
    expect(meta.code_challenge_methods_supported).to.include('S256');
    expect(meta.backchannel_logout_supported).to.equal(true);
    expect(meta.backchannel_logout_session_supported).to.equal(true);
    expect(meta.claims_supported).to.include.members(['sub', 'auth_time', 'sid']);
  });

  it('code flow + PKCE: the user signs in on Gatehouse, consents, and the relying party validates the ID Token', async () => {
    await page.goto(`${rp.base}/login`);
    await page.waitForURL(`${srv.url}/accounts/login/**`);
    await logIn(page);
    await page.waitForURL(`${srv.url}/o/authorize/**`);
    expect(await page.textContent('main')).to.include('Chromium RP');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(atRp('/callback'));
    const out = await shown<Outcome>();
    if (!out.ok) expect.fail(`openid-client refused: ${out.message}`);
    const sent = rp.authorizationRequests.at(-1)!.searchParams;
    expect(sent.get('code_challenge_method')).to.equal('S256');
    // Signature (jwks_uri), iss, aud, exp, iat and nonce were checked by the library; the claims are the user's.
    expect(out.claims).to.include({ iss: srv.app.config.issuer, aud: rp.clientId, nonce: sent.get('nonce') });
    expect(out.claims.sub).to.be.a('string');
    expect(out.claims.auth_time).to.be.a('number');
    expect(out.claims.sid).to.be.a('string');
    first = out.claims;
  });

  it('UserInfo: the relying party fetches the claims of the same sub with the access token', async () => {
    await page.goto(`${rp.base}/userinfo`);
    expect(await shown()).to.include({ sub: first.sub, preferred_username: 'carol' });
  });

  it('refresh: the refreshed ID Token keeps sub (and auth_time, sid), validated by the library', async () => {
    await page.goto(`${rp.base}/refresh`);
    const { before, after } = await shown<{ before: client.IDToken; after: client.IDToken }>();
    expect(after).to.include({ sub: before.sub, iss: srv.app.config.issuer, aud: rp.clientId, auth_time: before.auth_time, sid: before.sid });
    expect(after).to.not.have.property('nonce');
  });

  it('nonce mismatch: an ID Token whose nonce is not the one this login expects is refused by openid-client', async () => {
    const signedIn = rp.session;
    await page.goto(`${rp.base}/login?wrong_nonce=1`);
    await page.waitForURL(atRp('/callback'));
    expect(await shown()).to.include({ ok: false, code: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', claim: 'nonce' });
    expect(rp.session, 'a refused login does not replace the session').to.equal(signedIn);
  });

  it('prompt=none with a session: a code without any Gatehouse page, the same sub', async () => {
    const docs = await documentsDuring(page, async () => { await page.goto(`${rp.base}/login?prompt=none`); await page.waitForURL(atRp('/callback')); });
    const out = await shown<Outcome>();
    expect(out.ok, JSON.stringify(out)).to.equal(true);
    expect((out as { claims: client.IDToken }).claims.sub).to.equal(first.sub);
    // RP /login (302) → Gatehouse /o/authorize/ (302) → RP /callback: no page of Gatehouse's was shown.
    expect(docs.map(([status, url]) => [status, url.startsWith(srv.url)])).to.deep.equal([[302, false], [302, true], [200, false]]);
  });

  it('Core §3.1.2.1: the authentication request sent by POST (form-encoded) completes like the GET', async () => {
    await page.goto(`${rp.base}/login?post=1`);
    await page.getByRole('button', { name: 'Sign in with Gatehouse' }).click();
    await page.waitForURL(atRp('/callback'));
    const out = await shown<Outcome>();
    if (!out.ok) expect.fail(`openid-client refused: ${out.message}`);
    expect(out.claims).to.include({ sub: first.sub, nonce: rp.authorizationRequests.at(-1)!.searchParams.get('nonce') });
  });

  it('prompt=none without a session: login_required at the callback, which openid-client reports', async () => {
    const stranger = watchProblems(await (await browser.newContext()).newPage(), problems);
    try {
      await stranger.goto(`${rp.base}/login?prompt=none`);
      await stranger.waitForURL(atRp('/callback'));
      expect(await shown(stranger)).to.include({ ok: false, error: 'login_required' });
    } finally { await stranger.context().close(); }
  });

  it('max_age: a recent login proceeds with auth_time; one older than max_age forces a new login and a newer auth_time', async () => {
    await page.goto(`${rp.base}/login?max_age=3600`);
    await page.waitForURL(atRp('/callback'));
    const recent = await shown<Outcome>();
    expect(recent.ok, JSON.stringify(recent)).to.equal(true);
    expect((recent as { claims: client.IDToken }).claims.auth_time).to.equal(first.auth_time);

    // auth_time is in whole seconds: 2.1 s later the login is more than 1 s old.
    await new Promise((r) => setTimeout(r, 2100));
    await page.goto(`${rp.base}/login?max_age=1`);
    await page.waitForURL(`${srv.url}/accounts/login/**`);
    expect(new URL(page.url()).searchParams.get('reauth')).to.equal('1');
    await logIn(page);
    await page.waitForURL(atRp('/callback'));
    const fresh = await shown<Outcome>();
    if (!fresh.ok) expect.fail(`openid-client refused: ${fresh.message}`);
    // openid-client checked auth_time against max_age itself (maxAge option); the session (sid) went on.
    expect(fresh.claims.auth_time).to.be.greaterThan(first.auth_time!);
    expect(fresh.claims).to.include({ sub: first.sub, sid: first.sid });
  });

  it('RP-Initiated Logout: confirmation page, back at post_logout_redirect_uri with state, and the back-channel logout token received', async () => {
    const sid = rp.session!.claims()!.sid;
    await page.goto(`${rp.base}/logout?state=bye`);
    await page.waitForURL(`${srv.url}/o/logout/**`);
    await page.locator('main').getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(atRp('/signed-out'));
    expect(await shown()).to.deep.equal({ signedOut: true, state: 'bye' });
    await srv.app.backchannel.idle();
    expect(rp.logoutTokens.map((t) => t.error)).to.deep.equal([undefined]);
    expect(rp.logoutTokens[0].claims).to.include({ iss: srv.app.config.issuer, aud: rp.clientId, sub: first.sub, sid });

    // The session at Gatehouse is gone too: a silent request is answered login_required.
    await page.goto(`${rp.base}/login?prompt=none`);
    await page.waitForURL(atRp('/callback'));
    expect(await shown()).to.include({ ok: false, error: 'login_required' });
  });
});
