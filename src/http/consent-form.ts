import { createHmac } from 'node:crypto';
import { newFormToken, spendFormToken } from './form-once.ts';
import type { RateLimiter } from '../storage/rate-limit.ts';
import { InvalidRequest } from '../oauth2/errors.ts';
import { timingSafeEqualString } from '../oauth2/tokens.ts';
import { consentDigest, refuseUnpushed } from '../oauth2/par/pushed-requests.ts';

/** How long a consent page may stay open; well inside form-once's window, after which a spent token would count again. */
export const CONSENT_FORM_TTL_S = 3600;
const SKEW_S = 60;
const TOKEN = /^([A-Za-z0-9_-]{24})\.([0-9a-z]{1,10})\.([A-Za-z0-9_-]{43})$/;

/** What a consent form is: shown for a pushed request (RFC 9126) or for one from the query string. */
export type ShownFor = 'pushed' | 'plain';

/**
 * The consent form is a decision taken once (RFC 9126 §4: a pushed request is used once, its consent with it). Its
 * page carries a one-time token, `<nonce>.<issued at>.<HMAC(nonce, issued at, user, pushed or not, the fields)>`:
 * only a form this server showed, to this user, with these fields, within the hour, is accepted, and the POST that
 * allows or denies spends the nonce with one atomic increment of the shared limiter (form-once.ts), so a resent
 * form, or twenty concurrent copies of it, mint one code at most. Stateless (nothing waits in the session), so
 * several consent pages may be open at once, on any instance.
 */
export class ConsentForms {
  readonly #key: Buffer;
  readonly #limiter: RateLimiter;
  constructor(key: Buffer, limiter: RateLimiter) { this.#key = key; this.#limiter = limiter; }

  #mac(nonce: string, iat: string, userId: number, shownFor: ShownFor, fields: Record<string, string>): string {
    return createHmac('sha256', this.#key).update(`consent-form:${nonce}:${iat}:${userId}:${shownFor}:${consentDigest(fields)}`).digest('base64url');
  }

  /** For the consent page: the token of its form. */
  issue(userId: number, shownFor: ShownFor, fields: Record<string, string>, now: number): string {
    const nonce = newFormToken();
    const iat = Math.floor(now / 1000).toString(36);
    return `${nonce}.${iat}.${this.#mac(nonce, iat, userId, shownFor, fields)}`;
  }

  #shownFor(token: unknown, userId: number, fields: Record<string, string>, now: number): ShownFor | null {
    const m = typeof token === 'string' ? TOKEN.exec(token) : null;
    if (!m) return null;
    const [, nonce, iat, mac] = m;
    const age = Math.floor(now / 1000) - parseInt(iat, 36);
    if (age > CONSENT_FORM_TTL_S || age < -SKEW_S) return null;
    return (['pushed', 'plain'] as const).find((s) => timingSafeEqualString(mac, this.#mac(nonce, iat, userId, s, fields))) ?? null;
  }

  /**
   * At the decision (allow or deny): spends the form. Refuses one this server did not show with these fields, an
   * expired one, one already sent, and, where only pushed requests count (RFC 9126 §5), one not shown for a pushed
   * request (a form written by hand).
   */
  async spend(token: unknown, userId: number, fields: Record<string, string>, now: number, onlyPushed: { requirePushed: boolean; unpushedRule?: string }): Promise<void> {
    const shownFor = this.#shownFor(token, userId, fields, now);
    if (onlyPushed.requirePushed && shownFor !== 'pushed') refuseUnpushed(onlyPushed.unpushedRule);
    // Not redirected: the client's request has had its answer (or never had a page), and its state is not ours to reuse.
    if (!shownFor || await spendFormToken(this.#limiter, 'consent', userId, (token as string).slice(0, 24)) !== 'fresh') {
      throw new InvalidRequest('This consent form was already sent, has expired, or was not shown by this server: start again from the application.', { fatal: true });
    }
  }
}
