/** Counts attempts per key in a fixed window. Used by: login throttling, client-secret brute-force throttling. */
export interface RateLimiter {
  /** Records one attempt; `allowed` is false once the key has used its `limit` within the window. */
  hit(key: string, limit: number, windowSeconds: number): Promise<{ allowed: boolean; retryAfter: number }>;
  /** Reads without recording. */
  peek(key: string, limit: number): Promise<{ allowed: boolean; retryAfter: number }>;
  reset(key: string): Promise<void>;
}

import type { Sql } from './sql.ts';

/** In-process limiter for the single-instance default; Redis replaces it when instances share load. */
export class MemoryRateLimiter implements RateLimiter {
  readonly #buckets = new Map<string, { count: number; resetAt: number }>();

  async hit(key: string, limit: number, windowSeconds: number) {
    const now = Date.now();
    let b = this.#buckets.get(key);
    if (!b || b.resetAt <= now) {
      b = { count: 0, resetAt: now + windowSeconds * 1000 };
      this.#buckets.set(key, b);
      if (this.#buckets.size > 100_000) this.#sweep(now);
    }
    b.count++;
    return { allowed: b.count <= limit, retryAfter: Math.ceil((b.resetAt - now) / 1000) };
  }

  async peek(key: string, limit: number) {
    const now = Date.now();
    const b = this.#buckets.get(key);
    if (!b || b.resetAt <= now) return { allowed: true, retryAfter: 0 };
    return { allowed: b.count < limit, retryAfter: Math.ceil((b.resetAt - now) / 1000) };
  }

  async reset(key: string) { this.#buckets.delete(key); }

  #sweep(now: number) {
    for (const [k, b] of this.#buckets) if (b.resetAt <= now) this.#buckets.delete(k);
  }
}

/**
 * Limiter in the database, for several instances without Redis: one upsert per hit, atomic in both engines
 * (the row is the counter), so attempts count across instances exactly as they would in one process.
 */
export class SqlRateLimiter implements RateLimiter {
  readonly #sql: Sql;
  constructor(sql: Sql) { this.#sql = sql; }

  async hit(key: string, limit: number, windowSeconds: number) {
    const now = Date.now();
    const row = await this.#sql.get<{ hits: number; reset_at: number }>(`insert into rate_limits (bucket, hits, reset_at) values (?, 1, ?)
      on conflict (bucket) do update set
        hits = case when rate_limits.reset_at <= ? then 1 else rate_limits.hits + 1 end,
        reset_at = case when rate_limits.reset_at <= ? then excluded.reset_at else rate_limits.reset_at end
      returning hits, reset_at`, [key, now + windowSeconds * 1000, now, now]);
    const b = row!;
    return { allowed: b.hits <= limit, retryAfter: Math.max(1, Math.ceil((Number(b.reset_at) - now) / 1000)) };
  }

  async peek(key: string, limit: number) {
    const now = Date.now();
    const b = await this.#sql.get<{ hits: number; reset_at: number }>('select hits, reset_at from rate_limits where bucket = ?', [key]);
    if (!b || Number(b.reset_at) <= now) return { allowed: true, retryAfter: 0 };
    return { allowed: b.hits < limit, retryAfter: Math.ceil((Number(b.reset_at) - now) / 1000) };
  }

  async reset(key: string) { await this.#sql.run('delete from rate_limits where bucket = ?', [key]); }

  /** Used by: cleartokens (expired windows are dead rows). */
  deleteExpired(now = Date.now()) { return this.#sql.run('delete from rate_limits where reset_at <= ?', [now]); }
}
