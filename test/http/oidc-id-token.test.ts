import { expect } from 'chai';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { createTestApp, type TestServer } from '../helpers.ts';
import { codeFlowSetup, codeFlowTokens, getCode, postForm } from '../oauth-helpers.ts';
import { tokenHash } from '../../src/oidc/id-token.ts';
import { isPrivilegedScope } from '../../src/oauth2/scope.ts';

describe('OpenID Connect Core §3.1.3: the ID Token of the authorization code flow', () => {
  let t: TestServer;
  let jwks: ReturnType<typeof createLocalJWKSet>;
  before(async () => {
    t = await createTestApp();
    jwks = createLocalJWKSet(await (await fetch(`${t.url}/.well-known/jwks.json`)).json() as JSONWebKeySet);
  });
  after(() => t.close());

  const setup = () => codeFlowSetup(t, { allowedScopes: ['openid', 'profile', 'email', 'read'] });
  const tokens = (s: Awaited<ReturnType<typeof setup>>, extra: Record<string, string>) => codeFlowTokens(t, s, extra);

  it('§3.1.3.3: scope openid adds an id_token signed by the current RS256 key, with every §2 claim and the nonce', async () => {
    const s = await setup();
    const before = Math.floor(Date.now() / 1000);
    const body = await tokens(s, { scope: 'openid read', nonce: 'n-0S6_WzA2Mj' });
    const { payload, protectedHeader } = await jwtVerify(body.id_token, jwks, { issuer: t.app.config.issuer, audience: s.client.clientId, algorithms: ['RS256'] });
    expect(protectedHeader.kid).to.equal((await t.app.signingKeys.signingKey('RS256')).kid);
    expect(payload).to.include({ sub: String(s.user.id), nonce: 'n-0S6_WzA2Mj', azp: s.client.clientId });
    expect(payload.exp! - payload.iat!).to.equal(t.app.config.tokens.accessTokenTtl);
    expect(payload.iat).to.be.within(before, before + 5);
    // auth_time is when the browser logged in (before the request), not when the code was issued.
    expect(payload.auth_time).to.be.a('number').and.be.at.most(payload.iat!);
    // §3.1.3.6: at_hash is the left half of SHA-256 of the access token.
    expect(payload.at_hash).to.equal(tokenHash(body.access_token, 'RS256'));
  });

  it('without scope openid there is no id_token (plain OAuth 2 stays as it was)', async () => {
    const body = await tokens(await setup(), { scope: 'read', nonce: 'ignored' });
    expect(body).to.not.have.property('id_token');
  });

  it('the nonce is carried through the consent page, and absent when the request had none', async () => {
    const s = await setup();
    const first = await tokens(s, { scope: 'openid', nonce: 'through-consent' });
    expect((await jwtVerify(first.id_token, jwks)).payload.nonce).to.equal('through-consent');
    const second = await tokens(s, { scope: 'openid' });
    expect((await jwtVerify(second.id_token, jwks)).payload).to.not.have.property('nonce');
  });

  it('§12.2: a refresh keeps sub, issues a new id_token without nonce', async () => {
    const s = await setup();
    const body = await tokens(s, { scope: 'openid email', nonce: 'abc' });
    const res = await postForm(`${t.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: body.refresh_token }, s.auth);
    const refreshed = await res.json() as Record<string, string>;
    const { payload } = await jwtVerify(refreshed.id_token, jwks, { issuer: t.app.config.issuer, audience: s.client.clientId });
    expect(payload.sub).to.equal(String(s.user.id));
    expect(payload).to.not.have.property('nonce');
    expect(payload.at_hash).to.equal(tokenHash(refreshed.access_token, 'RS256'));
    expect(decodeProtectedHeader(refreshed.id_token).alg).to.equal('RS256');
  });

  it('a nonce longer than 512 characters is an invalid_request redirected to the client', async () => {
    const s = await setup();
    const { location } = await getCode(s, { scope: 'openid', nonce: 'x'.repeat(513) });
    expect(location.searchParams.get('error')).to.equal('invalid_request');
    expect(location.searchParams.get('state')).to.equal('xyz');
  });

  it('openid, profile and email are known scopes that any owner may allow (not privileged)', async () => {
    for (const scope of ['openid', 'profile', 'email']) {
      expect(t.app.config.scopes).to.have.property(scope);
      expect(isPrivilegedScope(scope), scope).to.equal(false);
    }
  });
});
