import { expect } from 'chai';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createTestApp, type TestServer } from '../helpers.ts';
import { postForm } from '../oauth-helpers.ts';
import { POSTGRES_URL, REDIS_URL } from '../database.ts';
import { hashToken } from '../../src/oauth2/tokens.ts';

// Issue 21: on PostgreSQL + Redis the token rate is bound by round trips (each one a socket write, a parse and a
// timer in Gatehouse, and a statement or command on servers that share the machine's cores). A client_credentials
// token needs one token row, one audit row, one read of the client's failure budget and one publish of the event;
// concurrent requests of one event-loop turn share their INSERTs and their PUBLISH. Counted at the drivers.
describe('Round trips of concurrent client_credentials tokens on PostgreSQL + Redis (issue 21)', function () {
  let srv: TestServer;
  let auth: { id: string; secret: string };
  const sql = new Map<string, number>();
  const redis = new Map<string, number>();
  let counting = false;
  const query = Reflect.get(pg.Client.prototype, 'query') as (...a: unknown[]) => unknown;
  const send = Reflect.get(Redis.prototype, 'sendCommand') as (this: Redis, c: { name: string }) => unknown;

  before(async function () {
    if (!POSTGRES_URL || !REDIS_URL) this.skip();
    pg.Client.prototype.query = function (this: pg.Client, ...a: unknown[]) {
      if (counting) {
        const q = a[0] as string | { text: string };
        const head = (typeof q === 'string' ? q : q.text).split('(')[0]!.trim();
        sql.set(head, (sql.get(head) ?? 0) + 1);
      }
      return query.apply(this, a);
    } as typeof pg.Client.prototype.query;
    Redis.prototype.sendCommand = function (this: Redis, c: { name: string }) {
      if (counting) redis.set(c.name, (redis.get(c.name) ?? 0) + 1);
      return send.call(this, c);
    } as unknown as Redis['sendCommand'];
    srv = await createTestApp();
    const owner = await srv.app.seed.user({ username: 'owner' });
    const { client, clientSecret } = await srv.app.seed.client({ owner, grantTypes: ['client_credentials'], redirectUris: [], allowedScopes: ['read'] });
    auth = { id: client.clientId, secret: clientSecret! };
  });
  after(async () => {
    pg.Client.prototype.query = query as typeof pg.Client.prototype.query;
    Redis.prototype.sendCommand = send as unknown as Redis['sendCommand'];
    await srv?.close();
  });

  it('30 concurrent requests: 30 stored tokens, at most 30 INSERTs of each table; one Redis GET each, at most 30 PUBLISH, nothing else', async () => {
    // Warm-up: the client record and the verified Basic credentials are remembered after the first request.
    expect((await postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials', scope: 'read' }, auth)).status).to.equal(200);
    counting = true;
    let tokens: string[];
    try {
      const answers = await Promise.all(Array.from({ length: 30 }, () => postForm(`${srv.url}/o/token/`, { grant_type: 'client_credentials', scope: 'read' }, auth)));
      expect(answers.map((r) => r.status)).to.deep.equal(Array(30).fill(200));
      tokens = await Promise.all(answers.map(async (r) => (await r.json() as { access_token: string }).access_token));
      await new Promise((r) => setTimeout(r, 100)); // the PUBLISH is not awaited by the answer
    } finally { counting = false; }
    // Every answered token is stored: no answer is given before its row is written.
    const hashes = tokens.map(hashToken);
    const stored = await srv.app.stores.sql.all<{ token_hash: string }>(`select token_hash from access_tokens where token_hash in (${hashes.map(() => '?').join(', ')})`, hashes);
    expect(stored, 'stored token rows').to.have.length(30);
    // How the 30 requests fall into event-loop turns depends on the machine's load: at most one statement a row
    // here (their sharing within a turn is proven below, where the turn is known).
    expect(sql.get('insert into access_tokens') ?? 0, 'statements inserting the 30 tokens').to.be.within(1, 30);
    expect(sql.get('insert into events') ?? 0, 'statements inserting the 30 events').to.be.within(1, 30);
    expect(redis.get('publish') ?? 0, 'PUBLISH of the 30 events').to.be.within(1, 30);
    expect([...redis.keys()].filter((c) => c !== 'publish' && c !== 'get'), 'Redis commands besides GET and PUBLISH').to.deep.equal([]);
    expect(redis.get('get'), 'one read of the failure budget per request').to.equal(30);
  });

  it('30 one-row INSERTs of one turn: one statement, each caller its own id; a duplicate key fails only its own row', async () => {
    const sql = srv.app.stores.sql;
    const insert = 'insert into resource_servers (identifier, name, scopes, access_token_format, access_token_ttl, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?)';
    const row = (identifier: string) => [identifier, identifier, 'read', 'opaque', null, 1, 1];
    const statements0 = sql.stats.statements;
    const ids = await Promise.all(Array.from({ length: 30 }, (_, i) => sql.insert(insert, row(`https://rs-${i}.example/`))));
    expect(sql.stats.statements - statements0, 'statements for 30 rows queued in one turn').to.equal(1);
    const stored = await sql.all<{ id: number; identifier: string }>('select id, identifier from resource_servers where identifier like ?', ['https://rs-%']);
    expect(new Map(stored.map((r) => [r.identifier, Number(r.id)]))).to.deep.equal(new Map(ids.map((id, i) => [`https://rs-${i}.example/`, id])));
    // Adversarial: a row the database refuses (identifier is unique) fails alone; the turn's other rows are stored.
    const results = await Promise.allSettled(['https://rs-0.example/', 'https://new-1.example/', 'https://new-2.example/'].map((id) => sql.insert(insert, row(id))));
    expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'fulfilled', 'fulfilled']);
    expect((await sql.all('select id from resource_servers where identifier like ?', ['https://new-%'])).length).to.equal(2);
  });
});
