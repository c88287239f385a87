import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisRateLimiter, type RateLimiter } from './rate-limit.ts';
import type { NonceStore } from './oauth1.repository.ts';
import { RedisStreamSlots, type StreamSlots } from './stream-slots.ts';

/** What several instances share through Redis (REDIS_URL): one client for commands, one for pub/sub. */
export interface RedisState {
  /** koa-session external store; keys are hashed so a Redis reader cannot replay a cookie. */
  sessions: {
    get(key: string): Promise<Record<string, unknown> | undefined>;
    set(key: string, sess: Record<string, unknown>, maxAge: number | 'session' | undefined): Promise<void>;
    destroy(key: string): Promise<void>;
  };
  limiter: RateLimiter;
  nonces: NonceStore;
  /** Cross-instance invalidation: every instance (the publisher too) hears every publish. */
  cache: { publish(topic: string): Promise<void>; subscribe(topic: string, onMessage: () => void): void };
  /** Messages with a body (audit events for GraphQL subscriptions): every instance, the publisher too, hears each. */
  bus: { publish(topic: string, payload: string): Promise<void>; subscribe(topic: string, onMessage: (payload: string) => void): void };
  /** Open event streams per user, counted across instances (leases, see stream-slots.ts). */
  streams: StreamSlots;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The URL without its password, for messages. */
const redact = (url: string) => { try { const u = new URL(url); if (u.password) u.password = '***'; return u.toString(); } catch { return 'REDIS_URL'; } };

const START_TIMEOUT_MS = 5000;

export async function createRedisState(url: string, opts: { prefix?: string; commandTimeoutMs?: number } = {}): Promise<RedisState> {
  const prefix = opts.prefix ?? 'gatehouse:';
  // Commands fail fast while Redis is away or silent (answered 503 by the error handler) instead of queueing or
  // waiting forever; the client keeps reconnecting in the background and recovers by itself.
  const options = {
    maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 3000, commandTimeout: opts.commandTimeoutMs ?? 2000, lazyConnect: true,
    retryStrategy: (times: number) => Math.min(times * 200, 2000),
  };
  // Commands issued in one turn of the event loop (the failure-budget reads of every token request answered in
  // it, a turn's PUBLISH) leave in one socket write: a write each was a tenth of a token's CPU (docs/performance.md).
  const client = new Redis(url, { ...options, enableAutoPipelining: true });
  const sub = new Redis(url, { ...options, commandTimeout: undefined });
  // Errors surface on the commands that hit them; an unlistened 'error' event would end the process. The first
  // one explains a failed start better than connect()'s "Connection is closed." (ioredis messages carry no password).
  let cause: Error | undefined;
  const remember = (e: Error) => { cause ??= e; };
  client.on('error', remember);
  sub.on('error', remember);
  // A server that accepts but never answers would hold the subscriber's ready check forever: bound the start.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
  });
  try {
    await Promise.race([Promise.all([client.connect(), sub.connect()]), deadline]);
  } catch (e) {
    client.disconnect();
    sub.disconnect();
    // The message carries the cause's text; the error object is left out so that nothing unredacted from the
    // client (its options hold the URL) reaches a log.
    // eslint-disable-next-line preserve-caught-error -- see above
    throw new Error(`Redis at ${redact(url)} is not reachable: ${(cause ?? (e as Error)).message}`);
  } finally {
    clearTimeout(timer);
    client.off('error', remember).on('error', () => {});
    sub.off('error', remember).on('error', () => {});
  }

  const handlers = new Map<string, (() => void)[]>();
  const payloadHandlers = new Map<string, ((payload: string) => void)[]>();
  sub.on('message', (channel: string, payload: string) => {
    for (const h of handlers.get(channel) ?? []) h();
    for (const h of payloadHandlers.get(channel) ?? []) h(payload);
  });
  // Messages sent while the subscriber was reconnecting are lost: treat a reconnection as "everything changed".
  sub.on('ready', () => { for (const list of handlers.values()) for (const h of list) h(); });

  const sessionKey = (key: string) => `${prefix}session:${sha256(key)}`;
  const streams = new RedisStreamSlots(client, `${prefix}streams:`);

  return {
    sessions: {
      async get(key) {
        const raw = await client.get(sessionKey(key));
        if (raw === null) return undefined;
        try { return JSON.parse(raw) as Record<string, unknown>; } catch { return undefined; }
      },
      async set(key, sess, maxAge) {
        const ttl = typeof maxAge === 'number' ? maxAge : 24 * 3600 * 1000;
        await client.set(sessionKey(key), JSON.stringify(sess), 'PX', Math.max(1, Math.round(ttl)));
      },
      async destroy(key) { await client.del(sessionKey(key)); },
    },
    // Consume-then-check counters, shared with the other stores (see rate-limit.ts).
    limiter: new RedisRateLimiter(client, `${prefix}limit:`),
    nonces: {
      async remember(key, ttlMs) {
        return (await client.set(`${prefix}${key}`, '1', 'PX', Math.max(1, Math.round(ttlMs)), 'NX')) === 'OK';
      },
    },
    cache: {
      async publish(topic) { await client.publish(`${prefix}${topic}`, '1'); },
      subscribe(topic, onMessage) {
        const channel = `${prefix}${topic}`;
        const list = handlers.get(channel) ?? [];
        if (!list.length) void sub.subscribe(channel).catch(() => {});
        handlers.set(channel, [...list, onMessage]);
      },
    },
    bus: {
      async publish(topic, payload) { await client.publish(`${prefix}${topic}`, payload); },
      subscribe(topic, onMessage) {
        const channel = `${prefix}${topic}`;
        const list = payloadHandlers.get(channel) ?? [];
        if (!list.length && !handlers.has(channel)) void sub.subscribe(channel).catch(() => {});
        payloadHandlers.set(channel, [...list, onMessage]);
      },
    },
    streams,
    async ping() { await client.ping(); },
    async close() {
      streams.stop();
      await Promise.all([client.quit().catch(() => client.disconnect()), sub.quit().catch(() => sub.disconnect())]);
    },
  };
}
