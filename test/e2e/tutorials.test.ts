import { expect } from 'chai';
import OAuth from 'oauth-1.0a';
import { createHmac } from 'node:crypto';
import { Browser, createTestApp, csrfFrom, testIdValue, type TestServer } from '../helpers.ts';
import { authorizeThroughConsent, pkcePair, postForm } from '../oauth-helpers.ts';

// The three tutorials of the README ("The tutorials, URL by URL"), step by step over real HTTP, with the URLs the
// tutorials print: django-oauth-toolkit's, django-oauth2-provider's and Authlib's OAuth 1 server. The consent a
// person gives in a browser is given through the pages' forms (test/oauth-helpers.ts).
describe('e2e: the README tutorials, step by step', function () {
  this.timeout(60_000);
  let srv: TestServer;
  let admin: Browser;
  let adminUser: Awaited<ReturnType<TestServer['app']['seed']['user']>>;
  const CALLBACK = 'http://127.0.0.1:8080/callback';

  before(async () => {
    srv = await createTestApp();
    adminUser = await srv.app.seed.user({ username: 'admin', password: 'admin-password', isAdmin: true });
    admin = new Browser(srv.url);
    expect((await admin.login('admin', 'admin-password')).status).to.equal(302);
  });
  after(() => srv.close());

  it("django-oauth-toolkit's tutorial: register on the page, authorize with PKCE, /o/token/, /api/hello, refresh, introspect, revoke", async () => {
    // 1. Register an application at /o/applications/register/ and copy the secret shown once.
    const html = await (await admin.get('/o/applications/register/')).text();
    const registered = await admin.post('/o/applications/register/', {
      csrfmiddlewaretoken: csrfFrom(html)!, form_once: /name="form_once" value="([^"]+)"/.exec(html)![1],
      name: 'Demo', client_type: 'confidential', grant_types: ['authorization_code'], redirect_uris: CALLBACK, allowed_scopes: ['read', 'write'],
    });
    expect(registered.status).to.equal(302);
    const detail = await (await admin.get(registered.headers.get('location')!)).text();
    const CLIENT_ID = testIdValue(detail, 'client-id')!;
    const CLIENT_SECRET = testIdValue(detail, 'client-secret')!;
    expect(CLIENT_SECRET).to.have.length(64);
    const auth = { id: CLIENT_ID, secret: CLIENT_SECRET };

    // 2. A PKCE pair, the authorization page, Allow.
    const { verifier: VERIFIER, challenge: CHALLENGE } = pkcePair();
    const back = await authorizeThroughConsent(admin, { response_type: 'code', client_id: CLIENT_ID, redirect_uri: CALLBACK, scope: 'read write', state: 'xyz', code_challenge: CHALLENGE, code_challenge_method: 'S256' });
    expect(`${back.origin}${back.pathname}`).to.equal(CALLBACK);
    expect(back.searchParams.get('state')).to.equal('xyz');
    expect(back.searchParams.get('iss')).to.equal(srv.app.config.issuer);
    const CODE = back.searchParams.get('code')!;

    // 3. Exchange the code.
    const tokenRes = await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code: CODE, redirect_uri: CALLBACK, code_verifier: VERIFIER }, auth);
    expect(tokenRes.status).to.equal(200);
    const tokens = await tokenRes.json() as Record<string, string | number>;
    expect(tokens).to.include({ token_type: 'Bearer', expires_in: 3600, scope: 'read write' });
    const ACCESS_TOKEN = tokens.access_token as string;

    // 4. The protected resource, and a refresh (rotating).
    const hello = await fetch(`${srv.url}/api/hello`, { headers: { authorization: `Bearer ${ACCESS_TOKEN}` } });
    expect(hello.status).to.equal(200);
    expect(await hello.json()).to.include({ user: 'admin', client_id: CLIENT_ID });
    const refreshed = await postForm(`${srv.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string }, auth);
    expect(refreshed.status).to.equal(200);
    const REFRESH_TOKEN = (await refreshed.json() as Record<string, string>).refresh_token;
    expect(REFRESH_TOKEN).to.not.equal(tokens.refresh_token);

    // 5. Introspect, then revoke the refresh token (its family goes with it).
    const introspected = await postForm(`${srv.url}/o/introspect/`, { token: ACCESS_TOKEN }, auth);
    expect(introspected.status).to.equal(200);
    expect(await introspected.json()).to.include({ active: true, client_id: CLIENT_ID, username: 'admin' });
    expect((await postForm(`${srv.url}/o/revoke_token/`, { token: REFRESH_TOKEN }, auth)).status).to.equal(200);
    expect((await postForm(`${srv.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: REFRESH_TOKEN }, auth)).status).to.equal(400);
  });

  describe("django-oauth2-provider's tutorial: /oauth2/access_token and /api/verify", () => {
    let CLIENT_ID: string;
    let CLIENT_SECRET: string;
    before(async () => {
      // The tutorial's client uses the password grant, which only an administrator may give (createclient --grant-types password).
      const { client, clientSecret } = await srv.app.seed.client({ owner: adminUser, name: 'Tutorial client', grantTypes: ['password'], redirectUris: [], allowedScopes: ['read', 'write'] });
      CLIENT_ID = client.clientId;
      CLIENT_SECRET = clientSecret!;
    });

    for (const path of ['/oauth2/access_token', '/oauth2/access_token/']) {
      it(`curl -d "client_id=…&client_secret=…&grant_type=password&username=…&password=…" ${path}, then curl -d "token=…" /api/verify answers the user's name`, async () => {
        const res = await postForm(`${srv.url}${path}`, { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, grant_type: 'password', username: 'admin', password: 'admin-password', scope: 'read' });
        expect(res.status).to.equal(200);
        // RFC 6749 §5.1: the same answer, headers included, as /o/token/.
        expect(res.headers.get('cache-control')).to.equal('no-store');
        const body = await res.json() as Record<string, string>;
        expect(body).to.include({ token_type: 'Bearer', scope: 'read' });
        const verify = await postForm(`${srv.url}/api/verify`, { token: body.access_token });
        expect(verify.status).to.equal(200);
        expect(await verify.json()).to.deep.include({ user: 'admin', client_id: CLIENT_ID, scope: 'read' });
      });
    }

    it('/oauth2/access_token answers errors exactly as /o/token/ does (RFC 6749 §5.2)', async () => {
      for (const path of ['/o/token/', '/oauth2/access_token']) {
        const missing = await postForm(`${srv.url}${path}`, { client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
        expect([missing.status, (await missing.json() as { error: string }).error], path).to.deep.equal([400, 'invalid_request']);
        const wrong = await postForm(`${srv.url}${path}`, { grant_type: 'client_credentials' }, { id: CLIENT_ID, secret: CLIENT_SECRET });
        expect([wrong.status, (await wrong.json() as { error: string }).error], path).to.deep.equal([400, 'unauthorized_client']);
        const bad = await postForm(`${srv.url}${path}`, { grant_type: 'password', username: 'admin', password: 'x' }, { id: CLIENT_ID, secret: 'not-the-secret' });
        expect([bad.status, (await bad.json() as { error: string }).error], path).to.deep.equal([401, 'invalid_client']);
        expect(bad.headers.get('www-authenticate'), path).to.match(/^Basic /);
      }
    });

    it('/api/verify takes the token as `token` or RFC 6750 `access_token` in the form, or in the header; two at once is invalid_request', async () => {
      const { access_token } = await (await postForm(`${srv.url}/oauth2/access_token/`, { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, grant_type: 'password', username: 'admin', password: 'admin-password' })).json() as Record<string, string>;
      expect((await postForm(`${srv.url}/api/verify/`, { access_token })).status).to.equal(200);
      expect((await postForm(`${srv.url}/api/verify`, {}, undefined, { authorization: `Bearer ${access_token}` })).status).to.equal(200);
      const both = await postForm(`${srv.url}/api/verify`, { token: access_token, access_token });
      expect([both.status, (await both.json() as { error: string }).error]).to.deep.equal([400, 'invalid_request']);
      const headerAndForm = await postForm(`${srv.url}/api/verify`, { token: access_token }, undefined, { authorization: `Bearer ${access_token}` });
      expect(headerAndForm.status).to.equal(400);
      const unknown = await postForm(`${srv.url}/api/verify`, { token: 'not-a-token' });
      expect(unknown.status).to.equal(401);
      expect(unknown.headers.get('www-authenticate')).to.include('error="invalid_token"');
      const none = await postForm(`${srv.url}/api/verify`, {});
      expect(none.status).to.equal(401);
      expect(none.headers.get('www-authenticate')).to.not.include('error=');
    });

    it('the `token` field is this route\'s only: UserInfo (POST, RFC 6750 §2.2) still wants access_token', async () => {
      const { client, clientSecret } = await srv.app.seed.client({ owner: adminUser, name: 'OIDC password', grantTypes: ['password'], redirectUris: [], allowedScopes: ['openid'] });
      const { access_token } = await (await postForm(`${srv.url}/oauth2/access_token`, { client_id: client.clientId, client_secret: clientSecret!, grant_type: 'password', username: 'admin', password: 'admin-password', scope: 'openid' })).json() as Record<string, string>;
      expect((await postForm(`${srv.url}/o/userinfo/`, { access_token })).status).to.equal(200);
      const asToken = await postForm(`${srv.url}/o/userinfo/`, { token: access_token });
      expect(asToken.status).to.equal(401);
    });
  });

  it('the two token URLs share one client-authentication throttle (per client and source)', async () => {
    const small = await createTestApp({ rateLimit: { clientAuthFailures: 4 } });
    try {
      const owner = await small.app.seed.user({ username: 'owner' });
      const { client, clientSecret } = await small.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [] });
      const guess = (path: string, secret: string) => postForm(`${small.url}${path}`, { grant_type: 'client_credentials' }, { id: client.clientId, secret });
      for (let i = 0; i < 2; i++) expect((await guess('/o/token/', `guess-${i}`)).status).to.equal(401);
      for (let i = 2; i < 4; i++) expect((await guess('/oauth2/access_token', `guess-${i}`)).status).to.equal(401);
      // Four failures over both URLs: the fifth attempt is refused on either, even with the right secret.
      expect((await guess('/oauth2/access_token/', clientSecret!)).status).to.equal(429);
      expect((await guess('/o/token', clientSecret!)).status).to.equal(429);
    } finally {
      await small.close();
    }
  });

  it("Authlib's OAuth 1 tutorial: /oauth1/initiate, the authorization page, /oauth1/token, /api/oauth1/user", async () => {
    const { client, clientSecret } = await srv.app.seed.client({ owner: adminUser, name: 'OAuth 1 consumer', grantTypes: ['authorization_code'], redirectUris: ['https://app.example/cb'], oauth1Enabled: true });
    const oauth = new OAuth({ consumer: { key: client.clientId, secret: clientSecret! }, signature_method: 'HMAC-SHA1', hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64') });
    const sign = (url: string, method: string, data: Record<string, string> = {}, token?: OAuth.Token) => ({ ...oauth.toHeader(oauth.authorize({ url, method, data }, token)) });
    // 1. temporary credentials
    const initiate = `${srv.url}/oauth1/initiate`;
    let res = await fetch(initiate, { method: 'POST', headers: sign(initiate, 'POST', { oauth_callback: 'https://app.example/cb' }) });
    expect(res.status).to.equal(200);
    const temp = Object.fromEntries(new URLSearchParams(await res.text()));
    expect(temp.oauth_callback_confirmed).to.equal('true');
    // 2. the person authorizes at /oauth1/authorize and comes back with oauth_token and oauth_verifier
    const page = await admin.get(`/oauth1/authorize?oauth_token=${encodeURIComponent(temp.oauth_token)}`);
    expect(page.status).to.equal(200);
    const decision = await admin.post('/oauth1/authorize', { csrfmiddlewaretoken: csrfFrom(await page.text())!, oauth_token: temp.oauth_token, allow: 'Authorize' });
    expect(decision.status).to.equal(302);
    const back = new URL(decision.headers.get('location')!);
    expect(back.searchParams.get('oauth_token')).to.equal(temp.oauth_token);
    const VERIFIER = back.searchParams.get('oauth_verifier')!;
    // 3. token credentials
    const tokenUrl = `${srv.url}/oauth1/token`;
    res = await fetch(tokenUrl, { method: 'POST', headers: sign(tokenUrl, 'POST', { oauth_verifier: VERIFIER }, { key: temp.oauth_token, secret: temp.oauth_token_secret }) });
    expect(res.status).to.equal(200);
    const token = Object.fromEntries(new URLSearchParams(await res.text()));
    // 4. a protected resource (Authlib's user_api), and /api/hello with the same signature scheme
    const userUrl = `${srv.url}/api/oauth1/user`;
    const me = await fetch(userUrl, { headers: sign(userUrl, 'GET', {}, { key: token.oauth_token, secret: token.oauth_token_secret }) });
    expect(me.status).to.equal(200);
    expect(await me.json()).to.deep.equal({ username: 'admin' });
    const helloUrl = `${srv.url}/api/hello`;
    const hello = await fetch(helloUrl, { headers: sign(helloUrl, 'GET', {}, { key: token.oauth_token, secret: token.oauth_token_secret }) });
    expect(await hello.json()).to.include({ message: 'Hello, OAuth1!', user: 'admin' });
  });
});
