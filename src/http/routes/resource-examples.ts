import type Router from '../router.ts';
import { protocolRouter } from '../router.ts';
import type { Context, Middleware } from 'koa';
import type { ClientStore, TokenInfo } from '../../oauth2/store.ts';
import { usernameFor } from '../../oauth2/introspection.ts';
import type { RequireTokenOptions } from '../protect.ts';
import { looksLikeOAuth1 } from '../oauth1-request.ts';

/** The tutorials' protected resources: django-oauth-toolkit's /api/hello and django-oauth2-provider's /api/verify. */
export function resourceExampleRoutes(deps: { requireToken: (o?: RequireTokenOptions) => Middleware; requireOAuth1: (o?: { realm?: string }) => Middleware; clients: Pick<ClientStore, 'findByClientId'> }): Router {
  const router = protocolRouter({ cors: true, prefix: '/api' });
  // The user as the token's client may know them: not by username for a pairwise client (attacker read 19, F3), over
  // OAuth 2 or OAuth 1 (read 21, F2).
  const user = async (t: Pick<TokenInfo, 'username' | 'clientId'>) => (t.username === null ? undefined : usernameFor(t, (await deps.clients.findByClientId(t.clientId))?.subjectType === 'pairwise'));
  const oauth1User = (ctx: Context) => user({ username: ctx.state.oauth1.username, clientId: ctx.state.oauth1.consumerKey });
  const bearer = deps.requireToken();
  const oauth1 = deps.requireOAuth1();
  // /api/hello speaks both protocols: an OAuth 1 signature if the request carries one, else a bearer token.
  const either: Middleware = (ctx, next) => (looksLikeOAuth1(ctx) ? oauth1(ctx, next) : bearer(ctx, next));
  router.get(['/hello', '/hello/'], either, async (ctx) => {
    if (ctx.state.oauth1) {
      ctx.body = { message: 'Hello, OAuth1!', user: await oauth1User(ctx), client_id: ctx.state.oauth1.consumerKey };
      return;
    }
    const t = ctx.state.token as TokenInfo;
    ctx.body = { message: 'Hello, OAuth2!', user: await user(t), client_id: t.clientId, scope: t.scope };
  });
  // Authlib's user_api: who signed this request?
  router.get(['/oauth1/user', '/oauth1/user/'], oauth1, async (ctx) => { ctx.body = { username: await oauth1User(ctx) }; });
  // django-oauth2-provider's walk-through posts the token as `token` (curl -d "token=…"); RFC 6750's access_token too.
  router.post(['/verify', '/verify/'], deps.requireToken({ bodyFields: ['access_token', 'token'] }), async (ctx) => {
    const t = ctx.state.token as TokenInfo;
    ctx.body = { user: await user(t), client_id: t.clientId, scope: t.scope };
  });
  return router;
}
