import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { TokenInfo } from '../../oauth2/store.ts';
import type { RequireTokenOptions } from '../protect.ts';

/** The tutorials' protected resources: django-oauth-toolkit's /api/hello and django-oauth2-provider's /api/verify. */
export function resourceExampleRoutes(deps: { requireToken: (o?: RequireTokenOptions) => Middleware }): Router {
  const router = new Router({ prefix: '/api' });
  router.get(['/hello', '/hello/'], deps.requireToken(), (ctx) => {
    const t = ctx.state.token as TokenInfo;
    ctx.body = { message: 'Hello, OAuth2!', user: t.username, client_id: t.clientId, scope: t.scope };
  });
  router.post(['/verify', '/verify/'], deps.requireToken(), (ctx) => {
    const t = ctx.state.token as TokenInfo;
    ctx.body = { user: t.username, client_id: t.clientId, scope: t.scope };
  });
  return router;
}
