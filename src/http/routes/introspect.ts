import Router from '../router.ts';
import type { Context } from 'koa';
import type { TokenStore } from '../../oauth2/store.ts';
import { InvalidClient, InvalidRequest } from '../../oauth2/errors.ts';
import { describeToken, findToken, isLive } from '../../oauth2/introspection.ts';
import { parseScope } from '../../oauth2/scope.ts';
import { hashToken } from '../../oauth2/tokens.ts';
import { formParams, oauthEndpoint } from '../oauth-endpoint.ts';
import { clientFrom, type ClientAuthDeps } from './token.ts';

interface Deps extends ClientAuthDeps { tokens: TokenStore; issuer: () => string }

/**
 * RFC 7662 §2.1: the caller must be authorized — a confidential client (a resource server is one), or,
 * as in django-oauth-toolkit, a bearer token carrying the `introspection` scope.
 */
async function authorizeCaller(ctx: Context, params: Record<string, string>, deps: Deps): Promise<void> {
  const auth = ctx.get('authorization');
  if (/^bearer\s/i.test(auth)) {
    const info = await deps.tokens.findAccessToken(hashToken(auth.replace(/^bearer\s+/i, '').trim()));
    if (info && isLive(info, Date.now()) && parseScope(info.scope).includes('introspection')) return;
    throw new InvalidClient('The bearer token may not introspect (needs the introspection scope).', { headers: { 'WWW-Authenticate': 'Bearer realm="gatehouse", error="invalid_token"' } });
  }
  const client = await clientFrom(ctx, params, deps);
  if (client.clientType !== 'confidential') throw new InvalidClient('Only confidential clients may introspect tokens.');
}

export function introspectRoutes(deps: Deps): Router {
  const router = new Router();
  router.post(['/o/introspect', '/o/introspect/'], oauthEndpoint(), async function introspectEndpoint(ctx) {
    const params = formParams(ctx);
    await authorizeCaller(ctx, params, deps);
    if (!params.token) throw new InvalidRequest('token is required.');
    ctx.body = describeToken(await findToken(deps.tokens, params.token, params.token_type_hint), Date.now(), deps.issuer());
  });
  return router;
}
