import { expect } from 'chai';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { Browser, createTestApp, type TestServer } from '../helpers.ts';
import { DocumentServer } from '../document-server.ts';
import { authorizeThroughConsent, codeFlowSetup, pkcePair } from '../oauth-helpers.ts';

const CB = 'https://client.example.com/cb';
const JAR = 'application/oauth-authz-req+jwt';

// RFC 9101 §5.2 / §6.2: request objects by reference. The request_uri must be registered (exact match) and is
// fetched through the outbound guard of src/oidc/outbound.ts, then verified like a request object by value.
describe('RFC 9101 §5.2 request_uri by reference', () => {
  let srv: TestServer;
  let closed: TestServer;
  let docs: DocumentServer;
  let key: CryptoKey;
  let jwks: unknown;
  before(async () => {
    docs = await new DocumentServer().start();
    srv = await createTestApp({ outboundAllowedHosts: ['127.0.0.1'] });
    closed = await createTestApp();
    const pair = await generateKeyPair('ES256', { extractable: true });
    key = pair.privateKey;
    jwks = { keys: [{ ...await exportJWK(pair.publicKey), kid: 'k1', alg: 'ES256' }] };
  });
  after(async () => { await srv.close(); await closed.close(); docs.close(); });

  // The document server speaks plain http on 127.0.0.1: accepted here because tests run with ALLOW_INSECURE_TRANSPORT
  // (development); in production only https request_uris are registered or fetched.
  const sign = (t: TestServer, clientId: string, extra: Record<string, unknown> = {}) =>
    new SignJWT({ response_type: 'code', client_id: clientId, redirect_uri: CB, scope: 'read', state: 'inner', code_challenge: pkcePair().challenge, code_challenge_method: 'S256', ...extra })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(clientId).setAudience(t.app.config.issuer).setIssuedAt().setExpirationTime('2m').sign(key);
  const serve = (path: string, body: string, type = JAR) => docs.routes.set(path, (res) => { res.writeHead(200, { 'Content-Type': type }); res.end(body); });

  /** A client whose registered request_uris are `uris`. */
  const setup = (t: TestServer, uris: string[]) => codeFlowSetup(t, { jwks, requestObjectSigningAlg: 'ES256', requestUris: uris });
  const errorPage = async (t: TestServer, s: Awaited<ReturnType<typeof setup>>, params: Record<string, string>, code = 'invalid_request_uri') => {
    const res = await s.browser.get(`/o/authorize/?${new URLSearchParams(params)}`);
    // Fatal: an error page, never a redirect to a redirect_uri nobody could vouch for.
    expect(res.status).to.equal(400);
    expect(res.headers.get('location')).to.equal(null);
    expect(await res.text()).to.include(code);
  };

  it('discovery: request_uri_parameter_supported and require_request_uri_registration', async () => {
    const meta = await (await fetch(`${srv.url}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
    expect(meta.request_uri_parameter_supported).to.equal(true);
    expect(meta.require_request_uri_registration).to.equal(true);
  });

  it('registration: request_uris must be https URLs (http in development only) without fragment or credentials', async () => {
    const owner = await srv.app.seed.user({ username: `r${Math.random().toString(36).slice(2, 8)}` });
    for (const bad of ['ftp://rp.example/r.jwt', 'https://rp.example/r.jwt#x', 'https://u:p@rp.example/r.jwt', 'not-a-url']) {
      let error = '';
      try { await srv.app.seed.client({ owner, requestUris: [bad] }); } catch (e) { error = String(e); }
      expect(error, bad).to.include('requestUris');
    }
    const { client } = await srv.app.seed.client({ owner, requestUris: ['https://rp.example/r.jwt'] });
    expect(client.requestUris).to.deep.equal(['https://rp.example/r.jwt']);
  });

  it('a registered request_uri: fetched, verified, its parameters used (the outer state ignored)', async () => {
    const s = await setup(srv, [`${docs.base}/ok.jwt`]);
    serve('/ok.jwt', await sign(srv, s.client.clientId));
    const loc = await authorizeThroughConsent(s.browser, { client_id: s.client.clientId, request_uri: `${docs.base}/ok.jwt`, state: 'outer' });
    expect(`${loc.origin}${loc.pathname}`).to.equal(CB);
    expect(loc.searchParams.get('state')).to.equal('inner');
    expect(loc.searchParams.get('code')).to.be.a('string');
  });

  it('the login detour keeps the fetched request server-side (a PAR URN in next), and it completes after login', async () => {
    const s = await setup(srv, [`${docs.base}/login.jwt`]);
    serve('/login.jwt', await sign(srv, s.client.clientId));
    const anonymous = new Browser(srv.url);
    const res = await anonymous.get(`/o/authorize/?${new URLSearchParams({ client_id: s.client.clientId, request_uri: `${docs.base}/login.jwt` })}`);
    expect(res.status).to.equal(302);
    const next = new URL(res.headers.get('location')!, srv.url).searchParams.get('next')!;
    expect(new URL(next, srv.url).searchParams.get('request_uri')).to.match(/^urn:ietf:params:oauth:request_uri:/);
    expect(decodeURIComponent(next)).not.to.include(docs.base);
    expect(docs.hitsOf('/login.jwt')).to.equal(1);
    await anonymous.login(s.user.username, s.user.password);
    const loc = await authorizeThroughConsent(anonymous, Object.fromEntries(new URL(next, srv.url).searchParams));
    expect(loc.searchParams.get('state')).to.equal('inner');
    expect(loc.searchParams.get('code')).to.be.a('string');
  });

  it('refused without registration (invalid_request_uri, not fetched), and a prefix of a registered one does not count', async () => {
    const s = await setup(srv, [`${docs.base}/reg/a.jwt`]);
    serve('/other.jwt', await sign(srv, s.client.clientId));
    await errorPage(srv, s, { client_id: s.client.clientId, request_uri: `${docs.base}/other.jwt` });
    await errorPage(srv, s, { client_id: s.client.clientId, request_uri: `${docs.base}/reg/a.jwt/../../other.jwt` });
    await errorPage(srv, s, { client_id: s.client.clientId, request_uri: `${docs.base}/reg/a.jwtx` });
    expect(docs.hitsOf('/other.jwt')).to.equal(0);
  });

  it('the wrong content type, a bad signature, request and request_uri together', async () => {
    const s = await setup(srv, [`${docs.base}/json.jwt`, `${docs.base}/forged.jwt`]);
    serve('/json.jwt', await sign(srv, s.client.clientId), 'application/json');
    await errorPage(srv, s, { client_id: s.client.clientId, request_uri: `${docs.base}/json.jwt` });
    const forged = await new SignJWT({ client_id: s.client.clientId, response_type: 'code' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(s.client.clientId).setAudience(srv.app.config.issuer).setExpirationTime('2m').sign((await generateKeyPair('ES256')).privateKey);
    serve('/forged.jwt', forged);
    await errorPage(srv, s, { client_id: s.client.clientId, request_uri: `${docs.base}/forged.jwt` }, 'invalid_request_object');
    await errorPage(srv, s, { client_id: s.client.clientId, request_uri: `${docs.base}/forged.jwt`, request: forged }, 'invalid_request');
  });

  it('SSRF: a registered request_uri on 127.0.0.1 without the allow-list, and 169.254.169.254, are refused cleanly', async () => {
    const s = await setup(closed, [`${docs.base}/loop.jwt`, 'https://169.254.169.254/latest/meta-data']);
    serve('/loop.jwt', await sign(closed, s.client.clientId));
    await errorPage(closed, s, { client_id: s.client.clientId, request_uri: `${docs.base}/loop.jwt` });
    expect(docs.hitsOf('/loop.jwt')).to.equal(0);
    await errorPage(closed, s, { client_id: s.client.clientId, request_uri: 'https://169.254.169.254/latest/meta-data' });
  });

  it('SSRF: a redirect is not followed; a huge body and a slow server are given up on', async function () {
    this.timeout(15_000);
    const s = await setup(srv, [`${docs.base}/redirect.jwt`, `${docs.base}/huge.jwt`, `${docs.base}/slow.jwt`]);
    serve('/target.jwt', await sign(srv, s.client.clientId));
    docs.routes.set('/redirect.jwt', (res) => { res.writeHead(302, { Location: `${docs.base.replace('127.0.0.1', 'localhost')}/target.jwt` }); res.end(); });
    await errorPage(srv, s, { client_id: s.client.clientId, request_uri: `${docs.base}/redirect.jwt` });
    expect(docs.hitsOf('/target.jwt')).to.equal(0);
    serve('/huge.jwt', 'x'.repeat(1024 * 1024));
    await errorPage(srv, s, { client_id: s.client.clientId, request_uri: `${docs.base}/huge.jwt` });
    docs.routes.set('/slow.jwt', (res) => { setTimeout(() => { if (!res.destroyed) { res.writeHead(200, { 'Content-Type': JAR }); res.end('x'); } }, 8000); });
    const started = Date.now();
    await errorPage(srv, s, { client_id: s.client.clientId, request_uri: `${docs.base}/slow.jwt` });
    expect(Date.now() - started).to.be.below(6000);
  });
  it('a client with no keys to verify a request object with is refused before anything is fetched (attacker read 15, F3)', async () => {
    const owner = await srv.app.seed.user({ username: `k${Math.random().toString(36).slice(2, 8)}` });
    const { client } = await srv.app.seed.client({ owner, grantTypes: ['authorization_code'], redirectUris: [CB], requestUris: [`${docs.base}/keyless.jwt`] });
    serve('/keyless.jwt', 'x');
    const res = await fetch(`${srv.url}/o/authorize/?${new URLSearchParams({ client_id: client.clientId, request_uri: `${docs.base}/keyless.jwt` })}`);
    expect(res.status).to.equal(400);
    expect(await res.text()).to.include('invalid_request_object');
    expect(docs.hitsOf('/keyless.jwt')).to.equal(0);
  });

  it('300 anonymous requests naming one hanging request_uri open at most 8 connections to its host; the rest fail at once (attacker read 15, F3)', async function () {
    this.timeout(20_000);
    const s = await setup(srv, [`${docs.base}/hang.jwt`]);
    const held: { destroy(): void }[] = [];
    docs.routes.set('/hang.jwt', (res) => { held.push(res); });
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 300 }, () => fetch(`${srv.url}/o/authorize/?${new URLSearchParams({ client_id: s.client.clientId, request_uri: `${docs.base}/hang.jwt` })}`).then((r) => r.status)));
    expect(new Set(answers)).to.deep.equal(new Set([400]));
    expect(docs.hitsOf('/hang.jwt')).to.be.at.most(8);
    expect(Date.now() - started).to.be.below(8000);
    for (const r of held) r.destroy();
  });
  it('a request_uri flood holding a host\'s request_uri slots does not starve that host\'s other documents (attacker read 16, F4)', async function () {
    this.timeout(20_000);
    const s = await setup(srv, [`${docs.base}/hang-again.jwt`]);
    const held: { destroy(): void }[] = [];
    docs.routes.set('/hang-again.jwt', (res) => { held.push(res); });
    const flood = Array.from({ length: 10 }, () => fetch(`${srv.url}/o/authorize/?${new URLSearchParams({ client_id: s.client.clientId, request_uri: `${docs.base}/hang-again.jwt` })}`));
    await new Promise((r) => setTimeout(r, 300));
    // A client ID metadata document on the same host, fetched while the flood holds its request_uri slots.
    const victim = docs.doc('/victim-client.json');
    const res = await fetch(`${srv.url}/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: victim, redirect_uri: 'http://127.0.0.1:8080/callback', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })}`, { redirect: 'manual' });
    expect(res.status, 'the metadata document was read: the request goes on to the login page').to.equal(302);
    expect(docs.hitsOf('/victim-client.json')).to.equal(1);
    for (const r of held) r.destroy();
    await Promise.all(flood);
  });
  it('one name is one share in any spelling: an IP literal IPv4-mapped or not, a name in capitals or with a trailing dot (attacker read 16, F5)', async function () {
    this.timeout(20_000);
    const port = new URL(docs.base).port;
    const spellings = [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::ffff:127.0.0.1]:${port}`, `http://LOCALHOST.:${port}`];
    const t = await createTestApp({ outboundAllowedHosts: ['127.0.0.1', 'localhost', 'localhost.', '::ffff:7f00:1'] });
    try {
      const s = await setup(t, spellings.map((b) => `${b}/spelled.jwt`));
      const held: { destroy(): void }[] = [];
      docs.routes.set('/spelled.jwt', (res) => { held.push(res); });
      const ask = (base: string) => fetch(`${t.url}/o/authorize/?${new URLSearchParams({ client_id: s.client.clientId, request_uri: `${base}/spelled.jwt` })}`).then((r) => r.status);
      const flood = spellings.flatMap((b) => Array.from({ length: 8 }, () => ask(b)));
      await new Promise((r) => setTimeout(r, 1500));
      // Two names (127.0.0.1 and localhost), two spellings each: 8 connections a name.
      expect(docs.hitsOf('/spelled.jwt'), 'connections held to the two names').to.be.at.most(16);
      for (const r of held) r.destroy();
      expect(new Set(await Promise.all(flood))).to.deep.equal(new Set([400]));
    } finally { await t.close(); }
  });
});
