import type { RateLimiter } from '../storage/rate-limit.ts';

export interface PasswordLimits { loginPerUsername: number; loginPerIp: number; windowSeconds: number }

export type Guarded<T> = { retryAfter: number } | { result: T | null };

/**
 * One budget of password guesses per username and per source, whichever door they come through (the login page
 * or the password grant). Used by: http/routes/login.ts, oauth2/grants/password.ts.
 */
export interface PasswordThrottle {
  /**
   * Runs `check` (a password verification returning the user, or null) only when the attempt fits under both
   * limits, counting it first (issue 17 #4: consume, then check). `{ retryAfter }` means nothing was checked.
   */
  guard<T>(username: string, source: string | null, check: () => Promise<T | null>): Promise<Guarded<T>>;
}

export function createPasswordThrottle(limiter: RateLimiter, limits: PasswordLimits): PasswordThrottle {
  return {
    async guard<T>(username: string, source: string | null, check: () => Promise<T | null>): Promise<Guarded<T>> {
      const keys = [`login:user:${username.trim().toLowerCase()}`, `login:ip:${source ?? ''}`];
      const caps = [limits.loginPerUsername, limits.loginPerIp];
      const attempts = await Promise.all(keys.map((k, i) => limiter.consume(k, caps[i], limits.windowSeconds)));
      if (attempts.some((a) => !a.allowed)) {
        // An attempt counts on both keys or on neither: one refused key gives back what the other counted.
        await Promise.all(keys.map((k, i) => (attempts[i].allowed ? limiter.refund(k) : undefined)));
        return { retryAfter: Math.max(...attempts.filter((a) => !a.allowed).map((a) => a.retryAfter)) };
      }
      let result: T | null;
      try {
        result = await check();
      } catch (e) {
        // Not a verdict on the password (the store failed): the attempt is given back.
        await Promise.all(keys.map((k) => limiter.refund(k))).catch(() => {});
        throw e;
      }
      // The right password clears the username's failures (as a login always did) and gives the source its attempt back.
      if (result) await Promise.all([limiter.reset(keys[0]), limiter.refund(keys[1])]);
      return { result };
    },
  };
}
