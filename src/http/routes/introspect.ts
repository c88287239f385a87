import Router from '../router.ts';
import type { Context } from 'koa';
import type { TokenStore } from '../../oauth2/store.ts';
import { InvalidClient, InvalidRequest } from '../../oauth2/errors.ts';
import { describeToken, findToken, introspectorFor, isLive, visibleTo, type Introspector } from '../../oauth2/introspection.ts';
import { parseScope } from '../../oauth2/scope.ts';
import { hashToken } from '../../oauth2/tokens.ts';
import { formParams, oauthEndpoint } from '../oauth-endpoint.ts';
import { clientFrom, type ClientAuthDeps } from './token.ts';

interface Deps extends ClientAuthDeps { tokens: TokenStore; issuer: () => string }

/**
 * RFC 7662 §2.1: the caller must be authorized — a confidential client (for its own tokens; for every token when an
 * administrator allowed it the `introspection` scope, i.e. made it a resource server), or, as in
 * django-oauth-toolkit, a bearer token carrying the `introspection` scope.
 */
async function authorizeCaller(ctx: Context, params: Record<string, string>, deps: Deps): Promise<Introspector> {
  const auth = ctx.get('authorization');
  if (/^bearer\s/i.test(auth)) {
    const info = await deps.tokens.findAccessToken(hashToken(auth.replace(/^bearer\s+/i, '').trim()));
    if (info && isLive(info, Date.now()) && parseScope(info.scope).includes('introspection')) return { anyToken: true };
    throw new InvalidClient('The bearer token may not introspect (needs the introspection scope).', { headers: { 'WWW-Authenticate': 'Bearer realm="gatehouse", error="invalid_token"' } });
  }
  const client = await clientFrom(ctx, params, deps);
  if (client.clientType !== 'confidential') throw new InvalidClient('Only confidential clients may introspect tokens.');
  return introspectorFor(client);
}

export function introspectRoutes(deps: Deps): Router {
  const router = new Router();
  router.post(['/o/introspect', '/o/introspect/'], oauthEndpoint(), async function introspectEndpoint(ctx) {
    const params = formParams(ctx);
    const caller = await authorizeCaller(ctx, params, deps);
    if (!params.token) throw new InvalidRequest('token is required.');
    ctx.body = describeToken(visibleTo(await findToken(deps.tokens, params.token, params.token_type_hint), caller), Date.now(), deps.issuer());
  });
  return router;
}
