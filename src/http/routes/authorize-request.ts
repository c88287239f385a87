import type { Context } from 'koa';
import { HttpError } from '../middleware/errors.ts';
import type { ApproveDeps } from '../../oauth2/approve.ts';
import { isRedirect, redirectLocation } from '../../oauth2/authorization-response.ts';
import { checkUserMayGrant, errorResponse, LOGIN_AFTER, RedirectError, redirectError, requestFields, validateAuthorizationRequest, type AuthorizationRequest, type AuthorizeSettings } from '../../oauth2/authorize.ts';
import { AccessDenied, InvalidRequest, isOAuthError } from '../../oauth2/errors.ts';
import { afterLogin, authenticationStep } from '../../oidc/prompt.ts';
import type { Subjects } from '../../oidc/subject.ts';
import { RevokedMeanwhile, type GrantStore } from '../../oauth2/store.ts';
import type { UserStore } from '../../accounts/store.ts';
import { currentUser } from '../middleware/session-user.ts';
import type { LoginSessions } from '../../oidc/login-sessions.ts';
import type { Render } from '../render.ts';
import { expandRequestObject, requestObjectClient, type RequestObjectReplay } from '../../oauth2/par/request-object.ts';
import { dereferenceRequestUri, isRemoteRequestUri, type RequestUriFetcher } from '../../oauth2/par/request-uri.ts';
import { isPushedRequestUri, pushAgainForLogin, refuseUnpushed, resolvePushedRequest, type PushedRequestStore } from '../../oauth2/par/pushed-requests.ts';
import type { ConsentForms } from '../consent-form.ts';
import { FORM_ONCE_FIELD } from '../form-once.ts';
import { MAX_CARRIED_TARGET, targetFits } from '../safe-next.ts';
import { authSession, respond, TOO_LONG } from './authorize-helpers.ts';

/** Said to the client when the authorization ended while it was given; nothing about why (the account's state is not the client's). */
const ENDED_MEANWHILE = 'The authorization was not completed.';

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

/**
 * The authorization endpoint's one way of taking a request, for the page (GET) and the consent decision (POST):
 * resolves a pushed request, a request object or a request_uri, validates it, sends the browser to log in when
 * OpenID Connect's prompt or max_age (or no session) asks for it, spends a decision's consent form, then lets the
 * route `decide`. Errors the client may hear are redirected to it; fatal ones render a page.
 */
export type HandleAuthorization = (ctx: Context, outer: Record<string, string>, decide: (req: AuthorizationRequest, pushed: boolean) => Promise<void>) => Promise<void>;

/** A request's parameters without LOGIN_AFTER, which only a copy we stored or a form we showed may carry. */
const withoutLoginAfter = (params: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(params).filter(([k]) => k !== LOGIN_AFTER));

export function authorizationHandler(deps: AuthorizeDeps): HandleAuthorization {
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
    let validated: AuthorizationRequest | undefined;
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
      // loginAfter is ours: from a copy we set aside (a pushed row) or a consent form we showed (its digest holds it),
      // never from a request's own parameters.
      if (!pushedRow && !deciding && params[LOGIN_AFTER] !== undefined) params = withoutLoginAfter(params);
      const req = validated = await validateAuthorizationRequest(params, deps.settings);
      if (deciding) {
        if (!ctx.state.user) throw new InvalidRequest('Log in first.');
        // The form is spent by its first decision, allow or deny; where only pushed requests count, it must be one
        // shown for a pushed request, not a form written by hand (consent-form.ts).
        await deps.consentForms.spend(outer[FORM_ONCE_FIELD], currentUser(ctx).id, requestFields(req), Date.now(), deps);
      }
      // Login first, then back here with the same request (RFC 6749 §3.1 leaves authentication to us); OpenID
      // Connect's prompt and max_age may ask for a fresh login, or forbid the page (Core §3.1.2.3, oidc/prompt.ts).
      // A decision too: max_age may have run out while the page was open (Core §3.1.2.1 MUST; attacker read 25, F2).
      // Its fields (requestFields) carry max_age but no prompt, so only the login's age can send it back to log in;
      // a refusal needs no login (attacker read 26, F3).
      const refusing = deciding && outer.allow === undefined;
      const step = refusing ? 'proceed' : authenticationStep(req, ctx.state.user ? authSession(ctx).authTime : undefined, Date.now(), ctx.state.user ? deps.subjects.of(currentUser(ctx).id, req.client) : undefined);
      if (isOAuthError(step)) throw redirectError(req, step);
      if (step === 'login') {
        // A decision's request resumes from its fields, set aside server-side like a pushed one.
        if (deciding) params = requestFields(req);
        // A fresh login is asked for (reauth: the form shows although a user is signed in); the session stays until
        // it succeeds, so a link with prompt=login, select_account or max_age=0 cannot sign anyone out (logout needs
        // POST + CSRF). select_account offers the signed-in account (login_hint) and lets another be chosen.
        const current = ctx.state.user ? currentUser(ctx).username : undefined;
        const reauth = ctx.state.user ? '&reauth=1' : '';
        // Only to a browser already signed in here: otherwise anyone holding an old ID Token (a client granted only
        // openid) would read the user's name in our Location header (Core §5.4: preferred_username needs profile).
        const hinted = ctx.state.user ? await hintedUsername(req) : undefined;
        const serverSide = pushed || signed || deciding;
        let next: string;
        if (serverSide) {
          if (deps.detourAllowed) {
            const a = await deps.detourAllowed(ctx.ip);
            if (!a.allowed) throw new HttpError(429, 'temporarily_unavailable', 'Too many authorization requests from this source. Try again later.', { 'Retry-After': String(a.retryAfter) });
          }
          // A spent pushed request, a request object or a decision is set aside under a new request_uri as it is, its
          // prompt and max_age kept, with the time from which a login answers them (loginAfter): opened before one,
          // it sends the user to log in again (attacker read 26, F1: the copy had them dropped, and was used as is).
          const copy = { ...params, [LOGIN_AFTER]: String(req.loginAfter ?? Date.now()) };
          next = `${ctx.path}?${await pushAgainForLogin(copy, deps.pushedRequests, Date.now(), pushedRow?.expiresAt)}`;
        } else {
          next = afterLogin(ctx.path, ctx.querystring, current, hinted);
        }
        // The login page keeps a `next` only as long as safe-next.ts carries it, measured encoded as below: a longer
        // one is refused here, clearly, rather than sent to a login that would drop it or in a Location past ~8 KB.
        if (!targetFits(next)) return refuseTooLong(ctx, req);
        return ctx.redirect(`/accounts/login/?next=${encodeURIComponent(next)}${reauth}`);
      }
      checkUserMayGrant(req, currentUser(ctx));
      await decide(req, pushed);
    } catch (e) {
      if (e instanceof RedirectError) return respond(ctx, deps.render, errorResponse(e, deps.issuer()));
      // RFC 6749 §4.1.2.1: what the approval stood on ended while it was given (its grant revoked, its user
      // deactivated: RevokedMeanwhile, from the consent POST or an auto-approving GET). The redirect_uri was validated,
      // so the client hears access_denied there, with state and iss as every redirected error; no code was written.
      if (e instanceof RevokedMeanwhile && validated) return respond(ctx, deps.render, errorResponse(redirectError(validated, new AccessDenied(ENDED_MEANWHILE)), deps.issuer()));
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
  return handle;
}
