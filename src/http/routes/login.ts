import type Router from '../router.ts';
import { pageRouter } from '../router.ts';
import type { Context } from 'koa';
import { authenticate } from '../../accounts/users.ts';
import type { UserStore } from '../../accounts/store.ts';
import type { EventSink, TokenStore } from '../../oauth2/store.ts';
import type { PasswordThrottle } from '../../accounts/password-throttle.ts';
import { tr, type Render } from '../render.ts';
import { csrfProtection, rotateCsrfToken, SIGNED_IN_SESSION_MS } from '../middleware/csrf.ts';
import { localNext, redirectLocal } from '../safe-next.ts';
import { loginHints } from '../../oidc/request-params.ts';
import { relyingPartiesOf, sessionSid, startLoginSession } from '../oidc-session.ts';
import type { Backchannel } from '../../oidc/logout.ts';
import type { LoginSessions } from '../../oidc/login-sessions.ts';
import { endLogin, endSession } from './oidc-logout.ts';

export interface LoginDeps {
  users: UserStore;
  events: EventSink;
  /** Guesses per username and per source, shared with the password grant. */
  passwords: PasswordThrottle;
  render: Render;
  /** Clients the session signed in to hear of its end (Back-Channel Logout). */
  backchannel: Backchannel;
  /** Refresh tokens stop naming the session that ends. */
  tokens: Pick<TokenStore, 'forgetSession'>;
  loginSessions: LoginSessions;
}

export function loginRoutes(deps: LoginDeps): Router {
  const router = pageRouter();

  router.get(['/accounts/login', '/accounts/login/'], (ctx) => {
    // OpenID Connect's prompt=login, select_account and max_age ask a signed-in user to authenticate again (routes/authorize.ts).
    if (ctx.state.user && ctx.query.reauth !== '1') return redirectLocal(ctx, ctx.query.next);
    const next = localNext(ctx, ctx.query.next);
    // OpenID Connect Core §3.1.2.1: the authentication request that sent the user here may name them and a language.
    const { loginHint, uiLocales } = loginHints(next);
    ctx.state.uiLocales = uiLocales;
    deps.render(ctx, 'login', { next, values: { username: loginHint } });
  });

  router.post(['/accounts/login', '/accounts/login/'], csrfProtection(), async (ctx) => {
    const body = ctx.request.body as Record<string, unknown>;
    const username = typeof body.username === 'string' ? body.username.trim() : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const next = localNext(ctx, body.next ?? ctx.query.next);
    ctx.state.uiLocales = loginHints(next).uiLocales;
    if (!username || !password) {
      ctx.status = 400;
      return deps.render(ctx, 'login', { next, values: { username }, errors: { form: tr(ctx)('login.missing') } });
    }
    // Counted before the password is checked, so concurrent guesses cannot all slip under the limit (issue 17 #4).
    const guarded = await deps.passwords.guard(username, password, ctx.ip, () => authenticate(deps.users, username, password));
    if ('retryAfter' in guarded) return tooMany(ctx, deps, guarded.retryAfter, username, next);
    const user = guarded.result;
    if (!user) {
      await deps.events.record({ type: 'login.failed', ip: ctx.ip, requestId: ctx.state.requestId, detail: { username: username.slice(0, 150) } });
      ctx.status = 400;
      return deps.render(ctx, 'login', { next, values: { username }, errors: { form: tr(ctx)('login.wrong') } });
    }
    // A fresh login of the signed-in user (prompt=login, max_age) goes on with the same OpenID Connect session: its
    // sid and the relying parties it signed in to, which its logout must still reach (Back-Channel Logout §2.5).
    // Another user's login ends the first one's, and tells its relying parties.
    const previous = ctx.state.user as { id: number } | undefined;
    const continuing = previous?.id === user.id ? { sid: sessionSid(ctx), rps: relyingPartiesOf(ctx) } : undefined;
    if (previous && !continuing) await endLogin(ctx, deps);
    // A new session id at login: a session id planted before login is worthless afterwards.
    await ctx.session!.regenerate();
    // regenerate() copies the session's data: the anonymous form's CSRF token is dropped too (issue 21 #1).
    rotateCsrfToken(ctx);
    // regenerate() keeps the anonymous form's short lifetime: a signed-in session gets the full one.
    ctx.session!.maxAge = SIGNED_IN_SESSION_MS;
    ctx.session!.userId = user.id;
    ctx.session!.loginAt = Date.now();
    // RFC 8176 §2: "pwd", password-based authentication.
    await startLoginSession(ctx, user.id, deps.loginSessions, ['pwd'], continuing);
    await deps.events.record({ type: 'login.succeeded', userId: user.id, ip: ctx.ip, requestId: ctx.state.requestId });
    redirectLocal(ctx, next);
  });

  router.get(['/accounts/logout', '/accounts/logout/'], (ctx) => {
    if (!ctx.state.user) return ctx.redirect('/');
    deps.render(ctx, 'logout', {});
  });

  router.post(['/accounts/logout', '/accounts/logout/'], csrfProtection(), async (ctx) => {
    await endSession(ctx, deps);
    ctx.redirect('/accounts/login/');
  });

  return router;
}

function tooMany(ctx: Context, deps: LoginDeps, retryAfter: number, username: string, next: string) {
  ctx.set('Retry-After', String(retryAfter));
  ctx.status = 429;
  const minutes = Math.max(1, Math.ceil(retryAfter / 60));
  deps.render(ctx, 'login', { next, values: { username }, errors: { form: tr(ctx)('login.throttled', { minutes }) } });
}
