import { randomBytes } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { timingSafeEqualString } from '../../oauth2/tokens.ts';
import { HttpError } from './errors.ts';

export const CSRF_FIELD = 'csrfmiddlewaretoken';

/** The session cookie (signed); its value is the session store's key. Its name under https: `cookieName`. */
export const SESSION_COOKIE = 'gatehouse.sid';
/**
 * A cookie's name: under https (Secure cookies) with the `__Host-` prefix (RFC 6265bis §4.1.3.2), which a browser
 * accepts only from this host, Secure, for path `/`, without Domain. A sibling subdomain could otherwise plant its own
 * pair (cookie tossing) and sign a visitor in as someone else (attacker read 18, F3).
 */
export const cookieName = (name: string, secure: boolean): string => (secure ? `__Host-${name}` : name);

/** Whether this request's cookies are Secure: as the session cookie is (the page lane's), else as the request. */
const secureCookies = (ctx: Context): boolean => (ctx as Context & { sessionOptions?: { secure?: boolean } }).sessionOptions?.secure ?? ctx.secure;
/** The session cookie's name for this request (graphql/context.ts reads the session key from it). */
export const sessionCookieName = (ctx: Context): string => cookieName(SESSION_COOKIE, secureCookies(ctx));
/** How long a signed-in session lasts (renewed while used). */
export const SIGNED_IN_SESSION_MS = 14 * 24 * 3600 * 1000;
/** How long an anonymous visitor's form token lasts: it need not outlive the form (issue 17 #15). */
export const ANONYMOUS_SESSION_MS = 2 * 3600 * 1000;
/**
 * An anonymous visitor's form token, in a signed cookie of its own: signed (the session keys, as the session cookie),
 * HttpOnly, SameSite=Lax and Secure as the session cookie is. A stored session per anonymous view let anyone write a
 * row (or a Redis key) per request: 2,000 cookie-less views of the login page, 2,000 sessions living 2 hours
 * (attacker reads 15 and 16, F7). The form's field must equal the visitor's own cookie (a double submit a third site
 * can neither read nor forge); the session, and its own token, begin at sign-in.
 */
export const ANONYMOUS_CSRF_COOKIE = 'gatehouse.csrf';
const TOKEN = /^[\w-]{43}$/;

const anonymousCookie = (ctx: Context): string => cookieName(ANONYMOUS_CSRF_COOKIE, secureCookies(ctx));

function anonymousToken(ctx: Context): string | undefined {
  const token = ctx.cookies.get(anonymousCookie(ctx), { signed: true });
  return token && TOKEN.test(token) ? token : undefined;
}

/**
 * The form's synchronizer token: the session's, created on first use, or for an anonymous visitor without a session
 * the one in their own signed cookie (set here), so an anonymous page view stores nothing.
 */
export function csrfToken(ctx: Context): string {
  const session = ctx.session;
  if (typeof session?.csrf === 'string') return session.csrf;
  // No session at all: one that just ended (sessionUser dropped it); its page is an anonymous visitor's.
  if (!ctx.state.user && (!session || session.isNew)) {
    let token = anonymousToken(ctx);
    if (!token) {
      token = randomBytes(32).toString('base64url');
      ctx.cookies.set(anonymousCookie(ctx), token, { signed: true, httpOnly: true, sameSite: 'lax', secure: secureCookies(ctx), path: '/', maxAge: ANONYMOUS_SESSION_MS, overwrite: true });
    }
    return token;
  }
  if (!session) return '';
  session.csrf = randomBytes(32).toString('base64url');
  if (!ctx.state.user) session.maxAge = ANONYMOUS_SESSION_MS;
  return session.csrf as string;
}

/**
 * A new synchronizer token, for when the session changes hands (login, user switch); Django's rotate_token. A token
 * read from a planted anonymous session must not work once the victim signs in to it (issue 21 #1). Logout drops the
 * whole session, and the token with it.
 */
export function rotateCsrfToken(ctx: Context): void {
  delete ctx.session!.csrf;
  ctx.cookies.set(anonymousCookie(ctx), null, { signed: true, secure: secureCookies(ctx), path: '/' });
}

/** Rejects unsafe requests whose form field (or X-CSRF-Token header) does not carry the session's token. */
export function csrfProtection(): Middleware {
  return async (ctx, next) => {
    if (!['GET', 'HEAD', 'OPTIONS'].includes(ctx.method)) {
      const body = (ctx.request.body ?? {}) as Record<string, unknown>;
      const sent = typeof body[CSRF_FIELD] === 'string' ? (body[CSRF_FIELD] as string) : ctx.get('x-csrf-token');
      // A signed-in user's token is the session's only; an anonymous visitor's, the session's or their own cookie's.
      const expected = typeof ctx.session?.csrf === 'string' ? ctx.session.csrf : ctx.state.user ? undefined : anonymousToken(ctx);
      if (!sent || typeof expected !== 'string' || !timingSafeEqualString(sent, expected)) {
        throw new HttpError(403, 'csrf_failed', 'The form has expired or did not come from this site. Go back, reload the page and try again.');
      }
    }
    await next();
  };
}
