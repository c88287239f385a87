import { expect } from 'chai';
import { tokenHash } from '../../src/oidc/id-token.ts';
import { hashToken } from '../../src/oauth2/tokens.ts';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { createTestApp, type TestServer } from '../helpers.ts';
import { codeFlowSetup, codeFlowTokens, postForm } from '../oauth-helpers.ts';

describe('RFC 9068 JWT access tokens, per client', () => {
  let t: TestServer;
  let jwks: ReturnType<typeof createLocalJWKSet>;
  let rs: { id: string; secret: string };
  before(async () => {
    t = await createTestApp();
    jwks = createLocalJWKSet(await (await fetch(`${t.url}/.well-known/jwks.json`)).json() as JSONWebKeySet);
    const owner = await t.app.seed.user({ username: 'rs-owner' });
    const { client, clientSecret } = await t.app.seed.client({ owner, name: 'Resource server', grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read', 'introspection'] });
    rs = { id: client.clientId, secret: clientSecret! };
  });
  after(() => t.close());

  const verify = (token: string) => jwtVerify(token, jwks, { issuer: t.app.config.issuer, audience: `${t.app.config.issuer}/`, typ: 'at+jwt' });
  const introspect = async (token: string) => (await postForm(`${t.url}/o/introspect/`, { token }, rs)).json() as Promise<Record<string, unknown>>;
  const hello = (token: string) => fetch(`${t.url}/api/hello`, { headers: { authorization: `Bearer ${token}` } });

  async function clientCredentials(accessTokenFormat: string) {
    const owner = await t.app.seed.user({ username: `cc-${accessTokenFormat}-${Math.random().toString(36).slice(2, 8)}` });
    const { client, clientSecret } = await t.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'], accessTokenFormat });
    const res = await postForm(`${t.url}/o/token/`, { grant_type: 'client_credentials', scope: 'read' }, { id: client.clientId, secret: clientSecret! });
    expect(res.status).to.equal(200);
    return { client, body: await res.json() as Record<string, string> };
  }

  it('a token granted no scope carries no scope at all: no empty scope claim in the JWT, none at introspection (RFC 6749 §3.3 has no empty scope value; attacker read 9, F6)', async () => {
    const owner = await t.app.seed.user({ username: 'cc-noscope' });
    // Only openid: no default scope is left to it, and client_credentials does not grant openid.
    const { client, clientSecret } = await t.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['openid'], accessTokenFormat: 'jwt' });
    const res = await postForm(`${t.url}/o/token/`, { grant_type: 'client_credentials' }, { id: client.clientId, secret: clientSecret! });
    const body = await res.json() as Record<string, string>;
    expect(res.status, JSON.stringify(body)).to.equal(200);
    expect(body).to.not.have.property('scope');
    expect((await verify(body.access_token)).payload).to.not.have.property('scope');
    const info = await introspect(body.access_token);
    expect(info.active).to.equal(true);
    expect(info).to.not.have.property('scope');
  });

  it('§2.1/§2.2: a jwt client\'s token verifies against the JWKS, typ at+jwt, with iss, exp, aud, sub, client_id, iat, jti, scope', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { client, body } = await clientCredentials('jwt');
    const { payload, protectedHeader } = await verify(body.access_token);
    expect(protectedHeader).to.include({ typ: 'at+jwt', alg: 'ES256', kid: (await t.app.signingKeys.signingKey('ES256')).kid });
    // §2.2: without a resource owner, sub names the client.
    expect(payload).to.include({ iss: t.app.config.issuer, aud: `${t.app.config.issuer}/`, sub: client.clientId, client_id: client.clientId, scope: 'read' });
    expect(payload.iat).to.be.within(before, before + 5);
    expect(payload.exp! - payload.iat!).to.equal(Number(body.expires_in));
    expect(payload.jti).to.be.a('string').with.length(52);
    expect(payload).to.not.have.property('auth_time');
  });

  it('the stored lookup key keeps the jti\'s time prefix, as an opaque token\'s does (its index insert lands at the end)', async () => {
    const { body } = await clientCredentials('jwt');
    const jti = decodeJwt(body.access_token).jti!;
    const rows = await t.app.stores.sql.all<{ token_hash: string }>('select token_hash from access_tokens where token_hash = ?', [hashToken(body.access_token)]);
    expect(rows).to.have.length(1);
    expect(rows[0].token_hash.slice(0, 9)).to.equal(jti.slice(0, 9));
  });

  it('fifty concurrent JWT issuances (minted together in turns): fifty distinct tokens, each verifying, stored and introspecting active', async () => {
    const owner = await t.app.seed.user({ username: 'cc-concurrent' });
    const { client, clientSecret } = await t.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'], accessTokenFormat: 'jwt' });
    const answers = await Promise.all(Array.from({ length: 50 }, () => postForm(`${t.url}/o/token/`, { grant_type: 'client_credentials', scope: 'read' }, { id: client.clientId, secret: clientSecret! })));
    expect(answers.map((r) => r.status)).to.deep.equal(Array(50).fill(200));
    const tokens = await Promise.all(answers.map(async (r) => (await r.json() as Record<string, string>).access_token));
    const jtis = await Promise.all(tokens.map(async (token) => (await verify(token)).payload.jti));
    expect(new Set(jtis).size).to.equal(50);
    const stored = await t.app.stores.sql.all<{ token_hash: string }>(`select token_hash from access_tokens where token_hash in (${tokens.map(() => '?').join(', ')})`, tokens.map(hashToken));
    expect(stored).to.have.length(50);
    const infos = await Promise.all(tokens.slice(0, 10).map(introspect));
    expect(infos.map((i) => i.active)).to.deep.equal(Array(10).fill(true));
  });

  it('introspection says what the JWT says: the same aud (Gatehouse\'s own APIs when no resource was named) and sub (the client, without a user) (attacker read 13A, L1)', async () => {
    const { body } = await clientCredentials('jwt');
    const { payload } = await verify(body.access_token);
    const info = await introspect(body.access_token);
    expect(info).to.include({ active: true, aud: payload.aud, sub: payload.sub });
  });

  it('an opaque client (the default) still gets an opaque token', async () => {
    const { body } = await clientCredentials('opaque');
    expect(body.access_token.split('.')).to.have.length(1);
  });

  it('requireToken accepts it by its hash (/api/hello) and RFC 7662 introspection says active', async () => {
    const { client, body } = await clientCredentials('jwt');
    const ok = await hello(body.access_token);
    expect(ok.status).to.equal(200);
    expect(await ok.json()).to.include({ client_id: client.clientId, scope: 'read' });
    expect(await introspect(body.access_token)).to.include({ active: true, client_id: client.clientId, scope: 'read' });
  });

  it('RFC 7662: a revoked JWT access token introspects as active:false and /api/hello refuses it, though its signature still verifies', async () => {
    const owner = await t.app.seed.user({ username: 'revoker' });
    const { client, clientSecret } = await t.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'], accessTokenFormat: 'jwt' });
    const auth = { id: client.clientId, secret: clientSecret! };
    const body = await (await postForm(`${t.url}/o/token/`, { grant_type: 'client_credentials', scope: 'read' }, auth)).json() as Record<string, string>;
    expect((await hello(body.access_token)).status).to.equal(200);
    expect((await postForm(`${t.url}/o/revoke_token/`, { token: body.access_token }, auth)).status).to.equal(200);
    expect(await introspect(body.access_token)).to.deep.equal({ active: false });
    expect((await hello(body.access_token)).status).to.equal(401);
    await verify(body.access_token);
  });

  it('the code flow: sub is the user, auth_time the login, and the ID Token\'s at_hash covers the JWT; refresh issues a new JWT', async () => {
    const s = await codeFlowSetup(t, { allowedScopes: ['openid', 'read'], accessTokenFormat: 'jwt' });
    const body = await codeFlowTokens(t, s, { scope: 'openid read' });
    const { payload } = await verify(body.access_token);
    expect(payload).to.include({ sub: String(s.user.id), client_id: s.client.clientId, scope: 'openid read' });
    expect(payload.auth_time).to.be.a('number');
    expect(decodeJwt(body.id_token).at_hash).to.equal(tokenHash(body.access_token, 'RS256'));
    expect((await hello(body.access_token)).status).to.equal(200);
    const refreshed = await (await postForm(`${t.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: body.refresh_token }, s.auth)).json() as Record<string, string>;
    const again = await verify(refreshed.access_token);
    expect(again.payload.sub).to.equal(String(s.user.id));
    expect(again.payload.jti).to.not.equal(payload.jti);
  });
});

describe('OpenID Connect Registration §2 id_token_signed_response_alg, per client', () => {
  let t: TestServer;
  before(async () => { t = await createTestApp(); });
  after(() => t.close());

  for (const alg of ['ES256', 'EdDSA'] as const) {
    it(`a client that registered ${alg} gets an ID Token signed with the current ${alg} key, verified against the JWKS`, async () => {
      const jwks = createLocalJWKSet(await (await fetch(`${t.url}/.well-known/jwks.json`)).json() as JSONWebKeySet);
      const s = await codeFlowSetup(t, { allowedScopes: ['openid'], idTokenSignedResponseAlg: alg });
      const body = await codeFlowTokens(t, s, { scope: 'openid', nonce: 'n' });
      const { protectedHeader } = await jwtVerify(body.id_token, jwks, { issuer: t.app.config.issuer, audience: s.client.clientId, algorithms: [alg] });
      expect(protectedHeader.kid).to.equal((await t.app.signingKeys.signingKey(alg)).kid);
    });
  }

  it('RS256 is the default', async () => {
    const s = await codeFlowSetup(t, { allowedScopes: ['openid'] });
    expect(decodeProtectedHeader((await codeFlowTokens(t, s, { scope: 'openid' })).id_token).alg).to.equal('RS256');
  });

  it('none, HS256 and unknown values are refused at registration (Core §10.1: ID Tokens are always signed)', async () => {
    const owner = await t.app.seed.user({ username: 'alg-none' });
    for (const bad of ['none', 'HS256', 'rs256']) {
      let error: unknown;
      try { await t.app.seed.client({ owner, idTokenSignedResponseAlg: bad }); } catch (e) { error = e; }
      expect(String(error)).to.contain('idTokenSignedResponseAlg');
    }
    let error: unknown;
    try { await t.app.seed.client({ owner, accessTokenFormat: 'paseto' }); } catch (e) { error = e; }
    expect(String(error)).to.contain('accessTokenFormat');
  });
});

describe('ACCESS_TOKEN_SIGNING_ALG: the algorithm of RFC 9068 JWT access tokens', () => {
  for (const alg of ['RS256', 'EdDSA'] as const) {
    it(`${alg}: the token verifies with jose against the JWKS, header {alg, kid, typ at+jwt}, and still introspects active by its hash`, async () => {
      const t = await createTestApp({ tokens: { accessTokenSigningAlg: alg } });
      try {
        const owner = await t.app.seed.user({ username: `alg-${alg}` });
        const { client, clientSecret } = await t.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read', 'introspection'], accessTokenFormat: 'jwt' });
        const auth = { id: client.clientId, secret: clientSecret! };
        const body = await (await postForm(`${t.url}/o/token/`, { grant_type: 'client_credentials', scope: 'read' }, auth)).json() as Record<string, string>;
        const jwks = createLocalJWKSet(await (await fetch(`${t.url}/.well-known/jwks.json`)).json() as JSONWebKeySet);
        const { payload, protectedHeader } = await jwtVerify(body.access_token, jwks, { issuer: t.app.config.issuer, audience: `${t.app.config.issuer}/`, typ: 'at+jwt', algorithms: [alg] });
        expect(protectedHeader).to.deep.equal({ alg, kid: (await t.app.signingKeys.signingKey(alg)).kid, typ: 'at+jwt' });
        expect(payload).to.include({ sub: client.clientId, client_id: client.clientId, scope: 'read' });
        expect(await (await postForm(`${t.url}/o/introspect/`, { token: body.access_token }, auth)).json()).to.include({ active: true, client_id: client.clientId });
      } finally { await t.close(); }
    });
  }
});
