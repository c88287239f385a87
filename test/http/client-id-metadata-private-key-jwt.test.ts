import { expect } from 'chai';
import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { Browser, createTestApp, type TestServer } from '../helpers.ts';
import { authorizeThroughConsent, pkcePair, postForm } from '../oauth-helpers.ts';
import { CALLBACK, DocumentServer } from '../document-server.ts';
import { assertion, JWT_BEARER } from '../oauth2/client-assertion/assertions.ts';

type Json = Record<string, any>;

// CIMD and the MCP authorization specification allow a metadata-document client to authenticate with private_key_jwt,
// its public keys at the document's jwks_uri: read through the same SSRF guard as the document (client-keys.ts), never a
// secret in the document. The client is then confidential: its code is exchanged only with a signed assertion.
describe('Client ID Metadata Documents: private_key_jwt with jwks_uri', () => {
  let t: TestServer;
  let site: DocumentServer;
  let browser: Browser;
  let key: CryptoKey;
  let pub: JWK;
  before(async () => {
    site = await new DocumentServer().start();
    t = await createTestApp({ outboundAllowedHosts: ['127.0.0.1'], clientIdMetadata: { minTtl: 1 } });
    const user = await t.app.seed.user({ username: 'pkjwt-user' });
    browser = new Browser(t.url);
    await browser.login(user.username, user.password);
    const pair = await generateKeyPair('ES256', { extractable: true });
    key = pair.privateKey;
    pub = { ...await exportJWK(pair.publicKey), kid: 'k1' };
  });
  after(async () => { await t.close(); site.close(); });

  /** The code flow up to the code, for a document client; answers the code and the PKCE verifier. */
  async function codeFor(clientId: string) {
    const { verifier, challenge } = pkcePair();
    const params = { response_type: 'code', client_id: clientId, redirect_uri: CALLBACK, scope: 'read', state: 's1', code_challenge: challenge, code_challenge_method: 'S256' };
    const callback = await authorizeThroughConsent(browser, params);
    return { code: callback.searchParams.get('code')!, verifier };
  }
  /** A JWK Set at `path` of the client's site; answers its URL. */
  const serveKeys = (path: string) => {
    site.routes.set(path, (res) => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end(JSON.stringify({ keys: [pub] })); });
    return site.base + path;
  };
  const exchange = (clientId: string, code: string, verifier: string, extra: Record<string, string>) =>
    postForm(`${t.url}/o/token/`, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier, client_id: clientId, ...extra });

  it('a document with private_key_jwt and jwks_uri: the code is exchanged with an assertion signed by a key of that set', async () => {
    const jwksUri = serveKeys('/keys.json');
    const clientId = site.doc('/pkjwt-client.json', { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: jwksUri });
    const { code, verifier } = await codeFor(clientId);
    const row = (await t.app.stores.sql.all<Json>('select * from applications where client_id = ?', [clientId]))[0];
    expect(row).to.include({ registered: 'metadata', client_type: 'confidential', token_endpoint_auth_method: 'private_key_jwt', jwks_uri: jwksUri });
    expect(row.secret_hash).to.equal(null);
    // Without an assertion the client is not authenticated (RFC 6749 §3.2.1: a confidential client must be).
    const bare = await exchange(clientId, code, verifier, {});
    expect(bare.status).to.equal(401);
    expect((await bare.json() as Json).error).to.equal('invalid_client');
    // The refused exchange did not spend the code (client authentication comes first), so it still works here.
    const res = await exchange(clientId, code, verifier, { client_assertion_type: JWT_BEARER, client_assertion: await assertion(t, clientId, { key, kid: 'k1' }) });
    expect(res.status, await res.clone().text()).to.equal(200);
    expect((await res.json() as Json).access_token).to.be.a('string');
    expect(site.hitsOf('/keys.json')).to.equal(1);
  });

  it('an assertion signed by another key is invalid_client', async () => {
    const jwksUri = serveKeys('/keys2.json');
    const clientId = site.doc('/pkjwt-other.json', { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: jwksUri });
    const { code, verifier } = await codeFor(clientId);
    const stranger = await generateKeyPair('ES256');
    const res = await exchange(clientId, code, verifier, { client_assertion_type: JWT_BEARER, client_assertion: await assertion(t, clientId, { key: stranger.privateKey, kid: 'k1' }) });
    expect(res.status).to.equal(401);
    expect((await res.json() as Json).error).to.equal('invalid_client');
  });

  it('the jwks_uri goes through the SSRF guard: a loopback host not allow-listed is never fetched, and the client cannot authenticate', async () => {
    const jwksUri = serveKeys('/guarded-keys.json').replace('127.0.0.1', 'localhost');
    const clientId = site.doc('/pkjwt-guarded.json', { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: jwksUri });
    const { code, verifier } = await codeFor(clientId);
    const res = await exchange(clientId, code, verifier, { client_assertion_type: JWT_BEARER, client_assertion: await assertion(t, clientId, { key, kid: 'k1' }) });
    expect(res.status).to.equal(401);
    expect(site.hitsOf('/guarded-keys.json')).to.equal(0);
  });

  it('still refused: private_key_jwt without jwks_uri, or with the keys inline (jwks), and any secret', async () => {
    for (const [path, doc] of [['/pk-nokeys.json', { token_endpoint_auth_method: 'private_key_jwt' }],
      ['/pk-inline.json', { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [pub] } }],
      ['/pk-secret.json', { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: `${site.base}/keys.json`, client_secret: 'hunter2' }]] as const) {
      const clientId = site.doc(path, doc);
      const res = await browser.get(`/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: CALLBACK, scope: 'read', state: 's', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' })}`);
      expect(res.status, path).to.equal(400);
      expect(res.headers.get('location'), path).to.equal(null);
    }
  });
});
