import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { expect } from 'chai';
import { createTestApp, type TestServer } from '../helpers.ts';
import { codeFlowSetup, getCode, pkcePair, postForm } from '../oauth-helpers.ts';
import { KeyRing } from '../../src/oidc/keys.ts';
import { isPrivateAddress } from '../../src/oidc/outbound.ts';

// The attacker's read of issue 19's foundation (signing keys, discovery, ID Tokens, prompt/max_age): each finding
// written here first and seen failing.
describe('security: issue 19 attacker read', () => {
  let t: TestServer;
  before(async () => { t = await createTestApp(); });
  after(() => t.close());
  const setup = () => codeFlowSetup(t, { grantTypes: ['authorization_code'], allowedScopes: ['openid', 'read'] });
  const redeem = (s: Awaited<ReturnType<typeof setup>>, code: string, verifier: string) =>
    postForm(`${t.url}/o/token/`, { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example.com/cb', code_verifier: verifier }, s.auth);

  /** Makes every signing-key load fail (as a wrong ENCRYPTION_KEY does), or only those of `alg`, while `fn` runs. */
  async function keysBroken<T>(fn: () => Promise<T>, alg?: string): Promise<T> {
    const ring = t.app.signingKeys as unknown as { signingKey: (a?: string) => Promise<unknown> };
    const working = ring.signingKey.bind(ring);
    ring.signingKey = (a?: string) => (alg === undefined || a === alg ? Promise.reject(new Error('Unsupported state or unable to authenticate data')) : working(a));
    try { return await fn(); } finally { delete (ring as Partial<typeof ring>).signingKey; }
  }

  it('#1 a code is not spent when its ID Token cannot be signed: the client can redeem it once the keys load', async () => {
    const s = await setup();
    const { code, verifier } = await getCode(s, { scope: 'openid' });
    const failed = await keysBroken(() => redeem(s, code, verifier));
    expect(failed.status).to.be.within(500, 599);
    const res = await redeem(s, code, verifier);
    expect(res.status).to.equal(200);
    expect((await res.json() as Record<string, string>).id_token).to.be.a('string');
  });

  it('#1 per client: a code is not spent when the key of its id_token_signed_response_alg cannot be opened', async () => {
    const s = await codeFlowSetup(t, { allowedScopes: ['openid', 'read'], idTokenSignedResponseAlg: 'EdDSA' });
    const { code, verifier } = await getCode(s, { scope: 'openid' });
    expect((await keysBroken(() => redeem(s, code, verifier), 'EdDSA')).status).to.be.within(500, 599);
    const res = await redeem(s, code, verifier);
    expect(res.status).to.equal(200);
    const idToken = (await res.json() as Record<string, string>).id_token;
    expect(JSON.parse(Buffer.from(idToken.split('.')[0], 'base64url').toString()).alg).to.equal('EdDSA');
  });

  it('#1 a refresh token is not spent when the new ID Token cannot be signed', async () => {
    const s = await codeFlowSetup(t, { allowedScopes: ['openid', 'read'] });
    const { code, verifier } = await getCode(s, { scope: 'openid' });
    const first = await (await redeem(s, code, verifier)).json() as Record<string, string>;
    const refresh = () => postForm(`${t.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: first.refresh_token }, s.auth);
    expect((await keysBroken(refresh)).status).to.be.within(500, 599);
    expect((await refresh()).status).to.equal(200);
  });

  it('#1 keys sealed under another ENCRYPTION_KEY are named at start (ready), not at the first sign-in', async () => {
    await t.app.signingKeys.ensure();
    const wrong = new KeyRing(t.app.stores.signingKeys, { sealKey: randomBytes(32), retainMs: () => 3_600_000 });
    let error: unknown;
    try { await wrong.ready(); } catch (e) { error = e; }
    expect(String((error as Error)?.message)).to.match(/ENCRYPTION_KEY/);
    await t.app.signingKeys.ready();
  });

  it('#2 prompt=login and max_age ask for a fresh login without signing the user out (no logout by link)', async () => {
    const s = await setup();
    const { challenge } = pkcePair();
    const request = (extra: Record<string, string>) => `/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: s.client.clientId, redirect_uri: 'https://client.example.com/cb', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256', ...extra })}`;
    await getCode(s, { scope: 'openid' }); // consent given once
    await new Promise((r) => setTimeout(r, 1100)); // auth_time counts seconds: max_age=0 needs the login a second old
    for (const extra of [{ prompt: 'login' }, { max_age: '0' }] as Record<string, string>[]) {
      const res = await s.browser.get(request(extra));
      expect(res.status).to.equal(302);
      const login = new URL(res.headers.get('location')!, t.url);
      expect(login.pathname).to.equal('/accounts/login/');
      // The login form is shown although a user is signed in: a fresh authentication is asked for.
      const page = await s.browser.get(login.pathname + login.search);
      expect(page.status).to.equal(200);
      expect(await page.text()).to.match(/name="password"/);
      // ... and the session is still there: the user's pages work and a plain request proceeds.
      expect((await s.browser.get('/o/authorized_tokens/')).status).to.equal(200);
      const plain = await s.browser.get(request({}));
      expect(new URL(plain.headers.get('location')!, t.url).searchParams.get('code')).to.be.a('string');
    }
  });

  it('#3 rotatekeys refuses to promote a next key relying parties may not have fetched yet, unless forced', async () => {
    await t.app.signingKeys.ensure();
    let error: unknown;
    try { await t.app.signingKeys.rotate(); } catch (e) { error = e; }
    expect(String((error as Error)?.message)).to.match(/published .* ago/);
    const forced = await t.app.signingKeys.rotate({ force: true });
    expect(forced.every((r) => r.promoted)).to.equal(true);
    let again: unknown;
    try { await t.app.signingKeys.rotate(); } catch (e) { again = e; }
    expect(again, 'a second rotation right after is refused too').to.be.instanceOf(Error);
  });

  it('#4 RFC 8414 metadata names jwks_uri too, as the OpenID document does', async () => {
    const oauth = await (await fetch(`${t.url}/.well-known/oauth-authorization-server`)).json() as Record<string, string>;
    const oidc = await (await fetch(`${t.url}/.well-known/openid-configuration`)).json() as Record<string, string>;
    expect(oauth.jwks_uri).to.equal(`${t.app.config.issuer}/.well-known/jwks.json`);
    expect(oidc.jwks_uri).to.equal(oauth.jwks_uri);
  });

  it('#4 an unsigned request object and an https request_uri are refused (Core §3.1.2.6, RFC 9101 §6.2), not silently dropped with the nonce they carry', async () => {
    const s = await setup();
    const { challenge } = pkcePair();
    const base = { response_type: 'code', client_id: s.client.clientId, redirect_uri: 'https://client.example.com/cb', scope: 'openid', state: 'st', code_challenge: challenge, code_challenge_method: 'S256' };
    // Request objects by value are supported (issue 22), signed only: alg none is an error page, never a redirect.
    const unsigned = await s.browser.get(`/o/authorize/?${new URLSearchParams({ ...base, request: 'eyJhbGciOiJub25lIn0.e30.' })}`);
    expect(unsigned.status).to.equal(400);
    expect(unsigned.headers.get('location')).to.equal(null);
    expect(await unsigned.text()).to.include('invalid_request_object');
    // By reference only from a registered request_uri (RFC 9101 §5.2, test/oauth2/request-uri.test.ts): this client
    // registered none, so the https request_uri is refused unfetched, on an error page (its redirect_uri is unproven).
    const res = await s.browser.get(`/o/authorize/?${new URLSearchParams({ ...base, request_uri: 'https://client.example.com/request.jwt' })}`);
    expect(res.status).to.equal(400);
    expect(res.headers.get('location')).to.equal(null);
    expect(await res.text()).to.include('invalid_request_uri');
  });
});

describe('security: issue 19 attacker read, logout', () => {
  let t: TestServer;
  before(async () => { t = await createTestApp(); });
  after(() => t.close());

  it('F1 RP-Initiated Logout §3: without an id_token_hint there is no post-logout redirection, even to a registered URI', async () => {
    // A hostile user registers their own client with a post-logout URI of their choosing: without a hint,
    // Gatehouse must not become their open redirector.
    const s = await codeFlowSetup(t, { allowedScopes: ['openid'], postLogoutRedirectUris: ['https://evil.example/after'] });
    for (const method of ['GET', 'POST'] as const) {
      const params = new URLSearchParams({ client_id: s.client.clientId, post_logout_redirect_uri: 'https://evil.example/after', state: 'x' });
      const res = method === 'GET'
        ? await fetch(`${t.url}/o/logout/?${params}`, { redirect: 'manual' })
        : await fetch(`${t.url}/o/logout/`, { method, body: params, redirect: 'manual' });
      expect(res.status, method).to.equal(200);
      expect(res.headers.get('location'), method).to.equal(null);
      expect(await res.text(), method).not.to.include('evil.example');
    }
  });

  it('F3 a logout state longer than 2,048 characters is refused, not echoed', async () => {
    const res = await fetch(`${t.url}/o/logout/?state=${'s'.repeat(10_000)}`, { redirect: 'manual' });
    expect(res.status).to.equal(400);
    expect(res.headers.get('location')).to.equal(null);
  });

  it('F2 outbound requests refuse documentation ranges, IPv4 inside IPv6 forms, and this host\'s own addresses', () => {
    for (const address of ['192.0.2.2', '198.51.100.1', '203.0.113.9', '::127.0.0.1', '::ffff:0:7f00:1', '2002:7f00:1::', '2001:db8::1', '2001::1']) {
      expect(isPrivateAddress(address), address).to.equal(true);
    }
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) expect(isPrivateAddress(a.address.replace(/%.*$/, '')), a.address).to.equal(true);
    }
    expect(isPrivateAddress('93.184.215.14')).to.equal(false);
  });
});
