import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { createRedisState, type RedisState } from '../../src/storage/redis.ts';
import { isUnavailable } from '../../src/http/middleware/errors.ts';

// Against a real Redis: REDIS_URL, or the local default. Every key this file writes starts with its own prefix.
const REDIS = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** Limiter keys are stored as their SHA-256 (base64url): usernames never sit in Redis in the clear. */
const bucket = (key: string) => createHash('sha256').update(key).digest('base64url');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const id = () => randomBytes(4).toString('hex');

/** Resolves when `p` does, fails the test with `what` if that takes longer than `ms`. */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms); })])
    .finally(() => clearTimeout(timer));
}

/** Milliseconds until `p` rejects, and its error; fails if it resolves. */
async function rejection(p: Promise<unknown>): Promise<{ ms: number; error: Error }> {
  const t = Date.now();
  try { await p; } catch (error) { return { ms: Date.now() - t, error: error as Error }; }
  throw new Error('expected a rejection');
}

/** A TCP proxy in front of Redis that a test can cut (host gone) or stall (host alive, answering nothing). */
async function redisProxy() {
  const target = new URL(REDIS);
  const sockets = new Set<Socket>();
  const held: { to: Socket; data: Buffer }[] = [];
  let stalled = false;
  let server: Server | undefined;
  let port = 0;
  const open = () => new Promise<void>((resolve) => {
    server = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      sockets.add(client); sockets.add(upstream);
      const end = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
      for (const s of [client, upstream]) { s.on('error', end); s.on('close', end); }
      client.on('data', (data) => { if (stalled) held.push({ to: upstream, data }); else upstream.write(data); });
      upstream.on('data', (data) => client.write(data));
    });
    server.listen(port, '127.0.0.1', () => { port = (server!.address() as AddressInfo).port; resolve(); });
  });
  await open();
  return {
    url: () => { const u = new URL(REDIS); u.hostname = '127.0.0.1'; u.port = String(port); return u.toString(); },
    async cut() {
      for (const s of sockets) s.destroy();
      sockets.clear();
      await new Promise<void>((r) => server!.close(() => r()));
    },
    restore: open,
    stall() { stalled = true; },
    resume() { stalled = false; for (const { to, data } of held.splice(0)) to.write(data); },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => (server?.listening ? server.close(() => r()) : r()));
    },
  };
}

