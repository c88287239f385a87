import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Sql } from './sql.ts';

/**
 * The one limiter every throttle uses (login, password grant, client secrets): fixed windows per key.
 *
 * Consume, then check (issue 17 #4): `consume` counts the attempt atomically in the store BEFORE the password or
 * secret it guards is checked, so N concurrent guesses cannot all read "under the limit" and all be checked. The
 * caller gives the attempt back (`refund`, `reset`) only once the check succeeded, so the limit counts failures.
 * Used by: http/routes/login.ts and the password grant (via accounts/password-throttle.ts), http/routes/token.ts.
 */
export interface RateLimiter {
  /** Counts one attempt; `allowed` is false (and nothing more is counted) once the key has used its `limit`. */
  consume(key: string, limit: number, windowSeconds: number): Promise<Attempt>;
  /** Gives back one attempt that `consume` allowed (never one it refused: that one counted nothing). */
  refund(key: string): Promise<void>;
  /**
   * Reads without counting. Only for answers that check nothing secret (credentials verified before): never as a
   * gate in front of a check, which is the race `consume` exists to close.
   */
  peek(key: string, limit: number): Promise<Attempt>;
  reset(key: string): Promise<void>;
}

export interface Attempt { allowed: boolean; retryAfter: number }

/** What a store keeps per bucket: a count and the milliseconds left in its window. */
interface Count { count: number; msLeft: number }

/** Whether `increment` counted the attempt, and the milliseconds left in the bucket's window. */
interface Increment { counted: boolean; msLeft: number }

/** The stores are plain atomic counters; limits, key digests and Retry-After are decided once, in `Limiter`. */
interface CounterStore {
  /** Atomically: a new window at 1 if none is running, else +1 only while the count is below `cap`. */
  increment(bucket: string, cap: number, windowMs: number): Promise<Increment>;
  /** -1, never below 0, window kept. */
  decrement(bucket: string): Promise<void>;
  /** `limit`: a count below it is allowed whatever the window's end, which a store may then leave unread. */
  read(bucket: string, limit: number): Promise<Count | null>;
  remove(bucket: string): Promise<void>;
}

/**
 * Keys carry usernames and client ids of any length (issue 17 #13: a 500-character username overflowed the
 * 200-character bucket column on PostgreSQL): every store sees a fixed-size digest instead, and no username
 * sits in the clear in the database or Redis.
 */
const bucketOf = (key: string) => createHash('sha256').update(key).digest('base64url');

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

