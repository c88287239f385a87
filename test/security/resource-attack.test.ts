import { expect } from 'chai';
import Koa from 'koa';
import { createTestApp, serveKoa, type TestServer } from '../helpers.ts';
import { actors, gql } from '../graphql/gql-helpers.ts';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { authorizeThroughConsent, codeFlowSetup, pkcePair, postForm } from '../oauth-helpers.ts';
import { scopeDescriptions } from '../../src/oauth2/scope.ts';

const CREATE = 'mutation($input: ResourceServerInput!) { createResourceServer(input: $input) { id identifier } }';
const UPDATE = 'mutation($id: ID!, $input: ResourceServerInput!) { updateResourceServer(id: $id, input: $input) { id identifier } }';

describe('Security: RFC 8707 resource indicators and RFC 9728 resource metadata under attack', () => {
  let srv: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  before(async () => {
    srv = await createTestApp({ scopes: { ...scopeDescriptions(), 'rs:x': 'Use X' } });
    a = await actors(srv);
  });
  after(() => srv.close());

  /** A token for resource X, minted by the password grant of an admin-configured client (every scope X takes). */
  async function foreignToken(scope: string): Promise<string> {
    const made = await a.admin(CREATE, { input: { identifier: `https://x${Math.random().toString(36).slice(2, 8)}.example/api`, name: 'X', scopes: scope.split(' ') } });
    expect(made.errors).to.equal(undefined);
    const { client, clientSecret } = await srv.app.seed.client({ owner: a.root, grantTypes: ['password'], allowedScopes: scope.split(' ') });
    const res = await postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: 'root', password: a.root.password, scope, resource: made.data.createResourceServer.identifier }, { id: client.clientId, secret: clientSecret! });
    expect(res.status).to.equal(200);
    return (await res.json()).access_token;
  }

  describe('F1: a token for a foreign audience is refused by every one of Gatehouse\'s own endpoints', () => {
    it('introspection in bearer mode (RFC 7662 §2.1 + RFC 8707): 401 invalid_token, nothing learnt', async () => {
      const token = await foreignToken('introspection');
      const res = await fetch(`${srv.url}/o/introspect/`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }) });
      expect(res.status).to.equal(401);
      expect(res.headers.get('www-authenticate')).to.match(/^Bearer /).and.match(/error="invalid_token"/);
      expect((await res.json()).active).to.equal(undefined);
    });

    it('the GraphQL admin API: UNAUTHENTICATED with a challenge, even for an administrator\'s admin-scoped token', async () => {
      const token = await foreignToken('admin read');
      const r = await gql(srv.url, token)('{ resourceServers { id } }');
      expect(r.status).to.equal(401);
      expect(r.errors?.[0]?.extensions?.code).to.equal('UNAUTHENTICATED');
    });

    it('UserInfo and requireToken({ resource }) of another resource: invalid_token', async () => {
      const token = await foreignToken('openid read');
      const ui = await fetch(`${srv.url}/o/userinfo/`, { headers: { authorization: `Bearer ${token}` } });
      expect(ui.status).to.equal(401);
      expect(ui.headers.get('www-authenticate')).to.match(/error="invalid_token"/);
      const koa = new Koa();
      koa.use(async (ctx, next) => { try { await next(); } catch (e) { const err = e as { status: number; headers?: Record<string, string>; error: string }; ctx.status = err.status; ctx.set(err.headers ?? {}); ctx.body = { error: err.error }; } });
      koa.use(srv.app.requireToken({ resource: 'https://other.example/api' }));
      koa.use((ctx) => { ctx.body = 'secret'; });
      const server = await serveKoa(koa);
      try {
        const res = await fetch(server.base, { headers: { authorization: `Bearer ${token}` } });
        expect(res.status).to.equal(401);
        expect((await res.json()).error).to.equal('invalid_token');
      } finally { server.close(); }
    });

    it('a revoked token of the issuer\'s own audience is refused by introspection\'s bearer mode and GraphQL alike', async () => {
      const { client, clientSecret } = await srv.app.seed.client({ owner: a.root, grantTypes: ['password'], allowedScopes: ['introspection', 'admin'] });
      const auth = { id: client.clientId, secret: clientSecret! };
      const token = (await (await postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: 'root', password: a.root.password, scope: 'introspection admin' }, auth)).json()).access_token;
      const introspect = () => fetch(`${srv.url}/o/introspect/`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }) });
      expect((await introspect()).status).to.equal(200);
      expect((await gql(srv.url, token)('{ resourceServers { id } }')).errors).to.equal(undefined);
      expect((await postForm(`${srv.url}/o/revoke_token/`, { token }, auth)).status).to.equal(200);
      expect((await introspect()).status).to.equal(401);
      expect((await gql(srv.url, token)('{ resourceServers { id } }')).status).to.equal(401);
    });
  });

  describe('F2: resource identifiers are absolute http(s) URIs without query or fragment; challenges are escaped', () => {
    for (const identifier of ['https://rs.example/api?tenant=1', 'https://rs.example/api?', 'ftp://rs.example/', 'urn:example:rs', 'javascript:alert(1)', 'https://rs.example/a#b', 'https://user:pw@rs.example/']) {
      it(`creating a resource server ${JSON.stringify(identifier)} is BAD_USER_INPUT on identifier`, async () => {
        const r = await a.admin(CREATE, { input: { identifier, name: 'bad', scopes: [] } });
        expect(r.errors?.[0]?.extensions?.code).to.equal('BAD_USER_INPUT');
        expect(r.errors![0].extensions.fields.map((f: { path: string[] }) => f.path.at(-1))).to.include('identifier');
      });
    }

    it('updating a resource server to an identifier with a query is BAD_USER_INPUT too', async () => {
      const made = await a.admin(CREATE, { input: { identifier: 'https://upd.example/', name: 'u', scopes: [] } });
      const r = await a.admin(UPDATE, { id: made.data.createResourceServer.id, input: { identifier: 'https://upd.example/?q', name: 'u', scopes: [] } });
      expect(r.errors?.[0]?.extensions?.code).to.equal('BAD_USER_INPUT');
    });

    it('a resource server\'s own Koa app cannot be protected or described under such an identifier', () => {
      for (const resource of ['https://rs.example/api?x=1', 'urn:example:rs', 'https://rs.example/#f']) {
        expect(() => srv.app.requireToken({ resource }), resource).to.throw(/RFC 8707|RFC 9728/);
        expect(() => srv.app.protectedResourceMetadata({ resource }), resource).to.throw(/RFC 9728/);
      }
    });

    it('RFC 6750 §3: quotes, backslashes and CR/LF in challenge values never break out of their auth-param', async () => {
      const koa = new Koa();
      koa.use(async (ctx, next) => { try { await next(); } catch (e) { const err = e as { status: number; headers?: Record<string, string> }; ctx.status = err.status ?? 500; ctx.set(err.headers ?? {}); ctx.body = {}; } });
      koa.use(srv.app.requireToken({ realm: 'a"b\\c\r\nX-Injected: 1', resource: 'https://rs.example/api', resourceMetadata: 'https://rs.example/m", error="evil\r\nX-Injected: 2' }));
      const server = await serveKoa(koa);
      try {
        const { base } = server;
        for (const headers of [{}, { authorization: 'Bearer unknown-token' }] as Record<string, string>[]) {
          const res = await fetch(base, { headers });
          expect(res.status).to.equal(401);
          expect(res.headers.get('x-injected')).to.equal(null);
          const challenge = res.headers.get('www-authenticate')!;
          // auth-params: token=quoted-string, each quoted-string well formed (RFC 7230 §3.2.6).
          // Without a token, Bearer's then DPoP's challenge (RFC 9449 §7.1), each of such auth-params.
          expect(challenge).to.match(/^Bearer (?:[a-z_]+="(?:[^"\\\r\n]|\\.)*"(?:, |$))+(?:DPoP (?:[a-z_]+="(?:[^"\\\r\n]|\\.)*"(?:, |$))+)?$/);
          expect(challenge.match(/error="/g)?.length ?? 0).to.be.at.most(1);
          expect(challenge).to.not.match(/error="evil/);
        }
      } finally { server.close(); }
    });
  });

  describe('F3: the metadata routes follow RFC 9728 §3.1 whatever the issuer path', () => {
    it('an issuer path with route syntax (:param) serves exactly its own metadata URL, nothing else', async () => {
      const s = await createTestApp({ issuer: 'http://127.0.0.1/tenant/:id' });
      try {
        const own = await fetch(`${s.url}/.well-known/oauth-protected-resource/tenant/:id`);
        expect(own.status).to.equal(200);
        expect((await own.json()).resource).to.equal('http://127.0.0.1/tenant/:id');
        for (const other of ['/.well-known/oauth-protected-resource/tenant/other', '/.well-known/oauth-protected-resource/tenant/x']) {
          expect((await fetch(`${s.url}${other}`)).status, other).to.equal(404);
        }
      } finally { await s.close(); }
    });

    it('an issuer path with pattern characters ((, *, +) still starts and serves its metadata', async () => {
      const s = await createTestApp({ issuer: 'http://127.0.0.1/a(b)*c+' });
      try {
        const res = await fetch(`${s.url}/.well-known/oauth-protected-resource/a(b)*c+`);
        expect(res.status).to.equal(200);
        expect((await res.json()).resource).to.equal('http://127.0.0.1/a(b)*c+');
        expect((await fetch(`${s.url}/.well-known/oauth-protected-resource/abbbc`)).status).to.equal(404);
      } finally { await s.close(); }
    });
  });

  describe('F4: RFC 8707 §2 — several resources are repeated parameters, never one value split on whitespace', () => {
    it('resource="https://a https://b" is invalid_target, not two resources', async () => {
      await a.admin(CREATE, { input: { identifier: 'https://ra.example/', name: 'a', scopes: ['read'] } });
      await a.admin(CREATE, { input: { identifier: 'https://rb.example/', name: 'b', scopes: ['read'] } });
      const { client, clientSecret } = await srv.app.seed.client({ owner: a.root, grantTypes: ['client_credentials'], allowedScopes: ['read'] });
      const auth = { id: client.clientId, secret: clientSecret! };
      for (const resource of ['https://ra.example/ https://rb.example/', 'https://ra.example/\thttps://rb.example/', ' https://ra.example/', 'https://ra.example/\n']) {
        const res = await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials', scope: 'read', resource }, auth);
        expect(res.status, JSON.stringify(resource)).to.equal(400);
        expect((await res.json()).error).to.equal('invalid_target');
      }
      // Repeated parameters are the way to name two.
      const body = new URLSearchParams([['grant_type', 'client_credentials'], ['scope', 'read'], ['resource', 'https://ra.example/'], ['resource', 'https://rb.example/']]);
      const ok = await fetch(`${srv.url}/o/token/`, { method: 'POST', body, headers: { authorization: `Basic ${Buffer.from(`${auth.id}:${auth.secret}`).toString('base64')}` } });
      expect(ok.status).to.equal(200);
      const info = await (await postForm(`${srv.url}/o/introspect/`, { token: (await ok.json()).access_token }, auth)).json();
      expect(info.aud).to.deep.equal(['https://ra.example/', 'https://rb.example/']);
    });

    it('a repeated value that is itself no absolute URI is invalid_target', async () => {
      const { client, clientSecret } = await srv.app.seed.client({ owner: a.root, grantTypes: ['client_credentials'], allowedScopes: ['read'] });
      const body = new URLSearchParams([['grant_type', 'client_credentials'], ['resource', 'https://ra.example/'], ['resource', 'relative/path']]);
      const res = await fetch(`${srv.url}/o/token/`, { method: 'POST', body, headers: { authorization: `Basic ${Buffer.from(`${client.clientId}:${clientSecret}`).toString('base64')}` } });
      expect(res.status).to.equal(400);
      expect((await res.json()).error).to.equal('invalid_target');
    });
  });

  describe('F4 through a signed request object (RFC 9101): the same rule', () => {
    it('"resource": "https://a https://b" is invalid_target; an array names two resources', async () => {
      for (const [id, scopes] of [['https://ja.example/', ['read']], ['https://jb.example/', ['read']]] as const) await a.admin(CREATE, { input: { identifier: id, name: id, scopes } });
      const pair = await generateKeyPair('ES256', { extractable: true });
      const jwks = { keys: [{ ...await exportJWK(pair.publicKey), kid: 'k1', alg: 'ES256', use: 'sig' }] };
      const setup = await codeFlowSetup(srv, { jwks, requestObjectSigningAlg: 'ES256' });
      const sign = (resource: unknown) => new SignJWT({ response_type: 'code', client_id: setup.client.clientId, redirect_uri: 'https://client.example.com/cb', scope: 'read', state: 's', code_challenge: pkcePair().challenge, code_challenge_method: 'S256', resource })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(setup.client.clientId).setAudience(srv.app.config.issuer).setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000) + 120).sign(pair.privateKey);
      const joined = await authorizeThroughConsent(setup.browser, { client_id: setup.client.clientId, request: await sign('https://ja.example/ https://jb.example/') });
      expect(joined.searchParams.get('error')).to.equal('invalid_target');
      const both = await authorizeThroughConsent(setup.browser, { client_id: setup.client.clientId, request: await sign(['https://ja.example/', 'https://jb.example/']) });
      expect(both.searchParams.get('error')).to.equal(null);
      expect(both.searchParams.get('code')).to.be.a('string');
    });
  });

  describe('F5: concurrent creates and updates with one identifier', () => {
    it('20 concurrent creates: one success, the rest clean CONFLICT/BAD_USER_INPUT errors, one row', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => a.admin(CREATE, { input: { identifier: 'https://race.example/', name: `r${i}`, scopes: [] } })));
      const ok = results.filter((r) => !r.errors);
      expect(ok).to.have.length(1);
      for (const r of results.filter((x) => x.errors)) expect(r.errors![0].extensions?.code).to.be.oneOf(['CONFLICT', 'BAD_USER_INPUT']);
      const rows = (await a.admin('{ resourceServers(first: 100) { identifier } }')).data.resourceServers.filter((r: { identifier: string }) => r.identifier === 'https://race.example/');
      expect(rows).to.have.length(1);
    });

    it('20 concurrent updates of different servers to one identifier: one success, clean errors, one row', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) ids.push((await a.admin(CREATE, { input: { identifier: `https://u${i}.race.example/`, name: `u${i}`, scopes: [] } })).data.createResourceServer.id);
      const results = await Promise.all(ids.map((id, i) => a.admin(UPDATE, { id, input: { identifier: 'https://same.race.example/', name: `u${i}`, scopes: [] } })));
      expect(results.filter((r) => !r.errors)).to.have.length(1);
      for (const r of results.filter((x) => x.errors)) expect(r.errors![0].extensions?.code).to.be.oneOf(['CONFLICT', 'BAD_USER_INPUT']);
      const rows = (await a.admin('{ resourceServers(first: 100) { identifier } }')).data.resourceServers.filter((r: { identifier: string }) => r.identifier === 'https://same.race.example/');
      expect(rows).to.have.length(1);
    });
  });
});
