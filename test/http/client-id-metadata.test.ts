import { expect } from 'chai';
import * as client from 'openid-client';
import { Browser, createTestApp, testIdValue, type TestServer } from '../helpers.ts';
import { authorizeThroughConsent, pkcePair, postForm } from '../oauth-helpers.ts';
import { CALLBACK, DocumentServer } from '../document-server.ts';

type Json = Record<string, any>;

const authorizeParams = (clientId: string, extra: Record<string, string> = {}) => {
  const { verifier, challenge } = pkcePair();
  return { verifier, params: { response_type: 'code', client_id: clientId, redirect_uri: CALLBACK, scope: 'read', state: 's1', code_challenge: challenge, code_challenge_method: 'S256', ...extra } };
};

async function signedIn(t: TestServer) {
  const user = await t.app.seed.user({ username: `u${Math.random().toString(36).slice(2, 8)}` });
  const browser = new Browser(t.url);
  await browser.login(user.username, user.password);
  return browser;
}

/** An authorization request that must end on our error page: 400, HTML, no Location (the redirect URI is not trusted). */
async function expectErrorPage(browser: Browser, params: Record<string, string>) {
  const res = await browser.get(`/o/authorize/?${new URLSearchParams(params)}`);
  expect(res.status, params.client_id).to.equal(400);
  expect(res.headers.get('location')).to.equal(null);
  expect(res.headers.get('content-type')).to.match(/text\/html/);
  const html = await res.text();
  return html;
}

