import { expect } from 'chai';
import * as client from 'openid-client';
import { createTestApp, type TestServer } from '../helpers.ts';
import { authorizeThroughConsent, codeFlowSetup } from '../oauth-helpers.ts';

const CALLBACK = 'http://127.0.0.1:8080/callback';
const hiddenFields = (html: string) => Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2].replace(/&amp;/g, '&')]));

// openid-client as a relying party of the OpenID Connect Hybrid Flow (`code id_token`, useCodeIdTokenResponseType) and
// Implicit Flow (`id_token`, useIdTokenResponseType + implicitAuthentication): the library checks the front-channel
// ID Token (signature, iss, aud, nonce, c_hash) and, for hybrid, that the token endpoint's ID Token names the same user.
describe('e2e: openid-client with the hybrid (code id_token) and implicit (id_token) flows', () => {
  let srv: TestServer;
  before(async () => { srv = await createTestApp(); });
  after(() => srv.close());

  async function relyingParty(use: (config: client.Configuration) => void) {
    const setup = await codeFlowSetup(srv, {
      grantTypes: ['authorization_code', 'implicit'], responseTypes: ['code id_token', 'id_token'], redirectUris: [CALLBACK], allowedScopes: ['openid', 'profile', 'email'],
    });
    const config = await client.discovery(new URL(srv.app.config.issuer), setup.client.clientId, setup.secret!, client.ClientSecretBasic(setup.secret!), { execute: [client.allowInsecureRequests, use] });
    return { setup, config };
  }

  it('code id_token: the fragment\'s ID Token and code validate, the code redeems with PKCE, and sub agrees', async () => {
    const { setup, config } = await relyingParty(client.useCodeIdTokenResponseType);
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid email', state, nonce, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    expect(url.searchParams.get('response_type')).to.equal('code id_token');
    const callback = await authorizeThroughConsent(setup.browser, Object.fromEntries(url.searchParams));
    expect(callback.hash).to.include('id_token=');
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    const claims = tokens.claims()!;
    expect(claims).to.include({ iss: srv.app.config.issuer, aud: setup.client.clientId, sub: String(setup.user.id), nonce });
    expect(claims.amr).to.deep.equal(['pwd']);
    const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info.sub).to.equal(claims.sub);
  });

  it('code id_token with response_mode=form_post: the form\'s fields, posted as the browser would, validate too', async () => {
    const { setup, config } = await relyingParty(client.useCodeIdTokenResponseType);
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid', state, nonce, response_mode: 'form_post', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    // Through the consent page: its Allow answers with the auto-submitting form, whose fields the browser would post.
    const consent = await (await setup.browser.get(`/o/authorize/?${url.searchParams}`)).text();
    const post = await setup.browser.post('/o/authorize/', { ...hiddenFields(consent), allow: 'Authorize' });
    expect(post.status).to.equal(200);
    const request = new Request(CALLBACK, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(hiddenFields(await post.text())) });
    const tokens = await client.authorizationCodeGrant(config, request, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    expect(tokens.claims()!.sub).to.equal(String(setup.user.id));
  });

  it('id_token: implicitAuthentication validates the ID Token from the fragment (signature, aud, nonce)', async () => {
    const { setup, config } = await relyingParty(client.useIdTokenResponseType);
    const nonce = client.randomNonce();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid profile', state, nonce });
    expect(url.searchParams.get('response_type')).to.equal('id_token');
    const callback = await authorizeThroughConsent(setup.browser, Object.fromEntries(url.searchParams));
    const claims = await client.implicitAuthentication(config, callback, nonce, { expectedState: state });
    expect(claims).to.include({ sub: String(setup.user.id), aud: setup.client.clientId, nonce });
    // Core §5.4: no access token, so the scope's claims are in the ID Token.
    expect(claims.preferred_username).to.equal(setup.user.username);
    // A replayed response checked against another nonce is refused by the library.
    try { await client.implicitAuthentication(config, callback, client.randomNonce(), { expectedState: state }); expect.fail('nonce must be checked'); } catch (e) {
      expect((e as Error & { code?: string }).code).to.equal('OAUTH_JWT_CLAIM_COMPARISON_FAILED');
    }
  });
});
