import { expect } from 'chai';
import { createTestApp, type TestServer } from '../helpers.ts';
import { postForm } from '../oauth-helpers.ts';
import { actors } from '../graphql/gql-helpers.ts';

// RFC 6749 §2.3.1: Basic credentials verified once are remembered by a digest of the header (src/oauth2/credential-memo.ts).
// What was remembered must never outlive the secret it was checked against.
describe('RFC 6749 §2.3.1 client authentication: remembered Basic credentials', () => {
  let srv: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  let rs: { id: string; secret: string; dbId: number };
  beforeEach(async () => {
    srv = await createTestApp();
    a = await actors(srv);
    const { client, clientSecret } = await srv.app.seed.client({ owner: a.root, name: 'Resource server', grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'] });
    rs = { id: client.clientId, secret: clientSecret!, dbId: client.id };
  });
  afterEach(() => srv.close());

  const introspect = (auth: { id: string; secret: string }) => postForm(`${srv.url}/o/introspect/`, { token: 'x' }, auth);

  it('a rotated secret is refused on the next call, though the old one was just accepted', async () => {
    for (let i = 0; i < 3; i++) expect((await introspect(rs)).status).to.equal(200);
    const rotated = await a.admin('mutation($id: ID!) { rotateClientSecret(id: $id) { clientSecret } }', { id: String(rs.dbId) });
    const fresh = rotated.data.rotateClientSecret.clientSecret as string;
    const old = await introspect(rs);
    expect(old.status).to.equal(401);
    expect((await old.json()).error).to.equal('invalid_client');
    expect(old.headers.get('www-authenticate')).to.match(/^Basic/);
    expect((await introspect({ id: rs.id, secret: fresh })).status).to.equal(200);
  });

  it('a deleted client is refused on the next call', async () => {
    expect((await introspect(rs)).status).to.equal(200);
    await a.admin('mutation($id: ID!) { deleteClient(id: $id) { deletedId } }', { id: String(rs.dbId) });
    expect((await introspect(rs)).status).to.equal(401);
  });

  it('a wrong secret is refused and counted every time, and the throttle still applies to a remembered secret', async () => {
    expect((await introspect(rs)).status).to.equal(200);
    const limit = srv.app.config.rateLimit.clientAuthFailures;
    for (let i = 0; i < limit; i++) expect((await introspect({ id: rs.id, secret: `${rs.secret}x` })).status).to.equal(401);
    const failures = await srv.app.stores.sql.get<{ n: number }>("select count(*) as n from events where type = 'client.auth_failed' and client_id = ?", [rs.id]);
    expect(failures!.n).to.equal(limit);
    const blocked = await introspect(rs);
    expect(blocked.status).to.equal(429);
    expect(blocked.headers.get('retry-after')).to.match(/^\d+$/);
  });

  it('Basic together with a body client_id is checked in full (RFC 6749 §2.3: they must agree)', async () => {
    expect((await introspect(rs)).status).to.equal(200);
    const res = await postForm(`${srv.url}/o/introspect/`, { token: 'x', client_id: 'someone-else' }, rs);
    expect(res.status).to.equal(400);
    expect((await res.json()).error).to.equal('invalid_request');
  });
});

// A NUL inside a Basic header's form-encoded id or secret (%00) reached the client lookup, which PostgreSQL cannot
// compare: 500. It is a malformed header, as every other (attacker read 4).
describe('RFC 6749 §2.3.1: a NUL inside Basic credentials', () => {
  let srv: TestServer;
  before(async () => { srv = await createTestApp(); });
  after(() => srv.close());
  it('is invalid_client 401, never a server error', async () => {
    for (const pair of ['bad%00one:x', 'someone:sec%00ret']) {
      const res = await fetch(`${srv.url}/o/token/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(pair).toString('base64')}` }, body: 'grant_type=client_credentials' });
      expect(res.status, pair).to.equal(401);
      expect((await res.json() as Record<string, string>).error, pair).to.equal('invalid_client');
    }
  });
});
