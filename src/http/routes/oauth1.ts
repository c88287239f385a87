import Router from '../router.ts';
import type { Context, Middleware } from 'koa';
import { isOAuth1Error, badRequest, unauthorized } from '../../oauth1/errors.ts';
import { verifyRequest } from '../../oauth1/verify.ts';
import type { EventSink, GrantStore } from '../../oauth2/store.ts';
import { generateToken } from '../../oauth2/tokens.ts';
import type { UserStore } from '../../accounts/store.ts';
import type { OAuth1Repository } from '../../storage/oauth1.repository.ts';
import { csrfProtection } from '../middleware/csrf.ts';
import { HttpError } from '../middleware/errors.ts';
import { throttledCheck, type ClientThrottle } from '../client-throttle.ts';
import { currentUser, requireLogin } from '../middleware/session-user.ts';
import { oauth1Request } from '../oauth1-request.ts';
import { plainParams } from '../oauth-endpoint.ts';
import type { Render } from '../render.ts';

export interface OAuth1Deps {
  store: OAuth1Repository;
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
}

type VerifyWhat = { tokenRequired: boolean; tokenKind?: 'temporary' | 'access'; requireCallback?: boolean };

/** Every signed OAuth 1 request is verified here; a wrong signature counts as a failed client authentication. */
function verified(ctx: Context, deps: Pick<OAuth1Deps, 'store' | 'allowPlaintext' | 'throttle'>, o: VerifyWhat) {
  const isVerdict = (e: unknown) => isOAuth1Error(e) && e.status === 401;
  return verifyRequest(oauth1Request(ctx), {
    stores: deps.store, now: Math.floor(Date.now() / 1000), timestampWindow: 300, allowPlaintext: deps.allowPlaintext(ctx), ...o,
    guard: (consumerKey, check) => throttledCheck(deps.throttle, consumerKey, ctx.ip, check, isVerdict),
  });
}

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

