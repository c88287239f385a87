import { expect } from 'chai';
import { createHash } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { createTestApp, type TestServer } from '../helpers.ts';
import { authorizeThroughConsent, codeFlowSetup } from '../oauth-helpers.ts';

// A real client library drives the flow as an application would: discovery, PKCE, the login and consent
// pages, the code exchange, refresh, introspection and revocation, with the library's own validation.
describe('e2e: oauth4webapi against Gatehouse (RFC 8414, 6749, 7636, 9207, 7662, 7009)', () => {
  let srv: TestServer;
  before(async () => { srv = await createTestApp(); });
  after(() => srv.close());

  it('completes authorization code + PKCE, refresh, introspection and revocation', async () => {
    const insecure = { [oauth.allowInsecureRequests]: true };
    const issuer = new URL(srv.app.config.issuer);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
    const setup = await codeFlowSetup(srv, { redirectUris: ['http://127.0.0.1:8080/callback'] });
    const client: oauth.Client = { client_id: setup.client.clientId };
    const auth = oauth.ClientSecretBasic(setup.secret!);

    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: client.client_id, redirect_uri: 'http://127.0.0.1:8080/callback', response_type: 'code', scope: 'read write',
      state, code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }).toString();

    const callback = await authorizeThroughConsent(setup.browser, Object.fromEntries(url.searchParams));
    // validateAuthResponse checks state and RFC 9207 iss against the discovered issuer.
    const params = oauth.validateAuthResponse(as, client, callback, state);
    const tokens = await oauth.processAuthorizationCodeResponse(as, client,
      await oauth.authorizationCodeGrantRequest(as, client, auth, params, 'http://127.0.0.1:8080/callback', verifier, insecure));
    expect(tokens.token_type).to.equal('bearer');
    expect(tokens.scope).to.equal('read write');

    const hello = await oauth.protectedResourceRequest(tokens.access_token, 'GET', new URL(`${srv.url}/api/hello`), undefined, undefined, insecure);
    expect(hello.status).to.equal(200);

    const refreshed = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token!, insecure));
    expect(refreshed.refresh_token).to.be.a('string').and.not.equal(tokens.refresh_token);

    const active = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, auth, refreshed.access_token, insecure));
    expect(active.active).to.equal(true);
    expect(active.client_id).to.equal(client.client_id);

    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, auth, refreshed.refresh_token!, insecure));
    const after = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, auth, refreshed.access_token, insecure));
    expect(after.active).to.equal(false);
  });

  it('surfaces the RFC error of a replayed code through the library', async () => {
    const insecure = { [oauth.allowInsecureRequests]: true };
    const issuer = new URL(srv.app.config.issuer);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
    const setup = await codeFlowSetup(srv, { redirectUris: ['http://127.0.0.1:8080/callback'] });
    const client: oauth.Client = { client_id: setup.client.clientId };
    const auth = oauth.ClientSecretBasic(setup.secret!);
    const verifier = oauth.generateRandomCodeVerifier();
    const callback = await authorizeThroughConsent(setup.browser, {
      client_id: client.client_id, redirect_uri: 'http://127.0.0.1:8080/callback', response_type: 'code',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const params = oauth.validateAuthResponse(as, client, callback, oauth.expectNoState);
    await oauth.processAuthorizationCodeResponse(as, client, await oauth.authorizationCodeGrantRequest(as, client, auth, params, 'http://127.0.0.1:8080/callback', verifier, insecure));
    try {
      await oauth.processAuthorizationCodeResponse(as, client, await oauth.authorizationCodeGrantRequest(as, client, auth, params, 'http://127.0.0.1:8080/callback', verifier, insecure));
      expect.fail('a replayed code must fail');
    } catch (e) {
      expect(e).to.be.instanceOf(oauth.ResponseBodyError);
      expect((e as oauth.ResponseBodyError).error).to.equal('invalid_grant');
    }
  });

  it('OpenID Connect code flow: ID Token validated by the library (signature, iss, aud, nonce), at_hash, UserInfo, and an RFC 9068 JWT access token through validateJwtAccessToken', async () => {
    const insecure = { [oauth.allowInsecureRequests]: true };
    const issuer = new URL(srv.app.config.issuer);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }));
    const setup = await codeFlowSetup(srv, { redirectUris: ['http://127.0.0.1:8080/callback'], allowedScopes: ['openid', 'profile'], accessTokenFormat: 'jwt' });
    const client: oauth.Client = { client_id: setup.client.clientId };
    const auth = oauth.ClientSecretBasic(setup.secret!);
    const verifier = oauth.generateRandomCodeVerifier();
    const nonce = oauth.generateRandomNonce();
    const callback = await authorizeThroughConsent(setup.browser, {
      client_id: client.client_id, redirect_uri: 'http://127.0.0.1:8080/callback', response_type: 'code', scope: 'openid profile', nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const params = oauth.validateAuthResponse(as, client, callback, oauth.expectNoState);
    const tokens = await oauth.processAuthorizationCodeResponse(as, client,
      await oauth.authorizationCodeGrantRequest(as, client, auth, params, 'http://127.0.0.1:8080/callback', verifier, insecure), { expectedNonce: nonce, requireIdToken: true });
    const claims = oauth.getValidatedIdTokenClaims(tokens)!;
    expect(claims).to.include({ iss: srv.app.config.issuer, aud: client.client_id, sub: String(setup.user.id), nonce });
    // oauth4webapi 3.8 does not check at_hash in the code flow (optional there, Core §3.1.3.6); checked here as an RP would:
    // the left half of the SHA-256 of the access token (RS256), base64url.
    const digest = createHash('sha256').update(tokens.access_token).digest();
    expect(claims.at_hash).to.equal(digest.subarray(0, digest.length / 2).toString('base64url'));

    // A wrong nonce is refused by the library.
    const other = await authorizeThroughConsent(setup.browser, {
      client_id: client.client_id, redirect_uri: 'http://127.0.0.1:8080/callback', response_type: 'code', scope: 'openid', nonce: 'n-1',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    try {
      await oauth.processAuthorizationCodeResponse(as, client, await oauth.authorizationCodeGrantRequest(as, client, auth, oauth.validateAuthResponse(as, client, other, oauth.expectNoState), 'http://127.0.0.1:8080/callback', verifier, insecure), { expectedNonce: 'n-2' });
      expect.fail('a nonce mismatch must be detected');
    } catch (e) { expect((e as { code?: string }).code).to.equal('OAUTH_JWT_CLAIM_COMPARISON_FAILED'); }

    const info = await oauth.processUserInfoResponse(as, client, claims.sub, await oauth.userInfoRequest(as, client, tokens.access_token, insecure));
    expect(info).to.include({ sub: claims.sub, preferred_username: setup.user.username });

    // RFC 9068 §4: the resource server's validation: typ at+jwt, signature from jwks_uri, iss, aud, exp, and the claims.
    const request = new Request(`${srv.url}/api/hello`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    // The resource server's audience is its identifier, as its RFC 9728 metadata publishes it (fresh-eyes 11).
    const resource = (await (await fetch(`${srv.url}/.well-known/oauth-protected-resource`)).json() as { resource: string }).resource;
    const at = await oauth.validateJwtAccessToken(as, request, resource, insecure);
    expect(at).to.include({ iss: srv.app.config.issuer, sub: String(setup.user.id), client_id: client.client_id });
    expect(at.scope).to.equal('openid profile');
    const wrongAudience = new Request(`${srv.url}/api/hello`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    try {
      await oauth.validateJwtAccessToken(as, wrongAudience, 'https://another-resource.example', insecure);
      expect.fail('another audience must be refused');
    } catch (e) { expect((e as { code?: string }).code).to.equal('OAUTH_JWT_CLAIM_COMPARISON_FAILED'); }
  });
});
