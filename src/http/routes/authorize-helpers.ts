import type { Context } from 'koa';
import type { ApprovingSession } from '../../oauth2/approve.ts';
import { isRedirect, redirectLocation, type AuthorizationResponse } from '../../oauth2/authorization-response.ts';
import { MAX_RESPONSE_LOCATION, type AuthorizationRequest } from '../../oauth2/authorize.ts';
import { InvalidRequest } from '../../oauth2/errors.ts';
import type { LoginSessions } from '../../oidc/login-sessions.ts';
import { rememberRelyingParty, sessionAmr, sessionSid } from '../oidc-session.ts';
import type { Render } from '../render.ts';

// What the authorization endpoint (authorize.ts) needs beside its routes: the session an approval records, where the
// user is sent, and the response itself.

/** Why a request too long to carry is refused, and the way to send it (RFC 9126 §2, RFC 9101 §5.2). */
export const TOO_LONG = 'The authorization request is too long to carry in a URL; push it (RFC 9126) or send it by reference (request_uri).';

/** When the session's user logged in (login.ts sets it), for OpenID Connect's auth_time. */
export function authSession(ctx: Context): { authTime: number | null } {
  const at = ctx.session?.loginAt as unknown;
  return { authTime: typeof at === 'number' ? at : null };
}

/**
 * The session as an approval records it: with scope openid and an ID Token to come (from here or for the code), its
 * sid and amr, and the client remembered for logout.
 */
export async function approvingSession(ctx: Context, req: AuthorizationRequest, registry: LoginSessions): Promise<ApprovingSession> {
  if (!req.scopes.includes('openid') || !(req.rule.code || req.rule.idToken)) return { ...authSession(ctx), sid: null };
  await rememberRelyingParty(ctx, req.client.clientId, registry);
  return { ...authSession(ctx), sid: sessionSid(ctx), amr: sessionAmr(ctx) };
}

/** Whether a metadata document's client sends the code to a host other than its own (loopback and app schemes aside). */
export function redirectsElsewhere(clientId: string, redirectUri: string): boolean {
  const to = URL.parse(redirectUri);
  // A private-use scheme (com.example.app:) belongs to whichever app on the device claims it, not to the site.
  if (!to || (to.protocol !== 'https:' && to.protocol !== 'http:')) return true;
  if (['127.0.0.1', '[::1]', 'localhost'].includes(to.hostname)) return false;
  return to.host !== new URL(clientId).host;
}

/**
 * Where the user is sent, as the consent page says it: the host of an http(s) redirect URI; for any other scheme
 * only the scheme (RFC 8252 §7.1), never its authority, which an app chooses freely
 * (com.evil.app://accounts.google.com/ would otherwise read as "accounts.google.com").
 */
export function redirectTarget(redirectUri: string): { host: string | null; scheme: string | null } {
  const url = URL.parse(redirectUri);
  if (url && (url.protocol === 'https:' || url.protocol === 'http:')) return { host: url.host, scheme: null };
  return { host: null, scheme: url?.protocol ?? `${redirectUri.split(':')[0]}:` };
}

/** Sends the authorization response: a redirect, or the auto-submitting form (OAuth 2.0 Form Post Response Mode §2). */
export function respond(ctx: Context, render: Render, r: AuthorizationResponse): void {
  ctx.set('Cache-Control', 'no-store');
  if (isRedirect(r)) {
    // The last word on a redirect's length, whatever made it long (an ID Token full of long claims beside a near-limit
    // state): past MAX_RESPONSE_LOCATION the client could not read it (undici: UND_ERR_HEADERS_OVERFLOW), so a page
    // says so and names the response mode that carries any length (attacker read 10, F5).
    const location = redirectLocation(r);
    if (location.length > MAX_RESPONSE_LOCATION) throw new InvalidRequest('The response is too long to go back in a redirect: ask for response_mode=form_post, or send a shorter state.', { fatal: true });
    return ctx.redirect(location);
  }
  // The page's CSP (nonce script, frame-ancestors 'none') and X-Frame-Options DENY come from the page lane.
  render(ctx, 'form-post', { redirectUri: r.redirectUri, fields: r.params });
}