class Limiter implements RateLimiter {
  readonly #store: CounterStore;
  constructor(store: CounterStore) { this.#store = store; }

  async consume(key: string, limit: number, windowSeconds: number): Promise<Attempt> {
    // The one rule (issue 21): a key holds exactly the attempts it allowed and nobody gave back, 0 to `limit`. A
    // refused attempt counts nothing, so a give-back always undoes an allowed one and never turns into a lasting
    // count. (It once saturated at limit + 1, which no give-back undid: each burst from a source whose own budget
    // was used up left one more count on the user's all-sources budget, and one source locked the user out.)
    const { counted, msLeft } = await this.#store.increment(bucketOf(key), limit, windowSeconds * 1000);
    return { allowed: counted, retryAfter: seconds(msLeft) };
  }

  refund(key: string) { return this.#store.decrement(bucketOf(key)); }

  async peek(key: string, limit: number): Promise<Attempt> {
    const c = await this.#store.read(bucketOf(key), limit);
    if (!c || c.msLeft <= 0 || c.count < limit) return { allowed: true, retryAfter: 0 };
    return { allowed: false, retryAfter: seconds(c.msLeft) };
  }

  reset(key: string) { return this.#store.remove(bucketOf(key)); }
}

/** In-process counters for the single-instance default (SQLite); Redis or the database replace them when scaled out. */
export class MemoryRateLimiter extends Limiter {
  constructor() { super(new MemoryCounters()); }
}

class MemoryCounters implements CounterStore {
  readonly #buckets = new Map<string, { count: number; resetAt: number }>();

  async increment(bucket: string, cap: number, windowMs: number) {
    const now = Date.now();
    let b = this.#buckets.get(bucket);
    if (!b || b.resetAt <= now) {
      b = { count: 0, resetAt: now + windowMs };
      this.#buckets.set(bucket, b);
      if (this.#buckets.size > 100_000) this.#sweep(now);
    }
    const counted = b.count < cap;
    if (counted) b.count++;
    return { counted, msLeft: b.resetAt - now };
  }

  async decrement(bucket: string) {
    const b = this.#buckets.get(bucket);
    if (b && b.count > 0) b.count--;
  }

  async read(bucket: string) {
    const b = this.#buckets.get(bucket);
    return b ? { count: b.count, msLeft: b.resetAt - Date.now() } : null;
  }

  async remove(bucket: string) { this.#buckets.delete(bucket); }

  #sweep(now: number) {
    for (const [k, b] of this.#buckets) if (b.resetAt <= now) this.#buckets.delete(k);
  }
}

/**
 * Counters in the database, for several instances without Redis: one upsert per attempt, atomic in both engines
 * (INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING: the row is the counter, the engine serialises the updates;
 * a refused attempt updates nothing, returns no row, and then reads its window's end).
 */
export class SqlRateLimiter extends Limiter {
  // Ended windows are dead rows: cleartokens deletes them in batches (storage/maintenance.ts).
  constructor(sql: Sql) { super(new SqlCounters(sql)); }
}

class SqlCounters implements CounterStore {
  readonly #sql: Sql;
  constructor(sql: Sql) { this.#sql = sql; }

  async increment(bucket: string, cap: number, windowMs: number) {
    const now = Date.now();
    const row = await this.#sql.get<{ reset_at: number }>(`insert into rate_limits (bucket, hits, reset_at) values (?, 1, ?)
      on conflict (bucket) do update set
        hits = case when rate_limits.reset_at <= ? then 1 else rate_limits.hits + 1 end,
        reset_at = case when rate_limits.reset_at <= ? then excluded.reset_at else rate_limits.reset_at end
      where rate_limits.reset_at <= ? or rate_limits.hits < ?
      returning reset_at`, [bucket, now + windowMs, now, now, now, cap]);
    if (row) return { counted: true, msLeft: Number(row.reset_at) - now };
    // Refused: the window's end for Retry-After (a row reset or ended in between: try again in a second).
    const refused = await this.#sql.get<{ reset_at: number }>('select reset_at from rate_limits where bucket = ?', [bucket]);
    return { counted: false, msLeft: refused ? Number(refused.reset_at) - Date.now() : 0 };
  }

  async decrement(bucket: string) {
    await this.#sql.run('update rate_limits set hits = hits - 1 where bucket = ? and hits > 0', [bucket]);
  }

  async read(bucket: string) {
    const b = await this.#sql.get<{ hits: number; reset_at: number }>('select hits, reset_at from rate_limits where bucket = ?', [bucket]);
    return b ? { count: Number(b.hits), msLeft: Number(b.reset_at) - Date.now() } : null;
  }

  async remove(bucket: string) { await this.#sql.run('delete from rate_limits where bucket = ?', [bucket]); }

}

// One fixed window per key, atomic on the Redis server so attempts from any number of instances count exactly:
// the window starts (PEXPIRE) with the first attempt; +1 only below cap. Returns [1 if counted else 0, ms left].
const INCREMENT = `local counted = 0
if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[2]) then redis.call('INCR', KEYS[1]); counted = 1 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {counted, ttl}`;
// DECR keeps the key's TTL; a key gone (window over) or at 0 is left alone.
const DECREMENT = `local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then redis.call('DECR', KEYS[1]) end
return 0`;

/** Counters in Redis (REDIS_URL), under `prefix`, on the client that src/storage/redis.ts opened. */
export class RedisRateLimiter extends Limiter {
  constructor(client: Redis, prefix: string) { super(new RedisCounters(client, prefix)); }
}

class RedisCounters implements CounterStore {
  readonly #client: Redis;
  readonly #prefix: string;
  /** The reads asked for in this turn of the event loop, by limit and key (see `read`). */
  #reads = new Map<string, Promise<Count | null>>();
  constructor(client: Redis, prefix: string) { this.#client = client; this.#prefix = prefix; }

  async increment(bucket: string, cap: number, windowMs: number) {
    const [counted, msLeft] = (await this.#client.eval(INCREMENT, 1, this.#prefix + bucket, String(windowMs), String(cap))) as [number, number];
    return { counted: counted === 1, msLeft };
  }

  async decrement(bucket: string) { await this.#client.eval(DECREMENT, 1, this.#prefix + bucket); }

  // Every token request of a remembered client peeks (http/client-throttle.ts): one GET, the window's end only
  // when the count is high enough to refuse. A key whose window ended is gone (PEXPIRE), so GET alone answers
  // "allowed"; PTTL ≤ 0 after it means the window ended in between. (MULTI GET PTTL EXEC was four commands.)
  // The peeks of one key asked in one turn share one read, which the command connection sends at the end of that
  // turn (ioredis autopipelining, setImmediate): each of them was asked before it was sent, as if all were asked
  // at once. A peek in a later turn reads again. Only peeks share: `increment` (consume) is never shared.
  read(bucket: string, limit: number): Promise<Count | null> {
    const id = `${limit} ${bucket}`;
    let read = this.#reads.get(id);
    if (!read) {
      if (this.#reads.size === 0) setImmediate(() => { this.#reads = new Map(); });
      this.#reads.set(id, read = this.#read(bucket, limit));
    }
    return read;
  }

  async #read(bucket: string, limit: number) {
    const key = this.#prefix + bucket;
    const count = await this.#client.get(key);
    if (count === null) return null;
    if (Number(count) < limit) return { count: Number(count), msLeft: 0 };
    const ttl = await this.#client.pttl(key);
    return ttl <= 0 ? null : { count: Number(count), msLeft: ttl };
  }

  async remove(bucket: string) { await this.#client.del(this.#prefix + bucket); }
}
