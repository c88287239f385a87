import type Router from '../router.ts';
import { HttpError } from '../middleware/errors.ts';
import { pageRouter } from '../router.ts';
import type { Context } from 'koa';
import { approve, canSkipConsent } from '../../oauth2/approve.ts';
import { denied, redirectError, requestFields } from '../../oauth2/authorize.ts';
import { InvalidRequest, isOAuthError } from '../../oauth2/errors.ts';
import { promptNoneRefusal, promptValues } from '../../oidc/prompt.ts';
import { claimsOfScope } from '../../oidc/claims.ts';
import { requestedClaims } from '../../oidc/request-params.ts';
import { CSRF_FIELD, csrfProtection } from '../middleware/csrf.ts';
import { currentUser } from '../middleware/session-user.ts';
import { plainParams } from '../oauth-endpoint.ts';
import { MAX_CARRIED_TARGET } from '../safe-next.ts';
import { approvingSession, redirectsElsewhere, redirectTarget, respond, TOO_LONG } from './authorize-helpers.ts';
import { authorizationHandler, type AuthorizeDeps } from './authorize-request.ts';

/** RFC 6749 §3.1: the authorization endpoint (GET shows consent, POST records the decision). */
export function authorizeRoutes(deps: AuthorizeDeps): Router {
  const router = pageRouter();
  const handle = authorizationHandler(deps);

  function query(ctx: Context): Record<string, string> {
    try { return plainParams(ctx.query as Record<string, unknown>); } catch (e) {
      // Repeated parameters (RFC 6749 §3.1) make client_id and redirect_uri untrustworthy: show a page.
      if (isOAuthError(e)) throw Object.assign(e, { fatal: true });
      throw e;
    }
  }

  // RFC 9110 §9.2.1: HEAD is safe, yet a GET here spends a request_uri and may mint a code (auto-approval), and no
  // answer without those effects would be the GET's (§9.3.2). Registered before GET, which @koa/router also runs for HEAD.
  router.head(['/o/authorize', '/o/authorize/'], (ctx) => {
    throw new HttpError(405, 'method_not_allowed', `${ctx.method} is not allowed here.`, { Allow: 'GET, POST' });
  });

  router.get(['/o/authorize', '/o/authorize/'], async (ctx) => {
    const params = query(ctx);
    // OpenID Connect Core §3.1.2.1: the consent page (and an error page) in the language the client asked for.
    ctx.state.uiLocales = params.ui_locales;
    await handle(ctx, params, async (req, pushed) => {
      const grant = await deps.grants.find(currentUser(ctx).id, req.client.id);
      const ownerIsAdmin = async () => { const owner = await deps.users.findById(req.client.ownerId); return owner?.isActive === true && owner.isAdmin; };
      if (await canSkipConsent(req, grant, deps.approvalPrompt, ownerIsAdmin)) return respond(ctx, deps.render, await approve(req, currentUser(ctx).id, deps.approveDeps(ctx), await approvingSession(ctx, req, deps.loginSessions)));
      // OpenID Connect Core §3.1.2.6: prompt=none never shows the consent page.
      if (promptValues(req.prompt).has('none')) throw redirectError(req, promptNoneRefusal(req, grant));
      ctx.set('Cache-Control', 'no-store');
      const fields = requestFields(req);
      // A client ID metadata document's client is whoever controls its URL's host: that host is its name on the
      // page (title included); the client_name, which that site chose, is shown beside it only.
      const clientHost = req.client.registered === 'metadata' ? new URL(req.client.clientId).host : null;
      deps.render(ctx, 'consent', {
        title: `Authorize ${clientHost ?? req.client.name}`,
        client: req.client,
        displayName: clientHost ?? req.client.name,
        clientHost,
        // CIMD security considerations: a redirect to another site than the client's (loopback excepted, a native app) is said so.
        redirectElsewhere: req.client.registered === 'metadata' && redirectsElsewhere(req.client.clientId, req.redirectUri),
        redirect: redirectTarget(req.redirectUri),
        // OpenID Connect: which claims each scope shares, and those the claims parameter asks for beyond them.
        scopes: req.scopes.map((s) => ({ name: s, description: deps.scopes[s] ?? s, claims: claimsOfScope(s) })),
        extraClaims: requestedClaims(req.claims).filter((c) => !req.scopes.some((s) => claimsOfScope(s).includes(c))),
        fields,
        formOnce: deps.consentForms.issue(currentUser(ctx).id, pushed ? 'pushed' : 'plain', fields, Date.now()),
        implicit: req.rule.token || req.rule.idToken,
      });
    });
  });

  // OpenID Connect Core §3.1.2.1: the authorization endpoint MUST accept an authentication request sent by POST. A
  // POST without the consent form's CSRF token and decision is one: it goes on as the same GET (303), which a link
  // could ask for anyway. The consent decision (a POST carrying the token) stays behind CSRF.
  router.post(['/o/authorize', '/o/authorize/'], async (ctx, next) => {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    if (body[CSRF_FIELD] !== undefined || body.allow !== undefined) return next();
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(body)) for (const item of Array.isArray(v) ? v : [v]) if (typeof item === 'string') query.append(k, item);
    // A body longer than a GET can carry would become a Location no client reads (undici refuses headers past 16 KB)
    // and a URL no server takes: refused here, with the way to send a long request. The same limit as the login's
    // `next`, which the GET checks in its turn when it needs a login (encoded again there, it can grow threefold).
    const search = query.toString();
    if (search.length > MAX_CARRIED_TARGET) throw new InvalidRequest(TOO_LONG);
    ctx.status = 303;
    ctx.redirect(`/o/authorize/?${search}`);
  }, csrfProtection(), async (ctx) => {
    const body = plainParams(ctx.request.body as Record<string, unknown>);
    await handle(ctx, body, async (req) => {
      // django-oauth-toolkit's form posts `allow`; anything else is a refusal.
      if (body.allow === undefined) {
        await deps.approveDeps(ctx).events.record({ type: 'consent.denied', userId: currentUser(ctx).id, clientId: req.client.clientId, ip: ctx.ip, requestId: ctx.state.requestId });
        throw denied(req);
      }
      respond(ctx, deps.render, await approve(req, currentUser(ctx).id, deps.approveDeps(ctx), await approvingSession(ctx, req, deps.loginSessions)));
    });
  });
  return router;
}
