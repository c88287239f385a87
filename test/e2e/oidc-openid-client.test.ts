import { expect } from 'chai';
import * as client from 'openid-client';
import { createTestApp, csrfFrom, type TestServer } from '../helpers.ts';
import { authorizeThroughConsent, codeFlowSetup } from '../oauth-helpers.ts';

const CALLBACK = 'http://127.0.0.1:8080/callback';
const SIGNED_OUT = 'http://127.0.0.1:8080/signed-out';

// openid-client as a relying party (its default `oidc` algorithm): OpenID Connect Discovery, the code flow with
// PKCE, ID Token validation (signature from jwks_uri, iss, aud, exp, nonce), UserInfo and refresh.
describe('e2e: openid-client as an OpenID Connect relying party', () => {
  let srv: TestServer;
  before(async () => { srv = await createTestApp(); });
  after(() => srv.close());

  /** `request`: more authorization request parameters (they may replace scope). */
  async function signIn(nonce: string, expectedNonce = nonce, registered: Record<string, string> = {}, request: Record<string, string> = {}) {
    const setup = await codeFlowSetup(srv, { redirectUris: [CALLBACK], allowedScopes: ['openid', 'profile', 'email'], postLogoutRedirectUris: [SIGNED_OUT], ...registered });
    // The relying party's own metadata: what it registered (signed UserInfo is validated only when it says so).
    const metadata: Partial<client.ClientMetadata> = { client_secret: setup.secret! };
    if (registered.userinfoSignedResponseAlg) metadata.userinfo_signed_response_alg = registered.userinfoSignedResponseAlg;
    const config = await client.discovery(new URL(srv.app.config.issuer), setup.client.clientId, metadata, client.ClientSecretBasic(setup.secret!), { execute: [client.allowInsecureRequests] });
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK, scope: 'openid profile email', state, nonce, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...request,
    });
    const callback = await authorizeThroughConsent(setup.browser, Object.fromEntries(url.searchParams));
    const tokens = () => client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce, idTokenExpected: true });
    return { setup, config, tokens };
  }

  it('discovery, code flow + PKCE with a validated ID Token, UserInfo, and a refresh that keeps sub', async () => {
    const nonce = client.randomNonce();
    const { setup, config, tokens: exchange } = await signIn(nonce);
    expect(config.serverMetadata().jwks_uri).to.equal(`${srv.app.config.issuer}/.well-known/jwks.json`);
    const tokens = await exchange();
    const claims = tokens.claims()!;
    expect(claims).to.include({ iss: srv.app.config.issuer, aud: setup.client.clientId, sub: String(setup.user.id), nonce });

    const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info).to.include({ sub: claims.sub, preferred_username: setup.user.username });

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.claims()!.sub).to.equal(claims.sub);
    expect(refreshed.claims()).to.not.have.property('nonce');
  });

  it('a nonce that is not the one the relying party sent is detected', async () => {
    const { tokens } = await signIn(client.randomNonce(), client.randomNonce());
    try {
      await tokens();
      expect.fail('the ID Token nonce must be checked');
    } catch (e) {
      expect((e as Error & { code?: string }).code).to.equal('OAUTH_JWT_CLAIM_COMPARISON_FAILED');
      expect((e as { cause?: { cause?: { claim?: string } } }).cause?.cause?.claim).to.equal('nonce');
    }
  });

  it('Core §15.1, RFC 6749 §3.1: an unknown parameter, claims_locales, acr_values and another scope order do not fail the request', async () => {
    const nonce = client.randomNonce();
    const { setup, tokens: exchange } = await signIn(nonce, nonce, {}, { scope: 'email openid profile', claims_locales: 'se', acr_values: '1 2', extra_param_gatehouse_ignores: 'x' });
    const tokens = await exchange();
    expect(tokens.claims()).to.include({ sub: String(setup.user.id), nonce });
    expect(tokens.scope!.split(' ').sort()).to.deep.equal(['email', 'openid', 'profile']);
  });

  it('RFC 6749 §6: a refresh token is bound to its client: another client presenting it gets invalid_grant, and its own client still refreshes', async () => {
    const { config, tokens: exchange } = await signIn(client.randomNonce());
    const tokens = await exchange();
    const other = await signIn(client.randomNonce());
    try {
      await client.refreshTokenGrant(other.config, tokens.refresh_token!);
      expect.fail('another client must not redeem this refresh token');
    } catch (e) {
      expect(e).to.be.instanceOf(client.ResponseBodyError);
      expect((e as client.ResponseBodyError).error).to.equal('invalid_grant');
    }
    expect((await client.refreshTokenGrant(config, tokens.refresh_token!)).claims()!.sub).to.equal(tokens.claims()!.sub);
  });

  it('UserInfo through the library refuses a subject other than the ID Token\'s', async () => {
    const nonce = client.randomNonce();
    const { config, tokens: exchange } = await signIn(nonce);
    const tokens = await exchange();
    try {
      await client.fetchUserInfo(config, tokens.access_token, 'someone-else');
      expect.fail('a different sub must be refused');
    } catch (e) {
      expect((e as Error & { code?: string }).code).to.equal('OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED');
    }
  });

  it('RP-Initiated Logout through buildEndSessionUrl: confirmation page, redirect with state, then prompt=none answers login_required', async () => {
    const { setup, config, tokens: exchange } = await signIn(client.randomNonce());
    const tokens = await exchange();
    expect(config.serverMetadata().end_session_endpoint).to.equal(`${srv.app.config.issuer}/o/logout/`);
    const state = client.randomState();
    const logout = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: SIGNED_OUT, state });
    const page = await setup.browser.get(logout.pathname + logout.search);
    expect(page.status).to.equal(200);
    const done = await setup.browser.post('/o/logout/confirm/', { csrfmiddlewaretoken: csrfFrom(await page.text())! });
    expect(done.status).to.equal(302);
    const back = new URL(done.headers.get('location')!);
    expect(back.origin + back.pathname).to.equal(SIGNED_OUT);
    expect(back.searchParams.get('state')).to.equal(state);

    // The session is gone: a silent authentication request comes back with login_required, which the library reports.
    const verifier = client.randomPKCECodeVerifier();
    const silent = client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid', state, nonce: client.randomNonce(), prompt: 'none', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const res = await setup.browser.get(silent.pathname + silent.search);
    expect(res.status).to.equal(302);
    const callback = new URL(res.headers.get('location')!);
    try {
      await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
      expect.fail('login_required must surface');
    } catch (e) {
      expect(e).to.be.instanceOf(client.AuthorizationResponseError);
      expect((e as client.AuthorizationResponseError).error).to.equal('login_required');
    }
  });

  it('Core §5.3.2 and §8.1: a signed UserInfo response (application/jwt) and a pairwise ID Token, validated by the library', async () => {
    const nonce = client.randomNonce();
    const { setup, config, tokens: exchange } = await signIn(nonce, nonce, { userinfoSignedResponseAlg: 'ES256', subjectType: 'pairwise' });
    const tokens = await exchange();
    const claims = tokens.claims()!;
    // Pairwise: not the user's id, and what the server's one subject function makes for this client.
    expect(claims.sub).to.match(/^[A-Za-z0-9_-]{43}$/).and.not.equal(String(setup.user.id));
    expect(claims).to.include({ iss: srv.app.config.issuer, aud: setup.client.clientId, nonce });
    // The library asks for application/jwt, verifies the JWS against jwks_uri with ES256, checks iss, aud and sub.
    const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info).to.include({ sub: claims.sub, preferred_username: setup.user.username, iss: srv.app.config.issuer, aud: setup.client.clientId });
    // And refuses the JSON answer of a client that did not register signing, when it expects a JWT.
    const plain = await signIn(nonce, nonce, { subjectType: 'pairwise' });
    const plainTokens = await plain.tokens();
    const strictConfig = new client.Configuration(plain.config.serverMetadata(), plain.setup.client.clientId, { client_secret: plain.setup.secret!, userinfo_signed_response_alg: 'ES256' }, client.ClientSecretBasic(plain.setup.secret!));
    client.allowInsecureRequests(strictConfig);
    try {
      await client.fetchUserInfo(strictConfig, plainTokens.access_token, plainTokens.claims()!.sub);
      expect.fail('a JSON UserInfo must not pass for a signed one');
    } catch (e) {
      expect((e as Error & { code?: string }).code).to.equal('OAUTH_JWT_USERINFO_EXPECTED');
    }
  });
});
