import { expect } from 'chai';
import * as client from 'openid-client';
import { exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { createTestApp, type TestServer } from '../../helpers.ts';
import { authorizeThroughConsent, clientSigningKeys, codeFlowSetup, postForm } from '../../oauth-helpers.ts';
import { assertion, JWT_BEARER, tokenRequest } from './assertions.ts';

// RFC 7523 §2.2 / §3 and OpenID Connect Core §9 private_key_jwt, over real HTTP.
describe('RFC 7523 private_key_jwt client authentication', () => {
  let srv: TestServer;
  let key: CryptoKey;
  let otherKey: CryptoKey;
  let jwks: unknown;
  before(async () => {
    srv = await createTestApp();
    ({ key, otherKey, jwks } = await clientSigningKeys());
  });
  after(() => srv.close());

  async function pkjwtClient(extra: Record<string, unknown> = {}) {
    const owner = await srv.app.seed.user({ username: `o${Math.random().toString(36).slice(2, 8)}` });
    const { client: c } = await srv.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'], tokenEndpointAuthMethod: 'private_key_jwt', jwks, ...extra });
    return c;
  }
  const refused = async (res: Response) => {
    expect(res.status).to.equal(401);
    expect(res.headers.get('www-authenticate')).to.be.a('string');
    const body = await res.json() as Record<string, string>;
    expect(body.error).to.equal('invalid_client');
    // No detail: which check failed is not told (only the audit event's reason says it).
    expect(body.error_description).to.equal('Client authentication failed.');
  };

  describe('refusals (invalid_client, 401, one text)', () => {
    it('an expired assertion', async () => {
      const c = await pkjwtClient();
      const now = Math.floor(Date.now() / 1000);
      await refused(await tokenRequest(srv, await assertion(srv, c.clientId, { key, kid: 'k1', exp: now - 120, iat: now - 180 })));
    });
    it('an exp too far in the future (CLIENT_ASSERTION_MAX_LIFETIME, 300 s by default)', async () => {
      const c = await pkjwtClient();
      await refused(await tokenRequest(srv, await assertion(srv, c.clientId, { key, kid: 'k1', exp: Math.floor(Date.now() / 1000) + 3600 })));
    });
    it('an iat or nbf in the future', async () => {
      const c = await pkjwtClient();
      const now = Math.floor(Date.now() / 1000);
      await refused(await tokenRequest(srv, await assertion(srv, c.clientId, { key, kid: 'k1', iat: now + 120 })));
      await refused(await tokenRequest(srv, await assertion(srv, c.clientId, { key, kid: 'k1', nbf: now + 120 })));
    });
    it('a reused jti, and the second use is recorded as assertion_replayed', async () => {
      const c = await pkjwtClient();
      const a = await assertion(srv, c.clientId, { key, kid: 'k1', jti: 'once' });
      expect((await tokenRequest(srv, a)).status).to.equal(200);
      await refused(await tokenRequest(srv, a));
      const failures = await srv.app.stores.events.recentFailures(c.clientId, 10);
      expect(failures.map((f: { reason: string }) => f.reason)).to.include('assertion_replayed');
    });
    it('a jti stays spent as long as its assertion is accepted: exp just past (within the clock skew) and reused later', async () => {
      const c = await pkjwtClient();
      const now = Math.floor(Date.now() / 1000);
      const a = await assertion(srv, c.clientId, { key, kid: 'k1', exp: now - 5, iat: now - 30 });
      expect((await tokenRequest(srv, a)).status).to.equal(200);
      await new Promise((r) => setTimeout(r, 1500));
      await refused(await tokenRequest(srv, a));
    });
    it('50 concurrent requests with one assertion: exactly one succeeds', async () => {
      const c = await pkjwtClient();
      const a = await assertion(srv, c.clientId, { key, kid: 'k1' });
      const statuses = (await Promise.all(Array.from({ length: 50 }, () => tokenRequest(srv, a)))).map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).to.have.length(1);
      // The others: 401, or 429 once the (client, source) failure budget is spent.
      expect(statuses.filter((s) => s === 401 || s === 429)).to.have.length(49);
    });
    it('no jti', async () => {
      const c = await pkjwtClient();
      await refused(await tokenRequest(srv, await assertion(srv, c.clientId, { key, kid: 'k1', jti: null })));
    });
    it('aud is the token endpoint URL (issuer only, draft-ietf-oauth-rfc7523bis), another server, or several values', async () => {
      const c = await pkjwtClient();
      await refused(await tokenRequest(srv, await assertion(srv, c.clientId, { key, kid: 'k1', aud: `${srv.app.config.issuer}/o/token/` })));
      await refused(await tokenRequest(srv, await assertion(srv, c.clientId, { key, kid: 'k1', aud: 'https://other-server.example' })));
      await refused(await tokenRequest(srv, await assertion(srv, c.clientId, { key, kid: 'k1', aud: [srv.app.config.issuer, 'https://other-server.example'] })));
    });
    it('alg none', async () => {
      const c = await pkjwtClient();
      await refused(await tokenRequest(srv, await assertion(srv, c.clientId, { key, alg: 'none' })));
    });
    it('HS256 for a private_key_jwt client (keyed with the public JWK, or anything else)', async () => {
      const c = await pkjwtClient();
      const pub = new TextEncoder().encode(JSON.stringify(jwks));
      await refused(await tokenRequest(srv, await assertion(srv, c.clientId, { key: pub, alg: 'HS256' })));
    });
    it('iss different from sub, and sub naming another client', async () => {
      const c = await pkjwtClient();
      const other = await pkjwtClient();
      await refused(await tokenRequest(srv, await assertion(srv, c.clientId, { key, kid: 'k1', iss: other.clientId })));
      await refused(await tokenRequest(srv, await assertion(srv, c.clientId, { key, kid: 'k1', sub: other.clientId })));
    });
    it('an unknown kid, and a key the client did not register', async () => {
      const c = await pkjwtClient();
      await refused(await tokenRequest(srv, await assertion(srv, c.clientId, { key, kid: 'nope' })));
      await refused(await tokenRequest(srv, await assertion(srv, c.clientId, { key: otherKey, kid: 'k1' })));
    });
    it('an algorithm other than the registered token_endpoint_auth_signing_alg', async () => {
      const rsa = await generateKeyPair('RS256', { extractable: true });
      const pss = await generateKeyPair('PS256', { extractable: true });
      const c = await pkjwtClient({ jwks: { keys: [{ ...await exportJWK(rsa.publicKey), kid: 'r1' }, { ...await exportJWK(pss.publicKey), kid: 'p1' }] }, tokenEndpointAuthSigningAlg: 'PS256' });
      await refused(await tokenRequest(srv, await assertion(srv, c.clientId, { key: rsa.privateKey, kid: 'r1', alg: 'RS256' })));
      expect((await tokenRequest(srv, await assertion(srv, c.clientId, { key: pss.privateKey, kid: 'p1', alg: 'PS256' }))).status).to.equal(200);
    });
    it('client_id in the body naming another client; an assertion with a secret too (invalid_request)', async () => {
      const c = await pkjwtClient();
      await refused(await tokenRequest(srv, await assertion(srv, c.clientId, { key, kid: 'k1' }), { client_id: 'someone-else' }));
      const res = await tokenRequest(srv, await assertion(srv, c.clientId, { key, kid: 'k1' }), { client_id: c.clientId, client_secret: 'x' });
      expect(res.status).to.equal(400);
      expect((await res.json() as { error: string }).error).to.equal('invalid_request');
    });
    it('a wrong client_assertion_type, and garbage', async () => {
      const c = await pkjwtClient();
      const a = await assertion(srv, c.clientId, { key, kid: 'k1' });
      await refused(await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer', client_assertion: a }));
      await refused(await tokenRequest(srv, 'not.a.jwt'));
      await refused(await tokenRequest(srv, 'x'.repeat(20_000)));
    });
    it('a client_secret_basic client cannot present an assertion; a private_key_jwt client cannot use a secret', async () => {
      const owner = await srv.app.seed.user({ username: `b${Math.random().toString(36).slice(2, 8)}` });
      const basic = await srv.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'], jwks });
      await refused(await tokenRequest(srv, await assertion(srv, basic.client.clientId, { key, kid: 'k1' })));
      const pk = await srv.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'], jwks, tokenEndpointAuthMethod: 'private_key_jwt' });
      await refused(await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials' }, { id: pk.client.clientId, secret: pk.clientSecret! }));
    });
  });

  it('a client switched from client_secret_basic to private_key_jwt: its remembered Basic credentials stop working at once', async () => {
    const owner = await srv.app.seed.user({ username: `m${Math.random().toString(36).slice(2, 8)}` });
    const { client: c, clientSecret } = await srv.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'] });
    const basic = () => postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials' }, { id: c.clientId, secret: clientSecret! });
    expect((await basic()).status).to.equal(200);
    expect((await basic()).status).to.equal(200);
    await srv.app.stores.clients.update(c.id, { ...c, tokenEndpointAuthMethod: 'private_key_jwt', jwks: JSON.stringify(jwks) });
    await refused(await basic());
    expect((await tokenRequest(srv, await assertion(srv, c.clientId, { key, kid: 'k1' }))).status).to.equal(200);
  });

  it('client_credentials with a hand-made assertion', async () => {
    const c = await pkjwtClient();
    const res = await tokenRequest(srv, await assertion(srv, c.clientId, { key, kid: 'k1' }), { client_id: c.clientId });
    expect(res.status).to.equal(200);
    expect((await res.json() as { access_token: string }).access_token).to.be.a('string');
  });

  it('introspection, revocation, PAR and device authorization accept it too', async () => {
    const setup = await codeFlowSetup(srv, { grantTypes: ['authorization_code', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code'] as never, tokenEndpointAuthMethod: 'private_key_jwt', jwks });
    const id = setup.client.clientId;
    const form = async (path: string, body: Record<string, string>) => postForm(`${srv.url}${path}`, { ...body, client_assertion_type: JWT_BEARER, client_assertion: await assertion(srv, id, { key, kid: 'k1' }) });
    const token = await (await form('/o/token/', { grant_type: 'client_credentials', scope: 'read' })).json() as { access_token: string };
    const intro = await form('/o/introspect/', { token: token.access_token });
    expect(intro.status).to.equal(200);
    expect((await intro.json() as { active: boolean }).active).to.equal(true);
    expect((await form('/o/revoke_token/', { token: token.access_token })).status).to.equal(200);
    const par = await form('/o/par', { response_type: 'code', redirect_uri: 'https://client.example.com/cb', scope: 'read', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
    expect(par.status).to.equal(201);
    const device = await form('/o/device-authorization/', { scope: 'read' });
    expect(device.status).to.equal(200);
  });

  it('openid-client PrivateKeyJwt: client_credentials and the code flow', async () => {
    const setup = await codeFlowSetup(srv, { grantTypes: ['authorization_code', 'client_credentials'], tokenEndpointAuthMethod: 'private_key_jwt', jwks, allowedScopes: ['openid', 'read'] });
    const config = await client.discovery(new URL(srv.app.config.issuer), setup.client.clientId, {}, client.PrivateKeyJwt({ key, kid: 'k1' }), { execute: [client.allowInsecureRequests] });
    const cc = await client.clientCredentialsGrant(config, { scope: 'read' });
    expect(cc.access_token).to.be.a('string');
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: 'https://client.example.com/cb', scope: 'openid read', state, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const callback = await authorizeThroughConsent(setup.browser, Object.fromEntries(url.searchParams));
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.claims()?.aud).to.equal(setup.client.clientId);
  });

  it('discovery lists the methods and their algorithms (never none)', async () => {
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const meta = await (await fetch(`${srv.url}${path}`)).json() as Record<string, string[]>;
      expect(meta.token_endpoint_auth_methods_supported).to.include.members(['private_key_jwt', 'client_secret_jwt']);
      expect(meta.token_endpoint_auth_signing_alg_values_supported).to.include.members(['ES256', 'RS256', 'PS256', 'EdDSA', 'HS256']);
      expect(meta.token_endpoint_auth_signing_alg_values_supported).not.to.include('none');
      expect(meta.introspection_endpoint_auth_methods_supported).to.include('private_key_jwt');
    }
  });
});
