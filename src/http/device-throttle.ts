// RFC 8628 §5.1: user codes are short, so guesses are counted: per source and across all sources (the limiter is
// the shared one: memory, the database or Redis, as for passwords and client secrets).
import type { RateLimiter } from '../storage/rate-limit.ts';

/** Wrong user codes per source in the window, and from everyone together (docs/security.md has the arithmetic). */
export const USER_CODE_FAILURES_PER_SOURCE = 10;
export const USER_CODE_FAILURES_ALL_SOURCES = 1000;

export type UserCodeGuard = <T>(source: string, check: () => Promise<T | null>) => Promise<{ retryAfter: number } | { result: T | null }>;

/** Consume, then check (issue 17 #4): every key counts the attempt first; a code that exists gives it back. */
export function userCodeGuard(limiter: RateLimiter, windowSeconds: number): UserCodeGuard {
  return async (source, check) => {
    const keys = [`device-user-code:ip:${source}`, 'device-user-code:all'];
    const caps = [USER_CODE_FAILURES_PER_SOURCE, USER_CODE_FAILURES_ALL_SOURCES];
    const attempts = await Promise.all(keys.map((k, i) => limiter.consume(k, caps[i], windowSeconds)));
    if (attempts.some((a) => !a.allowed)) {
      await Promise.all(keys.filter((_, i) => attempts[i].allowed).map((k) => limiter.refund(k)));
      return { retryAfter: Math.max(...attempts.filter((a) => !a.allowed).map((a) => a.retryAfter)) };
    }
    let result: Awaited<ReturnType<typeof check>>;
    try { result = await check(); } catch (e) {
      await Promise.all(keys.map((k) => limiter.refund(k))).catch(() => {});
      throw e;
    }
    if (result !== null) await Promise.all(keys.map((k) => limiter.refund(k)));
    return { result };
  };
}
