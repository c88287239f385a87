import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Browser, createTestApp, testIdValue, type TestServer } from '../helpers.ts';
import { issueInitialAccessToken } from '../../src/oauth2/dynamic-registration.ts';
import { actors } from '../graphql/gql-helpers.ts';

type Json = Record<string, any>;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

async function post(t: TestServer, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.url}/o/register`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { res, body: (res.status === 204 ? {} : await res.json()) as Json };
}
async function call(t: TestServer, method: string, uri: string, token: string | null, body?: unknown) {
  const res = await fetch(uri, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { res, body: (res.status === 204 ? {} : await res.json()) as Json };
}
const row = async (t: TestServer, clientId: string) => (await t.app.stores.sql.all<Json>('select * from applications where client_id = ?', [clientId]))[0];

const WEB = { redirect_uris: ['https://rp.example/cb'], client_name: 'RP' };

describe('OpenID Connect Dynamic Client Registration 1.0 / RFC 7591 / RFC 7592', () => {
  describe('REGISTRATION=off (the default)', () => {
    let t: TestServer;
    before(async () => { t = await createTestApp(); });
    after(() => t.close());
    it('has no registration endpoint, and discovery lists none', async () => {
      const res = await fetch(`${t.url}/o/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(WEB) });
      expect(res.status).to.equal(404);
      const d = await (await fetch(`${t.url}/.well-known/openid-configuration`)).json() as Json;
      expect(d).to.not.have.property('registration_endpoint');
    });
  });

  describe('REGISTRATION=open', () => {
    let t: TestServer;
    let sector: Server;
    before(async () => {
      sector = createServer((_req, res) => { res.setHeader('Content-Type', 'application/json'); res.end(JSON.stringify(['https://a.example/cb', 'https://b.example/cb'])); });
      await new Promise<void>((r) => sector.listen(0, '127.0.0.1', r));
      t = await createTestApp({ registration: 'open', outboundAllowedHosts: ['127.0.0.1'], allowInsecureTransport: true, rateLimit: { registrationsPerSource: 10_000 } });
    });
    after(async () => { await t.close(); sector.close(); });

    it('Discovery §3 and RFC 8414 §2: registration_endpoint in both documents', async () => {
      for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
        const d = await (await fetch(t.url + path)).json() as Json;
        expect(d.registration_endpoint, path).to.equal(`${t.app.config.issuer}/o/register`);
      }
    });

    it('RFC 7591 §3.2.1: 201 with client_id, secret, registration access token and URI, and the metadata as registered', async () => {
      const { res, body } = await post(t, {
        ...WEB, post_logout_redirect_uris: ['https://rp.example/bye'], backchannel_logout_uri: 'https://rp.example/bc', backchannel_logout_session_required: true,
        frontchannel_logout_uri: 'https://rp.example/fc', frontchannel_logout_session_required: true, id_token_signed_response_alg: 'ES256',
        userinfo_signed_response_alg: 'RS256', scope: 'openid profile', application_type: 'web', logo_uri: 'https://rp.example/logo.png',
      });
      expect(res.status).to.equal(201);
      expect(res.headers.get('cache-control')).to.equal('no-store');
      expect(body.client_id).to.be.a('string');
      expect(body.client_secret).to.be.a('string');
      expect(body.client_secret_expires_at).to.equal(0);
      expect(body.client_id_issued_at).to.be.a('number');
      expect(body.registration_access_token).to.be.a('string');
      expect(body.registration_client_uri).to.equal(`${t.app.config.issuer}/o/register/${body.client_id}`);
      expect(body).to.include({ client_name: 'RP', token_endpoint_auth_method: 'client_secret_basic', id_token_signed_response_alg: 'ES256', userinfo_signed_response_alg: 'RS256', subject_type: 'public', scope: 'openid profile' });
      expect(body).to.include({ backchannel_logout_uri: 'https://rp.example/bc', backchannel_logout_session_required: true, frontchannel_logout_uri: 'https://rp.example/fc', frontchannel_logout_session_required: true });
      expect(body.redirect_uris).to.deep.equal(['https://rp.example/cb']);
      expect(body.post_logout_redirect_uris).to.deep.equal(['https://rp.example/bye']);
      expect(body.response_types).to.deep.equal(['code']);
      expect(body.grant_types).to.include('authorization_code');
      // RFC 7591 §2: metadata the server does not understand is ignored, not stored.
      expect(body).to.not.have.property('logo_uri');
      const r = await row(t, body.client_id);
      expect(r.registered).to.equal('dynamic');
      expect(r.skip_authorization).to.be.oneOf([0, false]);
      // Secrets at rest: the registration access token as SHA-256 (as every token), the client secret as an HMAC.
      expect(r.registration_token_hash).to.equal(sha256(body.registration_access_token));
      expect(r.secret_hash).to.not.include(body.client_secret);
    });

    it('token_endpoint_auth_method none registers a public client without a secret', async () => {
      const { res, body } = await post(t, { ...WEB, token_endpoint_auth_method: 'none', application_type: 'native', redirect_uris: ['http://127.0.0.1/cb'] });
      expect(res.status).to.equal(201);
      expect(body).to.not.have.property('client_secret');
      expect(body.token_endpoint_auth_method).to.equal('none');
      expect((await row(t, body.client_id)).client_type).to.equal('public');
    });

    it('subject_type pairwise with a sector_identifier_uri whose document lists the redirect URIs', async () => {
      const port = (sector.address() as AddressInfo).port;
      const { res, body } = await post(t, { redirect_uris: ['https://a.example/cb', 'https://b.example/cb'], subject_type: 'pairwise', sector_identifier_uri: `http://127.0.0.1:${port}/sector` });
      expect(res.status, JSON.stringify(body)).to.equal(201);
      expect(body.subject_type).to.equal('pairwise');
      const bad = await post(t, { redirect_uris: ['https://c.example/cb'], subject_type: 'pairwise', sector_identifier_uri: `http://127.0.0.1:${port}/sector` });
      expect(bad.body.error).to.equal('invalid_client_metadata');
    });

    const refusals: [string, Json, string][] = [
      ['no redirect_uris for the code flow', { client_name: 'x' }, 'invalid_redirect_uri'],
      ['a redirect URI with a fragment', { redirect_uris: ['https://rp.example/cb#x'] }, 'invalid_redirect_uri'],
      ['a relative redirect URI', { redirect_uris: ['/cb'] }, 'invalid_redirect_uri'],
      ['redirect_uris not an array', { redirect_uris: 'https://rp.example/cb' }, 'invalid_client_metadata'],
      ['an empty jwks', { ...WEB, jwks: { keys: [] } }, 'invalid_client_metadata'],
      ['a jwks_uri with a fragment', { ...WEB, jwks_uri: 'https://rp.example/jwks#k' }, 'invalid_client_metadata'],
      ['both jwks and jwks_uri', { ...WEB, jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }] }, jwks_uri: 'https://rp.example/jwks' }, 'invalid_client_metadata'],
      ['private_key_jwt without keys (Core §9)', { ...WEB, token_endpoint_auth_method: 'private_key_jwt' }, 'invalid_client_metadata'],
      ['token_endpoint_auth_signing_alg none', { ...WEB, token_endpoint_auth_method: 'client_secret_jwt', token_endpoint_auth_signing_alg: 'none' }, 'invalid_client_metadata'],
      ['a request_uri with a fragment', { ...WEB, request_uris: ['https://rp.example/req.jwt#x'] }, 'invalid_client_metadata'],
      ['an unknown grant type', { ...WEB, grant_types: ['urn:example:nope'] }, 'invalid_client_metadata'],
      ['an unknown response type', { ...WEB, response_types: ['code nope'] }, 'invalid_client_metadata'],
      ['id_token_signed_response_alg none', { ...WEB, id_token_signed_response_alg: 'none' }, 'invalid_client_metadata'],
      ['userinfo_signed_response_alg HS256', { ...WEB, userinfo_signed_response_alg: 'HS256' }, 'invalid_client_metadata'],
      ['an unknown subject_type', { ...WEB, subject_type: 'secret' }, 'invalid_client_metadata'],
      ['an unknown scope', { ...WEB, scope: 'openid nope' }, 'invalid_client_metadata'],
      ['an unknown application_type', { ...WEB, application_type: 'tv' }, 'invalid_client_metadata'],
      ['a post_logout_redirect_uri with a fragment', { ...WEB, post_logout_redirect_uris: ['https://rp.example/#x'] }, 'invalid_client_metadata'],
      ['a backchannel_logout_uri with a fragment', { ...WEB, backchannel_logout_uri: 'https://rp.example/bc#x' }, 'invalid_client_metadata'],
      ['a frontchannel_logout_uri on another origin', { ...WEB, frontchannel_logout_uri: 'https://evil.example/fc' }, 'invalid_client_metadata'],
      ['backchannel_logout_session_required as text', { ...WEB, backchannel_logout_uri: 'https://rp.example/bc', backchannel_logout_session_required: 'yes' }, 'invalid_client_metadata'],
      ['client_name too long', { ...WEB, client_name: 'x'.repeat(300) }, 'invalid_client_metadata'],
      ['a sector_identifier_uri over http in production terms (fragment)', { ...WEB, subject_type: 'pairwise', sector_identifier_uri: 'https://rp.example/s#x' }, 'invalid_client_metadata'],
      ['a software statement', { ...WEB, software_statement: 'eyJ.x.y' }, 'invalid_software_statement'],
      ['a JSON array', [WEB], 'invalid_client_metadata'],
    ];
    for (const [what, body, error] of refusals) {
      it(`RFC 7591 §3.2.2: ${what} → 400 ${error}`, async () => {
        const r = await post(t, body);
        expect(r.res.status).to.equal(400);
        expect(r.body.error).to.equal(error);
        expect(r.body.error_description).to.be.a('string');
      });
    }

    it('a body that is not JSON is refused as invalid_client_metadata', async () => {
      const res = await fetch(`${t.url}/o/register`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'redirect_uris=https://rp.example/cb' });
      expect(res.status).to.equal(400);
      expect((await res.json() as Json).error).to.equal('invalid_client_metadata');
    });

    describe('privileges: a dynamically registered client never gets what only administrators give', () => {
      const attempts: [string, Json][] = [
        ['the admin scope', { ...WEB, scope: 'openid admin' }],
        ['the introspection scope', { ...WEB, scope: 'introspection' }],
        ['the applications scope', { ...WEB, scope: 'applications' }],
        ['the implicit grant', { ...WEB, grant_types: ['implicit'], response_types: ['token'] }],
        ['the password grant', { ...WEB, grant_types: ['password'] }],
        ['implicit response type id_token', { ...WEB, grant_types: ['authorization_code', 'implicit'], response_types: ['id_token'] }],
        ['hybrid response type code id_token', { ...WEB, grant_types: ['authorization_code', 'implicit'], response_types: ['code id_token'] }],
      ];
      for (const [what, body] of attempts) {
        it(`${what} → invalid_client_metadata, nothing stored`, async () => {
          const before = (await t.app.stores.sql.all<Json>('select count(*) as n from applications'))[0].n;
          const r = await post(t, body);
          expect(r.res.status).to.equal(400);
          expect(r.body.error).to.equal('invalid_client_metadata');
          expect((await t.app.stores.sql.all<Json>('select count(*) as n from applications'))[0].n).to.equal(before);
        });
      }
      it('skip_authorization (and DOT\'s skip_authorization) is ignored', async () => {
        const r = await post(t, { ...WEB, skip_authorization: true, skipAuthorization: true });
        expect(r.res.status).to.equal(201);
        expect((await row(t, r.body.client_id)).skip_authorization).to.be.oneOf([0, false]);
      });
      it('without scope, only the unprivileged scopes are allowed', async () => {
        const r = await post(t, WEB);
        expect(r.body.scope.split(' ')).to.not.include.members(['admin']);
        expect(r.body.scope.split(' ')).to.not.include('introspection');
      });
      it('its owner is the reserved ~dynamic user, who is no administrator and cannot sign in', async () => {
        const r = await post(t, WEB);
        const owner = (await t.app.stores.sql.all<Json>('select u.username, u.is_admin, u.is_active from users u join applications a on a.owner_id = u.id where a.client_id = ?', [r.body.client_id]))[0];
        expect(owner.username).to.equal('~dynamic');
        expect(owner.is_admin).to.be.oneOf([0, false]);
        expect(owner.is_active).to.be.oneOf([0, false]);
      });
    });

    it('administrators see dynamically registered clients in the applications page, marked as such', async () => {
      const { body } = await post(t, { ...WEB, client_name: 'Dyn RP' });
      await t.app.seed.user({ username: 'root', isAdmin: true });
      const root = new Browser(t.url);
      await root.login('root', 'password-root');
      const html = await (await root.get('/o/applications/')).text();
      expect(html).to.include(body.client_id);
      expect(testIdValue(html, 'dynamic')).to.exist;
    });

    describe('RFC 7592 read, update, delete', () => {
      it('GET with the registration access token reads the metadata; wrong or missing token → 401 invalid_token', async () => {
        const { body: reg } = await post(t, WEB);
        const read = await call(t, 'GET', reg.registration_client_uri, reg.registration_access_token);
        expect(read.res.status).to.equal(200);
        expect(read.body.client_id).to.equal(reg.client_id);
        expect(read.body.redirect_uris).to.deep.equal(WEB.redirect_uris);
        expect(read.body).to.not.have.property('client_secret');
        const none = await call(t, 'GET', reg.registration_client_uri, null);
        expect(none.res.status).to.equal(401);
        expect(none.res.headers.get('www-authenticate')).to.equal('Bearer realm="gatehouse"');
        const wrong = await call(t, 'GET', reg.registration_client_uri, 'not-the-token');
        expect(wrong.res.status).to.equal(401);
        expect(wrong.body.error).to.equal('invalid_token');
        expect(wrong.res.headers.get('www-authenticate')).to.include('error="invalid_token"');
      });

      it('one client\'s token never reads, changes or deletes another client (same 401 as an unknown one)', async () => {
        const { body: a } = await post(t, WEB);
        const { body: b } = await post(t, WEB);
        for (const method of ['GET', 'PUT', 'DELETE']) {
          const r = await call(t, method, b.registration_client_uri, a.registration_access_token, method === 'PUT' ? { ...WEB, client_id: b.client_id } : undefined);
          expect(r.res.status, method).to.equal(401);
          expect(r.body.error).to.equal('invalid_token');
          const unknown = await call(t, method, `${t.url}/o/register/nobody`, a.registration_access_token, method === 'PUT' ? { ...WEB, client_id: 'nobody' } : undefined);
          expect(unknown.res.status).to.equal(401);
          expect(unknown.body).to.deep.equal(r.body);
        }
        expect(await row(t, b.client_id)).to.exist;
      });

      it('a client without a registration access token hash (registered by its owner) is not reachable through RFC 7592', async () => {
        const { body: reg } = await post(t, WEB);
        await t.app.stores.sql.run('update applications set registration_token_hash = null, registered = ? where client_id = ?', ['owner', reg.client_id]);
        t.app.stores.invalidateCaches();
        expect((await call(t, 'GET', reg.registration_client_uri, reg.registration_access_token)).res.status).to.equal(401);
      });

      it('PUT replaces the metadata (validated the same way) and rotates the registration access token', async () => {
        const { body: reg } = await post(t, { ...WEB, post_logout_redirect_uris: ['https://rp.example/bye'] });
        const put = await call(t, 'PUT', reg.registration_client_uri, reg.registration_access_token, { client_id: reg.client_id, redirect_uris: ['https://rp.example/new'], client_name: 'Renamed' });
        expect(put.res.status).to.equal(200);
        expect(put.body.client_name).to.equal('Renamed');
        expect(put.body.redirect_uris).to.deep.equal(['https://rp.example/new']);
        // Fields left out are removed (RFC 7592 §2.2).
        expect(put.body.post_logout_redirect_uris).to.deep.equal([]);
        expect(put.body.registration_access_token).to.be.a('string').and.not.equal(reg.registration_access_token);
        expect((await row(t, reg.client_id)).registration_token_hash).to.equal(sha256(put.body.registration_access_token));
        expect((await call(t, 'GET', reg.registration_client_uri, reg.registration_access_token)).res.status).to.equal(401);
        expect((await call(t, 'GET', reg.registration_client_uri, put.body.registration_access_token)).res.status).to.equal(200);
      });

      it('PUT refuses privileges, a bad redirect URI, a foreign client_id, a wrong secret, and server-owned fields', async () => {
        const { body: reg } = await post(t, WEB);
        const token = reg.registration_access_token;
        const cases: [Json, string][] = [
          [{ ...WEB, client_id: reg.client_id, scope: 'admin' }, 'invalid_client_metadata'],
          [{ ...WEB, client_id: reg.client_id, grant_types: ['password'] }, 'invalid_client_metadata'],
          [{ client_id: reg.client_id, redirect_uris: ['not a uri'] }, 'invalid_redirect_uri'],
          [{ ...WEB, client_id: 'someone-else' }, 'invalid_client_metadata'],
          [{ ...WEB, client_id: reg.client_id, client_secret: 'wrong' }, 'invalid_client_metadata'],
          [{ ...WEB, client_id: reg.client_id, registration_access_token: token }, 'invalid_client_metadata'],
        ];
        for (const [body, error] of cases) {
          const r = await call(t, 'PUT', reg.registration_client_uri, token, body);
          expect(r.res.status, JSON.stringify(body)).to.equal(400);
          expect(r.body.error).to.equal(error);
        }
        // Nothing rotated: the token still works.
        expect((await call(t, 'GET', reg.registration_client_uri, token)).res.status).to.equal(200);
        const ok = await call(t, 'PUT', reg.registration_client_uri, token, { ...WEB, client_id: reg.client_id, client_secret: reg.client_secret });
        expect(ok.res.status).to.equal(200);
      });

      it('two PUTs racing with one token: exactly one rotates it', async () => {
        const { body: reg } = await post(t, WEB);
        const results = await Promise.all([1, 2, 3].map(() => call(t, 'PUT', reg.registration_client_uri, reg.registration_access_token, { ...WEB, client_id: reg.client_id })));
        expect(results.filter((r) => r.res.status === 200)).to.have.length(1);
        expect(results.filter((r) => r.res.status === 401)).to.have.length(2);
      });

      it('DELETE removes the client (204); its token then opens nothing', async () => {
        const { body: reg } = await post(t, WEB);
        const del = await call(t, 'DELETE', reg.registration_client_uri, reg.registration_access_token);
        expect(del.res.status).to.equal(204);
        expect(await row(t, reg.client_id)).to.equal(undefined);
        expect((await call(t, 'GET', reg.registration_client_uri, reg.registration_access_token)).res.status).to.equal(401);
      });
    });
  });

  describe('throttle: open registration per source (consume before check)', () => {
    let t: TestServer;
    before(async () => { t = await createTestApp({ registration: 'open', rateLimit: { registrationsPerSource: 10 } }); });
    after(() => t.close());
    it('50 concurrent registrations from one source: exactly 10 registered, the rest 429 with Retry-After', async () => {
      const results = await Promise.all(Array.from({ length: 50 }, () => post(t, WEB)));
      expect(results.filter((r) => r.res.status === 201)).to.have.length(10);
      const refused = results.filter((r) => r.res.status === 429);
      expect(refused).to.have.length(40);
      expect(Number(refused[0].res.headers.get('retry-after'))).to.be.greaterThan(0);
      const n = (await t.app.stores.sql.all<Json>('select count(*) as n from applications where registered = ?', ['dynamic']))[0].n;
      expect(Number(n)).to.equal(10);
    });

    // Attacker read 11, F3: the budget keyed the raw address, so 20 addresses of one IPv6 /64 registered 20 clients.
    it('an IPv6 /64 is one source: a new address of it for every registration is still refused past the budget', async () => {
      const proxied = await createTestApp({ registration: 'open', trustProxy: true, rateLimit: { registrationsPerSource: 3 } });
      try {
        const results = [];
        for (let i = 1; i <= 6; i++) results.push((await post(proxied, WEB, { 'x-forwarded-for': `2001:db8:7:9::${i.toString(16)}` })).res.status);
        expect(results).to.deep.equal([201, 201, 201, 429, 429, 429]);
        // Another /64 is another source.
        expect((await post(proxied, WEB, { 'x-forwarded-for': '2001:db8:7:a::1' })).res.status).to.equal(201);
      } finally { await proxied.close(); }
    });
  });

  describe('REGISTRATION=token: initial access tokens (RFC 7591 §3)', () => {
    let t: TestServer;
    before(async () => { t = await createTestApp({ registration: 'token' }); });
    after(() => t.close());
    const issue = (o: { singleUse: boolean; expiresIn: number | null }) => issueInitialAccessToken(t.app.stores.clients, { ...o, createdBy: null });

    it('without a token → 401 with the Bearer challenge; a wrong one → 401 invalid_token', async () => {
      const none = await post(t, WEB);
      expect(none.res.status).to.equal(401);
      expect(none.res.headers.get('www-authenticate')).to.equal('Bearer realm="gatehouse"');
      const wrong = await post(t, WEB, { Authorization: 'Bearer nope' });
      expect(wrong.res.status).to.equal(401);
      expect(wrong.body.error).to.equal('invalid_token');
      const malformed = await post(t, WEB, { Authorization: 'Bearer a b' });
      expect(malformed.res.status).to.equal(400);
      expect(malformed.body.error).to.equal('invalid_request');
    });

    it('a single-use token registers once, even under concurrency; stored as SHA-256', async () => {
      const { token } = await issue({ singleUse: true, expiresIn: 3600 });
      const stored = await t.app.stores.sql.all<Json>('select token_hash from initial_access_tokens');
      expect(stored.map((r) => r.token_hash)).to.include(sha256(token));
      const results = await Promise.all(Array.from({ length: 5 }, () => post(t, WEB, { Authorization: `Bearer ${token}` })));
      expect(results.filter((r) => r.res.status === 201)).to.have.length(1);
      expect(results.filter((r) => r.res.status === 401)).to.have.length(4);
    });

    it('a multi-use token registers several; an expired one none', async () => {
      const { token } = await issue({ singleUse: false, expiresIn: 3600 });
      expect((await post(t, WEB, { Authorization: `Bearer ${token}` })).res.status).to.equal(201);
      expect((await post(t, WEB, { Authorization: `Bearer ${token}` })).res.status).to.equal(201);
      const expired = await issueInitialAccessToken(t.app.stores.clients, { singleUse: false, expiresIn: 60, createdBy: null, now: Date.now() - 120_000 });
      expect((await post(t, WEB, { Authorization: `Bearer ${expired.token}` })).res.status).to.equal(401);
    });

    it('GraphQL: administrators issue initial access tokens (shown once, stored hashed); others cannot; clients show their origin', async () => {
      const a = await actors(t);
      const m = 'mutation { createInitialAccessToken(singleUse: true, expiresIn: 600) { token singleUse expiresAt } }';
      const issued = await a.admin(m);
      expect(issued.errors).to.equal(undefined);
      const token = issued.data.createInitialAccessToken.token as string;
      expect(issued.data.createInitialAccessToken.singleUse).to.equal(true);
      expect((await t.app.stores.sql.all<Json>('select token_hash from initial_access_tokens where token_hash = ?', [sha256(token)]))).to.have.length(1);
      const refused = await a.user(m);
      expect(refused.data?.createInitialAccessToken ?? null).to.equal(null);
      expect(refused.errors).to.have.length.greaterThan(0);
      const reg = await post(t, WEB, { Authorization: `Bearer ${token}` });
      expect(reg.res.status).to.equal(201);
      const c = await a.admin('query($id: String!) { client(clientId: $id) { registered owner { username } } }', { id: reg.body.client_id });
      expect(c.data.client).to.deep.equal({ registered: 'DYNAMIC', owner: { username: '~dynamic' } });
    });

    it('a registration access token is not an initial access token', async () => {
      const { token } = await issue({ singleUse: false, expiresIn: null });
      const { body } = await post(t, WEB, { Authorization: `Bearer ${token}` });
      expect((await post(t, WEB, { Authorization: `Bearer ${body.registration_access_token}` })).res.status).to.equal(401);
    });
  });
});
