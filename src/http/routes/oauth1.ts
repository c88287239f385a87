import { pageRouter, protocolRouter } from '../router.ts';
import type Router from '../router.ts';
import type { Context, Middleware } from 'koa';
import { callbackHost, decide, findPending } from '../../oauth1/authorization.ts';
import { badRequest, isOAuth1Error } from '../../oauth1/errors.ts';
import { issueTemporaryCredentials, issueTokenCredentials, verifyResourceRequest, type SignedRequestSettings } from '../../oauth1/flows.ts';
import type { OAuth1FlowStore } from '../../oauth1/store.ts';
import type { EventSink, GrantStore } from '../../oauth2/store.ts';
import type { UserStore } from '../../accounts/store.ts';
import { csrfProtection } from '../middleware/csrf.ts';
import { HttpError } from '../middleware/errors.ts';
import { throttledCheck, type ClientThrottle } from '../client-throttle.ts';
import { currentUser, requireLogin } from '../middleware/session-user.ts';
import { oauth1Request } from '../oauth1-request.ts';
import { plainParams } from '../oauth-endpoint.ts';
import type { Render } from '../render.ts';
import { oauth1Refusal, type SecurityProfile } from '../../oauth2/security-profile/index.ts';

// RFC 5849 over HTTP: each route parses the request, calls the core (src/oauth1/flows.ts, authorization.ts) and
// writes the answer. The steps themselves, and the MUSTs they enforce, live in the core.

export interface OAuth1Deps {
  store: OAuth1FlowStore;
  users: UserStore;
  grants: GrantStore;
  events: EventSink;
  render: Render;
  clientName: (applicationId: number) => Promise<string>;
  temporaryTtl: number;
  /** PLAINTEXT only over TLS, or when insecure transport is allowed (RFC 5849 §3.4.4). */
  allowPlaintext: (ctx: Context) => boolean;
  realm: string;
  /** The per-(client, source) budget of secret checks that OAuth 2 client authentication uses too. */
  throttle: ClientThrottle;
  /** Counts every initiate per source, before its signature is checked (a nonce) or anything is stored. */
  initiateBudget: Middleware;
  /** Under any SECURITY_PROFILE OAuth 1.0a is off (oauth2.1:no-oauth1): every route refuses before any other work. */
  securityProfile?: SecurityProfile;
}

/**
 * A verdict on the consumer's secret, which the budget counts: a signature that does not match, or a consumer key
 * that names no consumer. A token refused before any secret is checked (unknown, expired, revoked: `token_rejected`)
 * is not one: an application calling with the tokens its user just revoked locked itself out (attacker read 9, F3).
 */
const isVerdict = (e: unknown) => isOAuth1Error(e) && e.status === 401 && e.problem !== 'token_rejected';

/** What the core verifies a signed request with; a wrong signature counts as a failed client authentication. */
function signedSettings(ctx: Context, deps: Pick<OAuth1Deps, 'allowPlaintext' | 'throttle'>): SignedRequestSettings {
  return {
    now: Date.now(), allowPlaintext: deps.allowPlaintext(ctx),
    guard: (consumerKey, check) => throttledCheck(deps.throttle, consumerKey, ctx.ip, check, isVerdict),
  };
}

/**
 * oauth2.1:no-oauth1: OAuth 1.0a is outside the profile. RFC 5849 §3.2's 400, with the Problem Reporting extension's
 * version_rejected (this server takes no OAuth 1 version now); on the authorize page, the error page.
 */
function outsideProfile(profile: SecurityProfile | undefined, page = false): Middleware {
  const why = oauth1Refusal(profile);
  return (ctx, next) => {
    if (!why) return next();
    if (page) throw new HttpError(400, 'version_rejected', why);
    throw badRequest('version_rejected', why);
  };
}

const audit = (ctx: Context) => ({ ip: ctx.ip as string | null, requestId: ctx.state.requestId as string | null });

/** RFC 5849 §3.2 errors: 400 or 401 (with an OAuth challenge), as JSON with the problem code. */
export function oauth1Errors(realm: string): Middleware {
  return async (ctx, next) => {
    try { await next(); } catch (e) {
      if (!isOAuth1Error(e)) throw e;
      ctx.status = e.status;
      if (e.status === 401) ctx.set('WWW-Authenticate', `OAuth realm="${realm}"`);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { error: e.problem, error_description: e.message };
    }
  };
}

