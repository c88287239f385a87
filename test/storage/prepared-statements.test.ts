import { expect } from 'chai';
import { createTestApp, type TestServer } from '../helpers.ts';
import { postForm } from '../oauth-helpers.ts';
import { POSTGRES_URL } from '../database.ts';

// Issue 21: on PostgreSQL the hot paths' statements are prepared by name, so each connection parses and plans a
// text once (the server's parse and plan were part of its CPU per token, on the cores Gatehouse shares). A query
// built with a varying number of values must not make either side keep statements without bound.
describe('Prepared statements on PostgreSQL (issue 21)', function () {
  let srv: TestServer;
  let auth: { id: string; secret: string };
  before(async function () {
    if (!POSTGRES_URL) this.skip();
    srv = await createTestApp();
    const owner = await srv.app.seed.user({ username: 'owner' });
    const { client, clientSecret } = await srv.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'] });
    auth = { id: client.clientId, secret: clientSecret! };
  });
  after(() => srv?.close());

  // The pool hands out the connection released last, so requests one after the other share a session.
  const prepared = () => srv.app.stores.sql.all<{ statement: string }>('select statement from pg_prepared_statements', []);

  it('the token INSERT (one statement with its audit row) is prepared on the connection that ran it', async () => {
    for (let i = 0; i < 3; i++) expect((await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials', scope: 'read' }, auth)).status).to.equal(200);
    expect((await prepared()).map((r) => [...r.statement.matchAll(/insert into (\w+)/g)].map((m) => m[1]).join('+'))).to.include('access_tokens+events');
  });

  it('600 distinct texts all answer, and a connection keeps at most 500 of them prepared', async () => {
    for (let i = 0; i < 600; i++) expect(await srv.app.stores.sql.get<{ v: number }>(`select cast(? as integer) + ${i} as v`, [1])).to.deep.equal({ v: 1 + i });
    expect((await prepared()).length).to.be.within(1, 500);
  });
});