describe('OAuth Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document)', () => {
  let t: TestServer;
  let site: DocumentServer;
  let browser: Browser;
  before(async () => {
    site = await new DocumentServer().start();
    t = await createTestApp({ outboundAllowedHosts: ['127.0.0.1'], clientIdMetadata: { minTtl: 1 } });
    browser = await signedIn(t);
  });
  after(async () => { await t.close(); site.close(); });

  it('metadata: client_id_metadata_document_supported in RFC 8414 and OpenID Connect discovery', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const d = await (await fetch(t.url + path)).json() as Json;
      expect(d.client_id_metadata_document_supported, path).to.equal(true);
    }
  });

  it('a URL client_id: the consent page names the client\'s host, and the code is exchanged by the public client with PKCE', async () => {
    const clientId = site.doc('/flow.json');
    const { verifier, params } = authorizeParams(clientId);
    const page = await browser.get(`/o/authorize/?${new URLSearchParams(params)}`);
    expect(page.status).to.equal(200);
    const html = await page.text();
    expect(testIdValue(html, 'client-host')).to.include(new URL(site.base).host);
    const callback = await authorizeThroughConsent(browser, params);
    const code = callback.searchParams.get('code')!;
    expect(callback.origin + callback.pathname).to.equal(CALLBACK);
    const res = await postForm(`${t.url}/o/token/`, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, client_id: clientId, code_verifier: verifier });
    expect(res.status).to.equal(200);
    const tokens = await res.json() as Json;
    expect(tokens.access_token).to.be.a('string');
    expect(tokens.refresh_token).to.be.a('string');
    // Kept as a client row, owned by the reserved user, public, marked as a metadata document's.
    const row = (await t.app.stores.sql.all<Json>('select a.*, u.username from applications a join users u on u.id = a.owner_id where client_id = ?', [clientId]))[0];
    expect(row).to.include({ registered: 'metadata', client_type: 'public', token_endpoint_auth_method: 'none', username: '~dynamic', name: 'MCP Inspector' });
    expect(row.secret_hash).to.equal(null);
    const refreshed = await postForm(`${t.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: clientId });
    expect(refreshed.status).to.equal(200);
  });

  it('the longest client_id accepted (255 characters): its code flow, refresh, revocation and their audit rows store (attacker read 8, F9)', async () => {
    // events.client_id was 100 characters: on PostgreSQL each audit row of such a client failed (22001).
    const clientId = site.doc(`/${'l'.repeat(255 - site.base.length - '/.json'.length)}.json`);
    expect(clientId).to.have.length(255);
    const { verifier, params } = authorizeParams(clientId);
    const callback = await authorizeThroughConsent(browser, params);
    const res = await postForm(`${t.url}/o/token/`, { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: CALLBACK, client_id: clientId, code_verifier: verifier });
    expect(res.status).to.equal(200);
    const tokens = await res.json() as Json;
    const refreshed = await postForm(`${t.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: clientId });
    expect(refreshed.status).to.equal(200);
    expect((await postForm(`${t.url}/o/revoke_token/`, { token: (await refreshed.json() as Json).refresh_token, client_id: clientId })).status).to.equal(200);
    const types = (await t.app.stores.sql.all<Json>('select type from events where client_id = ? order by id', [clientId])).map((e) => e.type);
    expect(types).to.include.members(['consent.granted', 'token.issued', 'token.refreshed', 'token.revoked']);
    const stored = await t.app.stores.sql.all<Json>('select count(*) as n from access_tokens t join applications a on a.id = t.application_id where a.client_id = ?', [clientId]);
    expect(Number(stored[0].n)).to.equal(2);
  });

  it('cache: a second request within max-age does not fetch again; a stale document is fetched again', async () => {
    const fresh = site.doc('/cached.json', {}, { 'Cache-Control': 'max-age=600' });
    await browser.get(`/o/authorize/?${new URLSearchParams(authorizeParams(fresh).params)}`);
    await browser.get(`/o/authorize/?${new URLSearchParams(authorizeParams(fresh).params)}`);
    expect(site.hitsOf('/cached.json')).to.equal(1);
    const stale = site.doc('/stale.json', {}, { 'Cache-Control': 'max-age=1' });
    expect((await browser.get(`/o/authorize/?${new URLSearchParams(authorizeParams(stale).params)}`)).status).to.equal(200);
    expect(site.hitsOf('/stale.json')).to.equal(1);
    await new Promise((r) => setTimeout(r, 1100));
    // The refresh sees a changed document: the stored client follows it.
    site.doc('/stale.json', { client_name: 'Renamed' }, { 'Cache-Control': 'max-age=1' });
    const page = await browser.get(`/o/authorize/?${new URLSearchParams(authorizeParams(stale).params)}`);
    expect(page.status).to.equal(200);
    expect(site.hitsOf('/stale.json')).to.equal(2);
    expect((await t.app.stores.sql.all<Json>('select name from applications where client_id = ?', [stale]))[0].name).to.equal('Renamed');
  });

  it('concurrent first uses of one document fetch it once and make one client', async () => {
    const url = site.doc('/burst.json');
    const results = await Promise.all(Array.from({ length: 8 }, () => browser.get(`/o/authorize/?${new URLSearchParams(authorizeParams(url).params)}`)));
    expect(results.map((r) => r.status)).to.deep.equal(Array(8).fill(200));
    expect(site.hitsOf('/burst.json')).to.equal(1);
    expect((await t.app.stores.sql.all<Json>('select count(*) as n from applications where client_id = ?', [url]))[0].n).to.equal(1);
  });

  it('consent: a redirect to another site than the client\'s own is pointed out; loopback (a native app) is not', async () => {
    const elsewhere = site.doc('/elsewhere.json', { redirect_uris: ['https://other.example/cb'] });
    const html = await (await browser.get(`/o/authorize/?${new URLSearchParams(authorizeParams(elsewhere, { redirect_uri: 'https://other.example/cb' }).params)}`)).text();
    expect(testIdValue(html, 'redirect-elsewhere')).to.include('other.example');
    const home = await (await browser.get(`/o/authorize/?${new URLSearchParams(authorizeParams(site.doc('/home.json')).params)}`)).text();
    expect(testIdValue(home, 'redirect-elsewhere')).to.equal(undefined);
    expect(testIdValue(home, 'client-host')).to.include(new URL(site.base).host);
  });

  it('a failed document is not fetched again for 30 s, even once fixed (retries cost no outbound request)', async () => {
    site.routes.set('/flaky.json', (res) => { res.statusCode = 503; res.end(); });
    const url = `${site.base}/flaky.json`;
    await expectErrorPage(browser, authorizeParams(url).params);
    site.doc('/flaky.json');
    await expectErrorPage(browser, authorizeParams(url).params);
    const token = await postForm(`${t.url}/o/token/`, { grant_type: 'authorization_code', code: 'x', redirect_uri: CALLBACK, client_id: url, code_verifier: 'v'.repeat(43) });
    expect(token.status).to.equal(401);
    expect(site.hitsOf('/flaky.json')).to.equal(1);
  });

  it('at most 2 documents of one site are fetched at once (32 in all); the next request is refused without a fetch', async function () {
    this.timeout(15_000);
    const paths = Array.from({ length: 9 }, (_, i) => `/hang${i}.json`);
    for (const p of paths) site.routes.set(p, (res) => { setTimeout(() => { if (!res.destroyed) res.end('{}'); }, 6000); });
    const first = paths.slice(0, 8).map((p) => browser.get(`/o/authorize/?${new URLSearchParams(authorizeParams(site.base + p).params)}`));
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await expectErrorPage(browser, authorizeParams(site.base + paths[8]).params);
    expect(Date.now() - started).to.be.below(1000);
    // Awaited before the assertions: a slot still held would refuse the next tests' documents of this site.
    expect((await Promise.all(first)).map((r) => r.status)).to.deep.equal(Array(8).fill(400));
    expect(site.hitsOf(paths[8])).to.equal(0);
    expect(paths.slice(0, 8).reduce((n, p) => n + site.hitsOf(p), 0)).to.equal(2);
  });

  it('token endpoint: a client_id whose document cannot be used is invalid_client (401)', async () => {
    site.routes.set('/gone.json', (res) => { res.statusCode = 500; res.end(); });
    const res = await postForm(`${t.url}/o/token/`, { grant_type: 'authorization_code', code: 'x', redirect_uri: CALLBACK, client_id: `${site.base}/gone.json`, code_verifier: 'v'.repeat(43) });
    expect(res.status).to.equal(401);
    expect(res.headers.get('www-authenticate')).to.match(/^Basic/);
    expect((await res.json() as Json).error).to.equal('invalid_client');
  });

  it('openid-client: authorization code + PKCE with a URL client_id and no secret', async () => {
    const clientId = site.doc('/openid-client.json');
    const config = await client.discovery(new URL(t.app.config.issuer), clientId, undefined, client.None(), { algorithm: 'oauth2', execute: [client.allowInsecureRequests] });
    expect(config.serverMetadata().client_id_metadata_document_supported).to.equal(true);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'read', state, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const callback = await authorizeThroughConsent(browser, Object.fromEntries(url.searchParams));
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.scope).to.equal('read');
    const hello = await client.fetchProtectedResource(config, tokens.access_token, new URL(`${t.url}/api/hello`), 'GET');
    expect((await hello.json() as Json).client_id).to.equal(clientId);
  });
});

