// Budgets of requests that store a row each (device authorizations, pushed requests): counted on the shared limiter
// (memory, the database or Redis), consumed before anything else runs, never given back.
import type { Context, Middleware } from 'koa';
import type { RateLimiter } from '../storage/rate-limit.ts';
import { HttpError } from './middleware/errors.ts';

const MINUTE = 60;

export interface RequestBudget {
  /** The key the request counts under; null: this request is not counted. */
  key(ctx: Context): string | null;
  /** Requests per key per minute. */
  perMinute: number;
  /** What the 429's description names: "Too many <what>. Try again later." */
  what: string;
}

/** Past the budget: 429 `temporarily_unavailable` with Retry-After (RFC 6749 §4.1.2.1's code; RFC 6585 §4). */
export function requestBudget(limiter: RateLimiter, budget: RequestBudget): Middleware {
  return async function withinBudget(ctx, next) {
    const key = budget.key(ctx);
    if (key !== null) {
      const a = await limiter.consume(key, budget.perMinute, MINUTE);
      if (!a.allowed) throw new HttpError(429, 'temporarily_unavailable', `Too many ${budget.what}. Try again later.`, { 'Retry-After': String(a.retryAfter) });
    }
    await next();
  };
}
