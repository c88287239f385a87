import { expect } from 'chai';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { createTestApp, type TestServer } from '../helpers.ts';
import { codeFlowSetup, codeFlowTokens, postForm } from '../oauth-helpers.ts';
import { tokenHash } from '../../src/oidc/id-token.ts';
import { hashToken } from '../../src/oauth2/tokens.ts';

describe('OpenID Connect at the token endpoint: refreshed ID Tokens (Core §12.2) and client_credentials', () => {
  let t: TestServer;
  let jwks: ReturnType<typeof createLocalJWKSet>;
  before(async () => {
    t = await createTestApp();
    jwks = createLocalJWKSet(await (await fetch(`${t.url}/.well-known/jwks.json`)).json() as JSONWebKeySet);
  });
  after(() => t.close());

  it('§12.2: each refresh\'s ID Token keeps iss, sub, aud, auth_time, sid and amr of the login, without nonce', async () => {
    const s = await codeFlowSetup(t, { allowedScopes: ['openid', 'read'] });
    const first = await codeFlowTokens(t, s, { scope: 'openid read', nonce: 'n1' });
    const verify = async (jwt: string) => (await jwtVerify(jwt, jwks, { issuer: t.app.config.issuer, audience: s.client.clientId })).payload;
    const original = await verify(first.id_token);
    expect(original.amr).to.deep.equal(['pwd']);
    // No acr: acr_values is not implemented, so no level is claimed (docs/architecture.md) nor advertised.
    expect(original).to.not.have.property('acr');
    const discovery = await (await fetch(`${t.url}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
    expect(discovery).to.not.have.property('acr_values_supported');
    // The login's facts ride on the stored refresh token (never the token itself).
    const [row] = await t.app.stores.sql.all<Record<string, unknown>>('select auth_time, sid, amr from refresh_tokens where token_hash = ?', [hashToken(first.refresh_token)]);
    expect({ authTime: Math.floor(Number(row.auth_time) / 1000), sid: row.sid, amr: row.amr }).to.deep.equal({ authTime: original.auth_time, sid: original.sid, amr: 'pwd' });
    let refresh = first.refresh_token;
    for (let i = 0; i < 2; i++) {
      const res = await postForm(`${t.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: refresh }, s.auth);
      expect(res.status).to.equal(200);
      const body = await res.json() as Record<string, string>;
      const p = await verify(body.id_token);
      expect(p).to.include({ iss: original.iss, sub: original.sub, aud: original.aud, auth_time: original.auth_time, sid: original.sid });
      expect(p.amr).to.deep.equal(['pwd']);
      expect(p).to.not.have.property('nonce');
      expect(p.at_hash).to.equal(tokenHash(body.access_token, 'RS256'));
      refresh = body.refresh_token;
    }
  });

  it('§12.2: after that browser session logged out, a refreshed ID Token names no sid (auth_time and amr stay)', async () => {
    const s = await codeFlowSetup(t, { allowedScopes: ['openid'] });
    const first = await codeFlowTokens(t, s, { scope: 'openid' });
    const original = (await jwtVerify(first.id_token, jwks)).payload;
    expect(original.sid).to.be.a('string');
    const logout = await s.browser.post('/accounts/logout/', { csrfmiddlewaretoken: await s.browser.csrf('/accounts/logout/') });
    expect(logout.status).to.equal(302);
    const res = await postForm(`${t.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: first.refresh_token }, s.auth);
    const p = (await jwtVerify((await res.json() as Record<string, string>).id_token, jwks)).payload;
    expect(p).to.not.have.property('sid');
    expect(p).to.include({ sub: original.sub, auth_time: original.auth_time });
    expect(p.amr).to.deep.equal(['pwd']);
  });

  it('client_credentials with scope openid: no ID Token, and openid is not granted (the response\'s scope says so, RFC 6749 §3.3)', async () => {
    const owner = await t.app.seed.user({ username: 'cc-owner' });
    const { client, clientSecret } = await t.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['openid', 'read'] });
    const res = await postForm(`${t.url}/o/token/`, { grant_type: 'client_credentials', scope: 'openid read' }, { id: client.clientId, secret: clientSecret! });
    expect(res.status).to.equal(200);
    const body = await res.json() as Record<string, string>;
    expect(body).to.not.have.property('id_token');
    expect(body.scope).to.equal('read');
    const [row] = await t.app.stores.sql.all<Record<string, unknown>>('select scope from access_tokens where token_hash = ?', [hashToken(body.access_token)]);
    expect(row.scope).to.equal('read');
    // Without openid (and without a user) the token does not open UserInfo.
    const info = await fetch(`${t.url}/o/userinfo/`, { headers: { authorization: `Bearer ${body.access_token}` } });
    expect(info.status).to.be.oneOf([401, 403]);
  });

  it('a token response granting no scope at all leaves scope out (RFC 6749 §5.1: no empty scope value), and asking for openid alone with client_credentials is invalid_scope', async () => {
    const owner = await t.app.seed.user({ username: 'cc-none' });
    // Only openid: no default scope is left to it.
    const { client, clientSecret } = await t.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['openid'] });
    const auth = { id: client.clientId, secret: clientSecret! };
    const none = await postForm(`${t.url}/o/token/`, { grant_type: 'client_credentials' }, auth);
    const body = await none.json() as Record<string, string>;
    expect(none.status, JSON.stringify(body)).to.equal(200);
    expect(body).to.not.have.property('scope');
    const onlyOpenid = await postForm(`${t.url}/o/token/`, { grant_type: 'client_credentials', scope: 'openid' }, auth);
    expect(onlyOpenid.status).to.equal(400);
    expect((await onlyOpenid.json()).error).to.equal('invalid_scope');
  });
});
