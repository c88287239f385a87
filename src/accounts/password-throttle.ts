import { createHash } from 'node:crypto';
import type { RateLimiter } from '../storage/rate-limit.ts';
import { sourceOf } from './source.ts';

export interface PasswordLimits { loginPerUsername: number; loginPerUsernameAllSources: number; loginPerIp: number; windowSeconds: number }

export type Guarded<T> = { retryAfter: number } | { result: T | null };

/**
 * Budgets of password guesses, whichever door they come through (the login page or the password grant): per
 * (username, source), so a stranger cannot lock a user out of their own network; per source, so one address cannot
 * spray many usernames; and a larger one per username across all sources, so many addresses together still get
 * few guesses at one password. Used by: http/routes/login.ts, oauth2/grants/password.ts.
 */
export interface PasswordThrottle {
  /**
   * Runs `check` (a password verification returning the user, or null) only when the attempt fits under both
   * limits, counting it first (issue 17 #4: consume, then check). `{ retryAfter }` means nothing was checked.
   */
  guard<T>(username: string, password: string, source: string | null, check: () => Promise<T | null>): Promise<Guarded<T>>;
}

/** How long a source stays known to a user after they signed in from it. */
const KNOWN_SOURCE_SECONDS = 30 * 24 * 3600;

export function createPasswordThrottle(limiter: RateLimiter, limits: PasswordLimits): PasswordThrottle {
  // Identical attempts (username, password, source) that arrive together share one check and one count: a script
  // logging in with 30 parallel requests is one guess, not 30, and must not lock itself out (distinct guesses are
  // distinct keys and each counts). Keyed by a digest: no password is held as a map key.
  const inFlight = new Map<string, Promise<Guarded<unknown>>>();
  return {
    guard<T>(username: string, password: string, source: string | null, check: () => Promise<T | null>): Promise<Guarded<T>> {
      const key = createHash('sha256').update(JSON.stringify([username, password, source])).digest('base64');
      let flight = inFlight.get(key) as Promise<Guarded<T>> | undefined;
      if (!flight) {
        // One source an IPv4 address or an IPv6 /64 (accounts/source.ts), as every other budget counts them: one subscriber
        // rotating through its /64 had a fresh per-source budget at every address (attacker read 10, F3).
        flight = guardOnce(username, source === null ? null : sourceOf(source), check).finally(() => inFlight.delete(key));
        inFlight.set(key, flight);
      }
      return flight;
    },
  };

  async function guardOnce<T>(username: string, source: string | null, check: () => Promise<T | null>): Promise<Guarded<T>> {
    const user = username.trim().toLowerCase();
    // A source this user signed in from lately is theirs: the all-sources budget (against guesses from many
    // addresses) does not apply there, so guessers elsewhere cannot lock the user out of their own network.
    const knownSource = `login:known-source:${user}\n${source ?? ''}`;
    const known = !(await limiter.peek(knownSource, 1)).allowed;
    // The order matters below: keys[0] is reset by the right password, the others only get this attempt back.
    const keys = [`login:user-source:${user}\n${source ?? ''}`, `login:ip:${source ?? ''}`, ...(known ? [] : [`login:user:${user}`])];
    const caps = [limits.loginPerUsername, limits.loginPerIp, limits.loginPerUsernameAllSources];
    // The source's own budgets first, the all-sources one only for an attempt they allow: a flood from a used-up source,
    // held in flight, would otherwise fill the user's all-sources budget between each count and its give-back, and
    // lock the user out of every new network meanwhile (attacker read 9, F5).
    const consume = (from: number, to: number) => Promise.all(keys.slice(from, to).map((k, i) => limiter.consume(k, caps[from + i], limits.windowSeconds)));
    const local = await consume(0, 2);
    const attempts = local.every((a) => a.allowed) ? [...local, ...await consume(2, keys.length)] : local;
    if (attempts.some((a) => !a.allowed)) {
      // An attempt counts on every key or on none: a refused key gives back what the others counted.
      await Promise.all(keys.filter((_, i) => attempts[i]?.allowed).map((k) => limiter.refund(k)));
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
    // The right password clears this source's failures for the username and gives the other budgets this attempt
    // back (not their count: the right password from one place must not reset what guessers elsewhere used).
    if (result) await Promise.all([limiter.reset(keys[0]), ...keys.slice(1).map((k) => limiter.refund(k)), limiter.consume(knownSource, 1, KNOWN_SOURCE_SECONDS)]);
    return { result };
  }
}
