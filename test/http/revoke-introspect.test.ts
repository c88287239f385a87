import { expect } from 'chai';
import Koa from 'koa';
import { createTestApp, type TestServer } from '../helpers.ts';
import { bothChallenges, codeFlowSetup, getCode, postForm } from '../oauth-helpers.ts';

describe('RFC 7009 revocation, RFC 7662 introspection, RFC 6750 protected resources', () => {
  let srv: TestServer;
  let rs: { id: string; secret: string };
  beforeEach(async () => {
    srv = await createTestApp();
    const owner = await srv.app.seed.user({ username: 'rs-owner' });
    const { client, clientSecret } = await srv.app.seed.client({ owner, name: 'Resource server', grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read', 'introspection'] });
    rs = { id: client.clientId, secret: clientSecret! };
  });
  afterEach(() => srv.close());

  async function issued(scope = 'read write') {
    const s = await codeFlowSetup(srv);
    const { code, verifier } = await getCode(s, { scope });
    const body = await (await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example.com/cb', code_verifier: verifier }, s.auth)).json();
    return { s, body };
  }
  const introspect = async (token: string, auth: { id: string; secret: string } | null = rs, extra: Record<string, string> = {}) =>
    postForm(`${srv.url}/o/introspect/`, { token, ...extra }, auth ?? undefined);

  describe('RFC 7662 introspection', () => {
    it('describes an active token with every member (§2.2) and no-store', async () => {
      const { s, body } = await issued();
      const res = await introspect(body.access_token);
      expect(res.status).to.equal(200);
      expect(res.headers.get('cache-control')).to.equal('no-store');
      const info = await res.json();
      expect(info).to.include({ active: true, scope: 'read write', client_id: s.client.clientId, username: s.user.username, token_type: 'Bearer', sub: String(s.user.id), iss: srv.app.config.issuer });
      expect(info.exp - info.iat).to.equal(3600);
      const refresh = await (await introspect(body.refresh_token, rs, { token_type_hint: 'refresh_token' })).json();
      expect(refresh.active).to.equal(true);
    });

    it('answers {"active": false} for unknown tokens', async () => {
      expect(await (await introspect('nope')).json()).to.deep.equal({ active: false });
    });

    it('refuses unauthenticated callers with 401', async () => {
      const res = await introspect('x', null);
      expect(res.status).to.equal(401);
      expect((await res.json()).error).to.equal('invalid_client');
    });

    it('accepts a bearer token with the introspection scope, and refuses one without it', async () => {
      const { body } = await issued();
      const cc = await (await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials', scope: 'introspection' }, rs)).json();
      const ok = await fetch(`${srv.url}/o/introspect/`, { method: 'POST', headers: { authorization: `Bearer ${cc.access_token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: body.access_token }) });
      expect((await ok.json()).active).to.equal(true);
      const bad = await fetch(`${srv.url}/o/introspect/`, { method: 'POST', headers: { authorization: `Bearer ${body.access_token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: body.access_token }) });
      expect(bad.status).to.equal(401);
    });
  });

  describe('RFC 7009 revocation', () => {
    it('revokes an access token: introspection says inactive at once and the API refuses it', async () => {
      const { s, body } = await issued();
      const res = await postForm(`${srv.url}/o/revoke_token/`, { token: body.access_token, token_type_hint: 'access_token' }, s.auth);
      expect(res.status).to.equal(200);
      expect((await (await introspect(body.access_token)).json()).active).to.equal(false);
      expect((await fetch(`${srv.url}/api/hello`, { headers: { authorization: `Bearer ${body.access_token}` } })).status).to.equal(401);
      expect((await (await introspect(body.refresh_token)).json()).active).to.equal(true);
    });

    it('revoking a refresh token revokes its access tokens too, whatever the (wrong) hint says', async () => {
      const { s, body } = await issued();
      const res = await postForm(`${srv.url}/o/revoke_token/`, { token: body.refresh_token, token_type_hint: 'access_token' }, s.auth);
      expect(res.status).to.equal(200);
      expect((await (await introspect(body.refresh_token)).json()).active).to.equal(false);
      expect((await (await introspect(body.access_token)).json()).active).to.equal(false);
    });

    it('answers 200 without effect for unknown tokens (RFC 7009 §2.2)', async () => {
      expect((await postForm(`${srv.url}/o/revoke_token/`, { token: 'unknown' }, rs)).status).to.equal(200);
    });

    it("refuses another client's token with 400 invalid_grant and leaves it active, live or not: no oracle of a token's state (RFC 7009 §2.1: ownership is checked first)", async () => {
      const { s, body } = await issued();
      const answers = [];
      for (const [token, hint] of [[body.access_token, 'access_token'], [body.refresh_token, 'refresh_token'], [body.access_token, undefined]] as const) {
        const res = await postForm(`${srv.url}/o/revoke_token/`, { token, ...(hint ? { token_type_hint: hint } : {}) }, rs);
        expect(res.status).to.equal(400);
        const err = await res.json();
        expect(err.error).to.equal('invalid_grant');
        answers.push(err);
      }
      // One answer whatever the token and hint: nothing in it tells them apart.
      expect(answers[1]).to.deep.equal(answers[0]);
      expect(answers[2]).to.deep.equal(answers[0]);
      expect((await (await introspect(body.access_token)).json()).active).to.equal(true);
      expect((await (await introspect(body.refresh_token)).json()).active).to.equal(true);
      expect((await postForm(`${srv.url}/o/revoke_token/`, { token: body.refresh_token }, s.auth)).status).to.equal(200);
      // Revoked now, and still refused to another client: its answer must not tell a thief whether a token it holds
      // was rotated or revoked (attacker read 9).
      for (const token of [body.access_token, body.refresh_token]) expect((await postForm(`${srv.url}/o/revoke_token/`, { token }, rs)).status).to.equal(400);
    });

    it('requires client authentication (401) and a token parameter (400)', async () => {
      const { s, body } = await issued();
      expect((await postForm(`${srv.url}/o/revoke_token/`, { token: body.access_token })).status).to.equal(401);
      const res = await postForm(`${srv.url}/o/revoke_token/`, {}, s.auth);
      expect(res.status).to.equal(400);
      expect((await res.json()).error).to.equal('invalid_request');
    });
  });

  describe('RFC 6750 bearer tokens on /api/hello and /api/verify', () => {
    it('answers a request without a token with 401 and Bearer and DPoP challenges without error (RFC 9728 §5.1: where its metadata is; RFC 9449 §7.1)', async () => {
      const res = await fetch(`${srv.url}/api/hello`);
      expect(res.status).to.equal(401);
      expect(res.headers.get('www-authenticate')).to.equal(bothChallenges(`realm="gatehouse", resource_metadata="${srv.app.config.issuer}/.well-known/oauth-protected-resource"`));
    });

    it('answers a bad token with 401 invalid_token', async () => {
      const res = await fetch(`${srv.url}/api/hello`, { headers: { authorization: 'Bearer nope' } });
      expect(res.status).to.equal(401);
      expect(res.headers.get('www-authenticate')).to.match(/^Bearer realm="gatehouse", error="invalid_token"/);
      expect((await res.json()).error).to.equal('invalid_token');
    });

    it('serves the tutorial views with a valid token from the header or the form body', async () => {
      const { s, body } = await issued();
      const hello = await fetch(`${srv.url}/api/hello`, { headers: { authorization: `Bearer ${body.access_token}` } });
      expect(hello.status).to.equal(200);
      expect((await hello.json()).message).to.equal('Hello, OAuth2!');
      const verify = await postForm(`${srv.url}/api/verify`, { access_token: body.access_token });
      expect(await verify.json()).to.include({ user: s.user.username });
    });

    it('refuses tokens in the query string unless enabled, and two token methods at once', async () => {
      const { body } = await issued();
      expect((await fetch(`${srv.url}/api/hello?access_token=${body.access_token}`)).status).to.equal(401);
      const both = await fetch(`${srv.url}/api/verify`, { method: 'POST', headers: { authorization: `Bearer ${body.access_token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ access_token: body.access_token }) });
      expect(both.status).to.equal(400);
      expect((await both.json()).error).to.equal('invalid_request');
    });

    it('exports requireToken({ scopes }) for resource routes: 403 insufficient_scope with the needed scope', async () => {
      const { body } = await issued('read');
      const api = new Koa();
      api.use(async (ctx, next) => { try { await next(); } catch (e) { const err = e as { status: number; error: string; headers: Record<string, string> }; ctx.status = err.status; ctx.set(err.headers); ctx.body = { error: err.error }; } });
      api.use(srv.app.requireToken({ scopes: ['write'] }));
      api.use((ctx) => { ctx.body = 'written'; });
      const server = api.listen(0);
      try {
        const port = (server.address() as { port: number }).port;
        const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { authorization: `Bearer ${body.access_token}` } });
        expect(res.status).to.equal(403);
        expect(res.headers.get('www-authenticate')).to.match(/error="insufficient_scope".*scope="write"/);
      } finally { server.close(); }
    });
    it('requireToken({ allowQuery: true }) accepts a token in the query (RFC 6750 §2.3), but not there and in the header at once', async () => {
      const { body } = await issued('read');
      const api = new Koa();
      api.use(async (ctx, next) => { try { await next(); } catch (e) { const err = e as { status: number; error: string }; ctx.status = err.status; ctx.body = { error: err.error }; } });
      api.use(srv.app.requireToken({ allowQuery: true }));
      api.use((ctx) => { ctx.body = { user: ctx.state.token.username }; });
      const server = api.listen(0);
      try {
        const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
        const query = await fetch(`${base}?access_token=${body.access_token}`);
        expect(query.status).to.equal(200);
        const both = await fetch(`${base}?access_token=${body.access_token}`, { headers: { authorization: `Bearer ${body.access_token}` } });
        expect(both.status).to.equal(400);
        expect((await both.json()).error).to.equal('invalid_request');
        expect((await fetch(`${base}?other=1`)).status).to.equal(401);
      } finally { server.close(); }
    });
  });

  describe('authorized applications (/o/authorized_tokens/)', () => {
    it('lists the granted application and revoking it revokes every token under it', async () => {
      const { s, body } = await issued();
      const list = await (await s.browser.get('/o/authorized_tokens/')).text();
      expect(list).to.include('data-testid="grant"');
      const id = /\/o\/authorized_tokens\/(\d+)\/delete\//.exec(list)![1];
      const token = await s.browser.csrf(`/o/authorized_tokens/${id}/delete/`);
      const res = await s.browser.post(`/o/authorized_tokens/${id}/delete/`, { csrfmiddlewaretoken: token });
      expect(res.status).to.equal(302);
      expect((await (await introspect(body.access_token)).json()).active).to.equal(false);
      expect((await (await introspect(body.refresh_token)).json()).active).to.equal(false);
      expect(await (await s.browser.get('/o/authorized_tokens/')).text()).not.to.include('data-testid="grant"');
    });

    it("keeps another user's grant out of reach (404)", async () => {
      const { s } = await issued();
      const other = await codeFlowSetup(srv);
      const list = await (await s.browser.get('/o/authorized_tokens/')).text();
      const id = /\/o\/authorized_tokens\/(\d+)\/delete\//.exec(list)![1];
      expect((await other.browser.get(`/o/authorized_tokens/${id}/delete/`)).status).to.equal(404);
    });
  });

  describe('RFC 8414 metadata and CORS', () => {
    it('publishes the issuer and every endpoint, grant, auth method and PKCE method', async () => {
      const m = await (await fetch(`${srv.url}/.well-known/oauth-authorization-server`)).json();
      expect(m.issuer).to.equal(srv.app.config.issuer);
      expect(m.token_endpoint).to.equal(`${srv.app.config.issuer}/o/token/`);
      expect(m.grant_types_supported).to.include.members(['authorization_code', 'refresh_token', 'password', 'client_credentials', 'implicit']);
      expect(m.code_challenge_methods_supported).to.deep.equal(['S256']);
      expect(m.authorization_response_iss_parameter_supported).to.equal(true);
    });

    it('allows an origin an application registered, and no other', async () => {
      const owner = await srv.app.seed.user({ username: 'spa-owner' });
      await srv.app.seed.client({ owner, clientType: 'public', redirectUris: ['https://spa.example/cb'], allowedOrigins: ['https://spa.example'] });
      const pre = await fetch(`${srv.url}/o/token/`, { method: 'OPTIONS', headers: { origin: 'https://spa.example', 'access-control-request-method': 'POST' } });
      expect(pre.headers.get('access-control-allow-origin')).to.equal('https://spa.example');
      const other = await fetch(`${srv.url}/o/token/`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
      expect(other.headers.get('access-control-allow-origin')).to.equal(null);
    });
  });
});
