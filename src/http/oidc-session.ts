import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type { LoginSessions } from '../oidc/login-sessions.ts';
import { SIGNED_IN_SESSION_MS } from './middleware/csrf.ts';

// What an OpenID Connect login session keeps in the page session: its `sid` (Front/Back-Channel Logout §2.1; not the
// session cookie's value, which would let anyone holding an ID Token replay the cookie) and the clients it signed in
// to with scope openid, which logout tells through their back-channel.

const MAX_RELYING_PARTIES = 50;

/**
 * A new session id at login (Back-Channel Logout §2.1: unique per OP session, not guessable), remembered by user, and
 * how the user authenticated (RFC 8176 amr values, for ID Tokens). `continuing`: the same user signed in again in
 * this browser, whose sid and relying parties carry on.
 */
export async function startLoginSession(ctx: Context, userId: number, registry: Pick<LoginSessions, 'save'>, amr: readonly string[], continuing?: { sid: string | null; rps: string[] }): Promise<void> {
  const sid = continuing?.sid ?? randomBytes(18).toString('base64url');
  const rps = continuing?.sid ? continuing.rps.slice(-MAX_RELYING_PARTIES) : [];
  ctx.session!.sid = sid;
  ctx.session!.rps = rps;
  ctx.session!.amr = [...amr];
  await registry.save(sid, userId, rps, Date.now() + SIGNED_IN_SESSION_MS);
}

/** RFC 8176: how the session's user authenticated; [] for a session signed in before amr was kept. */
export const sessionAmr = (ctx: Context): string[] => (Array.isArray(ctx.session?.amr) ? (ctx.session.amr as unknown[]).filter((v): v is string => typeof v === 'string') : []);

/** The session's sid, made now for a session that was signed in before sids existed. */
export function sessionSid(ctx: Context): string | null {
  if (!ctx.session || !ctx.state.user) return null;
  if (typeof ctx.session.sid !== 'string') ctx.session.sid = randomBytes(18).toString('base64url');
  return ctx.session.sid as string;
}

/**
 * Remembers that this session signed in to `clientId` (an ID Token was asked for), for logout: in the session, and
 * by user (login_sessions) for sessions ended elsewhere. Written only when the list changes.
 */
export async function rememberRelyingParty(ctx: Context, clientId: string, registry: Pick<LoginSessions, 'save'>): Promise<void> {
  if (!ctx.session) return;
  const rps = Array.isArray(ctx.session.rps) ? (ctx.session.rps as string[]) : [];
  if (rps.includes(clientId)) return;
  ctx.session.rps = [...rps, clientId].slice(-MAX_RELYING_PARTIES);
  const sid = sessionSid(ctx);
  const userId = ctx.session.userId;
  if (sid && typeof userId === 'number') await registry.save(sid, userId, ctx.session.rps as string[], Date.now() + SIGNED_IN_SESSION_MS);
}

/** The clients this session signed in to (client_ids). */
export const relyingPartiesOf = (ctx: Context): string[] => (Array.isArray(ctx.session?.rps) ? (ctx.session.rps as string[]).filter((c) => typeof c === 'string') : []);
