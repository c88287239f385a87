import type Router from '../router.ts';
import { protocolRouter } from '../router.ts';
import type { Context } from 'koa';
import type { ClientRecord, TokenStore } from '../../oauth2/store.ts';
import type { Subjects } from '../../oidc/subject.ts';
import { InvalidClient, InvalidRequest } from '../../oauth2/errors.ts';
import { describeToken, findToken, introspectorFor, isLive, visibleTo, type Introspector } from '../../oauth2/introspection.ts';
import { parseScope } from '../../oauth2/scope.ts';
import { checkAccessToken } from '../../oauth2/access-token-check.ts';
import { bearerChallenge } from '../../oauth2/challenge.ts';
import { formParams, oauthEndpoint } from '../oauth-endpoint.ts';
import { authenticatedClient, clientAuthentication, type ClientAuthDeps } from '../middleware/client-auth.ts';
import { parseBearer, usesBearerScheme } from '../../oauth2/bearer.ts';

interface Deps extends ClientAuthDeps { tokens: TokenStore; issuer: () => string; subjects: Subjects }

/**
 * RFC 7662 §2.1: the caller must be authorized — a confidential client (for its own tokens; for every token when an
 * administrator allowed it the `introspection` scope, i.e. made it a resource server), or, as in
 * django-oauth-toolkit, a bearer token carrying the `introspection` scope.
 */
async function authorizeCaller(ctx: Context, deps: Deps): Promise<Introspector> {
  const bearer = parseBearer(ctx.get('authorization'));
  if (usesBearerScheme(bearer)) {
    // The introspection endpoint is one of the issuer's APIs: a token for another resource may not use it (RFC 8707);
    // RFC 9449 §7.2: a DPoP-bound token does not work as a bearer token here either.
    const checked = bearer.ok ? await checkAccessToken(deps.tokens, { token: bearer.token }, { resource: deps.issuer(), issuer: deps.issuer(), scheme: 'bearer' }) : null;
    if (checked?.ok && parseScope(checked.token.scope).includes('introspection')) return { anyToken: true };
    throw new InvalidClient('The bearer token may not introspect (needs the introspection scope).', { headers: { 'WWW-Authenticate': bearerChallenge({ realm: 'gatehouse', error: 'invalid_token' }) } });
  }
  const client = authenticatedClient(ctx);
  if (client.clientType !== 'confidential') throw new InvalidClient('Only confidential clients may introspect tokens.');
  return introspectorFor(client);
}

/** A caller choosing the Bearer scheme is judged by its token alone (authorizeCaller), not as a client. */
const bearerMode = (ctx: Context) => usesBearerScheme(parseBearer(ctx.get('authorization')));

export function introspectRoutes(deps: Deps): Router {
  const router = protocolRouter({ cors: true });
  router.post(['/o/introspect', '/o/introspect/'], oauthEndpoint(), clientAuthentication(deps, { skip: bearerMode }), async function introspectEndpoint(ctx) {
    const params = formParams(ctx);
    const caller = await authorizeCaller(ctx, deps);
    if (!params.token) throw new InvalidRequest('token is required.');
    const now = Date.now();
    const found = visibleTo(await findToken(deps.tokens, params.token, params.token_type_hint), caller);
    const token = found && isLive(found, now) ? found : null;
    // The sub the token's client knows (pairwise or public): its client is read only for a token that names a user.
    // Most often the caller introspects its own token: its record is already at hand.
    const asking = ctx.state.client as ClientRecord | undefined;
    const client = token?.userId == null ? null : asking?.clientId === token.clientId ? asking : await deps.clients.findByClientId(token.clientId);
    // A user's token whose client is gone names no one: inactive.
    const shown = token && (token.userId === null || client) ? token : null;
    ctx.body = describeToken(shown, now, deps.issuer(), { of: (userId) => deps.subjects.of(userId, client!), pairwise: client?.subjectType === 'pairwise' });
  });
  return router;
}
