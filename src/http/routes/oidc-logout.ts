import type { Context } from 'koa';
import type Router from '../router.ts';
import { pageRouter } from '../router.ts';
import type { ClientStore, EventSink, TokenStore } from '../../oauth2/store.ts';
import { afterLogout, frontchannelFrames, LogoutRefused, validateLogoutRequest, type Backchannel } from '../../oidc/logout.ts';
import type { KeyRing } from '../../oidc/keys.ts';
import type { LoginSessions } from '../../oidc/login-sessions.ts';
import type { Subjects } from '../../oidc/subject.ts';
import { csrfProtection } from '../middleware/csrf.ts';
import { withFrameSources } from '../middleware/security-headers.ts';
import { plainParams } from '../oauth-endpoint.ts';
import { LANGUAGES, translator } from '../i18n/index.ts';
import { relyingPartiesOf, sessionSid } from '../oidc-session.ts';
import type { Render } from '../render.ts';

export interface LogoutDeps {
  keys: KeyRing;
  issuer: () => string;
  clients: Pick<ClientStore, 'findByClientId'>;
  events: EventSink;
  backchannel: Backchannel;
  loginSessions: Pick<LoginSessions, 'ended'>;
  subjects: Subjects;
  render: Render;
  /** Refresh tokens stop naming the session that ends (TokenStore.forgetSession). */
  tokens: Pick<TokenStore, 'forgetSession'>;
}

const PATHS = ['/o/logout', '/o/logout/', '/logout'];
const CONFIRM = '/o/logout/confirm/';

/** RP-Initiated Logout 1.0 §2 ui_locales: the first language we have, as the pages' lang and translator. */
function locale(uiLocales: string | undefined): Record<string, unknown> {
  const lang = (uiLocales ?? '').split(' ').map((t) => t.split('-')[0].toLowerCase()).find((l) => LANGUAGES.includes(l));
  return lang ? { lang, t: translator(lang) } : {};
}

type EndDeps = Pick<LogoutDeps, 'events' | 'backchannel' | 'tokens' | 'loginSessions'>;

/** Ends the browser session, and tells the clients it signed in to through their back-channel (in the background). */
export async function endSession(ctx: Context, deps: EndDeps): Promise<void> {
  await endLogin(ctx, deps);
  ctx.session = null;
  // The page rendered next (signed out) must not show the user as still signed in.
  ctx.state.user = undefined;
}

/**
 * Ends the OpenID Connect login of the session's user (its sid, its relying parties told through their back-channel),
 * the browser session itself left to the caller: a logout drops it, a login as another user regenerates it.
 */
export async function endLogin(ctx: Context, deps: EndDeps): Promise<void> {
  const user = ctx.state.user as { id: number } | undefined;
  if (user) {
    const sid = sessionSid(ctx);
    // Core §12.2: an ID Token from a later refresh names the session only while it lasts.
    if (sid) await Promise.all([deps.tokens.forgetSession(sid), deps.loginSessions.ended(sid)]);
    await deps.events.record({ type: 'logout', userId: user.id, ip: ctx.ip, requestId: ctx.state.requestId });
    deps.backchannel.notify(relyingPartiesOf(ctx), { sid, userId: user.id });
  }
}

/** RP-Initiated Logout 1.0: the end_session_endpoint (GET and POST), its confirmation page and the signed-out page. */
export function oidcLogoutRoutes(deps: LogoutDeps): Router {
  const router = pageRouter();
  const render = (ctx: Context, name: string, locals: Record<string, unknown>) => {
    deps.render(ctx, name, locals);
    if (locals.lang) ctx.set('Content-Language', String(locals.lang));
  };

  const start = async (ctx: Context, params: Record<string, string>) => {
    const loc = locale(params.ui_locales);
    let req;
    try {
      req = await validateLogoutRequest(params, { keys: deps.keys, issuer: deps.issuer(), clients: deps.clients });
    } catch (e) {
      if (!(e instanceof LogoutRefused)) throw e;
      ctx.status = 400;
      return render(ctx, 'error', { status: 400, code: 'invalid_request', description: e.message, ...loc });
    }
    ctx.set('Cache-Control', 'no-store');
    const user = ctx.state.user as { id: number } | undefined;
    // Core §8: the signed-in user's sub at the hint's client (public or pairwise), compared with the hint's.
    const next = afterLogout(req, user ? (req.client ? deps.subjects.of(user.id, req.client) : null) : undefined);
    if (!user) return render(ctx, 'end-session', { done: true, continueTo: next.offer, ...loc });
    // §2: the OP asks the user before logging out (always: a GET without a hint is forgeable by any site).
    ctx.session!.pendingLogout = { redirectTo: next.redirectTo, lang: loc.lang ?? null };
    render(ctx, 'end-session', { done: false, clientName: req.client?.name ?? null, ...loc });
  };

  router.get(PATHS, (ctx) => start(ctx, plainParams(ctx.query as Record<string, unknown>)));
  // The relying party's own form POST (§2 allows it): cross-site, so no CSRF token of ours; nothing ends before the confirmation.
  router.post(PATHS, (ctx) => start(ctx, plainParams(ctx.request.body as Record<string, unknown>)));

  router.post([CONFIRM, '/o/logout/confirm'], csrfProtection(), async (ctx) => {
    const pending = ctx.session?.pendingLogout as { redirectTo: string | null; lang: string | null } | undefined;
    const loc = locale(pending?.lang ?? undefined);
    // Read before the session ends: the clients it signed in to, and its sid.
    const frames = ctx.state.user ? await frontchannelFrames(relyingPartiesOf(ctx), sessionSid(ctx), deps.issuer(), deps.clients, deps.subjects) : [];
    await endSession(ctx, deps);
    ctx.set('Cache-Control', 'no-store');
    if (!frames.length && pending?.redirectTo) return ctx.redirect(pending.redirectTo);
    // Front-Channel Logout 1.0 §3: this page alone may frame, and only the origins of the pages it frames.
    if (frames.length) ctx.set('Content-Security-Policy', withFrameSources(String(ctx.response.get('Content-Security-Policy')), frames.map((f) => f.origin)));
    render(ctx, 'end-session', { done: true, frames, continueTo: pending?.redirectTo ?? null, ...loc });
  });

  return router;
}
