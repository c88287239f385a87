import { randomBytes } from 'node:crypto';
import type { RateLimiter } from '../storage/rate-limit.ts';

/**
 * One-time form tokens: a form that creates something carries a fresh random token, and its POST spends it with
 * one atomic increment of the shared limiter (Redis or the database when scaled out), so a double click, a resent
 * POST or twenty concurrent copies create the thing once. This is not CSRF protection (csrf.ts does that): it
 * only tells a repeated submission from a new one.
 */
export const FORM_ONCE_FIELD = 'form_once';
const SHAPE = /^[A-Za-z0-9_-]{24}$/;
// A form left open longer than this can still be sent, once: the window only bounds how long the key is kept.
const WINDOW_SECONDS = 24 * 60 * 60;

export const newFormToken = (): string => randomBytes(18).toString('base64url');

/** The form's token as sent, if it has a token's shape (a refused form is shown again with it, or a fresh one). */
export const sentFormToken = (body: Record<string, unknown>): string | undefined => {
  const v = body[FORM_ONCE_FIELD];
  return typeof v === 'string' && SHAPE.test(v) ? v : undefined;
};

export type FormSpend = 'fresh' | 'spent' | 'malformed';

/**
 * Spends `token` for this user and form; only the first caller gets 'fresh'. A missing or empty token is
 * 'malformed' like a damaged one: if leaving the field out meant "no token, go ahead", a resent copy without it
 * (or a script) would create the thing again, and the guarantee would be the client's choice.
 */
export async function spendFormToken(limiter: RateLimiter, form: string, userId: number, token: unknown): Promise<FormSpend> {
  if (typeof token !== 'string' || !SHAPE.test(token)) return 'malformed';
  const { allowed } = await limiter.consume(`form-once:${form}:${userId}:${token}`, 1, WINDOW_SECONDS);
  return allowed ? 'fresh' : 'spent';
}

/** Gives a spent token back when what it guarded failed, so the person can resubmit the same form. */
export const refundFormToken = (limiter: RateLimiter, form: string, userId: number, token: string): Promise<void> =>
  limiter.refund(`form-once:${form}:${userId}:${token}`);
