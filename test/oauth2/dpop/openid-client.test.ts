import { expect } from 'chai';
import * as client from 'openid-client';
import { createTestApp, type TestServer } from '../../helpers.ts';
import { authorizeThroughConsent, codeFlowSetup } from '../../oauth-helpers.ts';

/** RFC 9449 with a real client: openid-client 6's DPoP handle (proofs, ath, nonce retries) against Gatehouse. */
for (const requireNonce of [false, true]) {
  describe(`RFC 9449 DPoP with openid-client${requireNonce ? ', server nonces required' : ''}`, () => {
    let t: TestServer;
    before(async () => { t = await createTestApp({ dpop: { requireNonce } }); });
    after(() => t.close());

    it('client_credentials: a DPoP-bound token, then the protected resource with it', async () => {
      const owner = await t.app.seed.user({ username: 'machine-owner', password: 'owner-password' });
      const { client: c, clientSecret } = await t.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'], dpopBoundAccessTokens: true });
      const config = await client.discovery(new URL(t.app.config.issuer), c.clientId, clientSecret!, undefined, { algorithm: 'oauth2', execute: [client.allowInsecureRequests] });
      const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
      const tokens = await client.clientCredentialsGrant(config, { scope: 'read' }, { DPoP });
      expect(tokens.token_type).to.equal('dpop');
      const res = await client.fetchProtectedResource(config, tokens.access_token, new URL(`${t.app.config.issuer}/api/hello`), 'GET', undefined, undefined, { DPoP });
      expect(res.status).to.equal(200);
      expect((await res.json()).client_id).to.equal(c.clientId);
      // The same token without the key is refused.
      const stolen = await fetch(`${t.app.config.issuer}/api/hello`, { headers: { Authorization: `Bearer ${tokens.access_token}` } });
      expect(stolen.status).to.equal(401);
    });

    it('authorization code flow (public client, PKCE): bound access and refresh tokens; refresh with the handle', async () => {
      const setup = await codeFlowSetup(t, { clientType: 'public', tokenEndpointAuthMethod: 'none', redirectUris: ['https://client.example.com/cb'], allowedScopes: ['read'] });
      const config = await client.discovery(new URL(t.app.config.issuer), setup.client.clientId, undefined, client.None(), { algorithm: 'oauth2', execute: [client.allowInsecureRequests] });
      const keyPair = await client.randomDPoPKeyPair('ES256');
      const DPoP = client.getDPoPHandle(config, keyPair);
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const url = client.buildAuthorizationUrl(config, { redirect_uri: 'https://client.example.com/cb', scope: 'read', state, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
      const callback = await authorizeThroughConsent(setup.browser, Object.fromEntries(url.searchParams));
      const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }, undefined, { DPoP });
      expect(tokens.token_type).to.equal('dpop');
      expect(tokens.refresh_token).to.be.a('string');
      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!, undefined, { DPoP });
      expect(refreshed.token_type).to.equal('dpop');
      // Another key cannot use the (rotated) refresh token: invalid_grant.
      const thief = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
      let error: unknown;
      try { await client.refreshTokenGrant(config, refreshed.refresh_token!, undefined, { DPoP: thief }); } catch (e) { error = e; }
      expect((error as { error?: string })?.error).to.equal('invalid_grant');
      const res = await client.fetchProtectedResource(config, refreshed.access_token, new URL(`${t.app.config.issuer}/api/hello`), 'GET', undefined, undefined, { DPoP });
      expect(res.status).to.equal(200);
    });
  });
}