describe('storage: Redis shared state (createRedisState)', function () {
  const prefix = `gh_test_redis_${id()}:`;

  /** Runs `fn` against a RedisState connected through a proxy the test can cut or stall; closes both after. */
  async function throughProxy(fn: (proxy: Awaited<ReturnType<typeof redisProxy>>, c: RedisState) => Promise<void>, opts: { commandTimeoutMs?: number } = {}) {
    const proxy = await redisProxy();
    const c = await createRedisState(proxy.url(), { prefix, ...opts });
    try { await fn(proxy, c); } finally {
      await c.close();
      await proxy.close();
    }
  }
  let a: RedisState;
  let b: RedisState;
  let raw: Redis;

  before(async () => {
    raw = new Redis(REDIS, { lazyConnect: true });
    await raw.connect();
    // Two instances, as two Gatehouse processes behind a load balancer would open them.
    [a, b] = await Promise.all([createRedisState(REDIS, { prefix }), createRedisState(REDIS, { prefix })]);
  });

  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    if (raw?.status !== 'ready') return;
    let cursor = '0';
    do {
      const [next, keys] = await raw.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await raw.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await raw.quit();
  });

  describe('sessions (koa-session external store)', () => {
    it('round-trip between instances under the SHA-256 of the cookie key, never the key itself', async () => {
      const cookie = `cookie-${id()}`;
      await a.sessions.set(cookie, { userId: 7, csrf: 'x' }, 60_000);
      expect(await b.sessions.get(cookie)).to.deep.equal({ userId: 7, csrf: 'x' });
      const keys = await raw.keys(`${prefix}*`);
      expect(keys).to.include(`${prefix}session:${sha256(cookie)}`);
      expect(keys.filter((k) => k.includes(cookie))).to.deep.equal([]);
      expect(JSON.parse((await raw.get(`${prefix}session:${sha256(cookie)}`))!)).to.deep.equal({ userId: 7, csrf: 'x' });
    });

    it('live as long as the cookie: PX maxAge, or 24 h for a browser-session cookie', async () => {
      const [short, session, unset] = [`c-${id()}`, `c-${id()}`, `c-${id()}`];
      await a.sessions.set(short, { n: 1 }, 60_000);
      await a.sessions.set(session, { n: 2 }, 'session');
      await a.sessions.set(unset, { n: 3 }, undefined);
      const day = 24 * 3600 * 1000;
      expect(await raw.pttl(`${prefix}session:${sha256(short)}`)).to.be.within(55_000, 60_000);
      expect(await raw.pttl(`${prefix}session:${sha256(session)}`)).to.be.within(day - 5_000, day);
      expect(await raw.pttl(`${prefix}session:${sha256(unset)}`)).to.be.within(day - 5_000, day);
    });

    it('are gone once destroyed on any instance, and unknown or unreadable ones read as undefined', async () => {
      const cookie = `cookie-${id()}`;
      await a.sessions.set(cookie, { userId: 1 }, 60_000);
      await b.sessions.destroy(cookie);
      expect(await raw.exists(`${prefix}session:${sha256(cookie)}`)).to.equal(0);
      expect(await a.sessions.get(cookie)).to.equal(undefined);
      expect(await a.sessions.get(`never-${id()}`)).to.equal(undefined);
      const garbled = `garbled-${id()}`;
      await raw.set(`${prefix}session:${sha256(garbled)}`, '{not json', 'PX', 60_000);
      expect(await a.sessions.get(garbled)).to.equal(undefined);
    });
  });

  describe('limiter (RateLimiter, fixed window)', () => {
    it('allows `limit` attempts, then refuses with Retry-After until the window ends; peek does not count', async () => {
      const key = `login:${id()}`;
      expect(await a.limiter.peek(key, 3)).to.deep.equal({ allowed: true, retryAfter: 0 });
      const first = await a.limiter.consume(key, 3, 60);
      expect(first.allowed).to.equal(true);
      expect(first.retryAfter).to.be.within(59, 60);
      for (let i = 0; i < 5; i++) expect((await b.limiter.peek(key, 3)).allowed, 'peek after 1 of 3').to.equal(true);
      expect((await b.limiter.consume(key, 3, 60)).allowed).to.equal(true);
      expect((await a.limiter.consume(key, 3, 60)).allowed).to.equal(true);
      const peeked = await b.limiter.peek(key, 3);
      expect(peeked.allowed, 'peek after 3 of 3').to.equal(false);
      expect(peeked.retryAfter).to.be.within(1, 60);
      for (let i = 0; i < 3; i++) {
        const blocked = await b.limiter.consume(key, 3, 60);
        expect(blocked.allowed).to.equal(false);
        expect(blocked.retryAfter).to.be.within(1, 60);
      }
      expect(await raw.get(`${prefix}limit:${bucket(key)}`), 'refused attempts count nothing').to.equal('3');
      expect(await raw.pttl(`${prefix}limit:${bucket(key)}`)).to.be.within(55_000, 60_000);
      expect((await raw.keys(`${prefix}limit:*`)).join(' ')).not.to.include(key);
      await a.limiter.refund(key);
      await a.limiter.refund(key);
      expect(await raw.get(`${prefix}limit:${bucket(key)}`)).to.equal('1');
      expect(await raw.pttl(`${prefix}limit:${bucket(key)}`), 'a refund keeps the window').to.be.within(55_000, 60_000);
    });

    it('peeks of one key in one turn share one GET; a peek in a later turn reads again, and sees the attempts counted since', async () => {
      const key = `client-auth:${id()}`;
      const gets: string[] = [];
      const send = Reflect.get(Redis.prototype, 'sendCommand') as (this: Redis, c: { name: string; args: unknown[] }) => unknown;
      Redis.prototype.sendCommand = function (this: Redis, c: { name: string; args: unknown[] }) {
        if (c.name === 'get' && String(c.args[0]).endsWith(bucket(key))) gets.push(String(c.args[0]));
        return send.call(this, c);
      } as unknown as Redis['sendCommand'];
      try {
        expect(await Promise.all(Array.from({ length: 20 }, () => a.limiter.peek(key, 2)))).to.deep.equal(Array(20).fill({ allowed: true, retryAfter: 0 }));
        expect(gets, 'GETs for 20 peeks of one turn').to.have.length(1);
        for (let i = 0; i < 2; i++) await b.limiter.consume(key, 2, 60);
        const later = await Promise.all([a.limiter.peek(key, 2), a.limiter.peek(key, 2), a.limiter.peek(`${key}-other`, 2)]);
        expect(later.map((r) => r.allowed), 'peeks after the limit was used up on the other instance').to.deep.equal([false, false, true]);
        expect(later[0]!.retryAfter).to.be.within(1, 60);
        expect(gets, 'GETs of the key in two turns').to.have.length(2);
      } finally {
        Redis.prototype.sendCommand = send as unknown as Redis['sendCommand'];
      }
    });

    it('reset on one instance clears the count for all', async () => {
      const key = `login:${id()}`;
      for (let i = 0; i < 3; i++) await a.limiter.consume(key, 2, 60);
      expect((await b.limiter.peek(key, 2)).allowed).to.equal(false);
      await b.limiter.reset(key);
      expect(await a.limiter.peek(key, 2)).to.deep.equal({ allowed: true, retryAfter: 0 });
      expect(await raw.exists(`${prefix}limit:${bucket(key)}`)).to.equal(0);
      expect((await a.limiter.consume(key, 1, 60)).allowed, 'the count starts again at 1').to.equal(true);
    });

    it('starts a new window once the old one has ended, and a blocked hit waits at least 1 s', async () => {
      const key = `login:${id()}`;
      expect((await a.limiter.consume(key, 1, 1)).allowed).to.equal(true);
      expect(await a.limiter.consume(key, 1, 1)).to.deep.equal({ allowed: false, retryAfter: 1 });
      await sleep(1100);
      expect(await b.limiter.peek(key, 1)).to.deep.equal({ allowed: true, retryAfter: 0 });
      expect((await b.limiter.consume(key, 1, 1)).allowed).to.equal(true);
    });

    it('allows exactly `limit` of 50 concurrent attempts from two instances', async () => {
      const key = `client-auth:${id()}`;
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).limiter.consume(key, 10, 60)));
      expect(results.filter((r) => r.allowed)).to.have.length(10);
      expect(results.filter((r) => !r.allowed).every((r) => r.retryAfter >= 1)).to.equal(true);
      expect(await raw.get(`${prefix}limit:${bucket(key)}`)).to.equal('10');
    });
  });

  describe('nonces (OAuth 1 replay protection)', () => {
    it('let exactly one of 50 concurrent identical uses through, across instances, until the nonce expires', async () => {
      const key = `oauth1:nonce:${id()}`;
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).nonces.remember(key, 300)));
      expect(results.filter(Boolean)).to.have.length(1);
      expect(await raw.pttl(`${prefix}${key}`)).to.be.within(1, 300);
      await sleep(400);
      expect(await b.nonces.remember(key, 300)).to.equal(true);
      expect(await a.nonces.remember(key, 300)).to.equal(false);
    });
  });

  describe('cache (cross-instance invalidation)', () => {
    it('delivers a publish on one instance to the subscribers of that topic on every instance, and only them', async () => {
      const topic = `clients-${id()}`;
      let other = 0;
      b.cache.subscribe(`other-${id()}`, () => { other++; });
      const onB = new Promise<void>((resolve) => b.cache.subscribe(topic, resolve));
      const onA = new Promise<void>((resolve) => a.cache.subscribe(topic, resolve));
      await sleep(100); // SUBSCRIBE is sent without waiting; let it land before publishing
      await a.cache.publish(topic);
      await within(2000, 'instance B hears A', onB);
      await within(2000, 'the publisher hears itself', onA);
      expect(other, 'another topic heard nothing').to.equal(0);
    });
  });

  describe('connection', () => {
    it('ping resolves while Redis answers', async () => {
      await a.ping();
      await b.ping();
    });

    it('refuses to start on an unreachable port, quickly, naming the URL without its password', async () => {
      const { ms, error } = await rejection(createRedisState('redis://:hunter2@127.0.0.1:1', { prefix }));
      expect(ms).to.be.below(3000);
      expect(error.message).to.include('redis://:***@127.0.0.1:1');
      expect(error.message).to.include('ECONNREFUSED');
      expect(error.message).not.to.include('hunter2');
    });

    it('gives up starting after 5 s on a server that accepts connections but never answers', async function () {
      this.timeout(15_000);
      const silent = createServer(() => {});
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
      const url = `redis://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      try {
        const { ms, error } = await rejection(createRedisState(url, { prefix }));
        expect(ms).to.be.within(1000, 7000);
        expect(error.message).to.include(url);
      } finally {
        silent.close();
      }
    });

    it('while Redis is gone, commands and ping fail within 2 s; once it is back, the same instance works again', async function () {
      this.timeout(15_000);
      await throughProxy(async (proxy, c) => {
        await c.nonces.remember(`n:${id()}`, 60_000);
        await proxy.cut();
        for (const call of [() => c.ping(), () => c.sessions.get('x'), () => c.limiter.consume(`k:${id()}`, 5, 60), () => c.nonces.remember(`n:${id()}`, 1000)]) {
          const { ms } = await rejection(call());
          expect(ms).to.be.below(2000);
        }
        await proxy.restore();
        let up = false;
        for (let i = 0; i < 50 && !up; i++) { up = await c.ping().then(() => true, () => false); if (!up) await sleep(100); }
        expect(up, 'reconnected by itself').to.equal(true);
        expect(await c.nonces.remember(`n:${id()}`, 60_000)).to.equal(true);
      });
    });

    it('when Redis stops answering, a command fails after about 2 s instead of hanging, and answers resume after', async function () {
      this.timeout(15_000);
      await throughProxy(async (proxy, c) => {
        proxy.stall();
        const { ms, error } = await rejection(c.ping());
        expect(ms).to.be.within(1000, 3000);
        expect(isUnavailable(error), `answered 503, not 500: ${error.message}`).to.equal(true);
        proxy.resume();
        await within(3000, 'ping after the stall', c.ping());
        const key = `after-stall-${id()}`;
        await c.sessions.set(key, { ok: true }, 60_000);
        expect(await c.sessions.get(key), 'replies still match their commands').to.deep.equal({ ok: true });
      });
    });

    it('the command timeout is configuration (REDIS_COMMAND_TIMEOUT_MS)', async function () {
      this.timeout(15_000);
      await throughProxy(async (proxy, c) => {
        proxy.stall();
        try {
          const { ms } = await rejection(c.ping());
          expect(ms).to.be.within(300, 1500);
        } finally { proxy.resume(); }
      }, { commandTimeoutMs: 500 });
    });

    it('tells subscribers "something changed" when the subscriber connection comes back, since messages were lost', async function () {
      this.timeout(15_000);
      await throughProxy(async (proxy, c) => {
        let heard = 0;
        c.cache.subscribe(`clients-${id()}`, () => { heard++; });
        await sleep(100);
        expect(heard).to.equal(0);
        await proxy.cut();
        await proxy.restore();
        for (let i = 0; i < 50 && !heard; i++) await sleep(100);
        expect(heard, 'the reconnection counted as a change').to.be.greaterThan(0);
      });
    });

    it('close() quits both connections and leaves no socket behind', async () => {
      const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
      const before = sockets();
      const c = await createRedisState(REDIS, { prefix });
      c.cache.subscribe(`t-${id()}`, () => {});
      expect(sockets()).to.equal(before + 2);
      await c.close();
      await sleep(50);
      expect(sockets()).to.equal(before);
      await rejection(c.ping());
    });
  });
});
