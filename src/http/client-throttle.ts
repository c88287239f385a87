// One budget of secret checks per (client_id, source) for every door a client secret can be guessed through: the
// OAuth 2 endpoints (client_secret_basic / _post) and OAuth 1 signatures (the consumer secret is the same secret).
import type { RateLimiter } from '../storage/rate-limit.ts';
import { sourceOf } from '../accounts/source.ts';
import { HttpError } from './middleware/errors.ts';

export interface ClientThrottle {
  limiter: RateLimiter;
  /** Failed authentications per (client_id, source) within the window before that source is refused outright. */
  failureLimit: number;
  windowSeconds: number;
}

// Per (client_id, source): guesses from one address cannot lock the client out everywhere. The limiter digests keys.
// A source is an IPv4 address or an IPv6 /64 (source.ts), as for every other budget.
const keyOf = (clientId: string, source: string) => `client-auth:${sourceOf(source)} ${clientId}`;

const tooMany = (retryAfter: number) => new HttpError(429, 'invalid_client', 'Too many failed client authentications. Try again later.', { 'Retry-After': String(retryAfter) });

/** For answers that check nothing (credentials verified before): a source past its limit must not learn they are right. */
export async function refuseIfThrottled(t: ClientThrottle, clientId: string, source: string): Promise<void> {
  const state = await t.limiter.peek(keyOf(clientId, source), t.failureLimit);
  if (!state.allowed) throw tooMany(state.retryAfter);
}

/**
 * Consume, then check (issue 17 #4, #7): the attempt is counted before `check` runs; a success gives it back, an
 * error `isVerdict` calls a wrong secret stays counted, any other error (the store failed) is given back too.
 */
export async function throttledCheck<T>(t: ClientThrottle, clientId: string, source: string, check: () => Promise<T>, isVerdict: (e: unknown) => boolean): Promise<T> {
  const key = keyOf(clientId, source);
  const attempt = await t.limiter.consume(key, t.failureLimit, t.windowSeconds);
  if (!attempt.allowed) throw tooMany(attempt.retryAfter);
  let result: T;
  try {
    result = await check();
  } catch (e) {
    if (!isVerdict(e)) await t.limiter.refund(key).catch(() => {});
    throw e;
  }
  await t.limiter.refund(key);
  return result;
}
