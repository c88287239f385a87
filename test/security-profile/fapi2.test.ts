import { expect } from 'chai';
import * as client from 'openid-client';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/index.ts';
import { testDatabase } from '../database.ts';
import { Browser, createTestApp, type TestServer } from '../helpers.ts';
import { authorizeThroughConsent, codeFlowSetup, pkcePair } from '../oauth-helpers.ts';
import { assertion, JWT_BEARER, tokenRequest } from '../oauth2/client-assertion/assertions.ts';
import { dpopKey, proof } from '../oauth2/dpop/proofs.ts';

const CB = 'https://client.example.com/cb';
const register = (t: TestServer, body: Record<string, unknown>) => fetch(`${t.url}/o/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

// SECURITY_PROFILE=fapi2 (FAPI 2.0 Security Profile): PAR, private_key_jwt, DPoP, response_type code, over real HTTP.
describe('Security profile fapi2 (FAPI 2.0 Security Profile)', () => {
  let t: TestServer;
  let key: CryptoKey;
  let jwks: { keys: unknown[] };
  before(async () => {
    t = await createTestApp({ securityProfile: 'fapi2', registration: 'open' });
    const pair = await generateKeyPair('ES256', { extractable: true });
    key = pair.privateKey;
    jwks = { keys: [{ ...await exportJWK(pair.publicKey), kid: 'k1', alg: 'ES256', use: 'sig' }] };
  });
  after(() => t.close());
  const conforming = { tokenEndpointAuthMethod: 'private_key_jwt', dpopBoundAccessTokens: true } as const;

  it('fapi2:client-auth: dynamic registration with client_secret_basic is invalid_client_metadata naming the rule', async () => {
    const res = await register(t, { redirect_uris: [CB], grant_types: ['authorization_code'], token_endpoint_auth_method: 'client_secret_basic', dpop_bound_access_tokens: true });
    expect(res.status).to.equal(400);
    const body = await res.json() as Record<string, string>;
    expect(body.error).to.equal('invalid_client_metadata');
    expect(body.error_description).to.contain('fapi2:client-auth: token_endpoint_auth_method must be private_key_jwt');
  });

  it('fapi2:sender-constrained, fapi2:confidential-only, fapi2:signing-algs: each refused at registration, naming the rule', async () => {
    const refusal = async (body: Record<string, unknown>) => ((await (await register(t, { redirect_uris: [CB], grant_types: ['authorization_code'], jwks, ...body })).json()) as Record<string, string>).error_description;
    expect(await refusal({ token_endpoint_auth_method: 'private_key_jwt' })).to.contain('fapi2:sender-constrained');
    expect(await refusal({ token_endpoint_auth_method: 'none', dpop_bound_access_tokens: true })).to.contain('fapi2:confidential-only');
    expect(await refusal({ token_endpoint_auth_method: 'private_key_jwt', dpop_bound_access_tokens: true, token_endpoint_auth_signing_alg: 'RS256' })).to.contain('fapi2:signing-algs');
  });

  it('fapi2:par-required: an authorization request not pushed is refused, naming the rule', async () => {
    const setup = await codeFlowSetup(t, { ...conforming, jwks });
    const { challenge } = pkcePair();
    const res = await setup.browser.get(`/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: setup.client.clientId, redirect_uri: CB, scope: 'read', code_challenge: challenge, code_challenge_method: 'S256' })}`);
    expect(res.status).to.equal(400);
    expect(res.headers.get('location')).to.equal(null);
    expect(await res.text()).to.contain('fapi2:par-required');
  });

  it('fapi2:sender-constrained: a token request without a DPoP proof is refused, naming the rule', async () => {
    const owner = await t.app.seed.user({ username: 'cc-owner' });
    const { client: c } = await t.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'], ...conforming, jwks });
    const res = await tokenRequest(t, await assertion(t, c.clientId, { key, kid: 'k1', alg: 'ES256' }), { grant_type: 'client_credentials', scope: 'read' });
    expect(res.status).to.equal(400);
    const body = await res.json() as Record<string, string>;
    expect(body.error).to.equal('invalid_dpop_proof');
    expect(body.error_description).to.match(/^fapi2:sender-constrained: /);
  });

  it('fapi2:signing-algs (FAPI 2.0 §5.4.1): a DPoP proof signed RS256, ES384 or PS512 is invalid_dpop_proof; ES256, PS256 and Ed25519 accepted', async () => {
    const owner = await t.app.seed.user({ username: 'dpop-algs-owner' });
    const { client: c } = await t.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'], ...conforming, jwks });
    const htu = `${t.url}/o/token/`;
    const ask = async (alg: string) => {
      const res = await fetch(htu, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', DPoP: await proof(await dpopKey(alg), { htu }) },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'read', client_assertion_type: JWT_BEARER, client_assertion: await assertion(t, c.clientId, { key, kid: 'k1', alg: 'ES256' }) }) });
      return { status: res.status, body: await res.json() as Record<string, string> };
    };
    for (const alg of ['RS256', 'ES384', 'PS512']) {
      const r = await ask(alg);
      expect(r.status, alg).to.equal(400);
      expect(r.body.error, alg).to.equal('invalid_dpop_proof');
    }
    for (const alg of ['ES256', 'PS256', 'Ed25519', 'EdDSA']) expect((await ask(alg)).status, alg).to.equal(200);
    const meta = await (await fetch(`${t.url}/.well-known/oauth-authorization-server`)).json() as Record<string, unknown>;
    expect(meta.dpop_signing_alg_values_supported).to.have.members(['ES256', 'PS256', 'EdDSA', 'Ed25519']);
    const prm = await (await fetch(`${t.url}/.well-known/oauth-protected-resource`)).json() as Record<string, unknown>;
    expect(prm.dpop_signing_alg_values_supported).to.have.members(['ES256', 'PS256', 'EdDSA', 'Ed25519']);
  });

  it('FAPI 2.0 §5.3.2.1: a client assertion whose aud is an array (even [issuer]) is invalid_client; the issuer as a string passes', async () => {
    const owner = await t.app.seed.user({ username: 'aud-owner' });
    const { client: c } = await t.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'], ...conforming, jwks });
    const htu = `${t.url}/o/token/`;
    const ask = async (aud: string | string[]) => {
      const jwt = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(c.clientId).setSubject(c.clientId).setAudience(aud).setIssuedAt().setExpirationTime('1m').setJti(crypto.randomUUID()).sign(key);
      return fetch(htu, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', DPoP: await proof(await dpopKey(), { htu }) },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'read', client_assertion_type: JWT_BEARER, client_assertion: jwt }) });
    };
    const array = await ask([t.app.config.issuer]);
    expect(array.status).to.equal(401);
    expect((await array.json()).error).to.equal('invalid_client');
    expect((await ask(t.app.config.issuer)).status).to.equal(200);
  });

  it('RFC 9449 §7.1 challenges under fapi2 name only the proof algorithms accepted (/api/hello, GraphQL)', async () => {
    const api = await fetch(`${t.url}/api/hello`);
    expect(api.status).to.equal(401);
    expect(api.headers.get('www-authenticate')).to.contain('algs="ES256 EdDSA Ed25519 PS256"');
    const gql = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ viewer { username } }' }) });
    expect(gql.status).to.equal(401);
    expect(gql.headers.get('www-authenticate')).to.contain('algs="ES256 EdDSA Ed25519 PS256"');
  });

  it('FAPI 2.0 §5.3.2.2: a pushed authorization request without redirect_uri is invalid_request, naming the rule', async () => {
    const setup = await codeFlowSetup(t, { ...conforming, jwks });
    const par = `${t.url}/o/par`;
    const { challenge } = pkcePair();
    const push = async (extra: Record<string, string>) => fetch(par, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', DPoP: await proof(await dpopKey(), { htu: par }) },
      body: new URLSearchParams({ response_type: 'code', client_id: setup.client.clientId, scope: 'read', code_challenge: challenge, code_challenge_method: 'S256', client_assertion_type: JWT_BEARER, client_assertion: await assertion(t, setup.client.clientId, { key, kid: 'k1', alg: 'ES256' }), ...extra }) });
    const res = await push({});
    expect(res.status).to.equal(400);
    const body = await res.json() as Record<string, string>;
    expect(body.error).to.equal('invalid_request');
    expect(body.error_description).to.match(/^fapi2:par-required: .*redirect_uri/);
    expect((await push({ redirect_uri: CB })).status).to.equal(201);
  });

  it('fapi2:signing-algs: a client assertion signed RS256 is refused (invalid_client), PS256 accepted', async () => {
    const rsa = await generateKeyPair('RS256', { extractable: true });
    const pss = await generateKeyPair('PS256', { extractable: true });
    const rsaJwks = { keys: [{ ...await exportJWK(rsa.publicKey), kid: 'r1' }, { ...await exportJWK(pss.publicKey), kid: 'p1' }] };
    const owner = await t.app.seed.user({ username: 'rsa-owner' });
    const { client: c } = await t.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'], ...conforming, jwks: rsaJwks });
    const rs = await tokenRequest(t, await assertion(t, c.clientId, { key: rsa.privateKey, kid: 'r1', alg: 'RS256' }), { scope: 'read' });
    expect(rs.status).to.equal(401);
    expect((await rs.json() as Record<string, string>).error).to.equal('invalid_client');
    // Past authentication, PS256 reaches the DPoP rule: the algorithm was accepted.
    const ps = await tokenRequest(t, await assertion(t, c.clientId, { key: pss.privateKey, kid: 'p1', alg: 'PS256' }), { scope: 'read' });
    expect((await ps.json() as Record<string, string>).error_description).to.match(/^fapi2:sender-constrained: /);
  });

  it('fapi2:signing-algs: a pushed request object signed RS256 is invalid_request_object, PS256 accepted', async () => {
    const rsa = await generateKeyPair('RS256');
    const pss = await generateKeyPair('PS256');
    const keys = [...jwks.keys, { ...await exportJWK(rsa.publicKey), kid: 'r1' }, { ...await exportJWK(pss.publicKey), kid: 'p1' }];
    const setup = await codeFlowSetup(t, { ...conforming, jwks: { keys } });
    const id = setup.client.clientId;
    const object = (alg: string, kid: string, signer: CryptoKey) => new SignJWT({ response_type: 'code', client_id: id, redirect_uri: CB, scope: 'read', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' })
      .setProtectedHeader({ alg, kid }).setIssuer(id).setAudience(t.app.config.issuer).setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000) + 60).sign(signer);
    const push = async (request: string) => fetch(`${t.url}/o/par`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ client_id: id, client_assertion_type: JWT_BEARER, client_assertion: await assertion(t, id, { key, kid: 'k1', alg: 'ES256' }), request }) });
    const rs = await push(await object('RS256', 'r1', rsa.privateKey));
    expect(rs.status).to.equal(400);
    expect((await rs.json() as Record<string, string>).error).to.equal('invalid_request_object');
    expect((await push(await object('PS256', 'p1', pss.privateKey))).status).to.equal(201);
  });

  it('fapi2:par-required: a request object sent to the authorization endpoint unpushed is refused unread, its jti left for the push', async () => {
    const setup = await codeFlowSetup(t, { ...conforming, jwks });
    const id = setup.client.clientId;
    const request = await new SignJWT({ response_type: 'code', client_id: id, redirect_uri: CB, scope: 'read', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(id).setAudience(t.app.config.issuer).setIssuedAt().setJti(`ro-${id}`).setExpirationTime(Math.floor(Date.now() / 1000) + 60).sign(key);
    const res = await setup.browser.get(`/o/authorize/?${new URLSearchParams({ client_id: id, request })}`);
    expect(res.status).to.equal(400);
    expect(await res.text()).to.contain('fapi2:par-required');
    // Nor as a consent decision (a POST), by a stranger or by the signed-in user: a decision carries the request's
    // own fields, never a request object, so none is read.
    const stranger = new Browser(t.url);
    for (const [b, page] of [[stranger, '/accounts/login/'], [setup.browser, '/o/applications/register/']] as const) {
      const decision = await b.post('/o/authorize/', { csrfmiddlewaretoken: await b.csrf(page), allow: 'Authorize', client_id: id, request });
      expect(decision.status).to.equal(400);
      expect(await decision.text()).to.contain('request object');
    }
    // The refusal came before the object was verified: its jti was not spent, so the client can still push it.
    const pushed = await fetch(`${t.url}/o/par`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ client_id: id, client_assertion_type: JWT_BEARER, client_assertion: await assertion(t, id, { key, kid: 'k1', alg: 'ES256' }), request }) });
    expect(pushed.status).to.equal(201);
  });

  it('openid-client: PAR + private_key_jwt + DPoP, client_credentials and the code flow', async () => {
    const setup = await codeFlowSetup(t, { grantTypes: ['authorization_code', 'client_credentials'], allowedScopes: ['openid', 'read'], ...conforming, jwks });
    const config = await client.discovery(new URL(t.app.config.issuer), setup.client.clientId, {}, client.PrivateKeyJwt({ key, kid: 'k1' }), { execute: [client.allowInsecureRequests] });
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
    const cc = await client.clientCredentialsGrant(config, { scope: 'read' }, { DPoP });
    expect(cc.token_type).to.equal('dpop');
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = await client.buildAuthorizationUrlWithPAR(config, { redirect_uri: CB, scope: 'openid read', state, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' }, { DPoP });
    expect([...url.searchParams.keys()].sort()).to.deep.equal(['client_id', 'request_uri']);
    const callback = await authorizeThroughConsent(setup.browser, Object.fromEntries(url.searchParams));
    expect(callback.searchParams.get('iss')).to.equal(t.app.config.issuer);
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }, undefined, { DPoP });
    expect(tokens.token_type).to.equal('dpop');
    expect(tokens.claims()?.aud).to.equal(setup.client.clientId);
    const res = await client.fetchProtectedResource(config, tokens.access_token, new URL(`${t.app.config.issuer}/api/hello`), 'GET', undefined, undefined, { DPoP });
    expect(res.status).to.equal(200);
  });

  it('discovery: PAR required, S256, private_key_jwt with PS256/ES256/EdDSA, code only', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const meta = await (await fetch(`${t.url}${path}`)).json() as Record<string, unknown>;
      expect(meta.require_pushed_authorization_requests).to.equal(true);
      expect(meta.code_challenge_methods_supported).to.deep.equal(['S256']);
      expect(meta.token_endpoint_auth_methods_supported).to.deep.equal(['private_key_jwt']);
      expect(meta.token_endpoint_auth_signing_alg_values_supported).to.have.members(['PS256', 'ES256', 'EdDSA']);
      expect(meta.response_types_supported).to.deep.equal(['code']);
      expect(meta.grant_types_supported).not.to.include('password');
      expect(meta.authorization_response_iss_parameter_supported).to.equal(true);
    }
    const oidc = await (await fetch(`${t.url}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
    expect(oidc.request_object_signing_alg_values_supported).to.have.members(['PS256', 'ES256', 'EdDSA']);
  });

  it('fapi2:signing-algs (FAPI 2.0 §5.4.1): ID Tokens and UserInfo are never RS256: a client naming none gets ES256, RS256 is refused at registration, discovery lists ES256 and EdDSA only', async () => {
    const plain = await register(t, { redirect_uris: [CB], grant_types: ['authorization_code'], jwks, token_endpoint_auth_method: 'private_key_jwt', dpop_bound_access_tokens: true });
    expect(plain.status).to.equal(201);
    expect((await plain.json() as Record<string, string>).id_token_signed_response_alg).to.equal('ES256');
    const refusal = async (body: Record<string, unknown>) => {
      const res = await register(t, { redirect_uris: [CB], grant_types: ['authorization_code'], jwks, token_endpoint_auth_method: 'private_key_jwt', dpop_bound_access_tokens: true, ...body });
      expect(res.status).to.equal(400);
      return (await res.json() as Record<string, string>).error_description;
    };
    expect(await refusal({ id_token_signed_response_alg: 'RS256' })).to.contain('fapi2:signing-algs');
    expect(await refusal({ userinfo_signed_response_alg: 'RS256' })).to.contain('fapi2:signing-algs');
    const owner = await t.app.seed.user({ username: `alg${Date.now()}` });
    const { client: seeded } = await t.app.seed.client({ owner, redirectUris: [CB], jwks, ...conforming });
    expect(seeded.idTokenSignedResponseAlg).to.equal('ES256');
    const oidc = await (await fetch(`${t.url}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
    expect(oidc.id_token_signing_alg_values_supported).to.have.members(['ES256', 'EdDSA']);
    expect(oidc.userinfo_signing_alg_values_supported).to.have.members(['ES256', 'EdDSA']);
    for (const f of ['revocation_endpoint_auth_signing_alg_values_supported', 'introspection_endpoint_auth_signing_alg_values_supported']) expect(oidc[f], f).to.have.members(['PS256', 'ES256', 'EdDSA']);
  });

  it('fapi2:client-auth, fapi2:confidential-only: a client registered before the profile is refused at every endpoint it authenticates to, not only /o/token', async () => {
    // The clients are registered with no profile set; the same database then serves under fapi2.
    const dir = mkdtempSync(join(tmpdir(), 'gh-fapi2-'));
    const db = await testDatabase({ sqliteFile: join(dir, 'db.sqlite3') });
    const before = await createApp({ env: 'test', database: db.database, ...db.redis });
    const owner = await before.seed.user({ username: 'pre-profile-owner' });
    const { client: basic, clientSecret } = await before.seed.client({ owner, grantTypes: ['authorization_code', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code' as never], redirectUris: [CB], allowedScopes: ['read'] });
    const { client: pub } = await before.seed.client({ owner, clientType: 'public', tokenEndpointAuthMethod: 'none', grantTypes: ['authorization_code'], redirectUris: [CB], allowedScopes: ['read'] });
    await before.close();
    const app = await createApp({ env: 'test', database: db.database, ...db.redis, securityProfile: 'fapi2' });
    const { url } = await app.listen(0, '127.0.0.1');
    try {
      const basicAuth = `Basic ${Buffer.from(`${encodeURIComponent(basic.clientId)}:${encodeURIComponent(clientSecret!)}`).toString('base64')}`;
      const post = (path: string, body: Record<string, string>, authorization?: string) => fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) }, body: new URLSearchParams(body) });
      const pushed = { response_type: 'code', redirect_uri: CB, scope: 'read', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' };
      const cases: [string, Response, string][] = [
        ['PAR (basic)', await post('/o/par', pushed, basicAuth), 'fapi2:client-auth'],
        ['revocation', await post('/o/revoke_token/', { token: 'x' }, basicAuth), 'fapi2:client-auth'],
        ['introspection', await post('/o/introspect/', { token: 'x' }, basicAuth), 'fapi2:client-auth'],
        ['device authorization', await post('/o/device-authorization/', { scope: 'read' }, basicAuth), 'fapi2:client-auth'],
        ['PAR (public)', await post('/o/par', { ...pushed, client_id: pub.clientId }), 'fapi2:confidential-only'],
      ];
      for (const [where, res, rule] of cases) {
        expect(res.status, where).to.equal(400);
        const body = await res.json() as Record<string, string>;
        expect(body.error, where).to.equal('unauthorized_client');
        expect(body.error_description, where).to.match(new RegExp(`^${rule}: `));
      }
      // Discovery says so: under fapi2 every endpoint a client authenticates to takes private_key_jwt only.
      for (const doc of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
        const meta = await (await fetch(`${url}${doc}`)).json() as Record<string, unknown>;
        for (const f of ['token_endpoint_auth_methods_supported', 'revocation_endpoint_auth_methods_supported', 'introspection_endpoint_auth_methods_supported']) expect(meta[f], `${doc} ${f}`).to.deep.equal(['private_key_jwt']);
      }
    } finally { await app.close(); await db.drop(); rmSync(dir, { recursive: true, force: true }); }
  });

  it('fapi2:par-required holds even with REQUIRE_PUSHED_AUTHORIZATION_REQUESTS=false', async () => {
    const t2 = await createTestApp({ securityProfile: 'fapi2', requirePushedAuthorizationRequests: false });
    try {
      const setup = await codeFlowSetup(t2, { ...conforming, jwks });
      const { challenge } = pkcePair();
      const res = await setup.browser.get(`/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: setup.client.clientId, redirect_uri: CB, scope: 'read', code_challenge: challenge, code_challenge_method: 'S256' })}`);
      expect(res.status).to.equal(400);
      expect(await res.text()).to.contain('fapi2:par-required');
      const meta = await (await fetch(`${t2.url}/.well-known/oauth-authorization-server`)).json() as Record<string, unknown>;
      expect(meta.require_pushed_authorization_requests).to.equal(true);
    } finally { await t2.close(); }
  });
});
