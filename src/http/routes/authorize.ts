import type Router from '../router.ts';
import { HttpError } from '../middleware/errors.ts';
import { pageRouter } from '../router.ts';
import type { Context } from 'koa';
import { approve, canSkipConsent, type ApproveDeps } from '../../oauth2/approve.ts';
import { isRedirect, redirectLocation } from '../../oauth2/authorization-response.ts';
import { checkUserMayGrant, denied, errorResponse, RedirectError, redirectError, requestFields, validateAuthorizationRequest, type AuthorizationRequest, type AuthorizeSettings } from '../../oauth2/authorize.ts';
import { InvalidRequest, isOAuthError } from '../../oauth2/errors.ts';
import { afterLogin, authenticationStep, promptNoneRefusal, promptValues } from '../../oidc/prompt.ts';
import { claimsOfScope } from '../../oidc/claims.ts';
import type { Subjects } from '../../oidc/subject.ts';
import { requestedClaims } from '../../oidc/request-params.ts';
import type { GrantStore } from '../../oauth2/store.ts';
import type { UserStore } from '../../accounts/store.ts';
import { CSRF_FIELD, csrfProtection } from '../middleware/csrf.ts';
import { currentUser } from '../middleware/session-user.ts';
import type { LoginSessions } from '../../oidc/login-sessions.ts';
import { plainParams } from '../oauth-endpoint.ts';
import type { Render } from '../render.ts';
import { expandRequestObject, requestObjectClient, type RequestObjectReplay } from '../../oauth2/par/request-object.ts';
import { dereferenceRequestUri, isRemoteRequestUri, type RequestUriFetcher } from '../../oauth2/par/request-uri.ts';
import { isPushedRequestUri, pushAgainForLogin, refuseUnpushed, resolvePushedRequest, type PushedRequestStore } from '../../oauth2/par/pushed-requests.ts';
import type { ConsentForms } from '../consent-form.ts';
import { FORM_ONCE_FIELD } from '../form-once.ts';
import { MAX_CARRIED_TARGET, targetFits } from '../safe-next.ts';
import { approvingSession, authSession, redirectsElsewhere, redirectTarget, respond, TOO_LONG } from './authorize-helpers.ts';

export interface AuthorizeDeps {
  settings: AuthorizeSettings;
  approvalPrompt: 'auto' | 'force';
  scopes: Record<string, string>;
  grants: GrantStore;
  users: Pick<UserStore, 'findById'>;
  approveDeps: (ctx: Context) => ApproveDeps;
  render: Render;
  issuer: () => string;
  loginSessions: LoginSessions;
  /** Core §8: the signed-in user's sub at this client, to compare with an id_token_hint. */
  subjects: Pick<Subjects, 'of'>;
  /** RFC 9126: pushed authorization requests, and whether only those are accepted (§5). */
  pushedRequests: PushedRequestStore;
  requirePushed: boolean;
  /** SECURITY_PROFILE's rule that requires PAR, named in the refusal. */
  unpushedRule?: string;
  /** Each consent form's one-time token (consent-form.ts): issued with the page, spent by its decision. */
  consentForms: ConsentForms;
  /** Consumed before a pushed or signed request is set aside for the login page (a stored row): false, 429. */
  detourAllowed?: (ip: string) => Promise<{ allowed: boolean; retryAfter: number }>;
  /** A request object's jti is spent when it is accepted (single use until its exp); absent, not checked. */
  requestObjectReplay?: RequestObjectReplay;
  /** RFC 9101 §5.2: fetches a registered request_uri through the outbound guard; absent, request_uri is not supported. */
  fetchRequestUri?: RequestUriFetcher;
  /** Development only (ALLOW_INSECURE_TRANSPORT): a registered http request_uri may be fetched. */
  allowInsecureTransport?: boolean;
}

