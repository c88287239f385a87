import type { AuditEvent, EventSink } from '../oauth2/store.ts';
import type { RateLimiter } from '../storage/rate-limit.ts';
import { sourceOf } from '../accounts/source.ts';
import { REQUEST_REFUSED } from '../oauth2/failure-reasons.ts';

/**
 * The events a stranger can cause without proving anything: a refused client authentication (any client_id, known or
 * not) and a refused request of a client that authenticates with nothing (a public client's client_id is public).
 */
const ANONYMOUS_FAILURES: ReadonlySet<string> = new Set(['client.auth_failed', REQUEST_REFUSED]);

/**
 * The one sink such events are recorded through (client authentication, the error handler): at most `perSource` rows
 * per source (an IPv4 address, an IPv6 /64) per window, counted before the write, so one source cannot grow the events
 * table without bound (attacker read 15, F2). Past it the row is not written; the answer is the same. Every other
 * event goes straight through.
 */
export function boundedFailureEvents(events: EventSink, limiter: RateLimiter, o: { perSource: number; windowSeconds: number }): EventSink {
  return {
    async record(event: AuditEvent) {
      if (ANONYMOUS_FAILURES.has(event.type) && event.ip) {
        const attempt = await limiter.consume(`failure-events:${sourceOf(event.ip)}`, o.perSource, o.windowSeconds);
        if (!attempt.allowed) return;
      }
      await events.record(event);
    },
  };
}
