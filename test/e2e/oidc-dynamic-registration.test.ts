import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import { Browser, createTestApp, type TestServer } from '../helpers.ts';
import { authorizeThroughConsent } from '../oauth-helpers.ts';
import { issueInitialAccessToken } from '../../src/oauth2/dynamic-registration.ts';

const CALLBACK = 'http://127.0.0.1:8080/callback';

// openid-client v6 dynamicClientRegistration (discovery, then RFC 7591 POST with an initial access token), then the
// code flow with PKCE and a validated ID Token using the registered client's own secret.
describe('e2e: openid-client dynamicClientRegistration, then the code flow', () => {
  let srv: TestServer;
  before(async () => { srv = await createTestApp({ registration: 'token' }); });
  after(() => srv.close());

  it('registers with an initial access token and signs a user in with the new client', async () => {
    const { token } = await issueInitialAccessToken(srv.app.stores.clients, { singleUse: true, expiresIn: 600, createdBy: null });
    const config = await client.dynamicClientRegistration(
      new URL(srv.app.config.issuer),
      { redirect_uris: [CALLBACK], client_name: 'openid-client RP', scope: 'openid profile', token_endpoint_auth_method: 'client_secret_basic' },
      undefined,
      { initialAccessToken: token, execute: [client.allowInsecureRequests] },
    );
    const registered = config.clientMetadata();
    expect(registered.client_id).to.be.a('string');
    expect(registered.client_secret).to.be.a('string');
    expect(registered.registration_access_token).to.be.a('string');

    const username = `u${randomBytes(3).toString('hex')}`;
    const user = await srv.app.seed.user({ username });
    const browser = new Browser(srv.url);
    await browser.login(user.username, user.password);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK, scope: 'openid profile', state, nonce, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const callback = await authorizeThroughConsent(browser, Object.fromEntries(url.searchParams));
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    expect(tokens.claims()).to.include({ iss: srv.app.config.issuer, aud: registered.client_id, sub: String(user.id), nonce });

    // The single-use initial access token is spent.
    try {
      await client.dynamicClientRegistration(new URL(srv.app.config.issuer), { redirect_uris: [CALLBACK] }, undefined, { initialAccessToken: token, execute: [client.allowInsecureRequests] });
      expect.fail('a spent initial access token must be refused');
    } catch (e) {
      expect((e as { status?: number; cause?: { status?: number } }).cause?.status ?? (e as { status?: number }).status).to.equal(401);
    }
  });
});
