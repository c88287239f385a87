import { expect } from 'chai';
import { createTestApp, type TestServer } from '../helpers.ts';
import { postForm } from '../oauth-helpers.ts';

// Every token request records an audit event. On PostgreSQL the events of one event-loop turn share one multi-row
// INSERT (one round trip and one commit instead of one each); each request must still get its own row, and each
// event handed to listeners must carry the id of the row that holds it.
describe('Audit events under concurrent token requests: one row each, the right id each', () => {
  let srv: TestServer;
  let auth: { id: string; secret: string };
  before(async () => {
    srv = await createTestApp();
    const owner = await srv.app.seed.user({ username: 'owner' });
    const { client, clientSecret } = await srv.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'] });
    auth = { id: client.clientId, secret: clientSecret! };
  });
  after(() => srv.close());

  it('30 concurrent client_credentials requests: 30 rows, listeners see each row\'s own id; PostgreSQL writes them in fewer statements', async () => {
    const sql = srv.app.stores.sql as { all: typeof srv.app.stores.sql.all; insert: typeof srv.app.stores.sql.insert };
    const { all, insert } = sql;
    let inserts = 0;
    sql.all = (text, params) => { if (/^insert into events/.test(text)) inserts++; return all(text, params); };
    sql.insert = (text, params) => { if (/^insert into events/.test(text)) inserts++; return insert(text, params); };
    const heard: { id: number; requestId?: string | null; type: string }[] = [];
    const stop = srv.app.stores.events.subscribe((e) => { if (e.type === 'token.issued') heard.push(e); });
    const since = Date.now();
    const statements0 = srv.app.stores.sql.stats.statements;
    try {
      const answers = await Promise.all(Array.from({ length: 30 }, () => postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials', scope: 'read' }, auth)));
      expect(answers.map((r) => r.status)).to.deep.equal(Array(30).fill(200));
    } finally { sql.all = all; sql.insert = insert; }
    const statements = srv.app.stores.sql.stats.statements - statements0;
    // Listeners through Redis hear the events a moment after the answers.
    for (let i = 0; i < 50 && heard.length < 30; i++) await new Promise((r) => setTimeout(r, 20));
    stop();
    const rows = await srv.app.stores.sql.all<{ id: number; request_id: string | null }>('select id, request_id from events where type = ? and client_id = ? and created_at >= ?', ['token.issued', auth.id, since]);
    expect(rows).to.have.length(30);
    expect(new Set(rows.map((r) => r.request_id)).size, 'one row per request').to.equal(30);
    expect(heard).to.have.length(30);
    const byId = new Map(rows.map((r) => [Number(r.id), r.request_id]));
    for (const e of heard) expect(byId.get(e.id), `event ${e.id}`).to.equal(e.requestId);
    expect(inserts, 'events recorded').to.equal(30);
    // Sql's group commit (storage/sql.ts): on PostgreSQL the token rows and the event rows of a turn share INSERTs.
    if (srv.app.stores.sql.dialect === 'postgresql') expect(statements, 'statements for 30 token rows and 30 event rows').to.be.below(60);
  });
});
