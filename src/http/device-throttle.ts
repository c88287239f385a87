// RFC 8628 §5.1: user codes are short, so guesses are counted; §3.1's endpoint mints rows, so requests are counted.
// Both on the shared limiter (memory, the database or Redis, as for passwords and client secrets), consume first.
import type { Middleware } from 'koa';
import type { RateLimiter } from '../storage/rate-limit.ts';
import { requestBudget } from './request-budget.ts';
import { authenticatedClient } from './middleware/client-auth.ts';
import { sourceOf } from '../accounts/source.ts';

/**
 * Wrong user codes in the window per source (an IPv6 /64, an IPv4 address) and per signed-in account. No budget is
 * shared by everyone (issue 20 D1): a guesser spends only their own, and a person elsewhere is never locked out.
 * docs/security.md has the arithmetic.
 */
export const USER_CODE_FAILURES_PER_SOURCE = 10;
export const USER_CODE_FAILURES_PER_ACCOUNT = 20;

export type UserCodeGuard = <T>(who: { ip: string; userId: number }, check: () => Promise<T | null>) => Promise<{ retryAfter: number } | { result: T | null }>;

/** Consume, then check (issue 17 #4): every key counts the attempt first; a code that exists gives it back. */
export function userCodeGuard(limiter: RateLimiter, windowSeconds: number): UserCodeGuard {
  return async (who, check) => {
    const keys = [`device-user-code:source:${sourceOf(who.ip)}`, `device-user-code:account:${who.userId}`];
    const caps = [USER_CODE_FAILURES_PER_SOURCE, USER_CODE_FAILURES_PER_ACCOUNT];
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

export interface DeviceAuthorizationLimits { perSource: number; perClient: number }

/**
 * RFC 8628 §3.1 device authorization requests: every request counts (none is given back, each stores a row).
 * `perSource` runs before client authentication, so junk costs its sender too; `perClient` after it, so a stranger
 * without the secret cannot spend a confidential client's budget.
 */
export function deviceAuthorizationLimits(limiter: RateLimiter, limits: DeviceAuthorizationLimits): { perSource: Middleware; perClient: Middleware } {
  return {
    perSource: requestBudget(limiter, { key: (ctx) => `device-authorization:source:${sourceOf(ctx.ip)}`, perMinute: limits.perSource, what: 'device authorization requests from this source' }),
    perClient: requestBudget(limiter, { key: (ctx) => `device-authorization:client:${authenticatedClient(ctx).clientId}`, perMinute: limits.perClient, what: 'device authorization requests for this client' }),
  };
}
