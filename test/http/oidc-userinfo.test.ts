import { expect } from 'chai';
import { createTestApp, type TestServer } from '../helpers.ts';
import { bothChallenges, codeFlowSetup, codeFlowTokens, postForm } from '../oauth-helpers.ts';

describe('OpenID Connect Core §5.3: UserInfo', () => {
  let t: TestServer;
  before(async () => { t = await createTestApp(); });
  after(() => t.close());

  const setup = () => codeFlowSetup(t, { allowedScopes: ['openid', 'profile', 'email', 'read'] });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('§5.3.2: GET at /userinfo and /o/userinfo/ answers sub plus the claims of the granted scopes', async () => {
    const s = await setup();
    await t.app.withContext(() => t.app.orm.em.getConnection().execute('update users set email = ? where id = ?', ['ada@example.com', s.user.id]));
    const { access_token } = await codeFlowTokens(t, s, { scope: 'openid profile email' });
    for (const path of ['/userinfo', '/o/userinfo/']) {
      const res = await fetch(t.url + path, { headers: bearer(access_token) });
      expect(res.status, path).to.equal(200);
      expect(res.headers.get('cache-control')).to.equal('no-store');
      expect(await res.json()).to.deep.equal({ sub: String(s.user.id), preferred_username: s.user.username, name: s.user.username, email: 'ada@example.com', email_verified: false });
    }
  });

  it('§5.3.1: POST with the token in the header or in the form body (RFC 6750 §2.2); only sub without profile or email', async () => {
    const s = await setup();
    const { access_token } = await codeFlowTokens(t, s, { scope: 'openid' });
    const header = await fetch(`${t.url}/o/userinfo/`, { method: 'POST', headers: bearer(access_token) });
    expect(await header.json()).to.deep.equal({ sub: String(s.user.id) });
    const form = await postForm(`${t.url}/userinfo`, { access_token });
    expect(form.status).to.equal(200);
    expect(await form.json()).to.deep.equal({ sub: String(s.user.id) });
  });

  it('RFC 6750 §3.1: no token is 401 with bare challenges (Bearer, and DPoP: RFC 9449 §7.1); a bad token is invalid_token', async () => {
    const none = await fetch(`${t.url}/userinfo`);
    expect(none.status).to.equal(401);
    // RFC 9728 §5.1: UserInfo is one of Gatehouse's own protected resources; the challenge says where its metadata is.
    expect(none.headers.get('www-authenticate')).to.equal(bothChallenges(`realm="gatehouse", scope="openid", resource_metadata="${t.app.config.issuer}/.well-known/oauth-protected-resource"`));
    const bad = await fetch(`${t.url}/userinfo`, { headers: bearer('not-a-token') });
    expect(bad.status).to.equal(401);
    expect(bad.headers.get('www-authenticate')).to.match(/^Bearer realm="gatehouse", error="invalid_token"/);
    expect((await bad.json()).error).to.equal('invalid_token');
  });

  it('RFC 6750 §3.1: a token without openid is insufficient_scope (403), naming the scope needed', async () => {
    const s = await setup();
    const { access_token } = await codeFlowTokens(t, s, { scope: 'read' });
    const res = await fetch(`${t.url}/userinfo`, { headers: bearer(access_token) });
    expect(res.status).to.equal(403);
    expect(res.headers.get('www-authenticate')).to.match(/error="insufficient_scope".*scope="openid"/);
    expect((await res.json()).error).to.equal('insufficient_scope');
  });

  it('a client_credentials token, which names no user, never opens UserInfo: openid is not granted to it', async () => {
    const s = await codeFlowSetup(t, { allowedScopes: ['openid', 'read'], grantTypes: ['client_credentials'] });
    // Asked for openid alone, nothing could be granted: refused, never a token with an empty scope (RFC 6749 §3.3
    // has no empty scope value; §5.2 invalid_scope).
    const refused = await postForm(`${t.url}/o/token/`, { grant_type: 'client_credentials', scope: 'openid' }, s.auth);
    expect(refused.status).to.equal(400);
    expect((await refused.json()).error).to.equal('invalid_scope');
    expect(await t.app.stores.sql.all('select id from access_tokens where application_id = ?', [s.client.id])).to.deep.equal([]);
    const cc = await (await postForm(`${t.url}/o/token/`, { grant_type: 'client_credentials', scope: 'openid read' }, s.auth)).json() as { access_token: string; scope: string };
    expect(cc.scope).to.equal('read');
    const res = await fetch(`${t.url}/userinfo`, { headers: bearer(cc.access_token) });
    expect(res.status).to.equal(403);
    expect((await res.json()).error).to.equal('insufficient_scope');
  });
});
