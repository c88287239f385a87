import { expect } from 'chai';
import { createTestApp, type TestServer } from '../helpers.ts';
import { codeFlowSetup, getCode, postForm } from '../oauth-helpers.ts';
import { actors } from '../graphql/gql-helpers.ts';

const CB = 'https://client.example.com/cb';
const FRESH = 'https://fresh.example/api';
const CREATE = 'mutation($input: ResourceServerInput!) { createResourceServer(input: $input) { id } }';

// The RFC 8707 resource-server catalogue is read by every code, refresh and device grant (a code may carry resources
// named at the authorization request). It is cached like client records: a code exchange must not read the table
// each time, and an administrator's change must be seen by the very next request.
describe('RFC 8707 resource-server catalogue: cached, and every change seen by the next request', () => {
  let srv: TestServer;
  let a: Awaited<ReturnType<typeof actors>>;
  beforeEach(async () => {
    srv = await createTestApp();
    a = await actors(srv);
  });
  afterEach(() => srv.close());

  /** SQL statements reading resource_servers while `fn` runs. */
  async function catalogueReads(fn: () => Promise<unknown>) {
    const sql = srv.app.stores.sql as { all: typeof srv.app.stores.sql.all };
    const all = sql.all;
    let reads = 0;
    sql.all = (text, params) => { if (/from resource_servers/.test(text)) reads++; return all(text, params); };
    try { await fn(); } finally { sql.all = all; }
    return reads;
  }

  const exchange = async (s: Awaited<ReturnType<typeof codeFlowSetup>>, extra: Record<string, string> = {}) => {
    const { code, verifier, location } = await getCode(s, extra);
    if (!code) return { status: 0, error: location.searchParams.get('error') ?? undefined } as Record<string, string | number | undefined>;
    const res = await postForm(`${srv.url}/o/token/`, { grant_type: 'authorization_code', code, redirect_uri: CB, code_verifier: verifier, ...extra }, s.auth);
    return { status: res.status, ...(await res.json()) as Record<string, string> } as Record<string, string | number | undefined>;
  };

  it('code exchanges without a resource read the catalogue once, not once each (no cross-instance bus on PostgreSQL without Redis: every time)', async () => {
    const s = await codeFlowSetup(srv);
    const reads = await catalogueReads(async () => { for (let i = 0; i < 3; i++) expect((await exchange(s)).status).to.equal(200); });
    const cached = !(srv.app.stores.sql.dialect === 'postgresql' && !srv.app.config.redisUrl);
    if (cached) expect(reads, 'three authorize + exchange rounds').to.be.at.most(1);
    else expect(reads).to.be.at.least(3);
  });

  it('a resource server created, then deleted, through GraphQL is known, then unknown, to the next request', async () => {
    const s = await codeFlowSetup(srv);
    // Warm the cache: the catalogue as it was, without FRESH.
    expect((await exchange(s)).status).to.equal(200);
    expect((await exchange(s, { resource: FRESH })).error, 'not registered yet').to.equal('invalid_target');

    const created = await a.admin(CREATE, { input: { identifier: FRESH, name: 'Fresh', scopes: ['read'] } });
    expect(created.errors).to.equal(undefined);
    const issued = await exchange(s, { resource: FRESH });
    expect(issued.status, JSON.stringify(issued)).to.equal(200);
    const info = await (await postForm(`${srv.url}/o/introspect/`, { token: String(issued.access_token) }, s.auth)).json();
    expect(info.aud).to.deep.equal(FRESH);

    expect((await a.admin('mutation($id: ID!) { deleteResourceServer(id: $id) }', { id: created.data.createResourceServer.id })).data.deleteResourceServer).to.equal(true);
    expect((await exchange(s, { resource: FRESH })).error, 'deleted: RFC 8707 §2 invalid_target at once').to.equal('invalid_target');
  });
});
