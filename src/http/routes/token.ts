import type Router from '../router.ts';
import { protocolRouter } from '../router.ts';
import type { Context } from 'koa';
import { InvalidDpopProof, InvalidRequest, InvalidTarget, UnauthorizedClient, UnsupportedGrantType } from '../../oauth2/errors.ts';
import { tokenRequestKey, type HttpDpop } from '../dpop.ts';
import { mayNameResourceWithGrant } from '../../oauth2/privileges.ts';
import { effectiveGrantTypes } from '../../oauth2/grant-types.ts';
import { grants } from '../../oauth2/grants/index.ts';
import type { GrantContext } from '../../oauth2/grants/context.ts';
import type { GrantType } from '../../oauth2/store.ts';
import { formParams, oauthEndpoint } from '../oauth-endpoint.ts';
import { authenticatedClient, clientAuthentication, type ClientAuthDeps } from '../middleware/client-auth.ts';
import { tokenViolation, type SecurityProfile } from '../../oauth2/security-profile/index.ts';

export interface TokenRouteDeps extends ClientAuthDeps {
  grantContext: (ctx: Context) => GrantContext;
  dpop: HttpDpop;
  securityProfile?: SecurityProfile;
}

/**
 * The token endpoint's paths: django-oauth-toolkit's, and django-oauth2-provider's `/oauth2/access_token` so that
 * tutorial's curl lines work unchanged. One route, so both share the handler, client authentication and throttles.
 */
export const TOKEN_PATHS = ['/o/token', '/o/token/', '/oauth2/access_token', '/oauth2/access_token/'];

/** RFC 6749 §3.2: the token endpoint. Every grant is a module in src/oauth2/grants. */
export function tokenRoutes(deps: TokenRouteDeps): Router {
  const router = protocolRouter({ cors: true });
  router.post(TOKEN_PATHS, oauthEndpoint(), clientAuthentication(deps), async function tokenEndpoint(ctx) {
    const params = formParams(ctx);
    const client = authenticatedClient(ctx);
    const grantType = params.grant_type;
    if (!grantType) throw new InvalidRequest('grant_type is required.');
    const grant = grants.get(grantType);
    if (!grant) throw new UnsupportedGrantType(`grant_type "${grantType.slice(0, 40)}" is not supported.`);
    // RFC 6749 §5.2 unauthorized_client: the client is not registered for this grant type.
    const allowed = grant.enabledFor ? grant.enabledFor(client) : effectiveGrantTypes(client.grantTypes).includes(grantType as GrantType);
    if (!allowed) throw new UnauthorizedClient(`This client may not use the ${grantType} grant.`);
    // RFC 8707: a client anyone could register gets no token of its own for a resource server (privileges.ts).
    if (params.resource !== undefined && grant.parameters.has('resource') && !mayNameResourceWithGrant(client, grantType)) {
      throw new InvalidTarget('This client may not ask for a resource with this grant.');
    }
    // RFC 9449 §5: a proof binds what is issued to its key; a client registered with dpop_bound_access_tokens must send one (§5.2).
    const dpopJkt = await tokenRequestKey(ctx, deps.dpop);
    const violation = tokenViolation(deps.securityProfile, { grantType, takesResource: grant.parameters.has('resource'), resource: params.resource, dpopJkt });
    if (violation) throw violation;
    if (!dpopJkt && client.dpopBoundAccessTokens) throw new InvalidDpopProof('This client must send a DPoP proof with every token request.');
    const declared: Record<string, string> = {};
    for (const name of grant.parameters) if (params[name] !== undefined) declared[name] = params[name];
    ctx.body = await grant.handle(declared, client, { ...deps.grantContext(ctx), dpopJkt });
  });
  return router;
}
