import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { createTestApp, type TestServer } from '../helpers.ts';
import { codeFlowSetup, getCode, postForm } from '../oauth-helpers.ts';
import { actors } from '../graphql/gql-helpers.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { dialect } from '../database.ts';
import { hashToken } from '../../src/oauth2/tokens.ts';

// Access-token lookups are cached in the SQLite process (src/storage/token-cache.ts). Each test first makes the
// token answer twice through the real endpoints (so the second answer came from the cache), then ends the token's
// life through a real interface and expects the very next request to see it: 401 at the API, active:false at
// introspection.
describe('Access-token lookups (cached on SQLite): every write that ends a token is seen by the next request', () => {
  let srv: TestServer;
  let rs: { id: string; secret: string };
  let a: Awaited<ReturnType<typeof actors>>;

  beforeEach(async () => {
    srv = await createTestApp();
    a = await actors(srv);
    const { client, clientSecret } = await srv.app.seed.client({ owner: a.root, name: 'Resource server', grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read', 'introspection'] });
    rs = { id: client.clientId, secret: clientSecret! };
  });
  afterEach(() => srv.close());

  const hello = (token: string) => fetch(`${srv.url}/api/hello`, { headers: { authorization: `Bearer ${token}` } });
  const active = async (token: string) => (await (await postForm(`${srv.url}/o/introspect/`, { token }, rs)).json()).active as boolean;

  /** A user's access + refresh token from the code flow, plus what issued them. */
  async function issued() {
    const s = await codeFlowSetup(srv);
    const { code, verifier } = await getCode(s, { scope: 'read' });
    const body = await (await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example.com/cb', code_verifier: verifier }, s.auth)).json();
    return { s, code, verifier, access: body.access_token as string, refresh: body.refresh_token as string };
  }

  async function expectServedFromCache(token: string) {
    expect((await hello(token)).status).to.equal(200);
    const before = srv.app.stores.sql.stats.statements;
    expect((await hello(token)).status).to.equal(200);
    expect(await active(token)).to.equal(true);
    // SQLite: the second /api/hello and the introspection read no token row (introspection authenticates its caller
    // from the client cache). PostgreSQL instances share the database, so there each lookup reads it.
    const reads = srv.app.stores.sql.dialect === 'sqlite' ? 0 : 2;
    expect(srv.app.stores.sql.stats.statements - before, 'statements run for two lookups').to.be.at.least(reads);
    if (reads === 0) expect(srv.app.stores.sql.stats.statements - before).to.equal(0);
  }

  async function expectEnded(token: string) {
    const res = await hello(token);
    expect(res.status).to.equal(401);
    expect(res.headers.get('www-authenticate')).to.include('error="invalid_token"');
    expect(await active(token)).to.equal(false);
  }

  it('serves a repeated lookup without reading the database, and never caches an unknown token', async () => {
    const { access } = await issued();
    await expectServedFromCache(access);
    const before = srv.app.stores.sql.stats.statements;
    expect((await hello('no-such-token')).status).to.equal(401);
    expect((await hello('no-such-token')).status).to.equal(401);
    expect(srv.app.stores.sql.stats.statements - before, 'each unknown token is looked up again').to.equal(2);
  });

  it('RFC 7009: revoking the access token', async () => {
    const { access, s } = await issued();
    await expectServedFromCache(access);
    expect((await postForm(`${srv.url}/o/revoke_token/`, { token: access }, s.auth)).status).to.equal(200);
    await expectEnded(access);
  });

  it('RFC 7009: revoking the refresh token takes its family\'s access token', async () => {
    const { access, refresh, s } = await issued();
    await expectServedFromCache(access);
    expect((await postForm(`${srv.url}/o/revoke_token/`, { token: refresh, token_type_hint: 'refresh_token' }, s.auth)).status).to.equal(200);
    await expectEnded(access);
  });

  it('RFC 9700 §4.14.2: a rotated refresh token presented again revokes the family', async () => {
    const { refresh, s } = await issued();
    const rotated = await (await postForm(`${srv.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: refresh }, s.auth)).json();
    await expectServedFromCache(rotated.access_token);
    const reuse = await postForm(`${srv.url}/o/token/`, { grant_type: 'refresh_token', refresh_token: refresh }, s.auth);
    expect((await reuse.json()).error).to.equal('invalid_grant');
    await expectEnded(rotated.access_token);
  });

  it('RFC 6749 §4.1.2: an authorization code used twice revokes what it issued', async () => {
    const { access, code, verifier, s } = await issued();
    await expectServedFromCache(access);
    const again = await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example.com/cb', code_verifier: verifier }, s.auth);
    expect((await again.json()).error).to.equal('invalid_grant');
    await expectEnded(access);
  });

  it('GraphQL: revokeToken, revokeGrant, revokeAllForUser, revokeAllForClient', async () => {
    const one = await issued();
    await expectServedFromCache(one.access);
    const list = await a.admin('query($u: ID) { tokens(filter: { userId: $u, activeOnly: true }) { nodes { id } } }', { u: String(one.s.user.id) });
    await a.admin('mutation($id: ID!) { revokeToken(id: $id) { revokedTokens } }', { id: list.data.tokens.nodes[0].id });
    await expectEnded(one.access);

    const two = await issued();
    await expectServedFromCache(two.access);
    const grants = await a.admin('query($u: ID) { grants(userId: $u) { nodes { id } } }', { u: String(two.s.user.id) });
    expect((await a.admin('mutation($id: ID!) { revokeGrant(id: $id) { revokedTokens } }', { id: grants.data.grants.nodes[0].id })).data.revokeGrant.revokedTokens).to.equal(2);
    await expectEnded(two.access);

    const three = await issued();
    await expectServedFromCache(three.access);
    await a.admin('mutation($u: ID!) { revokeAllForUser(userId: $u) { revokedTokens } }', { u: String(three.s.user.id) });
    await expectEnded(three.access);

    const four = await issued();
    await expectServedFromCache(four.access);
    await a.admin('mutation($c: ID!) { revokeAllForClient(clientId: $c) { revokedTokens } }', { c: String(four.s.client.id) });
    await expectEnded(four.access);
  });

  it('GraphQL: deactivating the user ends their tokens, and reactivating gives none back (attacker read 8, F5)', async () => {
    const { access, s } = await issued();
    await expectServedFromCache(access);
    await a.admin('mutation($id: ID!) { setUserActive(id: $id, active: false) { user { isActive } } }', { id: String(s.user.id) });
    await expectEnded(access);
    await a.admin('mutation($id: ID!) { setUserActive(id: $id, active: true) { user { isActive } } }', { id: String(s.user.id) });
    await expectEnded(access);
  });

  it('GraphQL: deleting the client deletes its tokens', async () => {
    const { access, s } = await issued();
    await expectServedFromCache(access);
    expect((await a.admin('mutation($id: ID!) { deleteClient(id: $id) { deletedId } }', { id: String(s.client.id) })).errors).to.equal(undefined);
    await expectEnded(access);
  });

  it('a token of the older form (43 characters, plain SHA-256 key) stored before ordered tokens still works and revokes', async () => {
    const legacy = randomBytes(32).toString('base64url');
    const app = await srv.app.stores.clients.findByClientId(rs.id);
    const now = Date.now();
    await srv.app.stores.sql.run('insert into access_tokens (token_hash, application_id, user_id, grant_id, scope, family_id, expires_at, created_at) values (?, ?, null, null, ?, null, ?, ?)',
      [createHash('sha256').update(legacy).digest('hex'), app!.id, 'read', now + 3600_000, now]);
    await expectServedFromCache(legacy);
    expect((await postForm(`${srv.url}/o/revoke_token/`, { token: legacy }, rs)).status).to.equal(200);
    await expectEnded(legacy);
  });

  /** A client_credentials client of its own on `srv` (as `rs`), and an access token it was issued. */
  async function clientCredentialsToken(): Promise<{ access_token: string; expires_in: number }> {
    const owner = await srv.app.seed.user({ username: 'owner' });
    const { client, clientSecret } = await srv.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'] });
    rs = { id: client.clientId, secret: clientSecret! };
    return (await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials' }, rs)).json();
  }

  it('a token revoked by another process (a script, the sqlite3 shell) stops working within 600 ms (checked every 200 ms)', async function () {
    if (dialect !== 'sqlite') this.skip(); // PostgreSQL instances do not cache token lookups
    await srv.close();
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-external-'));
    try {
      srv = await createTestApp({ database: { file: join(dir, 'g.sqlite') } } as never);
      const tok = (await clientCredentialsToken()).access_token;
      await expectServedFromCache(tok);
      // A second connection to the same file, as another process would open it.
      const other = new Database(join(dir, 'g.sqlite'));
      try {
        expect(other.prepare('update access_tokens set revoked_at = ? where token_hash = ?').run(Date.now(), hashToken(tok)).changes).to.equal(1);
      } finally { other.close(); }
      const t0 = Date.now();
      let status = 200;
      while (status === 200 && Date.now() - t0 < 2000) {
        status = (await hello(tok)).status;
        if (status === 200) await new Promise((r) => setTimeout(r, 20));
      }
      expect(status, 'the revoked token is refused').to.equal(401);
      expect(Date.now() - t0, 'ms until it was refused').to.be.below(600);
      await expectEnded(tok);
    } finally {
      await srv.close();
      srv = await createTestApp();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a cached token still expires on time', async () => {
    await srv.close();
    srv = await createTestApp({ tokens: { accessTokenTtl: 1 } } as never);
    const tok = await clientCredentialsToken();
    expect(tok.expires_in).to.equal(1);
    await expectServedFromCache(tok.access_token);
    await new Promise((r) => setTimeout(r, 1100));
    await expectEnded(tok.access_token);
  });
});
