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
        const text = typeof q === 'string' ? q : q.text;
        // A statement by the tables it inserts into ("insert into access_tokens+events" for one writing both).
        const tables = [...text.matchAll(/insert into (\w+)/g)].map((m) => m[1]);
        const head = tables.length ? `insert into ${tables.join('+')}` : text.split('(')[0]!.trim();
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

  it('30 concurrent requests: 30 stored tokens; each token row shares its statement with its audit row, at most 30 of them; at most 30 Redis GET and PUBLISH, nothing else', async () => {
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
    // A request's token row and audit row are queued in the same turn, so they always share one statement.
    expect(sql.get('insert into access_tokens+events') ?? 0, 'statements inserting the 30 tokens and their events').to.be.within(1, 30);
    expect([...sql.keys()].filter((k) => k !== 'insert into access_tokens+events'), 'other statements').to.deep.equal([]);
    expect(redis.get('publish') ?? 0, 'PUBLISH of the 30 events').to.be.within(1, 30);
    expect([...redis.keys()].filter((c) => c !== 'publish' && c !== 'get'), 'Redis commands besides GET and PUBLISH').to.deep.equal([]);
    // The failure budget is read for every request; the requests of one turn share that turn's one GET of it.
    expect(redis.get('get'), 'reads of the failure budget').to.be.within(1, 30);
    const events = await srv.app.stores.sql.all<{ n: number | string }>('select count(*) as n from events where type = ? and client_id = ? and request_id is not null', ['token.issued', auth.id]);
    expect(Number(events[0]!.n), 'audit rows (the warm-up\'s and the 30)').to.equal(31);
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

  it('one turn of rows for two tables: one statement; a row the database refuses fails alone, with its own error (23503, 22001, 22021)', async () => {
    const sql = srv.app.stores.sql;
    const [app] = await sql.all<{ id: number }>('select id from applications where client_id = ?', [auth.id]);
    const token = 'insert into access_tokens (token_hash, application_id, scope, expires_at, created_at) values (?, ?, ?, ?, ?)';
    const event = 'insert into events (type, client_id, ip, detail, created_at) values (?, ?, ?, ?, ?)';
    const tokenRow = (hash: string, applicationId = app!.id) => sql.run(token, [hash, applicationId, 'read', 2e12, 1]);
    const eventRow = (clientId: string, ip: string | null = null, detail: string | null = null) => sql.insert(event, ['test.coalesce', clientId, ip, detail, 1]);
    const statements0 = sql.stats.statements;
    const ids = await Promise.all([tokenRow('t-ok-1'), eventRow('c-ok-1', '192.0.2.1', '{"a":"\u00e9\\"}'), tokenRow('t-ok-2'), eventRow('c-ok-2')]);
    expect(sql.stats.statements - statements0, 'statements for two token rows and two event rows of one turn').to.equal(1);
    const stored = await sql.all<{ id: number; client_id: string; ip: string | null; detail: string | null }>('select id, client_id, ip, detail from events where type = ? order by id', ['test.coalesce']);
    expect(stored.map((r) => [Number(r.id), r.client_id, r.ip, r.detail])).to.deep.equal([[ids[1], 'c-ok-1', '192.0.2.1', '{"a":"\u00e9\\"}'], [ids[3], 'c-ok-2', null, null]]);
    // Adversarial: a token of a client deleted meanwhile (foreign key), an over-long and a NUL-holding value, among good rows.
    const results = await Promise.allSettled([
      tokenRow('t-gone', 2 ** 31 - 1), eventRow('c-fine-1'), tokenRow('t-fine'), eventRow('c-long', 'x'.repeat(65)), eventRow('c-nul', null, 'a\u0000b'), eventRow('c-fine-2'),
    ]);
    expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'fulfilled', 'fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as { code?: string }).code] : []))).to.deep.equal(['23503', '22001', '22021']);
    const hashes = await sql.all<{ token_hash: string }>('select token_hash from access_tokens where token_hash like ? order by token_hash', ['t-%']);
    expect(hashes.map((r) => r.token_hash)).to.deep.equal(['t-fine', 't-ok-1', 't-ok-2']);
    const fine = await sql.all<{ id: number; client_id: string }>('select id, client_id from events where client_id like ? order by client_id', ['c-%']);
    expect(fine.map((r) => r.client_id)).to.deep.equal(['c-fine-1', 'c-fine-2', 'c-ok-1', 'c-ok-2']);
    expect(fine.slice(0, 2).map((r) => Number(r.id))).to.deep.equal([(results[1] as PromiseFulfilledResult<number>).value, (results[5] as PromiseFulfilledResult<number>).value]);
    // A caller's wrong number of values fails as it would alone (JSON would have filled the missing column with null).
    const [short] = await Promise.allSettled([sql.run('insert into events (type, created_at, client_id) values (?, ?, ?)', ['test.short', 1]), eventRow('c-fine-3')]);
    expect(short.status, 'a row with a value missing').to.equal('rejected');
    expect(await sql.all('select id from events where type = ?', ['test.short'])).to.deep.equal([]);
  });
});
