import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, createTestApp, type TestServer } from '../helpers.ts';
import { testDatabase } from '../database.ts';
import { createApp } from '../../src/index.ts';
import { actors, CLIENT_INPUT } from './gql-helpers.ts';
import { codeFlowSetup, getCode, postForm } from '../oauth-helpers.ts';

const FIELDS = 'id clientId accessTokenLifetime refreshTokenLifetime authorizationCodeLifetime';
const REGISTER = `mutation($input: ClientInput!) { registerClient(input: $input) { client { ${FIELDS} } clientSecret } }`;
const UPDATE = `mutation($id: ID!, $input: ClientInput!) { updateClient(id: $id, input: $input) { client { ${FIELDS} } } }`;
const fieldsOf = (errors: { extensions?: { fields?: { path: string[] }[] } }[] | undefined) => (errors?.[0]?.extensions?.fields ?? []).map((f) => f.path.at(-1));

describe('Issue 21: per-client token and code lifetimes (administrators only, bounded by the server maxima)', () => {
  let srv: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  before(async () => {
    srv = await createTestApp({ tokens: { refreshTokenTtl: 86400, accessTokenMaxLifetime: 7200, refreshTokenMaxLifetime: 86400, authorizationCodeMaxLifetime: 300 } });
    a = await actors(srv);
  });
  after(() => srv.close());

  it('an administrator sets them over GraphQL; the token response\'s expires_in and the refresh token\'s exp follow them', async () => {
    const r = await a.admin(REGISTER, { input: { ...CLIENT_INPUT, grantTypes: ['PASSWORD'], allowedScopes: ['read'], accessTokenLifetime: 120, refreshTokenLifetime: 600 } });
    expect(r.errors).to.equal(undefined);
    const { client, clientSecret } = r.data.registerClient;
    expect(client).to.include({ accessTokenLifetime: 120, refreshTokenLifetime: 600, authorizationCodeLifetime: null });
    const auth = { id: client.clientId, secret: clientSecret };
    const res = await postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: 'alice', password: a.alice.password, scope: 'read' }, auth);
    expect(res.status).to.equal(200);
    const body = await res.json();
    expect(body.expires_in).to.equal(120);
    const now = Math.floor(Date.now() / 1000);
    const refresh = await (await postForm(`${srv.url}/o/introspect/`, { token: body.refresh_token }, auth)).json();
    expect(refresh.exp).to.be.within(now + 590, now + 610);
    // Refreshing keeps the client's lifetimes.
    const refreshed = await (await postForm(`${srv.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: body.refresh_token }, auth)).json();
    expect(refreshed.expires_in).to.equal(120);
    // null goes back to the server's ACCESS_TOKEN_TTL.
    const reset = await a.admin(UPDATE, { id: client.id, input: { ...CLIENT_INPUT, grantTypes: ['PASSWORD'], allowedScopes: ['read'], accessTokenLifetime: null } });
    expect(reset.data.updateClient.client).to.include({ accessTokenLifetime: null, refreshTokenLifetime: 600 });
    const again = await (await postForm(`${srv.url}/o/token/`, { grant_type: 'password', username: 'alice', password: a.alice.password, scope: 'read' }, auth)).json();
    expect(again.expires_in).to.equal(srv.app.config.tokens.accessTokenTtl);
  });

  it('a value above the server maximum, zero, negative or fractional is BAD_USER_INPUT on that field', async () => {
    for (const [field, value] of [['accessTokenLifetime', 7201], ['refreshTokenLifetime', 86401], ['authorizationCodeLifetime', 301], ['accessTokenLifetime', 0], ['accessTokenLifetime', -5]] as const) {
      const r = await a.admin(REGISTER, { input: { ...CLIENT_INPUT, [field]: value } });
      expect(r.errors?.[0]?.extensions?.code, `${field}=${value}`).to.equal('BAD_USER_INPUT');
      expect(fieldsOf(r.errors), `${field}=${value}`).to.include(field);
    }
    const fractional = await a.admin(REGISTER, { input: { ...CLIENT_INPUT, accessTokenLifetime: 1.5 } });
    // GraphQL's Int refuses it before any resolver runs.
    expect(fractional.errors).to.have.length.greaterThan(0);
    expect(fractional.data?.registerClient ?? null).to.equal(null);
    const atMax = await a.admin(REGISTER, { input: { ...CLIENT_INPUT, accessTokenLifetime: 7200, refreshTokenLifetime: 86400, authorizationCodeLifetime: 300 } });
    expect(atMax.errors).to.equal(undefined);
  });

  it('a non-administrator can neither register nor update a client with a lifetime, nor change one an administrator set', async () => {
    const denied = await a.user(REGISTER, { input: { ...CLIENT_INPUT, accessTokenLifetime: 60 } });
    expect(denied.errors?.[0]?.extensions?.code).to.equal('BAD_USER_INPUT');
    expect(fieldsOf(denied.errors)).to.include('accessTokenLifetime');
    const own = await a.user(REGISTER, { input: CLIENT_INPUT });
    expect(own.errors).to.equal(undefined);
    const id = own.data.registerClient.client.id;
    const upd = await a.user(UPDATE, { id, input: { ...CLIENT_INPUT, refreshTokenLifetime: 86400 } });
    expect(fieldsOf(upd.errors)).to.include('refreshTokenLifetime');
    // An administrator sets one on alice's client; alice may keep it (left out) or drop it, not change it.
    expect((await a.admin(UPDATE, { id, input: { ...CLIENT_INPUT, accessTokenLifetime: 300 } })).errors).to.equal(undefined);
    expect((await a.user(UPDATE, { id, input: { ...CLIENT_INPUT, name: 'renamed' } })).data.updateClient.client.accessTokenLifetime).to.equal(300);
    expect(fieldsOf((await a.user(UPDATE, { id, input: { ...CLIENT_INPUT, accessTokenLifetime: 7200 } })).errors)).to.include('accessTokenLifetime');
    expect((await a.admin(`{ client(id: "${id}") { accessTokenLifetime } }`)).data.client.accessTokenLifetime).to.equal(300);
  });

  it('RFC 6749 §4.1.2: the authorization code expires after the client\'s own lifetime', async () => {
    const setup = await codeFlowSetup(srv, { authorizationCodeLifetime: 1 });
    const { code, verifier } = await getCode(setup);
    await new Promise((r) => setTimeout(r, 1200));
    const res = await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example.com/cb', code_verifier: verifier }, setup.auth);
    expect(res.status).to.equal(400);
    expect((await res.json()).error).to.equal('invalid_grant');
    // A client without one keeps the server's AUTHORIZATION_CODE_TTL (60 s): the same wait is fine.
    const plain = await codeFlowSetup(srv);
    const second = await getCode(plain);
    await new Promise((r) => setTimeout(r, 1200));
    const ok = await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code: second.code, redirect_uri: 'https://client.example.com/cb', code_verifier: second.verifier }, plain.auth);
    expect(ok.status).to.equal(200);
  });
});

describe('Issue 21: a client\'s lifetime stored under higher maxima than the server runs with now is held to the current ones', () => {
  // An operator lowers ACCESS_TOKEN_MAX_LIFETIME (…) and restarts: the clients keep what they were given under the old
  // maxima. A JWT living past the maximum would also outlive its signing key's retention (oidc/access-token.ts
  // longestSignedLifetime), so its resource servers could no longer verify it.
  let srv: TestServer;
  let setup: Awaited<ReturnType<typeof codeFlowSetup>>;
  let below: Awaited<ReturnType<typeof codeFlowSetup>>;
  before(async () => {
    const file = join(tmpdir(), `gh-lifetimes-${randomBytes(4).toString('hex')}.sqlite`);
    const db = await testDatabase({ sqliteFile: file });
    const before = await createApp({ env: 'test', database: db.database, ...db.redis, tokens: { refreshTokenTtl: 864000, accessTokenMaxLifetime: 86400, refreshTokenMaxLifetime: 864000, authorizationCodeMaxLifetime: 600 } });
    const { url } = await before.listen(0, '127.0.0.1');
    const first = { app: before, url, db, close: async () => {} };
    setup = await codeFlowSetup(first, { grantTypes: ['authorization_code'], allowedScopes: ['read'], accessTokenLifetime: 7200, refreshTokenLifetime: 86400, authorizationCodeLifetime: 300 });
    below = await codeFlowSetup(first, { grantTypes: ['authorization_code'], accessTokenLifetime: 120 });
    await before.close();
    // The defaults go down with the maxima (a default above its maximum does not load: test/config.test.ts).
    const app = await createApp({ env: 'test', database: db.database, ...db.redis, tokens: { accessTokenTtl: 300, refreshTokenTtl: 1800, authorizationCodeTtl: 20, accessTokenMaxLifetime: 600, refreshTokenMaxLifetime: 3600, authorizationCodeMaxLifetime: 30 } });
    srv = { app, url: (await app.listen(0, '127.0.0.1')).url, db, close: async () => { await app.close(); await db.drop(); await rm(file, { force: true }); } };
    for (const s of [setup, below]) {
      s.browser = new Browser(srv.url);
      await s.browser.login(s.user.username, s.user.password);
    }
  });
  after(() => srv.close());

  it('tokens, refresh tokens and codes expire by the current maxima; a client\'s lifetime under them still counts', async () => {
    const { code, verifier } = await getCode(setup, { scope: 'read' });
    const [row] = await srv.app.stores.sql.all<{ expires_at: number | string; created_at: number | string }>('select expires_at, created_at from authorization_codes order by id desc limit 1');
    expect(Number(row.expires_at) - Number(row.created_at)).to.equal(30_000);
    const body = await (await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example.com/cb', code_verifier: verifier }, setup.auth)).json();
    expect(body.expires_in, JSON.stringify(body)).to.equal(600);
    const now = Math.floor(Date.now() / 1000);
    const refresh = await (await postForm(`${srv.url}/o/introspect/`, { token: body.refresh_token }, setup.auth)).json();
    expect(refresh.exp).to.be.within(now + 3590, now + 3610);
    const refreshed = await (await postForm(`${srv.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: body.refresh_token }, setup.auth)).json();
    expect(refreshed.expires_in).to.equal(600);
    const second = await getCode(below);
    const ok = await (await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code: second.code, redirect_uri: 'https://client.example.com/cb', code_verifier: second.verifier }, below.auth)).json();
    expect(ok.expires_in).to.equal(120);
  });

  it('a resource server\'s own lifetime (up to a day) is held to ACCESS_TOKEN_MAX_LIFETIME too, JWT and opaque (attacker read 16, F6)', async () => {
    const rs = srv.app.stores.resourceServers;
    const [opaque, jwt] = ['https://long-opaque.example/', 'https://long-jwt.example/'];
    await rs.create({ identifier: opaque, name: 'long opaque', scopes: ['read'], accessTokenFormat: 'opaque', accessTokenTtl: 86_400 });
    await rs.create({ identifier: jwt, name: 'long JWT', scopes: ['read'], accessTokenFormat: 'jwt', accessTokenTtl: 86_400 });
    const app = await codeFlowSetup(srv, { grantTypes: ['client_credentials'], allowedScopes: ['read'] });
    for (const resource of [opaque, jwt]) {
      const body = await (await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials', scope: 'read', resource }, app.auth)).json();
      expect(body.expires_in, JSON.stringify(body)).to.equal(600);
      const [row] = await srv.app.stores.sql.all<{ expires_at: number | string; created_at: number | string }>('select expires_at, created_at from access_tokens order by id desc limit 1');
      expect(Number(row.expires_at) - Number(row.created_at)).to.equal(600_000);
      if (resource === jwt) {
        const claims = JSON.parse(Buffer.from(body.access_token.split('.')[1], 'base64url').toString());
        expect(claims.exp - claims.iat).to.equal(600);
      }
    }
  });
});
