import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * RFC 9449 §8, §9: server-provided nonces, stateless so that every instance accepts the others' (no store): a nonce
 * is `<window>.<HMAC-SHA256(secret, window)>`, the window being the current period of `periodSeconds`. One issued
 * in the current or the previous window is accepted, so a nonce lives between one and two periods.
 */
export class DpopNonces {
  readonly #secret: Buffer;
  readonly #periodMs: number;
  constructor(secret: Buffer, periodSeconds: number) { this.#secret = secret; this.#periodMs = periodSeconds * 1000; }

  #mac(window: number): string {
    return createHmac('sha256', this.#secret).update(`dpop-nonce:${window}`).digest('base64url');
  }

  /** The nonce to send in `DPoP-Nonce` now. */
  current(now: number): string {
    const window = Math.floor(now / this.#periodMs);
    return `${window.toString(36)}.${this.#mac(window)}`;
  }

  /** Whether a proof's nonce is one of ours and still fresh. */
  accepts(nonce: unknown, now: number): boolean {
    if (typeof nonce !== 'string' || nonce.length > 128) return false;
    const dot = nonce.indexOf('.');
    const window = parseInt(nonce.slice(0, dot), 36);
    const current = Math.floor(now / this.#periodMs);
    if (dot < 1 || !Number.isSafeInteger(window) || (window !== current && window !== current - 1)) return false;
    const given = Buffer.from(nonce.slice(dot + 1));
    const expected = Buffer.from(this.#mac(window));
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
