import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Open event streams (GraphQL subscriptions) per user, against EVENT_STREAMS_PER_USER. Each stream holds a
 * connection, a listener on the event bus and a recheck timer; counted per instance only, N instances behind one
 * balancer allowed N times the cap (issue 21). One process counts in memory; instances sharing Redis count there.
 */
export interface StreamSlots {
  /** A slot for one more stream of `userId`, or null at `limit`; the function gives it back (once, however often called). */
  take(userId: number, limit: number): Promise<(() => void) | null>;
  /** Stops the heartbeat (the instance is closing; its streams have ended). */
  stop(): void;
}

const once = (f: () => void) => { let done = false; return () => { if (!done) { done = true; f(); } }; };

export class MemoryStreamSlots implements StreamSlots {
  readonly #open = new Map<number, number>();
  async take(userId: number, limit: number) {
    const n = this.#open.get(userId) ?? 0;
    if (n >= limit) return null;
    this.#open.set(userId, n + 1);
    return once(() => {
      const left = (this.#open.get(userId) ?? 1) - 1;
      if (left > 0) this.#open.set(userId, left); else this.#open.delete(userId);
    });
  }
  stop() {}
}

// A user's slots are a sorted set: one member per open stream, scored with the time its lease ends (Redis's own clock,
// so instances need not agree on the time). Expired leases are dropped before counting: a crashed instance's streams
// free their slots within one lease, never forever. Counting and adding are one script, so two instances cannot
// both take the last slot.
const TAKE = `local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;
// The heartbeat extends the leases of the streams still open here; a member released meanwhile is not brought back.
const RENEW = `local t = redis.call('TIME')
local until_ = t[1] * 1000 + math.floor(t[2] / 1000) + tonumber(ARGV[1])
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[1], 'XX', until_, ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 0`;

/** Default lease: a stream's slot outlives its instance by at most this long. Renewed every third of it. */
export const STREAM_LEASE_MS = 60_000;

export class RedisStreamSlots implements StreamSlots {
  readonly #client: Redis;
  readonly #prefix: string;
  readonly #leaseMs: number;
  readonly #instance = randomBytes(9).toString('base64url');
  #seq = 0;
  /** Open streams of this instance: key → members. */
  readonly #held = new Map<string, Set<string>>();
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(client: Redis, prefix: string, opts: { leaseMs?: number } = {}) {
    this.#client = client;
    this.#prefix = prefix;
    this.#leaseMs = opts.leaseMs ?? STREAM_LEASE_MS;
    this.#timer = setInterval(() => { void this.#renew(); }, Math.max(10, Math.floor(this.#leaseMs / 3)));
    this.#timer.unref();
  }

  async take(userId: number, limit: number) {
    const key = `${this.#prefix}${userId}`;
    const member = `${this.#instance}:${++this.#seq}`;
    const ok = await this.#client.eval(TAKE, 1, key, member, String(limit), String(this.#leaseMs));
    if (ok !== 1) return null;
    const mine = this.#held.get(key) ?? new Set<string>();
    mine.add(member);
    this.#held.set(key, mine);
    return once(() => {
      mine.delete(member);
      if (!mine.size) this.#held.delete(key);
      // Redis away: the lease ends the slot instead.
      this.#client.zrem(key, member).catch(() => {});
    });
  }

  async #renew() {
    // A failed renewal (Redis away a moment) is retried at the next beat, well within the lease.
    await Promise.all([...this.#held].map(([key, members]) => this.#client.eval(RENEW, 1, key, String(this.#leaseMs), ...members).catch(() => {})));
  }

  /** Stops renewing, as a crash would (tests), or at close. */
  stop() { clearInterval(this.#timer); }
}
