/** Counts attempts per key in a fixed window. Used by: login throttling, client-secret brute-force throttling. */
export interface RateLimiter {
  /** Records one attempt; `allowed` is false once the key has used its `limit` within the window. */
  hit(key: string, limit: number, windowSeconds: number): Promise<{ allowed: boolean; retryAfter: number }>;
  /** Reads without recording. */
  peek(key: string, limit: number): Promise<{ allowed: boolean; retryAfter: number }>;
  reset(key: string): Promise<void>;
}

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
