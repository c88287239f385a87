import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createRedisState, type RedisState } from '../../src/storage/redis.ts';
import { MemoryRateLimiter, SqlRateLimiter, type RateLimiter } from '../../src/storage/rate-limit.ts';
import { createTestApp, type TestServer } from '../helpers.ts';
import { REDIS_URL } from '../database.ts';

/** The contract every limiter keeps, whichever store holds the counts. */
function limiterContract(name: string, make: () => Promise<[RateLimiter, RateLimiter]>) {
  it(`${name}: consumes up to the limit, then refuses with Retry-After; refund and reset give attempts back`, async () => {
    const [one, two] = await make();
    const key = `k:${randomBytes(4).toString('hex')}`;
    expect(await one.peek(key, 3)).to.deep.equal({ allowed: true, retryAfter: 0 });
    for (let i = 0; i < 3; i++) expect((await one.consume(key, 3, 60)).allowed).to.equal(true);
    const blocked = await two.consume(key, 3, 60);
    expect(blocked.allowed).to.equal(false);
    expect(blocked.retryAfter).to.be.within(1, 60);
    expect((await one.peek(key, 3)).allowed).to.equal(false);
    // Refused attempts add nothing (the count stops at the limit): refunding one success frees one attempt.
    for (let i = 0; i < 5; i++) expect((await two.consume(key, 3, 60)).allowed).to.equal(false);
    await one.refund(key);
    await one.refund(key);
    expect((await two.consume(key, 3, 60)).allowed).to.equal(true);
    expect((await one.consume(key, 3, 60)).allowed).to.equal(true);
    expect((await one.consume(key, 3, 60)).allowed).to.equal(false);
    await two.reset(key);
    expect((await one.peek(key, 3)).allowed).to.equal(true);
    await one.refund(key); // nothing to give back: never below zero
    for (let i = 0; i < 3; i++) expect((await one.consume(key, 3, 60)).allowed).to.equal(true);
    expect((await one.consume(key, 3, 60)).allowed).to.equal(false);
  });

  it(`${name}: of 50 concurrent attempts from two instances exactly the limit are allowed`, async () => {
    const [one, two] = await make();
    const race = `r:${randomBytes(4).toString('hex')}`;
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? one : two).consume(race, 10, 60)));
    expect(results.filter((r) => r.allowed)).to.have.length(10);
    expect(results.filter((r) => !r.allowed).every((r) => r.retryAfter >= 1)).to.equal(true);
    expect((await one.peek(race, 11)).allowed, 'the refused 40 counted nothing').to.equal(true);
    expect((await one.peek(race, 10)).allowed).to.equal(false);
  });

  // Issue 21, attacker read 8 finding 2: the count saturated at limit + 1, and the refused attempt that put it there
  // was never given back, so each burst against an exhausted key left one more count on the keys beside it.
  it(`${name}: a refused attempt leaves nothing behind: giving back every allowed attempt empties the key`, async () => {
    const [one, two] = await make();
    const key = `g:${randomBytes(4).toString('hex')}`;
    for (let i = 0; i < 3; i++) expect((await one.consume(key, 3, 60)).allowed).to.equal(true);
    for (let i = 0; i < 2; i++) expect((await two.consume(key, 3, 60)).allowed).to.equal(false);
    for (let i = 0; i < 3; i++) await (i % 2 ? one : two).refund(key);
    expect((await one.peek(key, 1)).allowed, 'nothing left counted').to.equal(true);
    for (let i = 0; i < 3; i++) expect((await two.consume(key, 3, 60)).allowed, `attempt ${i + 1} of 3`).to.equal(true);
    expect((await one.consume(key, 3, 60)).allowed).to.equal(false);
  });

  it(`${name}: concurrent attempts that count on every key or on none leave the shared key exactly as they found it`, async () => {
    const [one, two] = await make();
    // As accounts/password-throttle.ts does: `own` (per user and source) is used up; `shared` (per user, all sources)
    // is given back whenever `own` refused.
    const own = `o:${randomBytes(4).toString('hex')}`;
    const shared = `s:${randomBytes(4).toString('hex')}`;
    for (let i = 0; i < 2; i++) { await one.consume(own, 2, 60); await one.consume(shared, 10, 60); }
    for (let wave = 0; wave < 10; wave++) {
      await Promise.all(Array.from({ length: 30 }, async (_, i) => {
        const l = i % 2 ? one : two;
        const [a, b] = await Promise.all([l.consume(own, 2, 60), l.consume(shared, 10, 60)]);
        expect(a.allowed).to.equal(false);
        if (b.allowed) await l.refund(shared);
      }));
    }
    expect((await one.peek(shared, 3)).allowed, 'the 2 counted before the bursts, no more').to.equal(true);
    expect((await one.peek(shared, 2)).allowed).to.equal(false);
    const rest = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two).consume(shared, 10, 60)));
    expect(rest.filter((r) => r.allowed), 'the 8 left of 10').to.have.length(8);
  });

  it(`${name}: keys of any length (a 500-character username) fit the store`, async () => {
    const [one, two] = await make();
    const long = `login:user:${'a'.repeat(500)}${randomBytes(4).toString('hex')}`;
    expect((await one.consume(long, 1, 60)).allowed).to.equal(true);
    expect((await two.consume(long, 1, 60)).allowed).to.equal(false);
    expect((await one.consume(long.slice(0, -1), 1, 60)).allowed, 'a different key').to.equal(true);
  });
}