export function oauth1Routes(deps: OAuth1Deps): Router {
  const router = new Router({ prefix: '/oauth1' });
  const verify = (ctx: Context, o: VerifyWhat) => verified(ctx, deps, o);

  // RFC 5849 §2.1: temporary credentials.
  router.post('/initiate', (ctx, next) => { ctx.state.api = true; return next(); }, oauth1Errors(deps.realm), async (ctx) => {
    const { consumer, protocol } = await verify(ctx, { tokenRequired: false, requireCallback: true });
    const callback = protocol.oauth_callback;
    // The callback must be out-of-band or one the application registered, matched exactly like OAuth 2 redirects.
    if (callback !== 'oob' && !consumer.callbackUris.includes(callback)) throw badRequest('parameter_rejected', 'oauth_callback is not registered for this application.');
    const token = generateToken(24);
    const secret = generateToken(24);
    await deps.store.createTemporary({ token, secret, applicationId: consumer.applicationId, callback, expiresAt: Date.now() + deps.temporaryTtl * 1000 });
    formEncoded(ctx, { oauth_token: token, oauth_token_secret: secret, oauth_callback_confirmed: 'true' });
  });

  async function pending(ctx: Context, token: unknown) {
    const t = typeof token === 'string' && token ? await deps.store.findToken(token) : null;
    if (!t || t.kind !== 'temporary' || t.revoked || (t.expiresAt !== null && t.expiresAt < Date.now())) {
      throw new HttpError(400, 'invalid_request', 'This authorization request is unknown, expired or already used. Start again from the application.');
    }
    return t;
  }

  // RFC 5849 §2.2: resource owner authorization.
  router.get('/authorize', requireLogin(), async (ctx) => {
    const t = await pending(ctx, ctx.query.oauth_token);
    ctx.set('Cache-Control', 'no-store');
    deps.render(ctx, 'oauth1-authorize', {
      title: 'Authorize', client: { name: await deps.clientName(t.applicationId) }, oauthToken: t.token,
      callbackHost: t.callback && t.callback !== 'oob' ? new URL(t.callback).host : null,
    });
  });

  router.post('/authorize', requireLogin(), csrfProtection(), async (ctx) => {
    const body = plainParams(ctx.request.body as Record<string, unknown>);
    const t = await pending(ctx, body.oauth_token);
    const user = currentUser(ctx);
    const clientName = await deps.clientName(t.applicationId);
    const oob = !t.callback || t.callback === 'oob';
    const back = (extra: Record<string, string>) => {
      const url = new URL(t.callback!);
      for (const [k, v] of Object.entries({ oauth_token: t.token, ...extra })) url.searchParams.append(k, v);
      return url.toString();
    };
    if (body.allow === undefined) {
      await deps.store.refuseTemporary(t.token);
      await deps.events.record({ type: 'consent.denied', userId: user.id, ip: ctx.ip, requestId: ctx.state.requestId, detail: { protocol: 'oauth1', applicationId: t.applicationId } });
      if (oob) return deps.render(ctx, 'error', { title: 'Not authorized', status: 403, code: 'access_denied', description: `${clientName} was not given access.` });
      return ctx.redirect(back({ oauth_problem: 'user_refused' }));
    }
    const grant = await deps.grants.upsert(user.id, t.applicationId, (await deps.grants.find(user.id, t.applicationId))?.scope ?? '', Date.now());
    const verifier = generateToken(16);
    if (!(await deps.store.approveTemporary(t.token, user.id, verifier, grant.id))) throw new HttpError(400, 'invalid_request', 'This authorization request was already answered.');
    await deps.events.record({ type: 'consent.granted', userId: user.id, ip: ctx.ip, requestId: ctx.state.requestId, detail: { protocol: 'oauth1', applicationId: t.applicationId } });
    if (oob) return deps.render(ctx, 'oauth1-authorize', { title: 'Authorized', client: { name: clientName }, verifier });
    ctx.redirect(back({ oauth_verifier: verifier }));
  });

  // RFC 5849 §2.3: token credentials, once per verifier.
  router.post('/token', (ctx, next) => { ctx.state.api = true; return next(); }, oauth1Errors(deps.realm), async (ctx) => {
    const { protocol, consumer, token } = await verify(ctx, { tokenRequired: true, tokenKind: 'temporary' });
    if (!protocol.oauth_verifier) throw badRequest('parameter_absent', 'oauth_verifier is required.');
    const credentials = { token: generateToken(24), secret: generateToken(24) };
    const result = await deps.store.exchange({ temporary: token!.token, verifier: protocol.oauth_verifier, ...credentials, now: Date.now() });
    if (!result) throw unauthorized('verifier_invalid', 'The verifier is wrong or was already used.');
    await deps.events.record({ type: 'token.issued', userId: result.userId, clientId: consumer.consumerKey, ip: ctx.ip, requestId: ctx.state.requestId, detail: { protocol: 'oauth1' } });
    formEncoded(ctx, { oauth_token: credentials.token, oauth_token_secret: credentials.secret });
  });
  return router;
}

/** Koa middleware for resources signed with OAuth 1 token credentials (RFC 5849 §3). */
export function createRequireOAuth1(deps: Pick<OAuth1Deps, 'store' | 'users' | 'allowPlaintext' | 'throttle'>) {
  return function requireOAuth1(opts: { realm?: string } = {}): Middleware {
    const realm = opts.realm ?? 'gatehouse';
    const check: Middleware = async (ctx, next) => {
      ctx.state.api = true;
      const { consumer, token } = await verified(ctx, deps, { tokenRequired: true, tokenKind: 'access' });
      const user = token?.userId ? await deps.users.findById(token.userId) : null;
      ctx.state.oauth1 = { consumerKey: consumer.consumerKey, username: user?.username ?? null, userId: token?.userId ?? null };
      await next();
    };
    const errors = oauth1Errors(realm);
    return (ctx, next) => errors(ctx, () => check(ctx, next));
  };
}
