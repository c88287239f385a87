import { expect } from 'chai';
import { Redis } from 'ioredis';
import { createApp, type Gatehouse } from '../../src/index.ts';
import { RedisStreamSlots } from '../../src/storage/stream-slots.ts';
import { createTestApp, type TestServer } from '../helpers.ts';
import { postForm } from '../oauth-helpers.ts';
import { POSTGRES_URL, REDIS_URL } from '../database.ts';

const SUB = JSON.stringify({ query: 'subscription { events { id type } }' });
const CAP = 3;

// EVENT_STREAMS_PER_USER is one budget for the whole deployment: with REDIS_URL, two instances behind one balancer
// allowed twice the cap, each counting only its own streams (issue 21).
describe('event streams per user: one cap across instances sharing Redis (issue 21)', function () {
  this.timeout(30_000);
  let a: TestServer;
  let b: Gatehouse;
  let bUrl: string;
  let bearer: string;
  const controllers: AbortController[] = [];
  before(async function () {
    if (!POSTGRES_URL || !REDIS_URL) this.skip();
    a = await createTestApp({ eventStreamsPerUser: CAP });
    // The second instance: the same database and the same Redis prefix, as a second process would have.
    b = await createApp({ env: 'test', database: a.app.config.database, redisUrl: a.app.config.redisUrl, redisPrefix: a.app.config.redisPrefix, eventStreamsPerUser: CAP });
    bUrl = (await b.listen(0, '127.0.0.1')).url;
    const alice = await a.app.seed.user({ username: 'alice' });
    const { client, clientSecret } = await a.app.seed.client({ owner: alice, grantTypes: ['password'], allowedScopes: ['read'] });
    bearer = (await (await postForm(`${a.url}/o/token/`, { grant_type: 'password', username: 'alice', password: alice.password, scope: 'read' }, { id: client.clientId, secret: clientSecret! })).json()).access_token;
  });
  after(async () => { for (const c of controllers) c.abort(); await b?.close(); await a?.close(); });

  const open = async (url: string) => {
    const c = new AbortController();
    controllers.push(c);
    const res = await fetch(`${url}/graphql`, { method: 'POST', signal: c.signal, headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${bearer}` }, body: SUB });
    if (res.status !== 200) await res.body?.cancel();
    return { status: res.status, close: () => c.abort() };
  };

  it(`${CAP} streams split over two instances fill the budget: the next is refused with 429 on either, and a closed one frees a slot for both`, async () => {
    const first = await open(a.url);
    expect(first.status).to.equal(200);
    expect((await open(a.url)).status).to.equal(200);
    expect((await open(bUrl)).status).to.equal(200);
    expect((await open(bUrl)).status, 'instance B counts A\'s streams').to.equal(429);
    expect((await open(a.url)).status).to.equal(429);
    first.close();
    const deadline = Date.now() + 5000;
    let again: { status: number };
    do {
      await new Promise((r) => setTimeout(r, 100));
      again = await open(bUrl);
    } while (again.status === 429 && Date.now() < deadline);
    expect(again.status).to.equal(200);
    expect((await open(a.url)).status).to.equal(429);
  });
});

describe('event-stream slots in Redis: leases (issue 21)', function () {
  this.timeout(10_000);
  let client: Redis;
  const prefix = `gh_test_streams_${process.pid}_${Date.now()}:`;
  before(async function () {
    if (!REDIS_URL) this.skip();
    client = new Redis(REDIS_URL);
  });
  after(async () => { await client?.quit(); });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('a crashed instance\'s slots come free once their lease ends; a live instance keeps its own by its heartbeat', async () => {
    const crashed = new RedisStreamSlots(client, prefix, { leaseMs: 600 });
    const live = new RedisStreamSlots(client, prefix, { leaseMs: 600 });
    try {
      expect(await crashed.take(7, 3)).to.be.a('function');
      expect(await crashed.take(7, 3)).to.be.a('function');
      const kept = await live.take(7, 3);
      expect(kept).to.be.a('function');
      expect(await live.take(7, 3)).to.equal(null);
      crashed.stop(); // no release, no heartbeat: as if the process died
      await sleep(1500); // past the lease, and past several of the live instance's beats
      const after = [await live.take(7, 3), await live.take(7, 3)];
      expect(after.every((r) => typeof r === 'function'), 'the crashed instance\'s two slots are free').to.equal(true);
      expect(await live.take(7, 3), 'the live instance\'s renewed slot still counts').to.equal(null);
      kept!();
      kept!(); // a second release gives back nothing more
      expect(await live.take(7, 3)).to.be.a('function');
      expect(await live.take(7, 3)).to.equal(null);
    } finally {
      crashed.stop();
      live.stop();
      await client.del(`${prefix}7`);
    }
  });

  it('50 concurrent takes from two instances for one user: exactly the limit succeed', async () => {
    const x = new RedisStreamSlots(client, prefix);
    const y = new RedisStreamSlots(client, prefix);
    try {
      const got = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? x : y).take(8, 5)));
      expect(got.filter(Boolean)).to.have.length(5);
    } finally {
      x.stop();
      y.stop();
      await client.del(`${prefix}8`);
    }
  });
});