describe('Client ID Metadata Documents: what is refused (SSRF, document rules, privileges)', () => {
  let t: TestServer;
  let site: DocumentServer;
  let browser: Browser;
  before(async () => {
    site = await new DocumentServer().start();
    t = await createTestApp({ outboundAllowedHosts: ['127.0.0.1'] });
    browser = await signedIn(t);
  });
  after(async () => { await t.close(); site.close(); });

  const refused = async (clientId: string) => {
    await expectErrorPage(browser, authorizeParams(clientId).params);
    expect((await t.app.stores.sql.all<Json>('select count(*) as n from applications where client_id = ?', [clientId]))[0].n).to.equal(0);
  };

  it('a document at a loopback address is not fetched unless OUTBOUND_ALLOWED_HOSTS lists it', async () => {
    const guarded = await createTestApp();
    try {
      const b = await signedIn(guarded);
      const url = site.doc('/private.json');
      await expectErrorPage(b, authorizeParams(url).params);
      expect(site.hitsOf('/private.json')).to.equal(0);
      // Nor through a name that resolves to it.
      await expectErrorPage(b, authorizeParams(url.replace('127.0.0.1', 'localhost')).params);
      expect(site.hitsOf('/private.json')).to.equal(0);
    } finally { await guarded.close(); }
  });

  it('a redirect is never followed (it could lead to a private target)', async () => {
    site.doc('/target.json');
    site.routes.set('/redirect.json', (res) => { res.writeHead(302, { Location: `${site.base}/target.json` }); res.end(); });
    await refused(`${site.base}/redirect.json`);
    expect(site.hitsOf('/target.json')).to.equal(0);
  });

  it('an oversized document, a non-JSON answer, an error status', async () => {
    site.doc('/big.json', { client_name: 'x'.repeat(10_000) });
    await refused(`${site.base}/big.json`);
    site.routes.set('/html.json', (res) => { res.writeHead(200, { 'Content-Type': 'text/html' }); res.end('<html>'); });
    await refused(`${site.base}/html.json`);
    await refused(`${site.base}/missing.json`);
  });

  it('a slow document times out (3 s) with an error page, not a hang', async function () {
    this.timeout(10_000);
    site.routes.set('/slow.json', (res) => { setTimeout(() => { if (!res.destroyed) res.end('{}'); }, 6000); });
    const started = Date.now();
    await refused(`${site.base}/slow.json`);
    expect(Date.now() - started).to.be.below(5000);
  });

  it('the document\'s client_id must be its own URL', async () => {
    site.doc('/other.json', { client_id: `${site.base}/someone-else.json` });
    await refused(`${site.base}/other.json`);
    site.doc('/noid.json', { client_id: undefined });
    await refused(`${site.base}/noid.json`);
  });

  it('no shared secret: client_secret_basic, client_secret_post, a client_secret, or private_key_jwt without a jwks_uri', async () => {
    for (const [path, doc] of [['/basic.json', { token_endpoint_auth_method: 'client_secret_basic' }], ['/post.json', { token_endpoint_auth_method: 'client_secret_post' }],
      ['/secret.json', { client_secret: 'hunter2' }], ['/pkjwt.json', { token_endpoint_auth_method: 'private_key_jwt' }]] as const) {
      site.doc(path, doc);
      await refused(site.base + path);
    }
  });

  it('never a privileged capability (the DYNAMIC actor): admin or introspection scope, password or implicit grant, skip consent', async () => {
    for (const [path, doc] of [['/admin.json', { scope: 'read admin' }], ['/introspection.json', { scope: 'introspection' }], ['/password.json', { grant_types: ['authorization_code', 'password'] }],
      ['/implicit.json', { grant_types: ['implicit'], response_types: ['token'] }], ['/cc.json', { grant_types: ['client_credentials'] }],
      // A private_key_jwt client could authenticate for client_credentials: a stranger's self-published client would mint
      // tokens for itself, with no user, whatever scopes the document names (attacker read 15, F5).
      ['/cc-keys.json', { grant_types: ['authorization_code', 'client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks_uri: `${site.base}/jwks.json` }]] as const) {
      site.doc(path, doc);
      await refused(site.base + path);
    }
    // skip_authorization is not read: the consent page still shows.
    const skip = site.doc('/skip.json', { skip_authorization: true });
    expect((await browser.get(`/o/authorize/?${new URLSearchParams(authorizeParams(skip).params)}`)).status).to.equal(200);
  });

  it('redirect_uris are required and follow the registration rules; the request must name a registered one', async () => {
    site.doc('/noredirect.json', { redirect_uris: [] });
    await refused(`${site.base}/noredirect.json`);
    site.doc('/js.json', { redirect_uris: ['javascript:alert(1)'] });
    await refused(`${site.base}/js.json`);
    const ok = site.doc('/ok.json');
    await expectErrorPage(browser, authorizeParams(ok, { redirect_uri: 'https://evil.example/cb' }).params);
  });

  it('client_id URL shape (CIMD Client Identifier): no fragment, credentials, dot segments, missing path or non-canonical form; nothing is fetched', async () => {
    const before = [...site.hits.values()].reduce((a, b) => a + b, 0);
    for (const id of [`${site.base}/doc.json#x`, site.base.replace('http://', 'http://user:pw@') + '/doc.json', `${site.base}/a/../doc.json`, `${site.base}/./doc.json`,
      `${site.base}/a/%2e%2e/doc.json`, site.base, `${site.base}/`, site.base.replace('127.0.0.1', '127.000.000.001') + '/doc.json', `${site.base}/${'a'.repeat(300)}`]) {
      await expectErrorPage(browser, authorizeParams(id).params);
    }
    expect([...site.hits.values()].reduce((a, b) => a + b, 0)).to.equal(before);
  });
});

describe('Client ID Metadata Documents: limits and the switch', () => {
  it('CLIENT_ID_METADATA_DOCUMENTS=off: URL client_ids are unknown clients, and metadata says nothing', async () => {
    const site = await new DocumentServer().start();
    const t = await createTestApp({ outboundAllowedHosts: ['127.0.0.1'], clientIdMetadata: { mode: 'off' } });
    try {
      const browser = await signedIn(t);
      const url = site.doc('/off.json');
      await expectErrorPage(browser, authorizeParams(url).params);
      expect(site.hitsOf('/off.json')).to.equal(0);
      const d = await (await fetch(`${t.url}/.well-known/oauth-authorization-server`)).json() as Json;
      expect(d).to.not.have.property('client_id_metadata_document_supported');
    } finally { await t.close(); site.close(); }
  });

  it('CLIENT_ID_METADATA_MAX_CLIENTS: a new document replaces the least recently used one nobody consented to, else it is refused', async () => {
    const site = await new DocumentServer().start();
    const t = await createTestApp({ outboundAllowedHosts: ['127.0.0.1'], clientIdMetadata: { maxClients: 1, minTtl: 600 } });
    try {
      const browser = await signedIn(t);
      const first = site.doc('/first.json');
      const second = site.doc('/second.json');
      expect((await browser.get(`/o/authorize/?${new URLSearchParams(authorizeParams(first).params)}`)).status).to.equal(200);
      // The first is fresh but nobody consented to it: it makes room (anyone could fill the cap with fresh rows).
      expect((await browser.get(`/o/authorize/?${new URLSearchParams(authorizeParams(second).params)}`)).status).to.equal(200);
      const ids = (await t.app.stores.sql.all<Json>('select client_id from applications where registered = ?', ['metadata'])).map((r) => r.client_id);
      expect(ids).to.deep.equal([second]);
      // A client a user consented to is kept: the next new one is refused instead, without a fetch.
      await authorizeThroughConsent(browser, authorizeParams(second).params);
      await expectErrorPage(browser, authorizeParams(site.doc('/third.json')).params);
      expect(site.hitsOf('/third.json')).to.equal(0);
      expect((await t.app.stores.sql.all<Json>('select client_id from applications where registered = ?', ['metadata'])).map((r) => r.client_id)).to.deep.equal([second]);
    } finally { await t.close(); site.close(); }
  });
});
