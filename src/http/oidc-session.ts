import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';

// What an OpenID Connect login session keeps in the page session: its `sid` (Front/Back-Channel Logout §2.1; not the
// session cookie's value, which would let anyone holding an ID Token replay the cookie) and the clients it signed in
// to with scope openid, which logout tells through their back-channel.

const MAX_RELYING_PARTIES = 50;

/**
 * A new session id at login (Back-Channel Logout §2.1: unique per OP session, not guessable), and how the user
 * authenticated (RFC 8176 amr values, for ID Tokens).
 */
export function startLoginSession(ctx: Context, amr: readonly string[]): void {
  ctx.session!.sid = randomBytes(18).toString('base64url');
  ctx.session!.rps = [];
  ctx.session!.amr = [...amr];
}

/** RFC 8176: how the session's user authenticated; [] for a session signed in before amr was kept. */
export const sessionAmr = (ctx: Context): string[] => (Array.isArray(ctx.session?.amr) ? (ctx.session.amr as unknown[]).filter((v): v is string => typeof v === 'string') : []);

/** The session's sid, made now for a session that was signed in before sids existed. */
export function sessionSid(ctx: Context): string | null {
  if (!ctx.session || !ctx.state.user) return null;
  if (typeof ctx.session.sid !== 'string') ctx.session.sid = randomBytes(18).toString('base64url');
  return ctx.session.sid as string;
}

/** Remembers that this session signed in to `clientId` (an ID Token was asked for), for logout. */
export function rememberRelyingParty(ctx: Context, clientId: string): void {
  if (!ctx.session) return;
  const rps = Array.isArray(ctx.session.rps) ? (ctx.session.rps as string[]) : [];
  if (!rps.includes(clientId)) ctx.session.rps = [...rps, clientId].slice(-MAX_RELYING_PARTIES);
}

/** The clients this session signed in to (client_ids). */
export const relyingPartiesOf = (ctx: Context): string[] => (Array.isArray(ctx.session?.rps) ? (ctx.session.rps as string[]).filter((c) => typeof c === 'string') : []);