/** RFC 6749 §3.1: the authorization endpoint (GET shows consent, POST records the decision). */
export function authorizeRoutes(deps: AuthorizeDeps): Router {
  const router = pageRouter();

  /** The username of the End-User id_token_hint names, offered on the login page like a login_hint. */
  async function hintedUsername(req: AuthorizationRequest): Promise<string | undefined> {
    const id = req.expectedSub !== undefined && /^\d{1,10}$/.test(req.expectedSub) ? Number(req.expectedSub) : undefined;
    const user = id === undefined ? null : await deps.users.findById(id);
    return user?.isActive ? user.username : undefined;
  }

  /** Validates and, when the error allows it, answers by redirecting to the client; fatal errors render a page. */
  async function handle(ctx: Context, outer: Record<string, string>, decide: (req: AuthorizationRequest, pushed: boolean) => Promise<void>) {
    // The consent form's POST decides; every other request (GET; HEAD never gets here) asks.
    const deciding = ctx.method === 'POST';
    try {
      // RFC 9126 §4: a pushed request's parameters replace the outer ones; each GET spends it (one-time use).
      // The consent form posts the request's own fields (requestFields), never a request object or request_uri: a
      // POST naming one is refused unread, so no stranger's POST spends an object's jti or sends us fetching a URI.
      if (deciding && (outer.request !== undefined || outer.request_uri !== undefined)) throw new InvalidRequest('A consent decision carries the request\'s parameters, not a request object or request_uri.', { fatal: true });
      const pushed = !deciding && isPushedRequestUri(outer.request_uri);
      // RFC 9126 §5: when only pushed requests count, a request asks by request_uri (the decision is checked below).
      // Refused before anything else is read: an unpushed request object's jti is not spent, its request_uri not fetched.
      if (deps.requirePushed && !deciding && !pushed) refuseUnpushed(deps.unpushedRule);
      const pushedRow = pushed ? await resolvePushedRequest(outer, deps.pushedRequests, Date.now(), true) : undefined;
      let params = pushedRow ? pushedRow.params : outer;
      // RFC 9101 §5.2: a registered https request_uri is fetched and then treated as the request object by value.
      const byReference = !pushed && deps.fetchRequestUri !== undefined && isRemoteRequestUri(params.request_uri);
      const objectClient = byReference || params.request !== undefined ? await requestObjectClient(params, deps.settings.clients) : undefined;
      if (byReference) params = await dereferenceRequestUri(params, objectClient!, deps.fetchRequestUri!, { allowHttp: deps.allowInsecureTransport === true });
      // RFC 9101 / Core §6: a signed request object's parameters replace the outer ones (oauth2/par/request-object.ts).
      const signed = params.request !== undefined;
      if (signed) params = await expandRequestObject(params, objectClient!, deps.issuer(), Date.now(), deps.settings.securityProfile, deps.requestObjectReplay);
      const req = await validateAuthorizationRequest(params, deps.settings);
      if (deciding) {
        if (!ctx.state.user) throw new InvalidRequest('Log in first.');
        // The form is spent by its first decision, allow or deny; where only pushed requests count, it must be one
        // shown for a pushed request, not a form written by hand (consent-form.ts).
        await deps.consentForms.spend(outer[FORM_ONCE_FIELD], currentUser(ctx).id, requestFields(req), Date.now(), deps);
      } else {
        // Login first, then back here with the same request (RFC 6749 §3.1 leaves authentication to us); OpenID
        // Connect's prompt and max_age may ask for a fresh login, or forbid the page (Core §3.1.2.3, oidc/prompt.ts).
        const step = authenticationStep(req, ctx.state.user ? authSession(ctx).authTime : undefined, Date.now(), ctx.state.user ? deps.subjects.of(currentUser(ctx).id, req.client) : undefined);
        if (isOAuthError(step)) throw redirectError(req, step);
        if (step === 'login') {
          // A fresh login is asked for (reauth: the form shows although a user is signed in); the session stays until
          // it succeeds, so a link with prompt=login, select_account or max_age=0 cannot sign anyone out (logout needs
          // POST + CSRF). select_account offers the signed-in account (login_hint) and lets another be chosen.
          const current = ctx.state.user ? currentUser(ctx).username : undefined;
          const reauth = ctx.state.user ? '&reauth=1' : '';
          // Only to a browser already signed in here: otherwise anyone holding an old ID Token (a client granted only
          // openid) would read the user's name in our Location header (Core §5.4: preferred_username needs profile).
          const hinted = ctx.state.user ? await hintedUsername(req) : undefined;
          const serverSide = pushed || signed;
          let next = afterLogin(ctx.path, serverSide ? new URLSearchParams(params).toString() : ctx.querystring, current, hinted);
          // A spent pushed request (or a request object, whose prompt=login the login could not drop) is set aside
          // again, as the login leaves it, under a new request_uri.
          if (serverSide && deps.detourAllowed) {
            const a = await deps.detourAllowed(ctx.ip);
            if (!a.allowed) throw new HttpError(429, 'temporarily_unavailable', 'Too many authorization requests from this source. Try again later.', { 'Retry-After': String(a.retryAfter) });
          }
          if (serverSide) next = `${ctx.path}?${await pushAgainForLogin(Object.fromEntries(new URLSearchParams(next.slice(next.indexOf('?') + 1))), deps.pushedRequests, Date.now(), pushedRow?.expiresAt)}`;
          // The login page keeps a `next` only as long as safe-next.ts carries it, measured encoded as below: a longer
          // one is refused here, clearly, rather than sent to a login that would drop it or in a Location past ~8 KB.
          if (!targetFits(next)) return refuseTooLong(ctx, req);
          return ctx.redirect(`/accounts/login/?next=${encodeURIComponent(next)}${reauth}`);
        }
      }
      checkUserMayGrant(req, currentUser(ctx));
      await decide(req, pushed);
    } catch (e) {
      if (e instanceof RedirectError) return respond(ctx, deps.render, errorResponse(e, deps.issuer()));
      throw e;
    }
  }

  /**
   * RFC 6749 §4.1.2.1: the request is valid but too long to carry through the login; the refusal goes to the client
   * (its redirect_uri was checked), unless that Location, which repeats the state, would itself be too long: then the
   * page says it (400), as for a request whose redirect_uri cannot be used.
   */
  function refuseTooLong(ctx: Context, req: AuthorizationRequest): void {
    const refusal = errorResponse(redirectError(req, new InvalidRequest(TOO_LONG)), deps.issuer());
    if (isRedirect(refusal) && redirectLocation(refusal).length > MAX_CARRIED_TARGET) throw new InvalidRequest(TOO_LONG, { fatal: true });
    respond(ctx, deps.render, refusal);
  }

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
