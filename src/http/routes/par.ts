import type { Middleware } from 'koa';
import type Router from '../router.ts';
import { protocolRouter } from '../router.ts';
import type { AuthorizeSettings } from '../../oauth2/authorize.ts';
import { pushAuthorizationRequest, type PushedRequestStore } from '../../oauth2/par/pushed-requests.ts';
import type { RequestObjectReplay } from '../../oauth2/par/request-object.ts';
import { formParams, oauthEndpoint } from '../oauth-endpoint.ts';
import { authenticatedClient, clientAuthentication, type ClientAuthDeps } from '../middleware/client-auth.ts';
import { tokenRequestKey, type HttpDpop } from '../dpop.ts';

export interface ParRouteDeps extends ClientAuthDeps {
  settings: AuthorizeSettings;
  pushedRequests: PushedRequestStore;
  /** A request object's jti is spent here (single use); absent, not checked. */
  requestObjectReplay?: RequestObjectReplay;
  issuer: () => string;
  dpop: HttpDpop;
  /** Counts every push per source (each stores a row; anyone may push), before client authentication. */
  pushBudget: Middleware;
}

/**
 * RFC 9126 §2: the pushed authorization request endpoint. The client authenticates as at the token endpoint
 * (§2: "the same rules for client authentication as defined in [RFC6749] for token endpoint requests").
 */
export function parRoutes(deps: ParRouteDeps): Router {
  const router = protocolRouter({ cors: true });
  router.post(['/o/par', '/o/par/'], oauthEndpoint(), deps.pushBudget, clientAuthentication(deps), async function parEndpoint(ctx) {
    const params = formParams(ctx);
    // RFC 9449 §10.1: a proof at the PAR endpoint binds the code to its key (pushAuthorizationRequest reconciles it
    // with dpop_jkt, after a request object has been expanded).
    const jkt = await tokenRequestKey(ctx, deps.dpop);
    // §2.2: 201 Created, no-store (oauthEndpoint sets it).
    ctx.body = await pushAuthorizationRequest(authenticatedClient(ctx), params, deps.settings, deps.pushedRequests, Date.now(), deps.issuer(), deps.requestObjectReplay, jkt);
    ctx.status = 201;
  });
  return router;
}
