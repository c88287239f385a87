import { expect } from 'chai';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { randomBytes } from 'node:crypto';
import { Browser, createTestApp, type TestServer } from '../helpers.ts';
import { authorizeThroughConsent, pkcePair, postForm } from '../oauth-helpers.ts';
import { tokenHash } from '../../src/oidc/id-token.ts';
import { RESPONSE_TYPES } from '../../src/oauth2/response-types.ts';

const CB = 'https://client.example.com/cb';

describe('OpenID Connect Core §3.2, §3.3: implicit and hybrid response types', () => {
  let t: TestServer;
  let jwks: ReturnType<typeof createLocalJWKSet>;
  before(async () => {
    t = await createTestApp();
    jwks = createLocalJWKSet(await (await fetch(`${t.url}/.well-known/jwks.json`)).json() as JSONWebKeySet);
  });
  after(() => t.close());

  /** A signed-in user and a client an administrator allowed every response type (consent skipped: answers come at once). */
  async function setup(client: Record<string, unknown> = {}) {
    const user = await t.app.seed.user({ username: `u${randomBytes(3).toString('hex')}`, email: 'ann@example.com' });
    const { client: c, clientSecret } = await t.app.seed.client({
      owner: user, grantTypes: ['authorization_code', 'implicit'], redirectUris: [CB], allowedScopes: ['openid', 'profile', 'email', 'read'],
      skipAuthorization: true, responseTypes: [...RESPONSE_TYPES], ...client,
    });
    const browser = new Browser(t.url);
    await browser.login(user.username, user.password);
    return { user, client: c, browser, auth: { id: c.clientId, secret: clientSecret ?? '' } };
  }
  type Setup = Awaited<ReturnType<typeof setup>>;

  const authorize = (s: Setup, params: Record<string, string>) =>
    s.browser.get(`/o/authorize/?${new URLSearchParams({ client_id: s.client.clientId, redirect_uri: CB, scope: 'openid', state: 'st', nonce: 'n-0S6', ...params })}`);

  /** The redirect's fragment and query, as the client's page would read them. */
  async function answer(s: Setup, params: Record<string, string>) {
    const res = await authorize(s, params);
    expect(res.status, await res.clone().text()).to.equal(302);
    const url = new URL(res.headers.get('location')!);
    expect(`${url.origin}${url.pathname}`).to.equal(CB);
    return { fragment: new URLSearchParams(url.hash.slice(1)), query: url.searchParams, res };
  }

  const verify = async (idToken: string, s: Setup) => (await jwtVerify(idToken, jwks, { issuer: t.app.config.issuer, audience: s.client.clientId })).payload;

  it('discovery lists every response type of the registry and the three response modes, the same in both documents', async () => {
    const oidc = await (await fetch(`${t.url}/.well-known/openid-configuration`)).json() as Record<string, string[]>;
    const oauth = await (await fetch(`${t.url}/.well-known/oauth-authorization-server`)).json() as Record<string, string[]>;
    expect(oidc.response_types_supported).to.deep.equal(['code', 'token', 'id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token']);
    expect(oidc.response_modes_supported).to.deep.equal(['query', 'fragment', 'form_post']);
    expect(oauth.response_types_supported).to.deep.equal(oidc.response_types_supported);
    expect(oauth.response_modes_supported).to.deep.equal(oidc.response_modes_supported);
  });

  it('id_token (§3.2.2.5): an ID Token in the fragment, no access token, nonce, amr pwd, sid, and the scopes\' claims (§5.4)', async () => {
    const s = await setup();
    const { fragment, query } = await answer(s, { response_type: 'id_token', scope: 'openid email' });
    expect([...query.keys()]).to.deep.equal([]);
    expect(fragment.get('state')).to.equal('st');
    expect(fragment.get('iss')).to.equal(t.app.config.issuer);
    expect(fragment.has('access_token')).to.equal(false);
    expect(fragment.has('code')).to.equal(false);
    const p = await verify(fragment.get('id_token')!, s);
    expect(p).to.include({ sub: String(s.user.id), nonce: 'n-0S6', azp: s.client.clientId, email: 'ann@example.com' });
    expect(p.amr).to.deep.equal(['pwd']);
    expect(p.auth_time).to.be.a('number');
    expect(p.sid).to.be.a('string');
    expect(p).to.not.have.property('at_hash');
    expect(p).to.not.have.property('c_hash');
  });

  it('id_token token (§3.2.2.10): at_hash of the access token, a Bearer token and no refresh token', async () => {
    const s = await setup();
    const { fragment } = await answer(s, { response_type: 'id_token token', scope: 'openid email' });
    expect(fragment.get('token_type')).to.equal('Bearer');
    expect(fragment.has('refresh_token')).to.equal(false);
    const p = await verify(fragment.get('id_token')!, s);
    expect(p.at_hash).to.equal(tokenHash(fragment.get('access_token')!, 'RS256'));
    // §5.4: with an access token, the scopes' claims come from UserInfo, not the ID Token.
    expect(p).to.not.have.property('email');
    const info = await fetch(`${t.url}/o/userinfo/`, { headers: { authorization: `Bearer ${fragment.get('access_token')}` } });
    expect(await info.json()).to.include({ sub: String(s.user.id), email: 'ann@example.com' });
  });

  it('the order of the words does not matter (RFC 6749 §3.1.1): "token id_token" is "id_token token"', async () => {
    const s = await setup();
    const { fragment } = await answer(s, { response_type: 'token id_token' });
    expect(fragment.get('access_token')).to.be.a('string');
    expect(fragment.get('id_token')).to.be.a('string');
  });

  it('code id_token (§3.3.2.5): c_hash of the code; the code still redeems, and its ID Token keeps sub and nonce', async () => {
    const s = await setup();
    const { challenge, verifier } = pkcePair();
    const { fragment } = await answer(s, { response_type: 'code id_token', code_challenge: challenge, code_challenge_method: 'S256' });
    const code = fragment.get('code')!;
    const front = await verify(fragment.get('id_token')!, s);
    expect(front.c_hash).to.equal(tokenHash(code, 'RS256'));
    expect(front).to.not.have.property('at_hash');
    const res = await postForm(`${t.url}/o/token/`, { grant_type: 'authorization_code', code, redirect_uri: CB, code_verifier: verifier }, s.auth);
    expect(res.status).to.equal(200);
    const body = await res.json() as Record<string, string>;
    const back = await verify(body.id_token, s);
    // §3.3.3.6: the same sub (and the request's nonce), at_hash of the new access token.
    expect(back).to.include({ sub: front.sub, nonce: 'n-0S6', sid: front.sid, auth_time: front.auth_time });
    expect(back.amr).to.deep.equal(['pwd']);
    expect(back.at_hash).to.equal(tokenHash(body.access_token, 'RS256'));
  });

  it('code token (§3.3.2.5): a code and an access token, no ID Token, and nonce is optional', async () => {
    const s = await setup();
    const { fragment } = await answer(s, { response_type: 'code token', nonce: '' });
    expect(fragment.get('code')).to.be.a('string');
    expect(fragment.get('access_token')).to.be.a('string');
    expect(fragment.has('id_token')).to.equal(false);
  });

  it('code id_token token: c_hash and at_hash; using the code twice revokes the front-channel access token too', async () => {
    const s = await setup();
    const { fragment } = await answer(s, { response_type: 'code id_token token' });
    const p = await verify(fragment.get('id_token')!, s);
    expect(p.c_hash).to.equal(tokenHash(fragment.get('code')!, 'RS256'));
    expect(p.at_hash).to.equal(tokenHash(fragment.get('access_token')!, 'RS256'));
    const redeem = () => postForm(`${t.url}/o/token/`, { grant_type: 'authorization_code', code: fragment.get('code')!, redirect_uri: CB }, s.auth);
    expect((await redeem()).status).to.equal(200);
    expect((await redeem()).status).to.equal(400);
    // RFC 6749 §4.1.2: the tokens issued with the code are revoked; the fragment's came with it.
    const introspect = await postForm(`${t.url}/o/introspect/`, { token: fragment.get('access_token')! }, s.auth);
    expect(await introspect.json()).to.deep.equal({ active: false });
  });

  describe('errors go back in the fragment', () => {
    for (const rt of ['id_token', 'id_token token', 'code id_token', 'code id_token token']) {
      it(`${rt} without nonce is invalid_request (Core §3.2.2.1, §3.3.2.11), and nothing is issued`, async () => {
        const s = await setup();
        const before = await t.app.stores.sql.all('select id from access_tokens');
        const { fragment, query } = await answer(s, { response_type: rt, nonce: '' });
        expect(fragment.get('error')).to.equal('invalid_request');
        expect(fragment.get('state')).to.equal('st');
        expect(query.has('error')).to.equal(false);
        expect(await t.app.stores.sql.all('select id from access_tokens')).to.have.length(before.length);
      });
    }

    it('response_mode=query for a response that carries tokens is invalid_request, in the fragment (Multiple Response Types §2.1)', async () => {
      const s = await setup();
      const { fragment, query } = await answer(s, { response_type: 'id_token', response_mode: 'query' });
      expect(fragment.get('error')).to.equal('invalid_request');
      expect(query.has('id_token')).to.equal(false);
      expect(fragment.has('id_token')).to.equal(false);
    });

    it('an unknown response_mode is invalid_request', async () => {
      const s = await setup();
      const { fragment } = await answer(s, { response_type: 'id_token', response_mode: 'web_message' });
      expect(fragment.get('error')).to.equal('invalid_request');
    });

    it('an unknown combination is unsupported_response_type', async () => {
      const s = await setup();
      const { fragment } = await answer(s, { response_type: 'id_token device' });
      expect(fragment.get('error')).to.equal('unsupported_response_type');
    });

    it('without scope openid, implicit and hybrid response types are invalid_request', async () => {
      const s = await setup();
      for (const rt of ['id_token', 'code token']) {
        const { fragment } = await answer(s, { response_type: rt, scope: 'read' });
        expect(fragment.get('error'), rt).to.equal('invalid_request');
      }
    });

    it('a client not registered for the response type is unauthorized_client: off by default, even with both grants', async () => {
      // Registered by an administrator for both grants, without response_types: code and token only.
      const s = await setup({ responseTypes: undefined });
      expect(s.client.responseTypes).to.deep.equal(['code', 'token']);
      for (const rt of ['id_token', 'code id_token', 'code token']) {
        const { fragment } = await answer(s, { response_type: rt });
        expect(fragment.get('error'), rt).to.equal('unauthorized_client');
      }
      const codeOnly = await setup({ grantTypes: ['authorization_code'], responseTypes: undefined });
      const { fragment } = await answer(codeOnly, { response_type: 'id_token' });
      expect(fragment.get('error')).to.equal('unauthorized_client');
    });
  });

  describe('response_mode', () => {
    it('fragment for code puts the code in the fragment; query for code stays in the query', async () => {
      const s = await setup();
      const pkce = { code_challenge: pkcePair().challenge, code_challenge_method: 'S256' };
      const inFragment = await answer(s, { response_type: 'code', response_mode: 'fragment', ...pkce });
      expect(inFragment.fragment.get('code')).to.be.a('string');
      expect(inFragment.query.has('code')).to.equal(false);
      const inQuery = await answer(s, { response_type: 'code', response_mode: 'query', ...pkce });
      expect(inQuery.query.get('code')).to.be.a('string');
    });

    it('form_post (Form Post Response Mode §2): an auto-submitting form to the redirect URI, under the page CSP, not framable, not cached', async () => {
      const s = await setup();
      const res = await authorize(s, { response_type: 'code id_token', response_mode: 'form_post', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' });
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^text\/html/);
      expect(res.headers.get('cache-control')).to.equal('no-store');
      expect(res.headers.get('x-frame-options')).to.equal('DENY');
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).to.include("frame-ancestors 'none'");
      const html = await res.text();
      expect(html).to.match(new RegExp(`<form id="response" method="post" action="${CB.replace(/\//g, '\\/').replace(/\./g, '\\.')}"`));
      const fields = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      expect(fields).to.include({ state: 'st', iss: t.app.config.issuer });
      expect(fields.code).to.be.a('string');
      expect((await verify(fields.id_token, s)).c_hash).to.equal(tokenHash(fields.code, 'RS256'));
      // The one script carries the response's CSP nonce; without scripts, a button submits the form.
      const nonce = /<script nonce="([^"]+)">/.exec(html)![1];
      expect(csp).to.include(`'nonce-${nonce}'`);
      expect(html).to.match(/<noscript>.*<button type="submit">/s);
    });

    it('form_post carries errors the same way', async () => {
      const s = await setup();
      const res = await authorize(s, { response_type: 'id_token', response_mode: 'form_post', nonce: '' });
      expect(res.status).to.equal(200);
      const html = await res.text();
      expect(html).to.include('name="error" value="invalid_request"');
      expect(html).to.include('name="state" value="st"');
    });
  });

  it('through the consent page, the response type and mode are kept', async () => {
    const s = await setup({ skipAuthorization: false });
    const loc = await authorizeThroughConsent(s.browser, { response_type: 'id_token token', client_id: s.client.clientId, redirect_uri: CB, scope: 'openid', state: 'st', nonce: 'n', response_mode: 'fragment' });
    const fragment = new URLSearchParams(loc.hash.slice(1));
    expect(fragment.get('access_token')).to.be.a('string');
    expect((await verify(fragment.get('id_token')!, s)).nonce).to.equal('n');
  });
  it('a response whose redirect would pass 12 KB (a near-limit state and an ID Token full of long profile claims) is refused on a page, never a Location the client cannot read (attacker read 10, F5)', async () => {
    const s = await setup();
    const long = 'é'.repeat(250);
    await t.app.stores.users.updateProfile(s.user.id, { profile: { name: long, given_name: long, family_name: long, middle_name: long, nickname: long, profile: `https://example.com/${'p'.repeat(230)}`, website: `https://example.com/${'w'.repeat(230)}`, locale: 'fr-FR' } as never, email: 'ann@example.com', emailVerified: true, updatedAt: Date.now() });
    const res = await authorize(s, { response_type: 'id_token', scope: 'openid profile', state: 'a'.repeat(9_000) });
    expect(res.headers.get('location')?.length ?? 0, 'the Location').to.be.at.most(12_000);
    expect(res.status).to.equal(400);
    expect(await res.text()).to.include('form_post');
  });
  // Second read 11, #6: the state's length rule is a redirect's; form_post, the mode the refusal names, carries any.
  it('a state too long for a redirect goes back whole with response_mode=form_post', async () => {
    const s = await setup();
    const state = 'a'.repeat(11_800);
    const res = await authorize(s, { response_type: 'id_token', response_mode: 'form_post', state });
    expect(res.status, 'the form_post page').to.equal(200);
    const html = await res.text();
    expect(html).to.include(`name="state" value="${state}"`);
    expect(html).to.match(/name="id_token" value="[\w-]+\.[\w-]+\.[\w-]+"/);
  });
});