describe('rate limits in memory (one instance)', () => {
  limiterContract('MemoryRateLimiter', async () => { const m = new MemoryRateLimiter(); return [m, m]; });
});

describe('shared state: rate limits in the database (instances without Redis)', () => {
  let srv: TestServer;
  before(async () => { srv = await createTestApp(); });
  after(() => srv.close());
  limiterContract('SqlRateLimiter', async () => [new SqlRateLimiter(srv.app.stores.sql), new SqlRateLimiter(srv.app.stores.sql)]);

  it('starts a new window once the old one has passed', async () => {
    const limiter = new SqlRateLimiter(srv.app.stores.sql);
    const key = `w:${randomBytes(4).toString('hex')}`;
    // Buckets are the SHA-256 of the key (base64url), never the key itself.
    const bucket = createHash('sha256').update(key).digest('base64url');
    await srv.app.stores.sql.run('insert into rate_limits (bucket, hits, reset_at) values (?, ?, ?)', [bucket, 99, Date.now() - 1]);
    expect((await limiter.peek(key, 5)).allowed).to.equal(true);
    expect((await limiter.consume(key, 5, 60)).allowed).to.equal(true);
    const [row] = await srv.app.stores.sql.all<{ hits: number }>('select hits from rate_limits where bucket = ?', [bucket]);
    expect(row.hits).to.equal(1);
  });
});

describe('shared state: Redis (REDIS_URL)', function () {
  let a: RedisState;
  let b: RedisState;
  let raw: Redis;
  const prefix = `gh_test_redis_${randomBytes(4).toString('hex')}:`;

  before(async function () {
    if (!REDIS_URL) this.skip();
    [a, b] = await Promise.all([createRedisState(REDIS_URL, { prefix }), createRedisState(REDIS_URL, { prefix })]);
    raw = new Redis(REDIS_URL);
  });
  after(async () => {
    if (!raw) return;
    const keys = await raw.keys(`${prefix}*`);
    if (keys.length) await raw.del(...keys);
    raw.disconnect();
    await Promise.all([a?.close(), b?.close()]);
  });

  it('stores sessions under a hash of the cookie key, with the cookie\'s lifetime, and destroys them', async () => {
    await a.sessions.set('cookie-key-1', { userId: 7 }, 60_000);
    expect(await b.sessions.get('cookie-key-1')).to.deep.equal({ userId: 7 });
    const keys = await raw.keys(`${prefix}*`);
    expect(keys.join(' ')).not.to.include('cookie-key-1');
    const ttl = await raw.pttl(keys.find((k) => k.includes('session:'))!);
    expect(ttl).to.be.within(50_000, 60_000);
    await b.sessions.destroy('cookie-key-1');
    expect(await a.sessions.get('cookie-key-1')).to.equal(undefined);
  });

  limiterContract('Redis limiter', async () => [a.limiter, b.limiter]);

  it('lets exactly one of 50 concurrent nonce uses through, across instances, until the nonce expires', async () => {
    const key = `nonce:${randomBytes(4).toString('hex')}`;
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).nonces.remember(key, 300)));
    expect(results.filter(Boolean)).to.have.length(1);
    await new Promise((r) => setTimeout(r, 400));
    expect(await a.nonces.remember(key, 300)).to.equal(true);
  });

  it('tells every instance when one publishes a change', async () => {
    const heard = new Promise<void>((resolve) => b.cache.subscribe('clients', resolve));
    await new Promise((r) => setTimeout(r, 100));
    await a.cache.publish('clients');
    await heard;
  });

  it('refuses to start, quickly and clearly, when Redis is not there', async () => {
    const t = Date.now();
    try {
      await createRedisState('redis://:hunter2@127.0.0.1:1');
      expect.fail('should not connect');
    } catch (e) {
      expect((e as Error).message).to.match(/Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1.* is not reachable/);
      expect((e as Error).message).not.to.include('hunter2');
    }
    expect(Date.now() - t).to.be.below(5000);
  });
});
