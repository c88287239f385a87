import { expect } from 'chai';
import * as client from 'openid-client';
import { exportJWK, SignJWT, UnsecuredJWT, type CryptoKey } from 'jose';
import { createTestApp, type TestServer } from '../helpers.ts';
import { authorizeThroughConsent, clientSigningKeys, codeFlowSetup, pkcePair, postForm } from '../oauth-helpers.ts';

const CB = 'https://client.example.com/cb';

// RFC 9101 (JAR) / OpenID Connect Core §6.1: signed request objects by value, over real HTTP.
describe('RFC 9101 / Core §6 request objects', () => {
  let srv: TestServer;
  let key: CryptoKey;
  let otherKey: CryptoKey;
  let jwks: unknown;
  before(async () => {
    srv = await createTestApp();
    ({ key, otherKey, jwks } = await clientSigningKeys());
  });
  after(() => srv.close());

  const setupWithKeys = () => codeFlowSetup(srv, { jwks, requestObjectSigningAlg: 'ES256', allowedScopes: ['openid', 'read', 'write'] });

  function claims(clientId: string, extra: Record<string, unknown> = {}) {
    return { response_type: 'code', client_id: clientId, redirect_uri: CB, scope: 'read', state: 'inner', code_challenge: pkcePair().challenge, code_challenge_method: 'S256', ...extra };
  }
  const sign = (payload: Record<string, unknown>, clientId: string, o: { aud?: string; exp?: number; signer?: CryptoKey; typ?: string } = {}) =>
    new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: 'k1', ...(o.typ ? { typ: o.typ } : {}) }).setIssuer(clientId).setAudience(o.aud ?? srv.app.config.issuer)
      .setIssuedAt().setExpirationTime(o.exp ?? Math.floor(Date.now() / 1000) + 120).sign(o.signer ?? key);

  it('metadata: request_parameter_supported and the signing algorithms (never none)', async () => {
    const meta = await (await fetch(`${srv.url}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
    expect(meta.request_parameter_supported).to.equal(true);
    expect(meta.request_object_signing_alg_values_supported).to.deep.equal(['RS256', 'PS256', 'ES256', 'EdDSA']);
  });

  it('openid-client buildAuthorizationUrlWithJAR: code flow through to tokens', async () => {
    const setup = await setupWithKeys();
    const config = await client.discovery(new URL(srv.app.config.issuer), setup.client.clientId, setup.secret!, client.ClientSecretBasic(setup.secret!), { execute: [client.allowInsecureRequests] });
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = await client.buildAuthorizationUrlWithJAR(config, { redirect_uri: CB, scope: 'openid read', state, nonce, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' }, { key, kid: 'k1' });
    expect(url.searchParams.get('request')).to.be.a('string');
    const callback = await authorizeThroughConsent(setup.browser, Object.fromEntries(url.searchParams));
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    expect(tokens.claims()?.nonce).to.equal(nonce);
  });

  it('only the request object\'s parameters are used (RFC 9101 §5): an outer redirect_uri and state change nothing', async () => {
    const setup = await setupWithKeys();
    const request = await sign(claims(setup.client.clientId), setup.client.clientId);
    const loc = await authorizeThroughConsent(setup.browser, { client_id: setup.client.clientId, request, redirect_uri: 'https://evil.example/cb', state: 'outer' });
    expect(`${loc.origin}${loc.pathname}`).to.equal(CB);
    expect(loc.searchParams.get('state')).to.equal('inner');
  });

  it('refuses (invalid_request_object, an error page, no redirect): wrong key, alg none, wrong aud, expired, inner client_id, no jwks, response_type mismatch', async () => {
    const setup = await setupWithKeys();
    const id = setup.client.clientId;
    const noKeys = await codeFlowSetup(srv);
    const cases: [string, string, string?][] = [
      ['wrong key', await sign(claims(id), id, { signer: otherKey })],
      ['alg none', new UnsecuredJWT(claims(id)).setIssuer(id).setAudience(srv.app.config.issuer).setExpirationTime('2m').encode()],
      ['wrong aud', await sign(claims(id), id, { aud: 'https://other.example' })],
      ['expired', await sign(claims(id), id, { exp: Math.floor(Date.now() / 1000) - 120 })],
      ['too long-lived', await sign(claims(id), id, { exp: Math.floor(Date.now() / 1000) + 86400 })],
      ['inner client_id', await sign(claims(id, { client_id: noKeys.client.clientId }), id)],
      ['request_uri inside', await sign(claims(id, { request_uri: 'https://x.example/r' }), id)],
      ['response_type mismatch', await sign(claims(id), id), 'token'],
    ];
    for (const [name, request, responseType] of cases) {
      const res = await setup.browser.get(`/o/authorize/?${new URLSearchParams({ client_id: id, request, ...(responseType ? { response_type: responseType } : {}) })}`);
      expect(res.status, name).to.equal(400);
      expect(res.headers.get('location'), name).to.equal(null);
      expect(await res.text(), name).to.include('invalid_request_object');
    }
    const withoutKeys = await noKeys.browser.get(`/o/authorize/?${new URLSearchParams({ client_id: noKeys.client.clientId, request: await sign(claims(noKeys.client.clientId), noKeys.client.clientId) })}`);
    expect(withoutKeys.status).to.equal(400);
    expect(await withoutKeys.text()).to.include('invalid_request_object');
  });

  it('a pushed request may be a request object (RFC 9126 §3); a bad one is refused at push time', async () => {
    const setup = await setupWithKeys();
    const id = setup.client.clientId;
    const good = await postForm(`${srv.url}/o/par`, { request: await sign(claims(id, { state: 'pushed-jar' }), id) }, setup.auth);
    expect(good.status).to.equal(201);
    const uri = (await good.json() as Record<string, string>).request_uri;
    const loc = await authorizeThroughConsent(setup.browser, { client_id: id, request_uri: uri });
    expect(loc.searchParams.get('state')).to.equal('pushed-jar');
    const bad = await postForm(`${srv.url}/o/par`, { request: await sign(claims(id), id, { signer: otherKey }) }, setup.auth);
    expect(bad.status).to.equal(400);
    expect((await bad.json() as Record<string, string>).error).to.equal('invalid_request_object');
  });

  it('client metadata: a jwks holding a private key, or request_object_signing_alg none, is refused', async () => {
    const user = await srv.app.seed.user({ username: `jwk${Date.now()}` });
    const priv = await exportJWK(key);
    for (const bad of [{ jwks: { keys: [priv] } }, { jwks, requestObjectSigningAlg: 'none' }]) {
      let refused = false;
      try { await srv.app.seed.client({ owner: user, redirectUris: [CB], ...bad }); } catch { refused = true; }
      expect(refused, JSON.stringify(Object.keys(bad))).to.equal(true);
    }
  });

  describe('review fixes (issue 22)', () => {
    it('a jti stays spent as long as the object is accepted: exp just past (within the clock skew) and pushed again later', async () => {
      const setup = await setupWithKeys();
      const id = setup.client.clientId;
      const request = await sign(claims(id, { jti: `skew-${Date.now()}` }), id, { exp: Math.floor(Date.now() / 1000) - 10 });
      expect((await postForm(`${srv.url}/o/par`, { request }, setup.auth)).status).to.equal(201);
      await new Promise((r) => setTimeout(r, 1500));
      const again = await postForm(`${srv.url}/o/par`, { request }, setup.auth);
      expect(again.status).to.equal(400);
      expect((await again.json() as Record<string, string>).error).to.equal('invalid_request_object');
    });

    it('RFC 8725 §3.11: typ absent, JWT or oauth-authz-req+jwt is accepted; any other typ (a client assertion\'s, an access token\'s) is refused', async () => {
      const setup = await setupWithKeys();
      const id = setup.client.clientId;
      for (const typ of [undefined, 'JWT', 'oauth-authz-req+jwt', 'application/oauth-authz-req+jwt']) {
        const res = await postForm(`${srv.url}/o/par`, { request: await sign(claims(id), id, { typ }) }, setup.auth);
        expect(res.status, String(typ)).to.equal(201);
      }
      for (const typ of ['client-authentication+jwt', 'at+jwt', 'dpop+jwt', 'secevent+jwt']) {
        const res = await postForm(`${srv.url}/o/par`, { request: await sign(claims(id), id, { typ }) }, setup.auth);
        expect(res.status, typ).to.equal(400);
        expect((await res.json() as Record<string, string>).error, typ).to.equal('invalid_request_object');
      }
    });

    it('RFC 9101 §6.3: a scopeless object takes no scope from the URL (the default scopes apply)', async () => {
      const setup = await setupWithKeys();
      const id = setup.client.clientId;
      const { verifier, challenge } = pkcePair();
      const inner = claims(id, { code_challenge: challenge }) as Record<string, unknown>;
      delete inner.scope;
      const loc = await authorizeThroughConsent(setup.browser, { client_id: id, request: await sign(inner, id), scope: 'write' });
      const tokens = await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code: loc.searchParams.get('code')!, redirect_uri: CB, code_verifier: verifier }, setup.auth);
      expect(tokens.status).to.equal(200);
      expect((await tokens.json() as Record<string, string>).scope).to.equal('read');
    });

    it('RFC 8725 §3.11 / RFC 9101 §10.8: a leaked request object is not a client assertion (invalid_client, 401)', async () => {
      const owner = await srv.app.seed.user({ username: `xj${Date.now()}` });
      const { client: c } = await srv.app.seed.client({ owner, grantTypes: ['client_credentials', 'authorization_code'], redirectUris: [CB], allowedScopes: ['read'], tokenEndpointAuthMethod: 'private_key_jwt', jwks, requestObjectSigningAlg: 'ES256' });
      const id = c.clientId;
      const tokenWith = (clientAssertion: string) => postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: clientAssertion });
      const object = (extra: Record<string, unknown>, typ?: string) => sign({ sub: id, jti: `x-${Math.random()}`, ...extra }, id, { typ, exp: Math.floor(Date.now() / 1000) + 60 });
      const cases: [string, string][] = [
        ['typ oauth-authz-req+jwt', await object({}, 'oauth-authz-req+jwt')],
        ['response_type', await object({ response_type: 'code' })],
        ['redirect_uri', await object({ redirect_uri: CB })],
        ['client_id', await object({ client_id: id })],
        ['a whole request object', await object(claims(id))],
      ];
      for (const [name, a] of cases) {
        const res = await tokenWith(a);
        expect(res.status, name).to.equal(401);
        expect((await res.json() as Record<string, string>).error, name).to.equal('invalid_client');
      }
      // The same envelope without request parameters is a client assertion.
      expect((await tokenWith(await object({}))).status).to.equal(200);
    });
  });
});