const formEncoded = (ctx: Context, pairs: Record<string, string>) => {
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'application/x-www-form-urlencoded';
  ctx.body = new URLSearchParams(pairs).toString();
};

/** RFC 5849's initiate and token are protocol endpoints (no CORS: browsers do not sign OAuth 1 requests), its authorize a page. */
export function oauth1Routes(deps: OAuth1Deps): Router[] {
  const api = protocolRouter({ cors: false });
  const pages = pageRouter();
  const json: Middleware = (ctx, next) => { ctx.state.api = true; return next(); };
  const flow = (ctx: Context) => ({ ...signedSettings(ctx, deps), store: deps.store, events: deps.events, audit: audit(ctx) });

  // RFC 5849 §2.1: temporary credentials.
  api.post('/oauth1/initiate', json, deps.initiateBudget, oauth1Errors(deps.realm), outsideProfile(deps.securityProfile), async (ctx) => {
    formEncoded(ctx, { ...await issueTemporaryCredentials(oauth1Request(ctx), { ...flow(ctx), temporaryTtl: deps.temporaryTtl }) });
  });

  async function pending(token: unknown) {
    const p = await findPending(deps.store, typeof token === 'string' ? token : undefined, Date.now());
    if (!p) throw new HttpError(400, 'invalid_request', 'This authorization request is unknown, expired or already used. Start again from the application.');
    return p;
  }

  // RFC 5849 §2.2: resource owner authorization, by a signed-in user (requireLogin).
  pages.get('/oauth1/authorize', outsideProfile(deps.securityProfile, true), requireLogin(), async (ctx) => {
    const p = await pending(ctx.query.oauth_token);
    ctx.set('Cache-Control', 'no-store');
    deps.render(ctx, 'oauth1-authorize', { title: 'Authorize', client: { name: await deps.clientName(p.applicationId) }, oauthToken: p.token, callbackHost: callbackHost(p) });
  });

  pages.post('/oauth1/authorize', outsideProfile(deps.securityProfile, true), requireLogin(), csrfProtection(), async (ctx) => {
    const body = plainParams(ctx.request.body as Record<string, unknown>);
    const p = await pending(body.oauth_token);
    const d = await decide(p, currentUser(ctx).id, body.allow !== undefined, { store: deps.store, grants: deps.grants, events: deps.events, now: Date.now(), audit: audit(ctx) });
    if (d.outcome === 'already_answered') throw new HttpError(400, 'invalid_request', 'This authorization request was already answered.');
    if (d.redirect) return ctx.redirect(d.redirect);
    const clientName = await deps.clientName(p.applicationId);
    if (d.outcome === 'refused') return deps.render(ctx, 'error', { title: 'Not authorized', status: 403, code: 'access_denied', description: `${clientName} was not given access.` });
    deps.render(ctx, 'oauth1-authorize', { title: 'Authorized', client: { name: clientName }, verifier: d.verifier });
  });

  // RFC 5849 §2.3: token credentials, once per verifier.
  api.post('/oauth1/token', json, oauth1Errors(deps.realm), outsideProfile(deps.securityProfile), async (ctx) => {
    formEncoded(ctx, { ...await issueTokenCredentials(oauth1Request(ctx), flow(ctx)) });
  });
  return [api, pages];
}

/** Koa middleware for resources signed with OAuth 1 token credentials (RFC 5849 §3). */
export function createRequireOAuth1(deps: Pick<OAuth1Deps, 'store' | 'users' | 'allowPlaintext' | 'throttle' | 'securityProfile'>) {
  const stores = { oauth1: deps.store, users: deps.users };
  return function requireOAuth1(opts: { realm?: string } = {}): Middleware {
    const realm = opts.realm ?? 'gatehouse';
    const outside = outsideProfile(deps.securityProfile);
    const check: Middleware = async (ctx, next) => {
      ctx.state.api = true;
      // Token credentials issued before the profile was set open nothing under it.
      await outside(ctx, async () => {});
      ctx.state.oauth1 = await verifyResourceRequest(oauth1Request(ctx), signedSettings(ctx, deps), stores);
      await next();
    };
    const errors = oauth1Errors(realm);
    return (ctx, next) => errors(ctx, () => check(ctx, next));
  };
}
