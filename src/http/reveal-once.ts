import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { open, seal } from '../oauth1/secret-box.ts';

/**
 * A new client secret is shown once, on the page after the POST that made it (POST/redirect/GET, so a reload
 * registers nothing twice), without waiting in the session store for days. The secret travels in a short-lived
 * httpOnly cookie scoped to that application's page, sealed (AES-256-GCM) under a one-time key; the session
 * holds only that key. Neither the session store nor the cookie alone reveals anything, the first view deletes
 * the key (a replayed cookie opens nothing), and an unread secret is gone after TTL_MS.
 */
const COOKIE = 'gatehouse.reveal';
const TTL_MS = 5 * 60 * 1000;

interface RevealKey { id: number; key: string; until: number }

// No trailing slash: RFC 6265 §5.1.4 path-match covers /o/applications/5 and /o/applications/5/..., not /55.
const pagePath = (clientId: number) => `/o/applications/${clientId}`;

/** Keeps `secret` for the next view of application `clientId` by this session. */
export function revealOnce(ctx: Context, clientId: number, secret: string): void {
  const key = randomBytes(32);
  ctx.session!.revealKey = { id: clientId, key: key.toString('base64url'), until: Date.now() + TTL_MS } satisfies RevealKey;
  ctx.cookies.set(COOKIE, seal(secret, key), { path: pagePath(clientId), httpOnly: true, sameSite: 'strict', secure: ctx.secure, maxAge: TTL_MS, signed: false });
}

/** The secret kept for this application's page, at most once; null when there is none (or it expired). */
export function takeRevealed(ctx: Context, clientId: number): string | null {
  const held = ctx.session?.revealKey as RevealKey | undefined;
  if (!held || held.id !== clientId) return null;
  delete ctx.session!.revealKey;
  const sealed = ctx.cookies.get(COOKIE);
  ctx.cookies.set(COOKIE, null, { path: pagePath(clientId), httpOnly: true, sameSite: 'strict', secure: ctx.secure, signed: false });
  if (!sealed || held.until < Date.now()) return null;
  try { return open(sealed, Buffer.from(held.key, 'base64url')); } catch { return null; }
}
