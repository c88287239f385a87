import { expect } from 'chai';
import * as client from 'openid-client';
import OAuth2Strategy from 'passport-oauth2';
import { createTestApp, type TestServer } from '../helpers.ts';
import { authorizeThroughConsent, codeFlowSetup } from '../oauth-helpers.ts';

const CALLBACK = 'http://127.0.0.1:8080/callback';

// Two more off-the-shelf clients, used the way their READMEs say: openid-client (RFC 8414 discovery, PKCE,
// RFC 9207 iss check) and passport-oauth2 (client_secret_post through the `oauth` package, no PKCE).
describe('e2e: openid-client and passport-oauth2 against Gatehouse', () => {
  let srv: TestServer;
  before(async () => { srv = await createTestApp(); });
  after(() => srv.close());

  it('openid-client: discovery, authorization code + PKCE, refresh, introspection, revocation, client credentials', async () => {
    const setup = await codeFlowSetup(srv, { redirectUris: [CALLBACK], grantTypes: ['authorization_code', 'client_credentials'] });
    const config = await client.discovery(new URL(srv.app.config.issuer), setup.client.clientId, setup.secret!, client.ClientSecretBasic(setup.secret!),
      { algorithm: 'oauth2', execute: [client.allowInsecureRequests] });
    expect(config.serverMetadata().issuer).to.equal(srv.app.config.issuer);

    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK, scope: 'read write', state, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const callback = await authorizeThroughConsent(setup.browser, Object.fromEntries(url.searchParams));
    // The library checks state and the RFC 9207 iss parameter against the discovered issuer.
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.token_type).to.equal('bearer');
    expect(tokens.scope).to.equal('read write');
    expect(tokens.expiresIn()).to.be.within(1, 3600);

    const hello = await client.fetchProtectedResource(config, tokens.access_token, new URL(`${srv.url}/api/hello`), 'GET');
    expect(hello.status).to.equal(200);
    expect((await hello.json()).client_id).to.equal(setup.client.clientId);

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).to.be.a('string').and.not.equal(tokens.refresh_token);
    // The spent refresh token is refused through the library, as an RFC 6749 §5.2 error it surfaces.
    try {
      await client.refreshTokenGrant(config, tokens.refresh_token!);
      expect.fail('a rotated refresh token must not work twice');
    } catch (e) {
      expect((e as { error?: string }).error).to.equal('invalid_grant');
    }

    const cc = await client.clientCredentialsGrant(config, { scope: 'read' });
    const info = await client.tokenIntrospection(config, cc.access_token);
    expect(info).to.include({ active: true, client_id: setup.client.clientId, scope: 'read', token_type: 'Bearer' });
    await client.tokenRevocation(config, cc.access_token);
    expect((await client.tokenIntrospection(config, cc.access_token)).active).to.equal(false);
  });

  it('passport-oauth2: the strategy\'s own token exchange and profile-less flow work with client_secret_post', async () => {
    const setup = await codeFlowSetup(srv, { redirectUris: [CALLBACK] });
    const strategy = new OAuth2Strategy({
      authorizationURL: `${srv.url}/o/authorize/`, tokenURL: `${srv.url}/o/token/`,
      clientID: setup.client.clientId, clientSecret: setup.secret!, callbackURL: CALLBACK, scope: ['read'], state: false,
    }, () => {});
    // What the strategy redirects the browser to (its authenticate() without a code), captured from its redirect().
    const redirect = await new Promise<string>((resolve, reject) => {
      const s = Object.create(strategy) as OAuth2Strategy & { redirect(u: string): void; error(e: Error): void; fail(): void };
      s.redirect = resolve;
      s.error = reject;
      s.fail = () => reject(new Error('strategy failed'));
      s.authenticate({ query: {}, body: {}, url: '/login', headers: {}, app: {}, session: {} } as never, {});
    });
    const authorize = new URL(redirect);
    expect(authorize.pathname).to.equal('/o/authorize/');
    const callback = await authorizeThroughConsent(setup.browser, Object.fromEntries(authorize.searchParams));
    const code = callback.searchParams.get('code')!;
    expect(code).to.be.a('string');

    const oauth2 = (strategy as unknown as { _oauth2: { getOAuthAccessToken(code: string, params: object, cb: (err: { statusCode?: number; data?: string } | null, access?: string, refresh?: string, results?: Record<string, unknown>) => void): void } })._oauth2;
    const exchange = (c: string) => new Promise<{ err: { statusCode?: number; data?: string } | null; access?: string; refresh?: string; results?: Record<string, unknown> }>((resolve) =>
      oauth2.getOAuthAccessToken(c, { grant_type: 'authorization_code', redirect_uri: CALLBACK }, (err, access, refresh, results) => resolve({ err, access, refresh, results })));
    const first = await exchange(code);
    expect(first.err).to.equal(null);
    expect(first.access).to.be.a('string');
    expect(first.refresh).to.be.a('string');
    expect(first.results).to.include({ token_type: 'Bearer', scope: 'read' });

    const hello = await fetch(`${srv.url}/api/hello`, { headers: { authorization: `Bearer ${first.access}` } });
    expect(hello.status).to.equal(200);

    const replay = await exchange(code);
    expect(replay.err?.statusCode).to.equal(400);
    expect(JSON.parse(replay.err!.data!).error).to.equal('invalid_grant');
  });
});
