import { randomBytes } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { timingSafeEqualString } from '../../oauth2/tokens.ts';
import { HttpError } from './errors.ts';

export const CSRF_FIELD = 'csrfmiddlewaretoken';

/** The session cookie (signed); its value is the session store's key. */
export const SESSION_COOKIE = 'gatehouse.sid';
/** How long a signed-in session lasts (renewed while used). */
export const SIGNED_IN_SESSION_MS = 14 * 24 * 3600 * 1000;
/** An anonymous session holds only a form's CSRF token: it need not outlive the form (issue 17 #15). */
export const ANONYMOUS_SESSION_MS = 2 * 3600 * 1000;

/** The session's synchronizer token, created on first use. */
export function csrfToken(ctx: Context): string {
  const session = ctx.session!;
  if (typeof session.csrf !== 'string') {
    session.csrf = randomBytes(32).toString('base64url');
    if (!ctx.state.user) session.maxAge = ANONYMOUS_SESSION_MS;
  }
  return session.csrf as string;
}

/**
 * A new synchronizer token, for when the session changes hands (login, user switch); Django's rotate_token. A token
 * read from a planted anonymous session must not work once the victim signs in to it (issue 21 #1). Logout drops the
 * whole session, and the token with it.
 */
export function rotateCsrfToken(ctx: Context): void {
  delete ctx.session!.csrf;
}

/** Rejects unsafe requests whose form field (or X-CSRF-Token header) does not carry the session's token. */
export function csrfProtection(): Middleware {
  return async (ctx, next) => {
    if (!['GET', 'HEAD', 'OPTIONS'].includes(ctx.method)) {
      const body = (ctx.request.body ?? {}) as Record<string, unknown>;
      const sent = typeof body[CSRF_FIELD] === 'string' ? (body[CSRF_FIELD] as string) : ctx.get('x-csrf-token');
      const expected = ctx.session?.csrf;
      if (!sent || typeof expected !== 'string' || !timingSafeEqualString(sent, expected)) {
        throw new HttpError(403, 'csrf_failed', 'The form has expired or did not come from this site. Go back, reload the page and try again.');
      }
    }
    await next();
  };
}
