import { strict as assert } from 'node:assert';
import { createApp, type Gatehouse } from '../../src/index.ts';
import { createTestApp, type TestServer } from '../helpers.ts';
import { postForm } from '../oauth-helpers.ts';
import { POSTGRES_URL, REDIS_URL } from '../database.ts';

/** Reads server-sent events until `want` appears or the deadline passes. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, want: string, ms: number): Promise<string> {
  let text = '';
  const deadline = Date.now() + ms;
  while (!text.includes(want) && Date.now() < deadline) {
    const next = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), Math.max(1, deadline - Date.now())))]);
    if (!next || next.done) break;
    text += new TextDecoder().decode(next.value);
  }
  return text;
}

describe('cross-instance events: a GraphQL subscription on one instance hears events recorded on another (PostgreSQL + Redis)', function () {
  this.timeout(30_000);
  let a: TestServer;
  let b: Gatehouse;
  let bUrl: string;
  before(async function () {
    if (!POSTGRES_URL || !REDIS_URL) this.skip();
    a = await createTestApp();
    // The second instance: the same database and the same Redis prefix, as a second process would have.
    b = await createApp({ env: 'test', database: a.app.config.database, redisUrl: a.app.config.redisUrl, redisPrefix: a.app.config.redisPrefix });
    bUrl = (await b.listen(0, '127.0.0.1')).url;
  });
  after(async () => { await b?.close(); await a?.close(); });

  it('an admin subscribed on instance A sees a token issued on instance B, once', async () => {
    const root = await a.app.seed.user({ username: 'root', isAdmin: true });
    const alice = await a.app.seed.user({ username: 'alice' });
    const { client, clientSecret } = await a.app.seed.client({ owner: root, grantTypes: ['password'], allowedScopes: ['read', 'admin'] });
    const auth = { id: client.clientId, secret: clientSecret! };
    const adminToken = (await (await postForm(`${a.url}/o/token/`, { grant_type: 'password', username: 'root', password: root.password, scope: 'admin' }, auth)).json() as { access_token: string }).access_token;
    const ac = new AbortController();
    const res = await fetch(`${a.url}/graphql`, { method: 'POST', signal: ac.signal, headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${adminToken}` }, body: JSON.stringify({ query: 'subscription { events(filter: { types: ["token.issued"] }) { type clientId userId } }' }) });
    assert.match(res.headers.get('content-type')!, /text\/event-stream/);
    const reader = res.body!.getReader();
    await new Promise((r) => setTimeout(r, 200));
    const issued = await postForm(`${bUrl}/o/token/`, { grant_type: 'password', username: 'alice', password: alice.password, scope: 'read' }, auth);
    assert.equal(issued.status, 200);
    const text = await readUntil(reader, 'token.issued', 5000);
    // A little longer: a second copy (heard locally and through Redis) would arrive now.
    const more = await readUntil(reader, '\u0000never', 500);
    ac.abort();
    const lines = (text + more).split('\n').filter((l) => l.startsWith('data:') && l.includes('token.issued'));
    assert.equal(lines.length, 1, text + more);
    assert.deepEqual(JSON.parse(lines[0]!.slice(5)).data.events, { type: 'token.issued', clientId: client.clientId, userId: String(alice.id) });
  });
});
