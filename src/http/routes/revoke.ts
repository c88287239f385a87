import type Router from '../router.ts';
import { protocolRouter } from '../router.ts';
import type { TokenStore } from '../../oauth2/store.ts';
import { InvalidGrant, InvalidRequest } from '../../oauth2/errors.ts';
import { findToken } from '../../oauth2/introspection.ts';
import { formParams, oauthEndpoint } from '../oauth-endpoint.ts';
import { authenticatedClient, clientAuthentication, type ClientAuthDeps } from '../middleware/client-auth.ts';

/**
 * RFC 7009: token revocation. A client may revoke only its own tokens: another client's token is refused (§2.1), and
 * an unknown one, or its own expired or revoked one, answers 200 with no effect (§2.2).
 */
export function revokeRoutes(deps: ClientAuthDeps & { tokens: TokenStore }): Router {
  const router = protocolRouter({ cors: true });
  router.post(['/o/revoke_token', '/o/revoke_token/'], oauthEndpoint(), clientAuthentication(deps), async function revokeEndpoint(ctx) {
    const params = formParams(ctx);
    const client = authenticatedClient(ctx);
    if (!params.token) throw new InvalidRequest('token is required.');
    const found = await findToken(deps.tokens, params.token, params.token_type_hint);
    const now = Date.now();
    // RFC 7009 §2.1: the server "verifies whether the token was issued to the client making the revocation request. If
    // this validation fails, the request is refused"; RFC 6749 §5.2 names it: invalid_grant, "issued to another client".
    // Live or not: an answer that differed would tell a thief whether a refresh token it holds was rotated (attacker read 9).
    if (found && found.applicationId !== client.id) throw new InvalidGrant('The token was issued to another client.');
    // RFC 7009 §2.2: an unknown token gets 200 and no effect.
    if (found) {
      if (found.kind === 'refresh' && found.familyId) await deps.tokens.revokeFamily({ familyId: found.familyId, grantId: found.grantId }, now);
      else await deps.tokens.revokeAccessToken(found.tokenHash, now);
      await deps.events.record({ type: 'token.revoked', clientId: client.clientId, userId: found.userId, ip: ctx.ip, requestId: ctx.state.requestId, detail: { kind: found.kind, via: 'revocation_endpoint' } });
    }
    ctx.status = 200;
    ctx.body = '';
  });
  return router;
}
