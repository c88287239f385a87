import Router from '../router.ts';
import type { Context } from 'koa';
import { authenticate } from '../../accounts/users.ts';
import type { UserStore } from '../../accounts/store.ts';
import type { EventSink } from '../../oauth2/store.ts';
import type { RateLimiter } from '../../storage/rate-limit.ts';
import { tr, type Render } from '../render.ts';
import { csrfProtection } from '../middleware/csrf.ts';
import { safeNext } from '../safe-next.ts';

export interface LoginDeps {
  users: UserStore;
  events: EventSink;
  limiter: RateLimiter;
  render: Render;
  limits: { loginPerUsername: number; loginPerIp: number; windowSeconds: number };
}

export function loginRoutes(deps: LoginDeps): Router {
  const router = new Router();
  const { limits } = deps;

  router.get(['/accounts/login', '/accounts/login/'], (ctx) => {
    if (ctx.state.user) return ctx.redirect(safeNext(ctx.query.next));
    deps.render(ctx, 'login', { next: safeNext(ctx.query.next), values: {} });
  });

  router.post(['/accounts/login', '/accounts/login/'], csrfProtection(), async (ctx) => {
    const body = ctx.request.body as Record<string, unknown>;
    const username = typeof body.username === 'string' ? body.username.trim() : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const next = safeNext(body.next ?? ctx.query.next);
    const ipKey = `login:ip:${ctx.ip}`;
    const userKey = `login:user:${username.toLowerCase()}`;

    // Throttle before the password check so guessing costs the attacker, not just us.
    const [byIp, byUser] = await Promise.all([
      deps.limiter.peek(ipKey, limits.loginPerIp),
      deps.limiter.peek(userKey, limits.loginPerUsername),
    ]);
    if (!byIp.allowed || !byUser.allowed) return tooMany(ctx, deps, Math.max(byIp.retryAfter, byUser.retryAfter), username, next);

    if (!username || !password) {
      ctx.status = 400;
      return deps.render(ctx, 'login', { next, values: { username }, errors: { form: tr(ctx)('login.missing') } });
    }
    const user = await authenticate(deps.users, username, password);
    if (!user) {
      await Promise.all([deps.limiter.hit(ipKey, limits.loginPerIp, limits.windowSeconds), deps.limiter.hit(userKey, limits.loginPerUsername, limits.windowSeconds)]);
      await deps.events.record({ type: 'login.failed', ip: ctx.ip, requestId: ctx.state.requestId, detail: { username: username.slice(0, 150) } });
      ctx.status = 400;
      return deps.render(ctx, 'login', { next, values: { username }, errors: { form: tr(ctx)('login.wrong') } });
    }
    await deps.limiter.reset(userKey);
    // A new session id at login: a session id planted before login is worthless afterwards.
    await ctx.session!.regenerate();
    ctx.session!.userId = user.id;
    ctx.session!.loginAt = Date.now();
    await deps.events.record({ type: 'login.succeeded', userId: user.id, ip: ctx.ip, requestId: ctx.state.requestId });
    ctx.redirect(next);
  });

  router.get(['/accounts/logout', '/accounts/logout/'], (ctx) => {
    if (!ctx.state.user) return ctx.redirect('/');
    deps.render(ctx, 'logout', {});
  });

  router.post(['/accounts/logout', '/accounts/logout/'], csrfProtection(), async (ctx) => {
    if (ctx.state.user) await deps.events.record({ type: 'logout', userId: ctx.state.user.id, ip: ctx.ip, requestId: ctx.state.requestId });
    ctx.session = null;
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
